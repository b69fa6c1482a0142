"""The working calendar and deadline arithmetic (DESIGN: Working calendar, Deadlines).

Layers, the later winning for its dates:

1. Saturday and Sunday are days off, Monday to Friday are working days;
2. the ``holidays`` library (country ``VN``): public holidays, Tết by the lunar calendar, days
   off in lieu, and the announced swaps (a Saturday worked for a weekday off, e.g. Saturday
   26/4/2025 worked for Friday 2/5/2025);
3. the operator's ``CalendarOverride`` table: ``day_off`` makes any date a day off,
   ``working_day`` makes any date a working day.

A counter that receives on Saturday mornings does not make Saturday a working day: only the
calendar decides that, never the hour of receipt.

Deadlines (the day of receipt itself is not counted, Civil Code 2015 art. 147):

* *N working days*: day 1 is the first working day after the calendar day of receipt
  (whatever the hour, and even when received on a day off); due at the closing time (end of
  the last period) of day N; ``counted_from`` is the opening time of day 1.
* *Same day*: received on a working day at or before the cut-off (15:00 by default; exactly
  15:00 still counts) — including before opening or during the lunch break, which are the
  same working day — is due at that day's closing; ``counted_from`` is the moment of receipt,
  or the start of the next period that day when received before opening or during a break.
  Received after the cut-off or on a day off: due at the closing of the next working day,
  ``counted_from`` is that day's opening.
* *N working hours*: counted inside the office-hour periods of working days only (no lunch
  break, nights or days off), from the moment of receipt, or from the next period start
  when received outside office hours (that start is ``counted_from``). A period's start is
  inside office hours, its end is not. When the hours run out exactly at the end of a
  period, the due moment is that end (11:30, not 13:30).

Every datetime returned is aware, in Asia/Ho_Chi_Minh.

Speed: :func:`get_calendar` costs one small query; everything else runs in memory (library
data cached per year and process). For thousands of dossiers, take one calendar and pass it
to :func:`compute_due` with ``calendar=``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db import models

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# The longest limits the calendar accepts: a year of working days or of working hours. Real
# procedures stay far below; the bound keeps a public API call from computing for seconds.
MAX_LIMIT_DAYS = 366
MAX_LIMIT_HOURS = 366 * 8

# A calendar where no working day is found within this many days is broken (e.g. an operator
# marked a whole year off); fail loudly instead of looping for ever.
_MAX_SEARCH_DAYS = 366
_ONE_DAY = timedelta(days=1)
_ANY_DAY = date(2000, 1, 1)


class LimitKind(models.TextChoices):
    WORKING_DAYS = "working_days", "Ngày làm việc"
    WORKING_HOURS = "working_hours", "Giờ làm việc"
    SAME_DAY = "same_day", "Trong ngày"


@dataclass(frozen=True)
class Limit:
    """The time allowed to settle a dossier, as a procedure states it."""

    kind: LimitKind
    value: int = 0

    def __post_init__(self) -> None:
        try:
            kind = LimitKind(self.kind)
        except ValueError:
            raise ValueError(f"Loại thời hạn không hợp lệ: {self.kind!r}.") from None
        object.__setattr__(self, "kind", kind)
        if kind == LimitKind.SAME_DAY:
            return  # the value is ignored
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise ValueError(f"Thời hạn phải là số nguyên, không phải {self.value!r}.")
        if self.value < 1:
            unit = "ngày làm việc" if kind == LimitKind.WORKING_DAYS else "giờ làm việc"
            raise ValueError(f"Thời hạn phải từ 1 {unit} trở lên (nhận được {self.value}).")

    def __str__(self) -> str:
        if self.kind == LimitKind.SAME_DAY:
            return "Trong ngày"
        unit = "ngày làm việc" if self.kind == LimitKind.WORKING_DAYS else "giờ làm việc"
        return f"{self.value} {unit}"


def _parse_time(value: str | time) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"Giờ không hợp lệ: {value!r} (cần dạng HH:MM).") from None


@dataclass(frozen=True)
class OfficeHours:
    """An agency's office-hour periods of a working day and its same-day cut-off.

    Times are wall-clock times in Asia/Ho_Chi_Minh, without tzinfo.
    """

    periods: tuple[tuple[time, time], ...]
    same_day_cutoff: time = time(15)

    def __post_init__(self) -> None:
        periods = tuple((start, end) for start, end in self.periods)
        object.__setattr__(self, "periods", periods)
        if not periods:
            raise ValueError("Giờ làm việc phải có ít nhất một buổi.")
        previous_end: time | None = None
        for start, end in periods:
            if not isinstance(start, time) or not isinstance(end, time):
                raise ValueError("Giờ bắt đầu và kết thúc của mỗi buổi phải là giờ (time).")
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("Giờ làm việc là giờ địa phương, không kèm múi giờ.")
            if start >= end:
                raise ValueError(
                    f"Buổi làm việc {start:%H:%M}–{end:%H:%M} phải kết thúc sau khi bắt đầu."
                )
            if previous_end is not None and start < previous_end:
                raise ValueError(
                    "Các buổi làm việc phải theo thứ tự thời gian và không chồng lên nhau."
                )
            previous_end = end
        cutoff = self.same_day_cutoff
        if not isinstance(cutoff, time) or cutoff.tzinfo is not None:
            raise ValueError("Giờ chốt nhận hồ sơ trong ngày phải là giờ địa phương (time).")
        if not self.opening < cutoff <= self.closing:
            raise ValueError(
                f"Giờ chốt nhận hồ sơ trong ngày ({cutoff:%H:%M}) phải nằm trong giờ làm việc "
                f"({self.opening:%H:%M}–{self.closing:%H:%M})."
            )

    @classmethod
    def from_config(
        cls, periods: Iterable[tuple[str | time, str | time]], same_day_cutoff: str | time
    ) -> OfficeHours:
        """Build from ``(("07:00", "11:30"), ("13:30", "17:00"))`` and ``"15:00"``."""
        return cls(
            periods=tuple((_parse_time(start), _parse_time(end)) for start, end in periods),
            same_day_cutoff=_parse_time(same_day_cutoff),
        )

    @classmethod
    def default(cls) -> OfficeHours:
        """The installation's default: settings.MOTCUA OFFICE_HOURS and SAME_DAY_CUTOFF."""
        config = settings.MOTCUA
        return cls.from_config(config["OFFICE_HOURS"], config["SAME_DAY_CUTOFF"])

    @property
    def opening(self) -> time:
        return self.periods[0][0]

    @property
    def closing(self) -> time:
        return self.periods[-1][1]

    @property
    def daily_duration(self) -> timedelta:
        return sum(
            (_at(_ANY_DAY, end) - _at(_ANY_DAY, start) for start, end in self.periods),
            timedelta(),
        )


@dataclass(frozen=True)
class DueDate:
    """When the clock started and when the dossier is due (both aware, Asia/Ho_Chi_Minh)."""

    counted_from: datetime
    due_at: datetime


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=VN_TZ)


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            "Thời điểm phải có múi giờ (timezone-aware), ví dụ theo giờ Việt Nam hoặc UTC."
        )
    return moment.astimezone(VN_TZ)


# --- the holidays library, cached per year and process (its data never changes at run time)


@functools.cache
def _library_raw(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Holidays and weekend working days that ``holidays.VN`` lists when populating ``year``."""
    table = holidays.VN(years=year)
    return frozenset(table), frozenset(table.weekend_workdays)


@functools.cache
def _library_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off, weekend days worked) inside ``year``.

    A swap may cross a year end (Saturday 27/12/2014 worked for Friday 2/1/2015), so the
    neighbouring years are read too.
    """
    days_off: set[date] = set()
    worked: set[date] = set()
    for y in (year - 1, year, year + 1):
        off, work = _library_raw(y)
        days_off.update(d for d in off if d.year == year)
        worked.update(d for d in work if d.year == year)
    return frozenset(days_off), frozenset(worked)


def library_is_working_day(day: date) -> bool:
    """The library's answer alone (weekends, holidays, swaps), without the operator's table."""
    days_off, worked = _library_year(day.year)
    if day.weekday() >= 5:
        return day in worked
    return day not in days_off


class WorkingCalendar:
    """Working days: the library corrected by operator overrides. Pure, in memory."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        """``overrides`` maps a date to True (working day) or False (day off)."""
        self.overrides: Mapping[date, bool] = MappingProxyType(dict(overrides or {}))

    def __repr__(self) -> str:
        return f"<WorkingCalendar with {len(self.overrides)} override(s)>"

    # --- days

    def is_working_day(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        return library_is_working_day(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        candidate = day
        for _ in range(_MAX_SEARCH_DAYS):
            candidate += _ONE_DAY
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"Không có ngày làm việc nào trong một năm sau ngày {day:%d/%m/%Y}.")

    def working_day_on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself never counts).

        ``add_working_days(d, 0)`` is ``d``.
        """
        if count < 0:
            raise ValueError("Số ngày làm việc phải không âm.")
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days ``d`` satisfy ``start < d <= end`` (0 when ``end <= start``)."""
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count

    # --- office hours

    def working_time_start(self, moment: datetime, hours: OfficeHours) -> datetime:
        """``moment`` if it is inside office hours, else the start of the next period."""
        local = _local(moment)
        day, clock = local.date(), local.time().replace(tzinfo=None)
        if self.is_working_day(day):
            for start, end in hours.periods:
                if clock < end:
                    return local if clock >= start else _at(day, start)
        return _at(self.next_working_day(day), hours.opening)

    def add_working_time(
        self, moment: datetime, duration: timedelta, hours: OfficeHours
    ) -> datetime:
        """The moment when ``duration`` of office time has run from ``moment``."""
        if duration < timedelta():
            raise ValueError("Thời lượng phải không âm.")
        cursor = self.working_time_start(moment, hours)
        remaining = duration
        day, clock = cursor.date(), cursor.time().replace(tzinfo=None)
        while True:
            for start, end in hours.periods:
                if clock >= end:
                    continue
                segment_start = _at(day, max(clock, start))
                available = _at(day, end) - segment_start
                if remaining <= available:
                    return segment_start + remaining
                remaining -= available
            day, clock = self.next_working_day(day), time.min

    def working_time_between(self, start: datetime, end: datetime, hours: OfficeHours) -> timedelta:
        """Office time inside ``[start, end)`` (zero when ``end <= start``)."""
        start, end = _local(start), _local(end)
        total = timedelta()
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                for period_start, period_end in hours.periods:
                    low = max(start, _at(day, period_start))
                    high = min(end, _at(day, period_end))
                    if high > low:
                        total += high - low
            day += _ONE_DAY
        return total

    # --- deadlines

    def compute_due(
        self, received_at: datetime, limit: Limit, hours: OfficeHours | None = None
    ) -> DueDate:
        if hours is None:
            hours = OfficeHours.default()
        received = _local(received_at)
        day = received.date()
        if limit.kind == LimitKind.WORKING_DAYS:
            first = self.next_working_day(day)
            last = self.add_working_days(first, limit.value - 1)
            return DueDate(counted_from=_at(first, hours.opening), due_at=_at(last, hours.closing))
        if limit.kind == LimitKind.SAME_DAY:
            clock = received.time().replace(tzinfo=None)
            if self.is_working_day(day) and clock <= hours.same_day_cutoff:
                start = received
                for period_start, period_end in hours.periods:
                    if clock < period_end:
                        start = max(received, _at(day, period_start))
                        break
                return DueDate(counted_from=start, due_at=_at(day, hours.closing))
            following = self.next_working_day(day)
            return DueDate(
                counted_from=_at(following, hours.opening), due_at=_at(following, hours.closing)
            )
        if limit.kind == LimitKind.WORKING_HOURS:
            start = self.working_time_start(received, hours)
            due = self.add_working_time(start, timedelta(hours=limit.value), hours)
            return DueDate(counted_from=start, due_at=due)
        raise ValueError(f"Loại thời hạn không hợp lệ: {limit.kind!r}.")  # pragma: no cover


# --- the process-wide calendar, with the operator's overrides

_cached: tuple[tuple[object, ...], WorkingCalendar] | None = None


def get_calendar() -> WorkingCalendar:
    """The working calendar with the current overrides.

    Each call runs one cheap query (count, latest ``updated_at`` and highest id of the
    override table); the overrides are reloaded only when that stamp changed. So an edit in
    the admin (which saves, bumping ``updated_at``; a deletion lowers the count) is seen by
    every worker process on its next call, without a restart. Code that changes overrides
    with ``QuerySet.update()`` must set ``updated_at`` itself.
    """
    global _cached
    from motcua.core.models import CalendarOverride

    stamp_row = CalendarOverride.objects.aggregate(
        count=models.Count("pk"), latest=models.Max("updated_at"), top=models.Max("pk")
    )
    stamp = (stamp_row["count"], stamp_row["latest"], stamp_row["top"])
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    # If a change lands between the two queries, the stored stamp is older than the data:
    # the next call sees a different stamp and reloads, so nothing stale is kept.
    overrides = {
        day: kind == CalendarOverride.Kind.WORKING_DAY
        for day, kind in CalendarOverride.objects.order_by().values_list("date", "kind")
    }
    calendar = WorkingCalendar(overrides)
    _cached = (stamp, calendar)
    return calendar


def compute_due(
    received_at: datetime,
    limit: Limit,
    hours: OfficeHours | None = None,
    *,
    calendar: WorkingCalendar | None = None,
) -> DueDate:
    """Due date of a dossier received at ``received_at`` (aware) under ``limit``.

    ``hours`` defaults to :meth:`OfficeHours.default`, ``calendar`` to :func:`get_calendar`
    (one query; pass a calendar when computing many due dates).
    """
    _local(received_at)  # reject a naive datetime before touching the database
    return (calendar or get_calendar()).compute_due(received_at, limit, hours)
