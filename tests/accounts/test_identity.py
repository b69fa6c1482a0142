from datetime import date

import pytest
from django.core.exceptions import ValidationError

from motcua.accounts.identity import (
    check_id_number,
    check_tax_code,
    id_number_sex,
    mask_id_number,
    mask_phone,
    normalise_phone,
)


@pytest.mark.parametrize(
    ("number", "born"),
    [
        ("079090001234", date(1990, 5, 12)),  # HCMC, male, 1900s
        ("001185004321", date(1985, 1, 1)),  # Hà Nội, female, 1900s
        ("042205000001", date(2005, 3, 1)),  # Hà Tĩnh, male, 2000s
        ("038312000009", date(2012, 7, 7)),  # Thanh Hóa, female, 2000s
    ],
)
def test_a_well_formed_identity_number_matching_the_birth_year_is_accepted(number, born):
    assert check_id_number(number, born) == number


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("07909000123", "12 chữ số"),
        ("0790900012345", "12 chữ số"),
        ("07909000123A", "12 chữ số"),
        ("003090001234", "mã tỉnh"),  # 003 is no province code
        ("099090001234", "mã tỉnh"),
    ],
)
def test_a_malformed_identity_number_is_refused_in_vietnamese(number, message):
    with pytest.raises(ValidationError, match=message):
        check_id_number(number)


def test_the_century_and_year_digits_must_match_the_date_of_birth():
    with pytest.raises(ValidationError, match="năm sinh 2090"):
        check_id_number("079290001234", date(1990, 5, 12))
    with pytest.raises(ValidationError, match="năm sinh 1991"):
        check_id_number("079091001234", date(1990, 5, 12))


def test_the_fourth_digit_tells_the_sex():
    assert id_number_sex("079090001234") == "male"
    assert id_number_sex("079185004321") == "female"


def test_tax_codes_with_a_good_check_digit_and_branches_are_accepted():
    assert check_tax_code("0100109106") == "0100109106"
    assert check_tax_code("0100109106-001") == "0100109106-001"
    assert check_tax_code("0100109106001") == "0100109106-001"


@pytest.mark.parametrize("code", ["0100109107", "01001091", "abc", "0100109106-01"])
def test_a_tax_code_with_a_wrong_check_digit_or_length_is_refused(code):
    with pytest.raises(ValidationError, match="Mã số thuế"):
        check_tax_code(code)


@pytest.mark.parametrize("raw", ["0901234567", "090 123 4567", "+84 90 123 4567", "84901234567"])
def test_phones_are_stored_in_e164_whatever_the_spelling(raw):
    assert normalise_phone(raw) == "+84901234567"


@pytest.mark.parametrize("raw", ["", "12345", "0901", "không có"])
def test_an_invalid_phone_is_refused(raw):
    with pytest.raises(ValidationError, match="Số điện thoại"):
        normalise_phone(raw)


def test_identity_numbers_and_phones_are_masked_for_lists_and_logs():
    assert mask_id_number("079090001234") == "••••••••1234"
    assert mask_phone("+84901234567") == "+84••••••567"
    assert mask_id_number(None) == ""
