"""Deadlines and the clock of a dossier (DESIGN: Deadlines, Clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from motcua.catalog import services as catalog
from motcua.core.calendar import DueDate, get_calendar

from .models import Dossier, Timeliness

SUPPLEMENT_WINDOW_WORKING_DAYS = 3  # Decree 118/2025: the specialist asks within 3 working days


def due_from(dossier: Dossier, start: datetime) -> DueDate | None:
    """The due date of the full limit counted from ``start`` at the receiving agency, or
    None when the procedure publishes no limit."""
    agency = dossier.receiving_agency
    limit = catalog.limit_at(dossier.version, agency)
    if limit is None:
        return None
    return get_calendar().compute_due(start, limit, agency.office_hours())


def supplement_is_late(dossier: Dossier, now: datetime) -> bool:
    """A request during processing after 3 working days, or a second one, is the agency's
    fault (DESIGN: Clock)."""
    if dossier.supplement_count >= 1:
        return True
    if dossier.received_at is None:
        return False
    calendar = get_calendar()
    received, today = dossier.received_at, now
    days = calendar.working_days_between(timezone.localdate(received), timezone.localdate(today))
    return days > SUPPLEMENT_WINDOW_WORKING_DAYS


def extend_by_pause(dossier: Dossier, resumed_at: datetime) -> datetime | None:
    """The due date moved by the office time the clock stood still (financial obligation)."""
    if dossier.due_at is None or dossier.paused_at is None:
        return dossier.due_at
    hours = dossier.receiving_agency.office_hours()
    calendar = get_calendar()
    paused = calendar.working_time_between(dossier.paused_at, resumed_at, hours)
    if paused <= timedelta(0):
        return dossier.due_at
    return calendar.add_working_time(dossier.due_at, paused, hours)


def apology_in_window(dossier: Dossier, now: datetime) -> bool:
    """The apology comes at least one working day before the due date (Decree 118/2025)."""
    if dossier.due_at is None:
        return True
    return (
        get_calendar().working_days_between(
            timezone.localdate(now), timezone.localdate(dossier.due_at)
        )
        >= 1
    )


def new_due_after(dossier: Dossier, extra_working_days: int) -> datetime:
    """The apology's new date: ``extra_working_days`` after the due date, at closing time."""
    calendar = get_calendar()
    hours = dossier.receiving_agency.office_hours()
    day = calendar.add_working_days(timezone.localdate(dossier.due_at), extra_working_days)
    return timezone.make_aware(datetime.combine(day, hours.closing))


def judge(dossier: Dossier, finished_at: datetime) -> str:
    """Early, on time or late against the due date in force; the agency's faults count late."""
    if dossier.due_at is None:
        return Timeliness.LATE if dossier.agency_fault else Timeliness.ON_TIME
    if dossier.agency_fault or finished_at > dossier.due_at:
        return Timeliness.LATE
    if timezone.localdate(finished_at) < timezone.localdate(dossier.due_at):
        return Timeliness.EARLY
    return Timeliness.ON_TIME
