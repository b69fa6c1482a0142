"""Who waits for what: the officer's work queues (issue 4 §1), on the real services."""

from datetime import timedelta

import pytest

from motcua.dossiers import queues, services
from motcua.dossiers.models import Dossier, State
from motcua.dossiers.transitions import Action

pytestmark = pytest.mark.django_db


def codes(user, slug, clock=None, **filters):
    scope = queues.Scope.of(user, now=clock.now if clock else None)
    rows = queues.rows(queues.BY_SLUG[slug], scope, queues.Filters(**filters))
    return [d.code for d in rows]


def test_an_online_dossier_waits_for_the_one_stop_officers_of_its_desk_only(flow):
    dossier = flow.file()
    assert codes(flow.one_stop, "cho-tiep-nhan") == [dossier.code]
    assert codes(flow.one_stop_y, "cho-tiep-nhan") == []
    assert "cho-tiep-nhan" not in {
        q.slug for q in queues.queues_for(queues.Scope.of(flow.specialist))
    }


def test_a_received_dossier_waits_to_be_routed_then_reaches_the_specialist_and_the_leader(flow):
    dossier = services.receive(flow.file(), ctx=flow.ctx(flow.one_stop))
    assert codes(flow.one_stop, "chuyen-xu-ly") == [dossier.code]
    services.route(dossier, ctx=flow.ctx(flow.one_stop))
    assert codes(flow.one_stop, "chuyen-xu-ly") == []
    # Unassigned appraisal step: any specialist of the department may take it, the leader
    # may assign it.
    assert codes(flow.specialist, "viec-cua-toi") == [dossier.code]
    assert codes(flow.specialist_2, "viec-cua-toi") == [dossier.code]
    assert codes(flow.leader, "cho-phan-cong") == [dossier.code]
    dossier.refresh_from_db()
    services.assign(dossier, ctx=flow.ctx(flow.leader), assignee=flow.specialist_2)
    assert codes(flow.specialist, "viec-cua-toi") == []
    assert codes(flow.specialist_2, "viec-cua-toi") == [dossier.code]
    assert codes(flow.leader, "cho-phan-cong") == []


def test_after_the_last_step_the_leader_approves_and_the_desk_returns(flow):
    dossier = flow.routed()
    services.complete_step(dossier, ctx=flow.ctx(flow.specialist))
    dossier.refresh_from_db()
    assert codes(flow.chairman, "viec-cua-toi") == [dossier.code]  # the approval step
    services.complete_step(dossier, ctx=flow.ctx(flow.chairman))
    assert codes(flow.chairman, "cho-duyet") == [dossier.code]
    dossier.refresh_from_db()
    services.result_ready(dossier, ctx=flow.ctx(flow.chairman))
    assert codes(flow.chairman, "cho-duyet") == []
    assert codes(flow.one_stop, "tra-ket-qua") == [dossier.code]


def test_a_supplement_answered_comes_back_to_the_desk_in_its_own_queue(flow):
    dossier = flow.file()
    services.request_supplement(
        dossier,
        ctx=flow.ctx(flow.one_stop),
        missing=[services.MissingItem("Tờ khai", "Thiếu chữ ký", "to-khai")],
    )
    assert codes(flow.one_stop, "cho-tiep-nhan") == []
    dossier.refresh_from_db()
    services.supplement(
        dossier, ctx=flow.ctx(flow.citizen), files={"to-khai": [flow.upload(flow.citizen)]}
    )
    assert codes(flow.one_stop, "da-bo-sung") == [dossier.code]
    assert codes(flow.one_stop, "cho-tiep-nhan") == []


def test_a_consultation_shows_in_the_queue_of_the_agency_asked(flow):
    dossier = flow.routed()
    services.consult(
        dossier, ctx=flow.ctx(flow.specialist), agency=flow.tax, question="Nợ thuế?", working_days=2
    )
    assert codes(flow.tax_officer, "xin-y-kien") == [dossier.code]
    # "Every dossier" lists those received or held here; one asked about is found by code.
    assert codes(flow.tax_officer, "tat-ca") == []
    assert codes(flow.tax_officer, "tat-ca", q=dossier.code) == [dossier.code]
    assert codes(flow.commune_specialist, "tat-ca", q=dossier.code) == []


def test_due_soon_and_overdue_follow_the_calendar(flow, clock):
    dossier = services.receive(flow.file(), ctx=flow.ctx(flow.one_stop))
    # Received Monday 9/3/2026 08:00 with 5 working days: due Monday 16/3 17:00.
    assert codes(flow.one_stop, "sap-den-han", clock) == []
    clock.set(2026, 3, 12, 9, 0)  # Thursday: Friday and Monday are the next 2 working days
    assert codes(flow.one_stop, "sap-den-han", clock) == [dossier.code]
    clock.set(2026, 3, 16, 17, 1)
    assert codes(flow.one_stop, "sap-den-han", clock) == []
    assert codes(flow.one_stop, "qua-han", clock) == [dossier.code]


def test_counts_agree_with_the_queues(flow):
    flow.file()
    services.receive(flow.file(), ctx=flow.ctx(flow.one_stop))
    flow.routed()
    for user in (flow.one_stop, flow.specialist, flow.leader, flow.chairman):
        scope = queues.Scope.of(user)
        counted = queues.counts(scope)
        for queue in queues.queues_for(scope):
            if queue.slug in queues.UNCOUNTED:
                assert queue.slug not in counted
                continue
            assert counted[queue.slug] == queues.dossiers_in(queue, scope).count(), queue.slug


def test_counts_stop_one_past_the_cap(flow):
    for _ in range(3):
        flow.file()
    waiting = queues.dossiers_in(queues.BY_SLUG["cho-tiep-nhan"], queues.Scope.of(flow.one_stop))
    assert queues.capped_count(waiting, 5) == 3
    assert queues.capped_count(waiting, 2) == 3
    assert queues.capped_count(waiting, 1) == 2


def test_search_finds_by_unaccented_name_phone_in_either_form_id_number_and_code(flow):
    dossier = flow.file()
    other = flow.file(citizen=flow.other_citizen)
    assert codes(flow.one_stop, "tat-ca", q="nguyen van an") == [dossier.code]
    assert codes(flow.one_stop, "tat-ca", q="0901234567") == [dossier.code]
    assert codes(flow.one_stop, "tat-ca", q="+84901234567") == [dossier.code]
    assert codes(flow.one_stop, "tat-ca", q=dossier.code) == [dossier.code]
    assert codes(flow.one_stop, "tat-ca", q="Trần Thị") == [other.code]
    assert codes(flow.one_stop, "tat-ca", q="khong co ai") == []


def test_queues_are_sorted_by_due_date_with_none_last(flow, clock):
    first = services.receive(flow.file(), ctx=flow.ctx(flow.one_stop))
    clock.advance(days=1)
    second = services.receive(flow.file(), ctx=flow.ctx(flow.one_stop))
    waiting = flow.file()  # no due date yet
    assert codes(flow.one_stop, "chuyen-xu-ly") == [first.code, second.code]
    three = Dossier.objects.filter(pk__in=[waiting.pk, second.pk, first.pk])
    rows = queues.apply(three, queues.Filters())
    assert [d.code for d in rows] == [first.code, second.code, waiting.code]


def test_every_dossier_is_listed_newest_first(flow, clock):
    first = services.receive(flow.file(), ctx=flow.ctx(flow.one_stop))
    clock.advance(days=1)
    waiting = flow.file()
    assert codes(flow.one_stop, "tat-ca") == [waiting.code, first.code]


def test_filters_by_channel_state_and_dates(flow, clock):
    dossier = flow.file()
    assert codes(flow.one_stop, "tat-ca", channel="counter") == []
    assert codes(flow.one_stop, "tat-ca", channel="online") == [dossier.code]
    assert codes(flow.one_stop, "tat-ca", state=State.RECEIVED) == []
    today = clock.now.date()
    assert codes(flow.one_stop, "tat-ca", submitted_from=today, submitted_to=today) == [
        dossier.code
    ]
    assert codes(flow.one_stop, "tat-ca", submitted_from=today + timedelta(days=1)) == []


def test_the_actions_offered_are_exactly_those_the_services_accept(flow):
    dossier = flow.file()
    assert services.available_actions(dossier, flow.one_stop) == [
        Action.RECEIVE,
        Action.REQUEST_SUPPLEMENT,
        Action.REFUSE,
    ]
    assert services.available_actions(dossier, flow.specialist) == []
    assert services.available_actions(dossier, flow.citizen) == [Action.WITHDRAW]
    dossier = flow.routed()
    leader = set(services.available_actions(dossier, flow.leader))
    assert {Action.ASSIGN, Action.TRANSFER, Action.CONSULT, Action.STOP} <= leader
    assert Action.RESULT_READY not in leader  # a step is still open
    specialist = set(services.available_actions(dossier, flow.specialist))
    assert Action.COMPLETE_STEP in specialist and Action.ASSIGN not in specialist
    services.assign(dossier, ctx=flow.ctx(flow.leader), assignee=flow.specialist_2)
    dossier.refresh_from_db()
    assert Action.COMPLETE_STEP not in services.available_actions(dossier, flow.specialist)
    assert Action.COMPLETE_STEP in services.available_actions(dossier, flow.specialist_2)
