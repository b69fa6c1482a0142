"""/api/v1/calendar/due-date (DESIGN: Deadlines).

Expectations worked out by hand: default office hours 07:00–11:30 and 13:30–17:00, same-day
cut-off 15:00; the day of receipt is never counted for working days; Tết 2026 is Monday
16/2 to Friday 20/2.
"""

from datetime import time

import pytest

from tests.factories import make_agency

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendar/due-date"


def due(client, **params):
    return client.get(URL, params)


def raw(client, query: str):
    """Send ``query`` exactly as written (no encoding by the test client)."""
    return client.get(f"{URL}?{query}")


def test_one_working_day_from_a_saturday_is_due_monday_at_closing(client):
    response = raw(client, "received_at=2026-03-07T10:00:00%2B07:00&working_days=1")
    assert response.status_code == 200
    assert response.json() == {
        "counted_from": "2026-03-09T07:00:00+07:00",
        "due_at": "2026-03-09T17:00:00+07:00",
    }


def test_working_days_skip_tet(client):
    # Thursday 12/2/2026: day 1 Friday 13/2, then the weekend, Tết 16–20/2, the weekend;
    # day 2 Monday 23/2, day 3 Tuesday 24/2.
    body = due(client, received_at="2026-02-12T10:00:00+07:00", working_days="3").json()
    assert body == {
        "counted_from": "2026-02-13T07:00:00+07:00",
        "due_at": "2026-02-24T17:00:00+07:00",
    }


def test_same_day_before_the_cutoff_is_due_that_evening(client):
    body = due(client, received_at="2026-03-09T14:59:00+07:00", same_day="1").json()
    assert body == {
        "counted_from": "2026-03-09T14:59:00+07:00",
        "due_at": "2026-03-09T17:00:00+07:00",
    }


def test_same_day_after_the_cutoff_is_due_the_next_working_day(client):
    body = due(client, received_at="2026-03-09T15:01:00+07:00", same_day="1").json()
    assert body == {
        "counted_from": "2026-03-10T07:00:00+07:00",
        "due_at": "2026-03-10T17:00:00+07:00",
    }


def test_eight_working_hours_from_monday_ten_is_tuesday_ten(client):
    # Monday 10:00–11:30 and 13:30–17:00 = 5 h; Tuesday 07:00–10:00 = 3 h.
    body = due(client, received_at="2026-03-09T10:00:00+07:00", working_hours="8").json()
    assert body == {
        "counted_from": "2026-03-09T10:00:00+07:00",
        "due_at": "2026-03-10T10:00:00+07:00",
    }


def test_an_agency_office_hours_are_used(client):
    agency = make_agency(hours=((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0))))
    # 2 working hours from Monday 11:00: 11:00–11:30, then 1.5 h after lunch.
    default = due(client, received_at="2026-03-09T11:00:00+07:00", working_hours="2").json()
    assert default["due_at"] == "2026-03-09T15:00:00+07:00"
    own = due(
        client, received_at="2026-03-09T11:00:00+07:00", working_hours="2", agency=agency.code
    ).json()
    assert own["due_at"] == "2026-03-09T14:30:00+07:00"
    # Working days start at the agency's opening.
    saturday = due(
        client, received_at="2026-03-07T10:00:00+07:00", working_days="1", agency=agency.code
    ).json()
    assert saturday["counted_from"] == "2026-03-09T07:30:00+07:00"


@pytest.mark.parametrize(
    "query",
    [
        # An unencoded "+" is decoded as a space by every query-string parser.
        "received_at=2026-03-09T10:00:00+07:00&working_hours=8",
        "received_at=2026-03-09T10:00:00%2007:00&working_hours=8",
    ],
)
def test_an_offset_whose_plus_arrived_as_a_space_is_accepted(client, query):
    response = raw(client, query)
    assert response.status_code == 200, response.json()
    assert response.json()["due_at"] == "2026-03-10T10:00:00+07:00"


def test_a_utc_input_gives_a_vietnam_time_output(client):
    body = due(client, received_at="2026-03-09T03:00:00Z", working_hours="8").json()
    assert body == {
        "counted_from": "2026-03-09T10:00:00+07:00",
        "due_at": "2026-03-10T10:00:00+07:00",
    }


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"working_days": "1"}, "Thiếu tham số received_at"),
        ({"received_at": "", "working_days": "1"}, "Thiếu tham số received_at"),
        ({"received_at": "2026-03-09T10:00:00", "working_days": "1"}, "phải có múi giờ"),
        ({"received_at": "hôm qua", "working_days": "1"}, "không đúng định dạng ISO 8601"),
        ({"received_at": "2026-02-30T10:00:00+07:00", "working_days": "1"}, "ISO 8601"),
        ({"received_at": "2026-03-09T10:00:00+07:00"}, "Cần đúng một trong các tham số"),
        (
            {"received_at": "2026-03-09T10:00:00+07:00", "working_days": "1", "same_day": "1"},
            "Cần đúng một trong các tham số",
        ),
        (
            {"received_at": "2026-03-09T10:00:00+07:00", "working_days": "1", "working_hours": "8"},
            "Cần đúng một trong các tham số",
        ),
        ({"received_at": "2026-03-09T10:00:00+07:00", "same_day": "2"}, "same_day chỉ nhận"),
        ({"received_at": "2026-03-09T10:00:00+07:00", "same_day": "true"}, "same_day chỉ nhận"),
        (
            {"received_at": "2026-03-09T10:00:00+07:00", "working_days": "0"},
            "working_days phải là số nguyên dương",
        ),
        (
            {"received_at": "2026-03-09T10:00:00+07:00", "working_days": "-1"},
            "working_days phải là số nguyên dương",
        ),
        (
            {"received_at": "2026-03-09T10:00:00+07:00", "working_days": "abc"},
            "working_days phải là số nguyên dương",
        ),
        (
            {"received_at": "2026-03-09T10:00:00+07:00", "working_hours": "1.5"},
            "working_hours phải là số nguyên dương",
        ),
        (
            {"received_at": "2026-03-09T10:00:00+07:00", "working_days": "1", "agency": "X"},
            "Không tìm thấy cơ quan có mã định danh X",
        ),
    ],
)
def test_bad_input_is_refused_with_a_vietnamese_detail(client, params, detail):
    response = due(client, **params)
    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_an_unknown_agency_code_of_valid_shape_is_refused(client):
    response = due(
        client, received_at="2026-03-09T10:00:00+07:00", working_days="1", agency="000.00.00.Z99"
    )
    assert response.status_code == 400
    message = "Không tìm thấy cơ quan có mã định danh 000.00.00.Z99."
    assert response.json() == {"message": message, "detail": message}


def test_a_unicode_superscript_digit_is_refused_with_400(client):
    client.raise_request_exception = False
    response = due(client, received_at="2026-03-09T10:00:00+07:00", working_days="²")
    assert response.status_code == 400
