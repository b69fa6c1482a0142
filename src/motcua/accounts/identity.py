"""Identity numbers and phone numbers: checks and normal forms (DESIGN: People).

- Personal identification number (*số định danh cá nhân*, Identity Law 2023): 12 digits; digits
  1–3 the pre-2025 province of birth registration, digit 4 century and sex, digits 5–6 the
  last two digits of the birth year (REFERENCE: CCCD). There is no check digit.
- Tax code (*mã số thuế*): 10 digits with a check digit, or 13 as ``NNNNNNNNNN-NNN`` for a
  branch (python-stdnum's ``vn.mst``).
- Phone numbers are stored in E.164 and compared in that form (``phonenumbers``).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

import phonenumbers
from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst


@cache
def province_codes() -> frozenset[int]:
    """The 63 pre-2025 province codes, which the first three digits use (the statistics
    office's codes, from vietnam-provinces' legacy data)."""
    from vietnam_provinces.legacy.base import Province

    return frozenset(int(p.code) for p in Province.iter_all())


# Digit 4: century of birth and sex (even male, odd female).
CENTURY_BY_DIGIT = {
    0: 1900,
    1: 1900,
    2: 2000,
    3: 2000,
    4: 2100,
    5: 2100,
    6: 2200,
    7: 2200,
    8: 1800,
    9: 1800,
}
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")


def check_id_number(number: str, date_of_birth: date | None = None) -> str:
    """Return the 12-digit number or raise ValidationError in Vietnamese."""
    number = (number or "").strip().replace(" ", "")
    if not _TWELVE_DIGITS.fullmatch(number):
        raise ValidationError("Số định danh cá nhân gồm đúng 12 chữ số.")
    if int(number[:3]) not in province_codes():
        raise ValidationError(
            "Ba chữ số đầu của số định danh không phải mã tỉnh nơi đăng ký khai sinh."
        )
    if date_of_birth is not None:
        century = CENTURY_BY_DIGIT[int(number[3])]
        year = century + int(number[4:6])
        if year != date_of_birth.year:
            raise ValidationError(
                f"Số định danh cho năm sinh {year}, khác năm sinh đã khai ({date_of_birth.year})."
            )
    return number


def id_number_sex(number: str) -> str:
    """'male' or 'female' from the fourth digit."""
    return "female" if int(number[3]) % 2 else "male"


def check_tax_code(code: str) -> str:
    """Return the tax code in its compact form (``0100109106`` or ``0100109106-001``)."""
    try:
        compact = mst.validate(code)
    except StdnumError:
        raise ValidationError(
            "Mã số thuế gồm 10 chữ số (có chữ số kiểm tra) hoặc 13 chữ số dạng NNNNNNNNNN-NNN."
        ) from None
    return compact if len(compact) == 10 else f"{compact[:10]}-{compact[10:]}"


def normalise_phone(raw: str) -> str:
    """E.164 (+84…) for a Vietnamese or international number; ValidationError otherwise."""
    try:
        parsed = phonenumbers.parse((raw or "").strip(), "VN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError("Số điện thoại không hợp lệ.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_id_number(number: str | None) -> str:
    """Personal Data Protection Law 2025: lists and logs show only the last 4 digits."""
    if not number:
        return ""
    return "•" * (len(number) - 4) + number[-4:]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "•" * (len(phone) - 6) + phone[-3:]
