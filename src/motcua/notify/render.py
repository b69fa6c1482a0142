"""Filling a template and counting what an SMS costs (issue 5 §4).

A placeholder with no value is an error (``MissingPlaceholder``), never a blank. An SMS in
GSM-7 (no Vietnamese diacritics) takes 160 characters a segment, 153 each when split; one
with any other character is sent as UCS-2: 70, then 67 (3GPP TS 23.038 / 23.040). Counted by
hand: the rule is these few lines, no maintained library does only this.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping

# GSM 03.38 default alphabet and, counting two each, its extension table.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


class MissingPlaceholder(KeyError):
    def __init__(self, names: set[str], template: str = "") -> None:
        super().__init__(f"{template}: no value for {', '.join(sorted(names))}")
        self.names = names


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def fill(text: str, values: Mapping[str, object], *, template: str = "") -> str:
    missing = {name for name in placeholders(text) if values.get(name) in (None, "")}
    if missing:
        raise MissingPlaceholder(missing, template)
    return text.format_map(dict(values))


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def segments(text: str) -> int:
    """SMS segments this text takes."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        return 1 if units <= 160 else math.ceil(units / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)
