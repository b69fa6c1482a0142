"""The legally required notices, in Vietnamese (receipt, supplement request, refusal,
apology and new date, stop, result ready). Versioned templates with SMS variants come with
the notifications issue (5); a missing value here is an error, never a blank."""

from __future__ import annotations

from typing import Any

from motcua.core.templatetags.motcua import dmy, dmy_hm

from .models import Dossier

SIGNATURE = "\n\n— Hệ thống một cửa điện tử (thư tự động, vui lòng không trả lời)."


def render(kind: str, dossier: Dossier, **context: Any) -> tuple[str, str]:
    name = dossier.procedure.name
    agency = dossier.receiving_agency.name
    code = dossier.code
    if kind == "received":
        due = dmy(dossier.due_at) if dossier.due_at else "theo quy định"
        return (
            f"Đã tiếp nhận hồ sơ {code}",
            f"Kính gửi {dossier.owner_name},\n\n{agency} đã tiếp nhận hồ sơ {code} "
            f"({name}). Ngày hẹn trả kết quả: {due}.{SIGNATURE}",
        )
    if kind == "supplement_requested":
        lines = "\n".join(f"- {m['name']}: {m['reason']}" for m in context["missing"])
        return (
            f"Yêu cầu bổ sung hồ sơ {code}",
            f"Kính gửi {dossier.owner_name},\n\nHồ sơ {code} ({name}) cần bổ sung, hoàn "
            f"thiện các nội dung sau:\n{lines}\n\nVui lòng bổ sung một lần đầy đủ.{SIGNATURE}",
        )
    if kind == "refused":
        return (
            f"Từ chối tiếp nhận hồ sơ {code}",
            f"Kính gửi {dossier.owner_name},\n\n{agency} từ chối tiếp nhận hồ sơ {code} "
            f"({name}) vì: {context['reason']}{SIGNATURE}",
        )
    if kind == "stopped":
        return (
            f"Dừng giải quyết hồ sơ {code}",
            f"Kính gửi {dossier.owner_name},\n\nHồ sơ {code} ({name}) được dừng giải quyết "
            f"vì: {context['reason']}{SIGNATURE}",
        )
    if kind == "apologised":
        return (
            f"Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}",
            f"Kính gửi {dossier.owner_name},\n\nHồ sơ {code} ({name}) chưa giải quyết kịp "
            f"hạn {dmy_hm(context['old_due_at'])} vì: {context['reason']}. Chúng tôi xin "
            f"lỗi và hẹn trả kết quả vào {dmy_hm(dossier.due_at)}.{SIGNATURE}",
        )
    if kind == "result_ready":
        return (
            f"Đã có kết quả hồ sơ {code}",
            f"Kính gửi {dossier.owner_name},\n\nHồ sơ {code} ({name}) đã có kết quả. "
            f"Hình thức nhận: {dossier.get_delivery_display()}.{SIGNATURE}",
        )
    raise KeyError(f"no notice template {kind!r}")
