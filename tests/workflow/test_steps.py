"""Assignment, completion, sending back and transfer of the steps (issue 3 §4)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.dossiers import services
from motcua.dossiers.errors import (
    ConcurrentUpdate,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
    NotVisible,
)
from motcua.dossiers.events import verify_chain
from motcua.dossiers.models import Dossier, State
from motcua.workflow.models import DossierStep

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return datetime(*args, tzinfo=HCM)


def step_of(dossier, order):
    return DossierStep.objects.get(dossier=dossier, order=order)


def fresh(dossier):
    return Dossier.objects.get(pk=dossier.pk)


def assigned(flow, dossier, to=None):
    return services.assign(dossier, ctx=flow.ctx(flow.leader), assignee=to or flow.specialist)


# --- assignment -------------------------------------------------------------------------------


def test_the_leader_assigns_the_active_step_to_a_holder_of_its_role(flow):
    dossier = assigned(flow, flow.routed(), flow.specialist)
    assert step_of(dossier, 2).assignee == flow.specialist
    event = dossier.events.get(action="assign")
    assert event.data["assignee"] == flow.specialist.pk
    assert event.data["step"] == 2 and event.actor_agency == flow.department
    # Re-assigning to a colleague is allowed; the previous assignee is recorded.
    dossier = assigned(flow, dossier, flow.specialist_2)
    assert dossier.events.filter(action="assign").last().data["previous_assignee"] == (
        flow.specialist.pk
    )


@pytest.mark.parametrize("who", ["leader", "commune_specialist", "citizen"])
def test_someone_without_the_steps_role_at_its_agency_cannot_be_the_assignee(flow, who):
    dossier = flow.routed()
    with pytest.raises(InvalidInput, match="chuyên viên"):
        assigned(flow, dossier, getattr(flow, who))
    assert step_of(dossier, 2).assignee is None
    assert fresh(dossier).events.count() == 3  # submit, receive, route


def test_only_a_leader_of_the_steps_agency_assigns(flow):
    dossier = flow.routed()
    with pytest.raises(NotPermitted):
        services.assign(dossier, ctx=flow.ctx(flow.specialist), assignee=flow.specialist)
    with pytest.raises(NotPermitted):  # the receiving desk sees the dossier but does not lead
        services.assign(dossier, ctx=flow.ctx(flow.one_stop), assignee=flow.specialist)


# --- completion -------------------------------------------------------------------------------


def test_the_assignee_completes_and_the_next_step_starts_at_its_agency(flow, clock):
    dossier = assigned(flow, flow.routed())
    with pytest.raises(NotPermitted, match="giao cho cán bộ khác"):
        services.complete_step(dossier, ctx=flow.ctx(flow.specialist_2))
    clock.set(2026, 3, 9, 9, 0)
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.specialist), note="Đủ điều kiện")
    appraisal, approval = step_of(dossier, 2), step_of(dossier, 3)
    assert appraisal.state == "done" and appraisal.completed_at == at(2026, 3, 9, 9, 0)
    assert approval.state == "active" and approval.started_at == at(2026, 3, 9, 9, 0)
    # 8 working hours from Monday 09:00: 6 on Monday, 2 on Tuesday.
    assert approval.due_at == at(2026, 3, 10, 9, 0)
    assert dossier.current_agency == flow.committee
    event = dossier.events.get(action="complete-step")
    assert event.data["from_agency"] == flow.department.code
    assert event.data["to_agency"] == flow.committee.code
    assert event.data["next_step"]["order"] == 3
    # The department no longer acts; the committee does.
    with pytest.raises(NotPermitted):
        services.complete_step(dossier, ctx=flow.ctx(flow.specialist))


def test_an_unassigned_step_is_completed_by_a_holder_of_its_role(flow):
    dossier = flow.routed()
    with pytest.raises(NotPermitted, match="chuyên viên"):
        services.complete_step(dossier, ctx=flow.ctx(flow.leader))
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.specialist_2))
    assert step_of(dossier, 2).state == "done"


def test_after_the_last_step_the_dossier_waits_for_the_leaders_result(flow):
    dossier = services.complete_step(flow.routed(), ctx=flow.ctx(flow.specialist))
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.chairman))
    assert not DossierStep.objects.filter(dossier=dossier, state="active").exists()
    # The hand-over of the result at the counter is return_result's, not a step to activate.
    assert step_of(dossier, 4).state == "pending"
    assert dossier.state == State.IN_PROCESS
    assert dossier.current_agency == flow.committee
    with pytest.raises(InvalidTransition, match="không có bước"):
        services.complete_step(dossier, ctx=flow.ctx(flow.chairman))
    dossier = services.result_ready(fresh(dossier), ctx=flow.ctx(flow.chairman))
    assert dossier.state == State.RESULT_READY
    dossier = services.return_result(dossier, ctx=flow.ctx(flow.one_stop))
    assert verify_chain(dossier) == []


def test_step_timeliness_is_judged_against_the_steps_own_deadline(flow, clock):
    early, on_time, late = flow.routed(), flow.routed(), flow.routed()
    # Appraisal due Wednesday 11/3 08:00.
    clock.set(2026, 3, 10, 16, 0)
    services.complete_step(early, ctx=flow.ctx(flow.specialist))
    clock.set(2026, 3, 11, 7, 30)
    services.complete_step(on_time, ctx=flow.ctx(flow.specialist))
    clock.set(2026, 3, 11, 8, 1)
    services.complete_step(late, ctx=flow.ctx(flow.specialist))
    assert [step_of(d, 2).timeliness for d in (early, on_time, late)] == [
        "early",
        "on_time",
        "late",
    ]
    assert fresh(late).events.get(action="complete-step").data["step"]["timeliness"] == "late"


# --- sending back -----------------------------------------------------------------------------


def test_a_step_sent_back_makes_the_previous_one_active_again(flow, clock):
    dossier = assigned(flow, flow.routed())
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.specialist))
    clock.set(2026, 3, 10, 10, 0)
    dossier = services.complete_step(
        dossier, ctx=flow.ctx(flow.chairman), send_back=True, note="Thẩm định lại"
    )
    appraisal, approval = step_of(dossier, 2), step_of(dossier, 3)
    assert approval.state == "returned"
    assert appraisal.state == "active" and appraisal.assignee == flow.specialist
    # The returned step runs its full budget again from now.
    assert appraisal.started_at == at(2026, 3, 10, 10, 0)
    assert appraisal.due_at == at(2026, 3, 12, 10, 0)
    assert dossier.current_agency == flow.department
    assert dossier.events.filter(action="complete-step").last().data["send_back"] is True
    # Completed again, the approval is active again.
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.specialist))
    assert step_of(dossier, 3).state == "active"
    assert dossier.current_agency == flow.committee


def test_sending_back_the_first_step_returns_it_to_the_reception_desk(flow):
    dossier = services.complete_step(flow.routed(), ctx=flow.ctx(flow.specialist), send_back=True)
    assert step_of(dossier, 1).state == "active"
    assert dossier.current_agency == flow.desk_x
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.one_stop))
    assert step_of(dossier, 2).state == "active"


# --- transfer (liên thông) --------------------------------------------------------------------


def test_transfer_across_tiers_hands_the_step_to_the_new_agency(flow):
    dossier = assigned(flow, flow.routed())
    due = step_of(dossier, 2).due_at
    with pytest.raises(NotVisible):
        services.get_visible(flow.commune_specialist, dossier.code)
    dossier = services.transfer(
        dossier,
        ctx=flow.ctx(flow.specialist),
        to_agency=flow.commune_office,
        note="Thuộc thẩm quyền cấp xã",
    )
    appraisal = step_of(dossier, 2)
    assert appraisal.agency == flow.commune_office and appraisal.assignee is None
    assert appraisal.due_at == due and appraisal.state == "active"
    assert dossier.current_agency == flow.commune_office
    event = dossier.events.get(action="transfer")
    assert (event.data["from_agency"], event.data["to_agency"]) == (
        flow.department.code,
        flow.commune_office.code,
    )
    assert (event.data["from_tier"], event.data["to_tier"]) == ("province", "commune")
    # The old agency no longer sees nor acts; the new one does.
    with pytest.raises(NotVisible):
        services.complete_step(fresh(dossier), ctx=flow.ctx(flow.specialist))
    assert services.get_visible(flow.commune_specialist, dossier.code) == dossier
    dossier = services.assign(
        fresh(dossier), ctx=flow.ctx(flow.commune_leader), assignee=flow.commune_specialist
    )
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.commune_specialist))
    assert step_of(dossier, 2).state == "done"
    assert dossier.current_agency == flow.committee
    assert verify_chain(dossier) == []


def test_transfer_needs_the_steps_carrier_or_leader_and_another_agency(flow):
    dossier = assigned(flow, flow.routed())
    with pytest.raises(NotPermitted):  # the step is the assignee's
        services.transfer(
            dossier, ctx=flow.ctx(flow.specialist_2), to_agency=flow.commune_office, note="x"
        )
    with pytest.raises(InvalidInput):
        services.transfer(dossier, ctx=flow.ctx(flow.leader), to_agency=flow.department, note="x")
    with pytest.raises(InvalidInput):
        services.transfer(dossier, ctx=flow.ctx(flow.leader), to_agency=flow.tax, note=" ")
    dossier = services.transfer(
        dossier, ctx=flow.ctx(flow.leader), to_agency=flow.tax, note="Cùng cấp"
    )
    assert dossier.current_agency == flow.tax


# --- the log ----------------------------------------------------------------------------------


def test_every_action_records_exactly_one_event_and_the_chain_holds(flow, clock):
    dossier = flow.routed()
    steps = [
        lambda d: services.assign(d, ctx=flow.ctx(flow.leader), assignee=flow.specialist),
        lambda d: services.consult(
            d, ctx=flow.ctx(flow.specialist), agency=flow.tax, question="Nợ thuế?", working_days=2
        ),
        lambda d: services.answer_consultation(
            d,
            ctx=flow.ctx(flow.tax_officer),
            consultation=d.consultations.get(),
            answer="Không nợ",
        ),
        lambda d: services.transfer(
            d, ctx=flow.ctx(flow.specialist), to_agency=flow.commune_office, note="Liên thông"
        ),
        lambda d: services.complete_step(d, ctx=flow.ctx(flow.commune_specialist)),
        lambda d: services.complete_step(d, ctx=flow.ctx(flow.chairman), send_back=True),
        lambda d: services.complete_step(d, ctx=flow.ctx(flow.commune_specialist)),
        lambda d: services.complete_step(d, ctx=flow.ctx(flow.chairman)),
    ]
    for act in steps:
        before = dossier.events.count()
        clock.advance(minutes=30)
        dossier = act(fresh(dossier))
        assert dossier.events.count() == before + 1
    assert [e.action for e in dossier.events.all()][3:] == [
        "assign",
        "consult",
        "answer-consultation",
        "transfer",
        "complete-step",
        "complete-step",
        "complete-step",
        "complete-step",
    ]
    assert verify_chain(fresh(dossier)) == []
    assert fresh(dossier).revision == dossier.event_seq


def test_a_stale_revision_is_refused_for_step_actions(flow):
    stale = flow.routed()
    assigned(flow, fresh(stale))
    with pytest.raises(ConcurrentUpdate):
        services.complete_step(stale, ctx=flow.ctx(flow.specialist))
    assert step_of(stale, 2).state == "active"
