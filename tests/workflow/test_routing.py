"""Routing a received dossier into its internal steps (issue 3 §4)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.catalog.models import AgencyKind, ProcessStep
from motcua.dossiers import services
from motcua.dossiers.errors import InvalidInput, InvalidTransition
from motcua.dossiers.events import verify_chain
from motcua.dossiers.models import State
from motcua.workflow.models import DossierStep
from tests.factories import make_agency

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return datetime(*args, tzinfo=HCM)


def test_routing_creates_the_steps_with_their_agencies_resolved(flow):
    dossier = flow.routed()
    steps = list(DossierStep.objects.filter(dossier=dossier))
    assert [(s.order, s.agency, s.state) for s in steps] == [
        (1, flow.desk_x, "done"),  # receiving: the desk that received it
        (2, flow.department, "active"),  # competent: the version's competent agency
        (3, flow.committee, "pending"),  # people_committee: the department's parent
        (4, flow.desk_x, "pending"),
    ]
    assert all(s.province_code == dossier.province_code for s in steps)
    assert dossier.state == State.IN_PROCESS
    assert dossier.current_agency == flow.department


def test_the_reception_step_is_done_and_the_next_starts_with_its_own_deadline(flow):
    dossier = flow.routed()
    reception, appraisal = DossierStep.objects.filter(dossier=dossier)[:2]
    assert reception.started_at == dossier.received_at
    assert reception.completed_at == at(2026, 3, 9, 8, 0)
    assert reception.timeliness == "on_time"
    # 16 working hours from Monday 08:00: 7 on Monday, 8 on Tuesday, 1 on Wednesday.
    assert appraisal.started_at == at(2026, 3, 9, 8, 0)
    assert appraisal.due_at == at(2026, 3, 11, 8, 0)
    assert appraisal.assignee is None


def test_the_route_event_records_the_steps(flow):
    dossier = flow.routed()
    event = dossier.events.get(action="route")
    assert event.data["to_agency"] == flow.department.code
    assert event.data["active_step"] == 2
    assert [s["agency"] for s in event.data["steps"]] == [
        flow.desk_x.code,
        flow.department.code,
        flow.committee.code,
        flow.desk_x.code,
    ]
    assert verify_chain(dossier) == []


def test_an_agencys_own_process_replaces_the_template(flow):
    for order, role, officer, hours in [
        (1, "receiving", "one_stop_officer", 1),
        (2, "competent", "leader", 4),
    ]:
        ProcessStep.objects.create(
            version=flow.version,
            agency=flow.desk_y,
            order=order,
            name=f"Bước riêng {order}",
            agency_role=role,
            officer_role=officer,
            budget_hours=hours,
        )
    at_y = flow.world.file(agency=flow.desk_y)
    at_y = services.receive(at_y, ctx=flow.ctx(flow.one_stop_y))
    at_y = services.route(at_y, ctx=flow.ctx(flow.one_stop_y))
    assert list(DossierStep.objects.filter(dossier=at_y).values_list("name", "state")) == [
        ("Bước riêng 1", "done"),
        ("Bước riêng 2", "active"),
    ]
    at_x = flow.routed()  # desk X has no process of its own: the template
    assert DossierStep.objects.filter(dossier=at_x).count() == 4


def test_the_committee_is_found_above_the_receiving_agency_when_not_above_the_handler(flow):
    flow.department.parent = None
    flow.department.save()
    commune_committee = make_agency(
        kind=AgencyKind.PEOPLES_COMMITTEE, tier="commune", receives=False, name="UBND xã X"
    )
    flow.desk_x.parent = commune_committee
    flow.desk_x.save()
    dossier = flow.routed()
    assert DossierStep.objects.get(dossier=dossier, order=3).agency == commune_committee


def test_routing_is_refused_when_no_committee_can_be_found(flow):
    flow.department.parent = None
    flow.department.save()
    dossier = services.receive(flow.world.file(), ctx=flow.ctx(flow.one_stop))
    with pytest.raises(InvalidInput, match="Ủy ban nhân dân"):
        services.route(dossier, ctx=flow.ctx(flow.one_stop))
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED
    assert not DossierStep.objects.filter(dossier=dossier).exists()
    assert dossier.events.count() == 2


def test_routing_to_another_handling_agency_resolves_the_steps_from_there(flow):
    commune_committee = make_agency(
        kind=AgencyKind.PEOPLES_COMMITTEE, tier="commune", receives=False, name="UBND xã"
    )
    flow.commune_office.parent = commune_committee
    flow.commune_office.save()
    dossier = services.receive(flow.world.file(), ctx=flow.ctx(flow.one_stop))
    dossier = services.route(dossier, ctx=flow.ctx(flow.one_stop), to_agency=flow.commune_office)
    agencies = DossierStep.objects.filter(dossier=dossier).values_list("agency", flat=True)
    assert list(agencies) == [
        flow.desk_x.pk,
        flow.commune_office.pk,
        commune_committee.pk,
        flow.desk_x.pk,
    ]
    assert dossier.current_agency == flow.commune_office


def test_a_version_without_a_process_is_routed_without_steps_as_before(world):
    dossier = services.receive(world.file(), ctx=world.ctx(world.one_stop))
    dossier = services.route(dossier, ctx=world.ctx(world.one_stop))
    assert dossier.state == State.IN_PROCESS
    assert dossier.current_agency == world.department
    assert not DossierStep.objects.filter(dossier=dossier).exists()
    with pytest.raises(InvalidTransition):
        services.complete_step(dossier, ctx=world.ctx(world.specialist))
    with pytest.raises(InvalidTransition):
        services.assign(dossier, ctx=world.ctx(world.leader), assignee=world.specialist)
    # ...and the leader signs the result as before.
    dossier = services.result_ready(dossier, ctx=world.ctx(world.leader))
    assert dossier.state == State.RESULT_READY
