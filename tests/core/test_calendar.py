"""The working calendar and deadlines.

DESIGN.md: Working calendar, Deadlines; REFERENCE.md: Working days.

Every expected date below was worked out by hand from the rules and a printed calendar:
the receipt day never counts, day 1 is the next working day, due at closing (17:00 by
default); working hours run only inside 07:00–11:30 and 13:30–17:00 on working days.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from motcua.core import calendar as calendar_module
from motcua.core.calendar import (
    VN_TZ,
    DueDate,
    Limit,
    LimitKind,
    OfficeHours,
    WorkingCalendar,
    compute_due,
    get_calendar,
)
from motcua.core.models import CalendarOverride

DAYS = LimitKind.WORKING_DAYS
HOURS = LimitKind.WORKING_HOURS
SAME_DAY = Limit(LimitKind.SAME_DAY)


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


@pytest.fixture
def cal() -> WorkingCalendar:
    """The library's calendar without operator overrides (no database)."""
    return WorkingCalendar()


@pytest.fixture
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_module, "_cached", None)


# --- which days are working days (holidays library)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Tết 2025: 29 Tết Monday 27/1 to Saturday 1/2 (Sunday 2/2 weekend).
        (date(2025, 1, 24), True),
        (date(2025, 1, 27), False),
        (date(2025, 1, 28), False),
        (date(2025, 1, 29), False),
        (date(2025, 1, 30), False),
        (date(2025, 1, 31), False),
        (date(2025, 2, 1), False),
        (date(2025, 2, 3), True),
        # 2025 swap: Saturday 26/4 worked for Friday 2/5; 30/4, 1/5 holidays.
        (date(2025, 4, 26), True),
        (date(2025, 4, 30), False),
        (date(2025, 5, 1), False),
        (date(2025, 5, 2), False),
        (date(2025, 5, 3), False),
        # National day 2025: Monday 1/9 (adjoining day) and Tuesday 2/9.
        (date(2025, 9, 1), False),
        (date(2025, 9, 2), False),
        (date(2025, 9, 3), True),
        # New Year: Thursday 1/1/2026 off, Friday 2/1 worked.
        (date(2025, 12, 31), True),
        (date(2026, 1, 1), False),
        (date(2026, 1, 2), True),
        # Tết 2026: Monday 16/2 to Friday 20/2.
        (date(2026, 2, 13), True),
        (date(2026, 2, 16), False),
        (date(2026, 2, 18), False),
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),
        # Giỗ Tổ on Sunday 26/4/2026 → Monday 27/4 off in lieu (Labour Code art. 111(3)).
        (date(2026, 4, 26), False),
        (date(2026, 4, 27), False),
        (date(2026, 4, 28), True),
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        # 2026 swap: Saturday 22/8 worked for Monday 31/8; 1/9 adjoining, 2/9 national day.
        (date(2026, 8, 22), True),
        (date(2026, 8, 31), False),
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        # Ordinary weekend and weekday.
        (date(2026, 3, 7), False),
        (date(2026, 3, 8), False),
        (date(2026, 3, 9), True),
    ],
)
def test_working_days_follow_the_holidays_library(
    cal: WorkingCalendar, day: date, working: bool
) -> None:
    assert cal.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 9), date(2026, 3, 10)),  # strictly after, even from a working day
        (date(2026, 3, 6), date(2026, 3, 9)),  # Friday → Monday
        (date(2026, 2, 13), date(2026, 2, 23)),  # across Tết 2026
        (date(2025, 12, 31), date(2026, 1, 2)),  # across 1/1
        (date(2025, 4, 25), date(2025, 4, 26)),  # the worked Saturday
    ],
)
def test_next_working_day_is_strictly_after(
    cal: WorkingCalendar, day: date, expected: date
) -> None:
    assert cal.next_working_day(day) == expected


def test_add_working_days_and_working_days_between_agree(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 2, 12), 0) == date(2026, 2, 12)
    assert cal.add_working_days(date(2026, 2, 12), 3) == date(2026, 2, 24)
    assert cal.working_days_between(date(2026, 2, 12), date(2026, 2, 24)) == 3
    assert cal.working_days_between(date(2026, 2, 24), date(2026, 2, 12)) == 0


# --- N working days


def test_received_saturday_one_working_day_is_due_monday_close(cal: WorkingCalendar) -> None:
    # DESIGN.md: received Saturday 7/3/2026, 1 working day → due Monday 9/3/2026 17:00.
    due = cal.compute_due(vn(2026, 3, 7, 9), Limit(DAYS, 1))
    assert due == DueDate(counted_from=vn(2026, 3, 9, 7), due_at=vn(2026, 3, 9, 17))


def test_received_thursday_before_tet_three_working_days_is_due_tuesday_after_tet(
    cal: WorkingCalendar,
) -> None:
    # DESIGN.md: Thursday 12/2/2026, 3 working days (Tết 16–20/2) → Tuesday 24/2/2026.
    # Day 1 Friday 13/2, day 2 Monday 23/2, day 3 Tuesday 24/2.
    due = cal.compute_due(vn(2026, 2, 12, 10), Limit(DAYS, 3))
    assert due == DueDate(counted_from=vn(2026, 2, 13, 7), due_at=vn(2026, 2, 24, 17))


@pytest.mark.parametrize(
    ("received", "days", "due_day"),
    [
        # Tết 2025 (27/1–1/2): Friday 24/1 + 1 → Monday 3/2.
        (vn(2025, 1, 24, 16), 1, date(2025, 2, 3)),
        (vn(2025, 1, 23, 8), 2, date(2025, 2, 3)),  # day 1 Fri 24/1, day 2 Mon 3/2
        (vn(2025, 1, 29, 10), 1, date(2025, 2, 3)),  # received on a Tết day
        # Tết 2026 (16–20/2).
        (vn(2026, 2, 13, 16, 59), 1, date(2026, 2, 23)),
        (vn(2026, 2, 18, 9), 5, date(2026, 2, 27)),  # 23, 24, 25, 26, 27
        # 2025 swap: the worked Saturday 26/4 counts; 30/4, 1/5, 2/5 do not.
        (vn(2025, 4, 25, 10), 1, date(2025, 4, 26)),
        (vn(2025, 4, 25, 10), 2, date(2025, 4, 28)),
        (vn(2025, 4, 26, 10), 1, date(2025, 4, 28)),  # receipt day never counts
        (vn(2025, 4, 29, 10), 1, date(2025, 5, 5)),  # 30/4, 1/5, 2/5, weekend
        # Giỗ Tổ 2026 on Sunday 26/4, Monday 27/4 off in lieu.
        (vn(2026, 4, 24, 10), 1, date(2026, 4, 28)),
        (vn(2026, 4, 28, 10), 2, date(2026, 5, 4)),  # Wed 29/4, (30/4, 1/5 off) Mon 4/5
        # 2026 swap: Saturday 22/8 worked; 31/8, 1/9, 2/9 off.
        (vn(2026, 8, 21, 10), 1, date(2026, 8, 22)),
        (vn(2026, 8, 28, 10), 1, date(2026, 9, 3)),
        # 2/9/2025 with Monday 1/9 adjoining.
        (vn(2025, 8, 29, 10), 1, date(2025, 9, 3)),
        # Year ends: 31/12 → 2/1 skipping 1/1; a limit spanning the new year.
        (vn(2025, 12, 31, 10), 1, date(2026, 1, 2)),
        (vn(2025, 12, 30, 10), 3, date(2026, 1, 5)),  # Wed 31/12, Fri 2/1, Mon 5/1
        (vn(2026, 12, 31, 10), 1, date(2027, 1, 4)),  # Fri 1/1/2027 off, then weekend
        # Received late at night: only the calendar day matters.
        (vn(2026, 3, 9, 23, 30), 1, date(2026, 3, 10)),
        (vn(2026, 3, 9, 0, 5), 1, date(2026, 3, 10)),
    ],
)
def test_working_days_limit_table(
    cal: WorkingCalendar, received: datetime, days: int, due_day: date
) -> None:
    due = cal.compute_due(received, Limit(DAYS, days))
    assert due.due_at == datetime.combine(due_day, time(17), tzinfo=VN_TZ)
    assert due.counted_from.time() == time(7)
    assert due.counted_from.date() == cal.next_working_day(received.date())


# --- same day


@pytest.mark.parametrize(
    ("received", "counted_from", "due_at"),
    [
        (vn(2026, 3, 9, 14, 59), vn(2026, 3, 9, 14, 59), vn(2026, 3, 9, 17)),
        # The cut-off itself still counts for the same day (at or before 15:00).
        (vn(2026, 3, 9, 15, 0), vn(2026, 3, 9, 15, 0), vn(2026, 3, 9, 17)),
        (vn(2026, 3, 9, 15, 1), vn(2026, 3, 10, 7), vn(2026, 3, 10, 17)),
        # Before opening or during lunch on a working day: the same working day.
        (vn(2026, 3, 9, 6, 30), vn(2026, 3, 9, 7), vn(2026, 3, 9, 17)),
        (vn(2026, 3, 9, 12, 0), vn(2026, 3, 9, 13, 30), vn(2026, 3, 9, 17)),
        # After closing: next working day.
        (vn(2026, 3, 9, 17, 30), vn(2026, 3, 10, 7), vn(2026, 3, 10, 17)),
        # Friday after the cut-off → Monday.
        (vn(2026, 3, 13, 15, 1), vn(2026, 3, 16, 7), vn(2026, 3, 16, 17)),
        # Saturday counter: Saturday is still a day off → Monday.
        (vn(2026, 3, 7, 9), vn(2026, 3, 9, 7), vn(2026, 3, 9, 17)),
        # Friday before Tết 2026 after the cut-off → Monday 23/2.
        (vn(2026, 2, 13, 15, 30), vn(2026, 2, 23, 7), vn(2026, 2, 23, 17)),
        # On a holiday (Monday 27/4/2026, off in lieu), before the cut-off → Tuesday.
        (vn(2026, 4, 27, 10), vn(2026, 4, 28, 7), vn(2026, 4, 28, 17)),
        # On the worked Saturday 26/4/2025 before the cut-off → that Saturday.
        (vn(2025, 4, 26, 10), vn(2025, 4, 26, 10), vn(2025, 4, 26, 17)),
    ],
)
def test_same_day_limit_table(
    cal: WorkingCalendar, received: datetime, counted_from: datetime, due_at: datetime
) -> None:
    assert cal.compute_due(received, SAME_DAY) == DueDate(counted_from, due_at)


# --- N working hours


@pytest.mark.parametrize(
    ("received", "hours", "counted_from", "due_at"),
    [
        # DESIGN.md: Monday 10:00, 8 working hours → Tuesday 10:00
        # (Mon 10:00–11:30 1h30 + 13:30–17:00 3h30 = 5h; Tue 07:00–10:00 3h).
        (vn(2026, 3, 9, 10), 8, vn(2026, 3, 9, 10), vn(2026, 3, 10, 10)),
        # Across the lunch break: 11:00–11:30 (30 min) + 13:30–15:00 (1h30).
        (vn(2026, 3, 9, 11), 2, vn(2026, 3, 9, 11), vn(2026, 3, 9, 15)),
        # 10:00–11:30 (1h30) + 13:30–16:00 (2h30).
        (vn(2026, 3, 9, 10), 4, vn(2026, 3, 9, 10), vn(2026, 3, 9, 16)),
        # Received at lunch or at 11:30 exactly: counting starts at 13:30.
        (vn(2026, 3, 9, 12), 1, vn(2026, 3, 9, 13, 30), vn(2026, 3, 9, 14, 30)),
        (vn(2026, 3, 9, 11, 30), 1, vn(2026, 3, 9, 13, 30), vn(2026, 3, 9, 14, 30)),
        # Hours running out exactly at the end of a period end there (11:30, not 13:30;
        # 17:00, not 07:00 the next day).
        (vn(2026, 3, 9, 7, 30), 4, vn(2026, 3, 9, 7, 30), vn(2026, 3, 9, 11, 30)),
        (vn(2026, 3, 9, 10, 30), 1, vn(2026, 3, 9, 10, 30), vn(2026, 3, 9, 11, 30)),
        (vn(2026, 3, 9, 7), 8, vn(2026, 3, 9, 7), vn(2026, 3, 9, 17)),
        (vn(2026, 3, 9, 14), 3, vn(2026, 3, 9, 14), vn(2026, 3, 9, 17)),
        # Before opening: from 07:00.
        (vn(2026, 3, 9, 6), 4, vn(2026, 3, 9, 7), vn(2026, 3, 9, 11)),
        # Overnight: 16:00–17:00 (1h) + Tue 07:00–08:00.
        (vn(2026, 3, 9, 16), 2, vn(2026, 3, 9, 16), vn(2026, 3, 10, 8)),
        # After closing: from Tuesday 07:00.
        (vn(2026, 3, 9, 18), 1, vn(2026, 3, 10, 7), vn(2026, 3, 10, 8)),
        # Two days.
        (vn(2026, 3, 9, 10), 16, vn(2026, 3, 9, 10), vn(2026, 3, 11, 10)),
        # Saturday receipt: counting starts Monday 07:00.
        (vn(2026, 3, 7, 9), 4, vn(2026, 3, 9, 7), vn(2026, 3, 9, 11)),
        # Across Tết 2026: Fri 13/2 15:00–17:00 (2h), Mon 23/2 07:00–11:30 (4h30),
        # 13:30–15:00 (1h30).
        (vn(2026, 2, 13, 15), 8, vn(2026, 2, 13, 15), vn(2026, 2, 23, 15)),
        # Across Tết 2025: Fri 24/1 16:00–17:00 (1h), Mon 3/2 07:00–10:00.
        (vn(2025, 1, 24, 16), 4, vn(2025, 1, 24, 16), vn(2025, 2, 3, 10)),
        # Across the new year: Wed 31/12/2025 16:00–17:00, Fri 2/1/2026 07:00–08:00.
        (vn(2025, 12, 31, 16), 2, vn(2025, 12, 31, 16), vn(2026, 1, 2, 8)),
    ],
)
def test_working_hours_limit_table(
    cal: WorkingCalendar,
    received: datetime,
    hours: int,
    counted_from: datetime,
    due_at: datetime,
) -> None:
    assert cal.compute_due(received, Limit(HOURS, hours)) == DueDate(counted_from, due_at)


def test_working_time_between_counts_only_office_hours(cal: WorkingCalendar) -> None:
    hours = OfficeHours.default()
    # Friday 13/2/2026 15:00 to Monday 23/2/2026 15:00 across Tết: 2h + 6h.
    spent = cal.working_time_between(vn(2026, 2, 13, 15), vn(2026, 2, 23, 15), hours)
    assert spent == timedelta(hours=8)
    assert cal.working_time_between(vn(2026, 3, 9, 12), vn(2026, 3, 9, 13), hours) == timedelta()


# --- agency office hours


@pytest.fixture
def agency_hours() -> OfficeHours:
    return OfficeHours(
        periods=((time(7, 30), time(11, 30)), (time(13), time(17))), same_day_cutoff=time(16)
    )


@pytest.mark.parametrize(
    ("received", "limit", "counted_from", "due_at"),
    [
        # Cut-off 16:00: 15:30 and 16:00 are the same day, 16:01 the next.
        (vn(2026, 3, 9, 15, 30), SAME_DAY, vn(2026, 3, 9, 15, 30), vn(2026, 3, 9, 17)),
        (vn(2026, 3, 9, 16), SAME_DAY, vn(2026, 3, 9, 16), vn(2026, 3, 9, 17)),
        (vn(2026, 3, 9, 16, 1), SAME_DAY, vn(2026, 3, 10, 7, 30), vn(2026, 3, 10, 17)),
        # Lunch 11:30–13:00: 11:00–11:30 (30 min) + 13:00–14:30.
        (vn(2026, 3, 9, 11), Limit(HOURS, 2), vn(2026, 3, 9, 11), vn(2026, 3, 9, 14, 30)),
        # Opening 07:30.
        (vn(2026, 3, 9, 7), Limit(HOURS, 4), vn(2026, 3, 9, 7, 30), vn(2026, 3, 9, 11, 30)),
        (vn(2026, 3, 7, 9), Limit(DAYS, 1), vn(2026, 3, 9, 7, 30), vn(2026, 3, 9, 17)),
    ],
)
def test_agency_office_hours(
    cal: WorkingCalendar,
    agency_hours: OfficeHours,
    received: datetime,
    limit: Limit,
    counted_from: datetime,
    due_at: datetime,
) -> None:
    assert cal.compute_due(received, limit, agency_hours) == DueDate(counted_from, due_at)


def test_agency_closing_time_sets_the_due_hour(cal: WorkingCalendar) -> None:
    hours = OfficeHours(periods=((time(8), time(12)), (time(13), time(16, 30))))
    due = cal.compute_due(vn(2026, 3, 9, 10), Limit(DAYS, 2), hours)
    assert due == DueDate(counted_from=vn(2026, 3, 10, 8), due_at=vn(2026, 3, 11, 16, 30))


def test_default_office_hours_come_from_settings() -> None:
    hours = OfficeHours.default()
    assert hours.periods == ((time(7), time(11, 30)), (time(13, 30), time(17)))
    assert hours.same_day_cutoff == time(15)
    assert (hours.opening, hours.closing) == (time(7), time(17))
    assert hours.daily_duration == timedelta(hours=8)


def test_default_office_hours_follow_overridden_settings() -> None:
    config = {"OFFICE_HOURS": (("08:00", "12:00"), ("13:00", "17:30")), "SAME_DAY_CUTOFF": "16:00"}
    with override_settings(MOTCUA=config):
        hours = OfficeHours.default()
    assert hours.periods == ((time(8), time(12)), (time(13), time(17, 30)))
    assert hours.same_day_cutoff == time(16)


@pytest.mark.parametrize(
    ("periods", "cutoff"),
    [
        ((), time(15)),  # empty
        (((time(11), time(7)),), time(9)),  # ends before it starts
        (((time(13), time(17)), (time(7), time(11))), time(15)),  # out of order
        (((time(7), time(12)), (time(11), time(17))), time(15)),  # overlapping
        (((time(7), time(11)), (time(13), time(17))), time(18)),  # cut-off after closing
        (((time(7), time(11)), (time(13), time(17))), time(6)),  # cut-off before opening
    ],
)
def test_invalid_office_hours_are_rejected(
    periods: tuple[tuple[time, time], ...], cutoff: time
) -> None:
    with pytest.raises(ValueError):
        OfficeHours(periods=periods, same_day_cutoff=cutoff)


def test_office_hours_from_config_rejects_bad_text() -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        OfficeHours.from_config((("7h", "11:30"),), "15:00")


# --- limits and datetimes


@pytest.mark.parametrize("limit_kind", [DAYS, HOURS])
@pytest.mark.parametrize("value", [0, -1])
def test_limit_value_must_be_at_least_one(limit_kind: LimitKind, value: int) -> None:
    with pytest.raises(ValueError, match="trở lên"):
        Limit(limit_kind, value)


def test_same_day_limit_ignores_value_and_kind_accepts_text() -> None:
    assert Limit(LimitKind.SAME_DAY).kind is LimitKind.SAME_DAY
    assert Limit("working_days", 3).kind is LimitKind.WORKING_DAYS  # type: ignore[arg-type]
    assert str(Limit(DAYS, 3)) == "3 ngày làm việc"
    assert str(Limit(HOURS, 8)) == "8 giờ làm việc"
    with pytest.raises(ValueError):
        Limit("weeks", 1)  # type: ignore[arg-type]


def test_naive_received_at_is_rejected(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="múi giờ"):
        cal.compute_due(datetime(2026, 3, 9, 10), Limit(DAYS, 1))
    with pytest.raises(ValueError, match="múi giờ"):
        compute_due(datetime(2026, 3, 9, 10), Limit(DAYS, 1))  # before any query


def test_utc_received_at_returns_vietnam_time(cal: WorkingCalendar) -> None:
    # 03:00 UTC = Monday 10:00 in Vietnam; 8 working hours → Tuesday 10:00 +07:00.
    due = cal.compute_due(datetime(2026, 3, 9, 3, tzinfo=UTC), Limit(HOURS, 8))
    assert due.due_at == vn(2026, 3, 10, 10)
    assert due.due_at.tzinfo == VN_TZ and due.counted_from.tzinfo == VN_TZ
    assert due.due_at.utcoffset() == timedelta(hours=7)
    assert due.due_at.isoformat() == "2026-03-10T10:00:00+07:00"


def test_receipt_day_is_the_vietnam_calendar_day(cal: WorkingCalendar) -> None:
    # Sunday 8/3/2026 20:00 UTC is Monday 9/3 03:00 in Vietnam: the receipt day is Monday,
    # so day 1 is Tuesday 10/3 (not Monday, as the UTC date would give).
    due = cal.compute_due(datetime(2026, 3, 8, 20, tzinfo=UTC), Limit(DAYS, 1))
    assert due.due_at == vn(2026, 3, 10, 17)


# --- Tết 2027: the library's forecast


# Provisional: the government has not announced Tết 2027; the holidays library forecasts
# Thursday 4/2 (29 Tết) to Wednesday 10/2/2027 (mùng 5, the weekend Tết days pushed to
# weekdays). If the announcement differs, the library or an override will change these.
@pytest.mark.provisional
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 2, 3), True),
        (date(2027, 2, 4), False),
        (date(2027, 2, 5), False),
        (date(2027, 2, 6), False),
        (date(2027, 2, 8), False),
        (date(2027, 2, 9), False),
        (date(2027, 2, 10), False),
        (date(2027, 2, 11), True),
    ],
)
def test_tet_2027_days_off_follow_the_library_forecast(
    cal: WorkingCalendar, day: date, working: bool
) -> None:
    assert cal.is_working_day(day) is working


@pytest.mark.provisional
def test_tet_2027_one_working_day_from_the_eve_of_tet(cal: WorkingCalendar) -> None:
    # Wednesday 3/2/2027 + 1 working day: 4–10/2 off → Thursday 11/2/2027 17:00.
    due = cal.compute_due(vn(2027, 2, 3, 10), Limit(DAYS, 1))
    assert due.due_at == vn(2027, 2, 11, 17)


# --- operator overrides (database)


def add_override(day: date, kind: str, name: str = "Điều chỉnh") -> CalendarOverride:
    return CalendarOverride.objects.create(date=day, kind=kind, name=name)


@pytest.mark.django_db
def test_design_examples_through_the_default_calendar(fresh_cache: None) -> None:
    assert compute_due(vn(2026, 3, 7, 9), Limit(DAYS, 1)).due_at == vn(2026, 3, 9, 17)
    assert compute_due(vn(2026, 2, 12, 10), Limit(DAYS, 3)).due_at == vn(2026, 2, 24, 17)
    assert compute_due(vn(2026, 3, 9, 10), Limit(HOURS, 8)).due_at == vn(2026, 3, 10, 10)


@pytest.mark.django_db
def test_extra_day_off_added_by_operator_shifts_the_due_date(fresh_cache: None) -> None:
    # Without the override: Friday 6/3/2026 + 1 → Monday 9/3.
    assert compute_due(vn(2026, 3, 6, 10), Limit(DAYS, 1)).due_at == vn(2026, 3, 9, 17)
    add_override(date(2026, 3, 9), CalendarOverride.Kind.DAY_OFF, "Nghỉ đột xuất")
    assert compute_due(vn(2026, 3, 6, 10), Limit(DAYS, 1)).due_at == vn(2026, 3, 10, 17)


@pytest.mark.django_db
def test_make_up_saturday_marked_working_day_counts(fresh_cache: None) -> None:
    add_override(date(2026, 3, 14), CalendarOverride.Kind.WORKING_DAY, "Làm bù")
    # Friday 13/3/2026 + 1 → the make-up Saturday 14/3.
    assert compute_due(vn(2026, 3, 13, 10), Limit(DAYS, 1)).due_at == vn(2026, 3, 14, 17)
    # Working hours run on it too: Fri 16:00–17:00, Sat 07:00–08:00.
    assert compute_due(vn(2026, 3, 13, 16), Limit(HOURS, 2)).due_at == vn(2026, 3, 14, 8)


@pytest.mark.django_db
def test_override_wins_over_a_library_holiday(fresh_cache: None) -> None:
    # The library has Friday 2/5/2025 off; an operator marks it worked.
    add_override(date(2025, 5, 2), CalendarOverride.Kind.WORKING_DAY, "Làm việc theo công văn")
    # Tuesday 29/4/2025 + 1: 30/4, 1/5 off → Friday 2/5.
    assert compute_due(vn(2025, 4, 29, 10), Limit(DAYS, 1)).due_at == vn(2025, 5, 2, 17)


@pytest.mark.django_db
def test_override_edit_is_seen_by_get_calendar_without_restart(fresh_cache: None) -> None:
    saturday = date(2026, 3, 14)
    assert get_calendar().is_working_day(saturday) is False
    override = add_override(saturday, CalendarOverride.Kind.DAY_OFF, "Nghỉ")
    assert get_calendar().is_working_day(saturday) is False
    override.kind = CalendarOverride.Kind.WORKING_DAY
    override.save()
    assert get_calendar().is_working_day(saturday) is True
    # Another worker process edits the row (stamp via updated_at).
    CalendarOverride.objects.filter(pk=override.pk).update(
        kind=CalendarOverride.Kind.DAY_OFF, updated_at=timezone.now() + timedelta(seconds=1)
    )
    assert get_calendar().is_working_day(saturday) is False
    override.delete()
    add_override(date(2026, 3, 9), CalendarOverride.Kind.DAY_OFF, "Nghỉ đột xuất")
    calendar = get_calendar()
    assert calendar.is_working_day(date(2026, 3, 9)) is False
    assert saturday not in calendar.overrides


@pytest.mark.django_db
def test_get_calendar_costs_one_query_and_reuses_an_unchanged_calendar(
    fresh_cache: None, django_assert_num_queries
) -> None:
    add_override(date(2026, 3, 9), CalendarOverride.Kind.DAY_OFF)
    first = get_calendar()
    with django_assert_num_queries(1):
        assert get_calendar() is first


@pytest.mark.django_db
def test_many_due_dates_with_one_calendar_make_no_query(
    fresh_cache: None, django_assert_num_queries
) -> None:
    calendar = get_calendar()
    start = vn(2025, 1, 1, 8)
    with django_assert_num_queries(0):
        for i in range(2000):
            received = start + timedelta(hours=7 * i)
            for limit in (Limit(DAYS, 15), Limit(HOURS, 40), SAME_DAY):
                due = compute_due(received, limit, OfficeHours.default(), calendar=calendar)
                assert due.due_at > received


def test_str_of_override() -> None:
    override = CalendarOverride(
        date=date(2026, 2, 21), kind=CalendarOverride.Kind.DAY_OFF, name="Nghỉ bù Tết"
    )
    assert str(override) == "21/02/2026 — Ngày nghỉ: Nghỉ bù Tết"
