"""Vietnamese text: NFC normalisation and the folded form used by search.

Search compares folded text computed in Python (DESIGN: Search) so SQLite and PostgreSQL
behave the same: "dang ky khai sinh", "ĐĂNG KÝ KHAI SINH" and "Đăng ký khai sinh" all fold
to "dang ky khai sinh".
"""

import re
import unicodedata
from typing import Any

_SPACES = re.compile(r"\s+")
# đ/Đ are letters of their own, not d with a combining mark: NFD leaves them alone.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def nfc_tree(value: Any) -> Any:
    """NFC-normalise every string in a JSON-like tree (keys included)."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [nfc_tree(v) for v in value]
    if isinstance(value, dict):
        return {nfc_tree(k): nfc_tree(v) for k, v in value.items()}
    return value


def fold(text: str | None) -> str:
    """Strip diacritics, map đ→d, casefold and collapse whitespace."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def unaccented(text: str) -> str:
    """Vietnamese without diacritics, case kept ("Đăng ký" → "Dang ky"): for SMS (fewer
    segments), payment gateways that take ASCII only, and PDFs in a standard font. Anything
    still outside ASCII becomes "?"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.encode("ascii", "replace").decode("ascii")


def search_terms(query: str | None) -> list[str]:
    """The folded words of a query, in order, without duplicates."""
    seen: dict[str, None] = {}
    for word in fold(query).split(" "):
        if word:
            seen.setdefault(word, None)
    return list(seen)
