"""Pydantic's validation errors in Vietnamese, for import files and API input."""

from collections.abc import Iterable, Mapping
from typing import Any

_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép",
    "string_type": "phải là chuỗi ký tự",
    "string_pattern_mismatch": "không đúng định dạng",
    "string_too_long": "quá dài",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "list_type": "phải là danh sách",
    "dict_type": "phải là đối tượng",
    "model_type": "phải là đối tượng",
    "too_short": "không được để trống",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "datetime_parsing": "phải là thời điểm ISO 8601",
    "json_invalid": "không phải JSON hợp lệ",
}


# What a pattern means, for people who do not read regular expressions.
PATTERN_HINTS = {
    r"^\d\.\d{6}$": "mã thủ tục quốc gia có dạng d.dddddd, ví dụ 1.001193",
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$": "chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        return f"phải là một trong: {ctx.get('expected', '')}"
    if kind == "greater_than_equal":
        return f"phải lớn hơn hoặc bằng {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"phải nhỏ hơn hoặc bằng {ctx.get('le')}"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        return PATTERN_HINTS.get(pattern, f"không đúng định dạng (mẫu {pattern})")
    if kind == "value_error":
        # Our own validators raise ValueError with a Vietnamese message.
        return str(ctx.get("error", error.get("msg", "")))
    return _MESSAGES.get(kind, "giá trị không hợp lệ")


def describe_errors(
    errors: Iterable[Mapping[str, Any]], *, skip: int = 0, limit: int = 20
) -> list[str]:
    """``path: message`` lines; ``skip`` drops leading location parts (ninja's "query")."""
    lines = []
    for error in list(errors)[:limit]:
        path = ".".join(str(part) for part in error.get("loc", ())[skip:]) or "dữ liệu"
        lines.append(f"{path}: {_message(error)}")
    return lines
