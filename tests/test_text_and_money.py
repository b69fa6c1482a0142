"""Vietnamese text folding, money and the template filters that show them (DESIGN: Search,
Money)."""

import unicodedata
from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template

from motcua.core.money import format_vnd
from motcua.core.templatetags.motcua import dmy, dmy_hm, vnd
from motcua.core.text import fold, nfc, search_terms

# --- fold -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ĐĂNG KÝ KHAI SINH",
        "Đăng ký khai sinh",
        "đăng ký khai sinh",
        "dang ky khai sinh",
        "  Đăng   ký\tkhai\nsinh  ",
    ],
)
def test_fold_ignores_diacritics_case_and_spacing(text):
    assert fold(text) == "dang ky khai sinh"


def test_fold_gives_the_same_result_for_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    assert decomposed != "Đăng ký khai sinh"
    assert fold(decomposed) == "dang ky khai sinh"


def test_fold_maps_d_with_stroke_to_d():
    assert fold("đ") == "d"
    assert fold("Đ") == "d"
    assert fold("Đồng Nai") == "dong nai"


def test_fold_of_nothing_is_empty():
    assert fold(None) == ""
    assert fold("") == ""
    assert fold("   ") == ""


def test_fold_strips_every_vietnamese_tone_mark():
    assert fold("Ả Ấ Ầ Ẩ Ẫ Ậ Ắ Ằ Ẳ Ẵ Ặ Ơ Ớ Ờ Ở Ỡ Ợ Ư Ứ Ừ Ử Ữ Ự Ỳ Ỷ Ỹ Ỵ") == (
        "a a a a a a a a a a a o o o o o o u u u u u u y y y y"
    )


def test_nfc_composes_decomposed_text():
    decomposed = unicodedata.normalize("NFD", "Thủ tục")
    assert nfc(decomposed) == "Thủ tục"
    assert len(nfc(decomposed)) < len(decomposed)


# --- search_terms ---------------------------------------------------------------------------


def test_search_terms_are_folded_words_in_order_without_duplicates():
    assert search_terms("Đăng ký  KHAI sinh đăng KÝ") == ["dang", "ky", "khai", "sinh"]


def test_search_terms_of_an_empty_query_are_empty():
    assert search_terms(None) == []
    assert search_terms("") == []
    assert search_terms("   ") == []


# --- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (1_000_000, "1.000.000 đ"),
        (0, "0 đ"),
        (999, "999 đ"),
        (2000, "2.000 đ"),
        (200_000, "200.000 đ"),
        (-50_000, "-50.000 đ"),
        (1_234_567_890, "1.234.567.890 đ"),
    ],
)
def test_format_vnd_groups_thousands_with_dots(amount, shown):
    assert format_vnd(amount) == shown


def test_format_vnd_of_none_is_empty():
    assert format_vnd(None) == ""


@pytest.mark.parametrize("amount", [1000.0, 1.5, True, False, "1000"])
def test_format_vnd_rejects_anything_but_integer_dong(amount):
    with pytest.raises(TypeError, match="integer đồng"):
        format_vnd(amount)


# --- template filters -----------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load motcua %}" + source).render(Context(context))


def test_vnd_filter_formats_integer_dong():
    assert vnd(1_000_000) == "1.000.000 đ"
    assert render("{{ amount|vnd }}", amount=2_500_000) == "2.500.000 đ"
    assert render("{{ amount|vnd }}", amount=None) == ""


def test_dmy_filter_shows_an_aware_utc_datetime_on_the_vietnamese_date():
    # 17:30 UTC on 31/12/2025 is 00:30 on 1/1/2026 in Asia/Ho_Chi_Minh (UTC+7).
    moment = datetime(2025, 12, 31, 17, 30, tzinfo=UTC)
    assert dmy(moment) == "01/01/2026"
    assert render("{{ moment|dmy }}", moment=moment) == "01/01/2026"


def test_dmy_filter_keeps_the_utc_date_until_seventeen_hours_utc():
    assert dmy(datetime(2025, 12, 31, 16, 59, tzinfo=UTC)) == "31/12/2025"


def test_dmy_filter_formats_a_plain_date_and_none():
    assert dmy(date(2026, 3, 9)) == "09/03/2026"
    assert dmy(None) == ""


def test_dmy_hm_filter_shows_local_time_then_date():
    assert dmy_hm(datetime(2026, 3, 9, 3, 5, tzinfo=UTC)) == "10:05 09/03/2026"
    assert dmy_hm(None) == ""
