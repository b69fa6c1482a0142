"""Routing a dossier into its internal steps, and the step deadlines.

These functions change ``DossierStep`` rows; only ``dossiers.services`` calls them, inside
the dossier's transaction with the dossier row locked, and records the one event of the
action (DESIGN: one write path).

How a step's agency is resolved from the role the procedure's process names for it (one
template serves every commune, DESIGN: Procedures):

- ``receiving``: the dossier's receiving agency (the one-stop desk or centre);
- ``competent``: the agency that handles the dossier (the ``to_agency`` the one-stop officer
  routes to, else the version's competent agency, else the receiving agency — the same agency
  ``route`` chose before there were steps);
- ``people_committee``: the first People's Committee met walking up ``Agency.parent`` from
  the handling agency (itself included), else from the receiving agency; routing is refused
  when the agency tree names none, so that a decision never lands at a guessed agency;
- ``consulted``: unknown until a consultation is asked during the step (``consult``), which
  names it. Until then the dossier stays with the agency that carries it and asks.

The reception steps (receiving agency, one-stop officer) before the first other step
happened at reception: routing records them done. Those after the last other step are the
hand-over of the result (``return_result``): routing creates them pending and
``complete_step`` never activates them, so the internal process ends with the last other
step — usually the leader's approval, where ``result_ready`` is signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone

from motcua.catalog.models import Agency, AgencyKind, AgencyRole, ProcessStep
from motcua.catalog.models import OfficerRole as StepRole
from motcua.core.calendar import Limit, LimitKind, get_calendar
from motcua.dossiers.errors import InvalidInput
from motcua.dossiers.models import Dossier, Timeliness

from .models import DossierStep, StepState


def is_reception(step: ProcessStep | DossierStep) -> bool:
    return (
        step.agency_role == AgencyRole.RECEIVING and step.officer_role == StepRole.ONE_STOP_OFFICER
    )


def peoples_committee_of(agency: Agency | None) -> Agency | None:
    """``agency`` itself when it is a People's Committee, else its nearest such parent."""
    seen: set[int] = set()
    while agency is not None and agency.pk not in seen:
        if agency.kind == AgencyKind.PEOPLES_COMMITTEE:
            return agency
        seen.add(agency.pk)
        agency = agency.parent
    return None


def resolve_agency(role: str, dossier: Dossier, handling: Agency) -> Agency | None:
    """The agency of a step named by ``role`` (see the module's docstring)."""
    if role == AgencyRole.RECEIVING:
        return dossier.receiving_agency
    if role == AgencyRole.COMPETENT:
        return handling
    if role == AgencyRole.PEOPLES_COMMITTEE:
        committee = peoples_committee_of(handling) or peoples_committee_of(dossier.receiving_agency)
        if committee is None:
            raise InvalidInput(
                f"Không xác định được Ủy ban nhân dân cấp trên của “{handling.name}” để "
                "thực hiện bước của Ủy ban; cần khai báo cơ quan cấp trên trong danh mục."
            )
        return committee
    return None  # consulted: named when the consultation is asked


def inner_orders(steps: Sequence[ProcessStep | DossierStep]) -> list[int]:
    """The orders of the steps between the reception and the hand-over of the result."""
    others = [s.order for s in steps if not is_reception(s)]
    if not others:
        return []
    return [s.order for s in steps if others[0] <= s.order <= others[-1]]


def create_steps(
    dossier: Dossier, template: Sequence[ProcessStep], handling: Agency, now: datetime
) -> list[DossierStep]:
    """Copy the process into the dossier; the reception steps before the first other step
    are done (from reception until now), every other step waits."""
    inner = inner_orders(template)
    first_inner = inner[0] if inner else None
    created = []
    for source in template:
        step = DossierStep(
            province_code=dossier.province_code,
            dossier=dossier,
            order=source.order,
            name=source.name,
            agency_role=source.agency_role,
            officer_role=source.officer_role,
            agency=resolve_agency(source.agency_role, dossier, handling),
            budget_hours=source.budget_hours,
        )
        if first_inner is None or source.order < first_inner:
            start(step, dossier, dossier.received_at or now, save=False)
            finish(step, now, save=False)
        step.save()
        created.append(step)
    return created


def office_hours_of(step: DossierStep, dossier: Dossier):
    return (step.agency or dossier.current_agency).office_hours()


def step_due(step: DossierStep, started_at: datetime, dossier: Dossier) -> datetime:
    """The step's own deadline: its budget of working hours in its agency's office hours."""
    return get_calendar().add_working_time(
        started_at, timedelta(hours=step.budget_hours), office_hours_of(step, dossier)
    )


def start(step: DossierStep, dossier: Dossier, at: datetime, *, save: bool = True) -> None:
    """Activate the step from ``at`` with its full budget (again, when it was sent back)."""
    step.state = StepState.ACTIVE
    step.started_at = at
    step.due_at = step_due(step, at, dossier)
    step.completed_at = None
    step.timeliness = ""
    if save:
        step.save(update_fields=["state", "started_at", "due_at", "completed_at", "timeliness"])


def finish(step: DossierStep, at: datetime, *, save: bool = True) -> None:
    step.state = StepState.DONE
    step.completed_at = at
    step.timeliness = judge(step, at)
    if save:
        step.save(update_fields=["state", "completed_at", "timeliness"])


def send_back(step: DossierStep, at: datetime) -> None:
    step.state = StepState.RETURNED
    step.completed_at = at
    step.timeliness = ""
    step.save(update_fields=["state", "completed_at", "timeliness"])


def judge(step: DossierStep, at: datetime) -> str:
    """Early, on time or late against the step's own deadline, by the rule used for the
    dossier (``dossiers.deadlines.judge``): early means done on a day before the due day."""
    if step.due_at is None:
        return Timeliness.ON_TIME
    if at > step.due_at:
        return Timeliness.LATE
    if timezone.localdate(at) < timezone.localdate(step.due_at):
        return Timeliness.EARLY
    return Timeliness.ON_TIME


def active_step(dossier: Dossier) -> DossierStep | None:
    return (
        DossierStep.objects.filter(dossier=dossier, state=StepState.ACTIVE)
        .select_related("agency", "assignee", "dossier")
        .first()
    )


def next_step(dossier: Dossier, step: DossierStep) -> DossierStep | None:
    """The next step of the internal process; None after the last one (the hand-over
    steps that may follow belong to ``return_result``)."""
    steps = list(DossierStep.objects.filter(dossier=dossier).select_related("agency", "dossier"))
    inner = inner_orders(steps)
    later = [s for s in steps if s.order > step.order and s.order in inner]
    return min(later, key=lambda s: s.order) if later else None


def previous_step(dossier: Dossier, step: DossierStep) -> DossierStep | None:
    return (
        DossierStep.objects.filter(dossier=dossier, order__lt=step.order)
        .select_related("agency", "dossier")
        .order_by("-order")
        .first()
    )


def carrier(step: DossierStep, dossier: Dossier) -> Agency:
    """The agency that holds the dossier while ``step`` is active: the step's own agency,
    except a consultation step, which the agency asking carries."""
    if step.agency_role == AgencyRole.CONSULTED or step.agency is None:
        return dossier.current_agency
    return step.agency


def consultation_due(agency: Agency, asked_at: datetime, working_days: int) -> datetime:
    """``working_days`` counted like a limit (the day asked not counted), at the consulted
    agency's closing time."""
    limit = Limit(LimitKind.WORKING_DAYS, working_days)
    return get_calendar().compute_due(asked_at, limit, agency.office_hours()).due_at
