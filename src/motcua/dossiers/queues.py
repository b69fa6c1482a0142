"""The officer's work queues (issue 4 §1): which dossiers wait for whom.

Read side only: each queue is a filter over the dossiers of the officer's agencies, chosen by
the roles the officer holds there (``accounts.OfficerRole``). Writes stay in
``dossiers.services``. Every queue is sorted by due date (none last), so the most urgent
dossier is on top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_noop

from motcua.accounts.models import OfficerRole, Role, User
from motcua.core import clock
from motcua.core.calendar import VN_TZ, get_calendar
from motcua.core.text import fold
from motcua.workflow.models import Consultation, ConsultationState, DossierStep, StepState

from .models import Channel, Dossier, State
from .transitions import Action

# Dossiers whose clock runs: what can be due soon or overdue.
RUNNING = (State.RECEIVED, State.IN_PROCESS)
DUE_SOON_WORKING_DAYS = 2


@dataclass(frozen=True)
class Scope:
    """The officer, the agencies where they hold each role, and the moment of asking."""

    user: User
    by_role: dict[str, frozenset[int]]
    now: datetime

    @classmethod
    def of(cls, user: User, now: datetime | None = None) -> Scope:
        by_role: dict[str, set[int]] = {}
        for role, agency in OfficerRole.objects.filter(user=user, active=True).values_list(
            "role", "agency_id"
        ):
            by_role.setdefault(role, set()).add(agency)
        return cls(
            user=user,
            by_role={role: frozenset(ids) for role, ids in by_role.items()},
            now=now or clock.now(),
        )

    def agencies(self, *roles: str) -> frozenset[int]:
        wanted = roles or tuple(self.by_role)
        return frozenset().union(*(self.by_role.get(role, frozenset()) for role in wanted))

    @property
    def is_officer(self) -> bool:
        return bool(self.by_role)


def _mine(scope: Scope) -> Q:
    ids = scope.agencies(Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER)
    return Q(receiving_agency_id__in=ids) | Q(current_agency_id__in=ids)


def _active_steps() -> QuerySet[DossierStep]:
    return DossierStep.objects.filter(state=StepState.ACTIVE)


def _to_receive(scope: Scope) -> Q:
    return Q(
        state=State.SUBMITTED, receiving_agency_id__in=scope.agencies(Role.ONE_STOP_OFFICER)
    ) & ~Q(last_action=Action.SUPPLEMENT)


def _supplemented(scope: Scope) -> Q:
    at_reception = Q(
        state=State.SUBMITTED, receiving_agency_id__in=scope.agencies(Role.ONE_STOP_OFFICER)
    )
    in_process = Q(
        state=State.IN_PROCESS,
        current_agency_id__in=scope.agencies(Role.SPECIALIST, Role.LEADER),
    )
    return Q(last_action=Action.SUPPLEMENT) & (at_reception | in_process)


def _to_route(scope: Scope) -> Q:
    return Q(state=State.RECEIVED, receiving_agency_id__in=scope.agencies(Role.ONE_STOP_OFFICER))


def _my_steps(scope: Scope) -> Q:
    """Active steps given to me, and unassigned ones of a role I hold at their agency."""
    steps = Q(assignee=scope.user)
    for role, ids in scope.by_role.items():
        steps |= Q(assignee__isnull=True, officer_role=role, agency_id__in=ids)
    return Q(state=State.IN_PROCESS) & Exists(
        _active_steps().filter(steps, dossier_id=OuterRef("pk"))
    )


def _to_assign(scope: Scope) -> Q:
    ids = scope.agencies(Role.LEADER)
    unassigned = (
        _active_steps()
        .filter(assignee__isnull=True, agency_id__in=ids, dossier_id=OuterRef("pk"))
        .exclude(officer_role=Role.LEADER)
    )
    return Q(state=State.IN_PROCESS) & Exists(unassigned)


def _to_approve(scope: Scope) -> Q:
    """Every step done: the leader marks the result ready."""
    running_step = _active_steps().filter(dossier_id=OuterRef("pk"))
    return Q(state=State.IN_PROCESS, current_agency_id__in=scope.agencies(Role.LEADER)) & ~Exists(
        running_step
    )


def _consulted(scope: Scope) -> Q:
    open_ = Consultation.objects.filter(
        state=ConsultationState.OPEN, agency_id__in=scope.agencies()
    )
    return Q(state=State.IN_PROCESS) & Exists(open_.filter(dossier_id=OuterRef("pk")))


def due_soon_until(now: datetime) -> datetime:
    calendar = get_calendar()
    today = now.astimezone(VN_TZ).date()
    last: date = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=VN_TZ)


def _due_soon(scope: Scope) -> Q:
    return _mine(scope) & Q(
        state__in=RUNNING, due_at__gte=scope.now, due_at__lt=due_soon_until(scope.now)
    )


def _overdue(scope: Scope) -> Q:
    return _mine(scope) & Q(state__in=RUNNING, due_at__lt=scope.now)


def _to_return(scope: Scope) -> Q:
    return Q(
        state=State.RESULT_READY, receiving_agency_id__in=scope.agencies(Role.ONE_STOP_OFFICER)
    )


def _all(scope: Scope) -> Q:
    """Every dossier received at or now held by my agencies. Those that only passed a step
    or an opinion through them are found by their code (:func:`rows`): listing them here
    would make every page of this list join the steps of the whole province."""
    return _mine(scope) & ~Q(state=State.DRAFT)


def _involved(scope: Scope) -> Q:
    """As ``services.visible_to`` for officers: received or held at my agencies, or with a
    step or an opinion asked there. Correlated (one index probe per dossier), so it stays
    cheap when a code has already narrowed the rows to one."""
    ids = scope.agencies()
    steps = DossierStep.objects.filter(dossier_id=OuterRef("pk"), agency_id__in=ids)
    opinions = Consultation.objects.filter(dossier_id=OuterRef("pk"), agency_id__in=ids)
    return (_mine(scope) | Exists(steps) | Exists(opinions)) & ~Q(state=State.DRAFT)


@dataclass(frozen=True)
class Queue:
    slug: str
    title: str
    roles: tuple[str, ...]  # who sees this queue (any of them)
    where: Callable[[Scope], Q]


_OFFICERS = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER)
QUEUES: tuple[Queue, ...] = (
    Queue("cho-tiep-nhan", gettext_noop("Chờ tiếp nhận"), (Role.ONE_STOP_OFFICER,), _to_receive),
    Queue("da-bo-sung", gettext_noop("Đã bổ sung"), _OFFICERS, _supplemented),
    Queue("chuyen-xu-ly", gettext_noop("Chờ chuyển xử lý"), (Role.ONE_STOP_OFFICER,), _to_route),
    Queue("viec-cua-toi", gettext_noop("Việc của tôi"), (Role.SPECIALIST, Role.LEADER), _my_steps),
    Queue("cho-phan-cong", gettext_noop("Chờ phân công"), (Role.LEADER,), _to_assign),
    Queue("cho-duyet", gettext_noop("Chờ duyệt kết quả"), (Role.LEADER,), _to_approve),
    Queue("xin-y-kien", gettext_noop("Được xin ý kiến"), _OFFICERS, _consulted),
    Queue("sap-den-han", gettext_noop("Sắp đến hạn"), _OFFICERS, _due_soon),
    Queue("qua-han", gettext_noop("Quá hạn"), _OFFICERS, _overdue),
    Queue("tra-ket-qua", gettext_noop("Chờ trả kết quả"), (Role.ONE_STOP_OFFICER,), _to_return),
    Queue("tat-ca", gettext_noop("Tất cả hồ sơ"), _OFFICERS, _all),
)
BY_SLUG = {queue.slug: queue for queue in QUEUES}


def queues_for(scope: Scope) -> list[Queue]:
    return [q for q in QUEUES if any(scope.by_role.get(role) for role in q.roles)]


def dossiers_in(queue: Queue, scope: Scope) -> QuerySet[Dossier]:
    return Dossier.objects.filter(queue.where(scope))


# Counts stop at a cap: past it, "99+" on the menu and "1.000+" on a list say as much to an
# officer as 27,680 and cost one short index range instead of the whole queue
# (BENCHMARKS.md: the office at 1 M dossiers).
MENU_CAP = 99
COUNT_CAP = 1000
# The list of every dossier has no count on the menu: at a province's volume it is the table.
UNCOUNTED = frozenset({"tat-ca"})
# Due soon and overdue are counted in due-date order: unordered, PostgreSQL reads the table
# from the start hoping to meet running dossiers early, and meets returned ones for 250 ms.
COUNTED_IN_ORDER = frozenset({"sap-den-han", "qua-han"})


def capped_count(rows: QuerySet[Dossier], cap: int = COUNT_CAP, *, in_order: bool = False) -> int:
    """How many rows, counted up to ``cap + 1`` (more than the cap: "1.000+")."""
    rows = rows.order_by("due_at", "submitted_at", "pk") if in_order else rows.order_by()
    return rows[: cap + 1].count()


def counts(scope: Scope) -> dict[str, int]:
    """The number on each of the officer's queues, up to ``MENU_CAP + 1``: one small query
    per queue, each on its own index, rather than one aggregate over their union, which
    PostgreSQL can only answer by scanning every dossier of the agencies."""
    return {
        q.slug: capped_count(dossiers_in(q, scope), MENU_CAP, in_order=q.slug in COUNTED_IN_ORDER)
        for q in queues_for(scope)
        if q.slug not in UNCOUNTED
    }


def rows(queue: Queue, scope: Scope, filters: Filters) -> QuerySet[Dossier]:
    """The queue's dossiers, filtered and sorted. A code typed in "every dossier" finds any
    dossier this officer may see, also those that have moved on from their agencies."""
    if queue.slug != "tat-ca":
        return apply(dossiers_in(queue, scope), filters)
    if _looks_like_code(filters.q.strip()):
        return apply(Dossier.objects.filter(_involved(scope)), filters)
    # Every dossier, newest first: a due date means nothing to most of them (returned long
    # ago), and this order walks an index even when the agencies hold a million.
    return apply(dossiers_in(queue, scope), filters).order_by("-submitted_at", "-pk")


@dataclass(frozen=True)
class Filters:
    """What the officer narrows a queue by (issue 4 §1)."""

    q: str = ""
    procedure: str = ""  # national code
    field: int | None = None
    channel: str = ""
    state: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None


def _looks_like_code(text: str) -> bool:
    return "-" in text and any(ch.isdigit() for ch in text) and " " not in text


def apply(rows: QuerySet[Dossier], filters: Filters) -> QuerySet[Dossier]:
    """Filter and sort: search by code, applicant name, phone or ID number (diacritics
    ignored), then by due date, none last."""
    text = filters.q.strip()
    if text:
        if _looks_like_code(text):
            # Ours, or the national portal's code of a dossier filed there (issue 6).
            rows = rows.filter(Q(code__istartswith=text) | Q(national_code=text))
        elif text.lstrip("+").isdigit():
            digits = text if not text.startswith("84") else "+" + text
            rows = rows.filter(search_text__contains=digits)
        else:
            for word in fold(text).split():
                rows = rows.filter(search_text__contains=word)
    if filters.procedure:
        rows = rows.filter(procedure__code=filters.procedure)
    if filters.field:
        rows = rows.filter(procedure__field_id=filters.field)
    if filters.channel in Channel.values:
        rows = rows.filter(channel=filters.channel)
    if filters.state in State.values:
        rows = rows.filter(state=filters.state)
    if filters.submitted_from:
        start = datetime.combine(filters.submitted_from, time(0), tzinfo=VN_TZ)
        rows = rows.filter(submitted_at__gte=start)
    if filters.submitted_to:
        end = datetime.combine(filters.submitted_to + timedelta(days=1), time(0), tzinfo=VN_TZ)
        rows = rows.filter(submitted_at__lt=end)
    return rows.order_by(F("due_at").asc(nulls_last=True), "submitted_at", "pk")
