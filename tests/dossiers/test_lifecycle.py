"""The lifecycle's one write path: who may act, in which state, with which clock."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.accounts import services as accounts
from motcua.accounts.models import Role
from motcua.core.calendar import get_calendar
from motcua.core.outbox import OutboxMessage
from motcua.dossiers import services
from motcua.dossiers.errors import (
    ConcurrentUpdate,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
    NotVisible,
)
from motcua.dossiers.events import verify_chain
from motcua.dossiers.models import Dossier, DossierEvent, State, Timeliness
from motcua.dossiers.transitions import TRANSITIONS, Action


def received(world):
    dossier = world.file()
    return services.receive(dossier, ctx=world.ctx(world.one_stop))


def in_process(world):
    return services.route(received(world), ctx=world.ctx(world.one_stop))


def test_receiving_starts_the_clock_with_the_limit_of_the_receiving_agency(world):
    dossier = received(world)
    expected = get_calendar().compute_due(
        dossier.received_at, world.version.limit, world.desk_x.office_hours()
    )
    assert dossier.state == State.RECEIVED
    assert dossier.due_at == dossier.original_due_at == expected.due_at
    assert [e.action for e in dossier.events.all()] == ["submit", "receive"]


def test_reception_sends_the_receipt_notice_through_the_outbox(world):
    dossier = received(world)
    message = OutboxMessage.objects.get(kind="email.send")
    assert message.payload["to"] == ["an@example.vn"]
    assert dossier.code in message.payload["subject"]
    assert OutboxMessage.objects.filter(kind="sms.send").count() == 1  # and by SMS


def test_only_the_parties_and_the_officers_of_its_agencies_see_a_dossier(world):
    dossier = world.file()
    for user in (world.citizen, world.one_stop):
        assert services.get_visible(user, dossier.code) == dossier
    for user in (world.other_citizen, world.one_stop_y, world.specialist):
        with pytest.raises(NotVisible):
            services.get_visible(user, dossier.code)


def test_an_outsider_gets_not_visible_before_any_other_answer(world):
    dossier = world.file()
    with pytest.raises(NotVisible):
        services.receive(dossier, ctx=world.ctx(world.one_stop_y))
    with pytest.raises(NotVisible):
        services.withdraw(dossier, ctx=world.ctx(world.other_citizen))


def test_a_party_without_the_role_is_not_permitted(world):
    dossier = world.file()
    with pytest.raises(NotPermitted):
        services.receive(dossier, ctx=world.ctx(world.citizen))


def test_an_action_not_allowed_in_the_state_is_refused_and_changes_nothing(world):
    dossier = received(world)
    with pytest.raises(InvalidTransition, match="Đã tiếp nhận"):
        services.receive(dossier, ctx=world.ctx(world.one_stop))
    assert dossier.events.count() == 2


def test_two_officers_at_once_one_wins_the_other_is_told_to_reload(world):
    dossier = world.file()
    stale = Dossier.objects.get(pk=dossier.pk)
    services.receive(dossier, ctx=world.ctx(world.one_stop))
    with pytest.raises(ConcurrentUpdate, match="tải lại"):
        services.refuse(stale, ctx=world.ctx(world.one_stop), reasons="Không thuộc thẩm quyền")
    assert Dossier.objects.get(pk=dossier.pk).state == State.RECEIVED
    assert dossier.events.count() == 2


def test_a_supplement_at_reception_means_the_clock_never_started(world):
    dossier = world.file()
    dossier = services.request_supplement(
        dossier,
        ctx=world.ctx(world.one_stop),
        missing=[services.MissingItem("Tờ khai", "Thiếu chữ ký", "to-khai")],
    )
    assert dossier.state == State.SUPPLEMENT_REQUESTED and dossier.due_at is None
    dossier = services.supplement(
        dossier, ctx=world.ctx(world.citizen), files={"to-khai": [world.upload(world.citizen)]}
    )
    assert dossier.state == State.SUBMITTED
    assert dossier.documents.filter(round=1).count() == 1
    assert not dossier.agency_fault


def test_a_supplement_during_processing_resets_the_full_limit(world):
    dossier = in_process(world)
    dossier = services.request_supplement(
        dossier, ctx=world.ctx(world.specialist), missing=[services.MissingItem("Bản vẽ", "Mờ")]
    )
    assert not dossier.agency_fault  # within 3 working days of receipt
    dossier = services.supplement(
        dossier, ctx=world.ctx(world.citizen), files={}, note="Đã nộp bản rõ"
    )
    assert dossier.state == State.IN_PROCESS
    expected = get_calendar().compute_due(
        dossier.clock_started_at, world.version.limit, world.desk_x.office_hours()
    )
    assert dossier.due_at == expected.due_at


def test_a_second_supplement_request_is_flagged_as_the_agency_s_fault(world):
    dossier = in_process(world)
    for _ in range(2):
        dossier = services.request_supplement(
            dossier,
            ctx=world.ctx(world.specialist),
            missing=[services.MissingItem("Bản vẽ", "Mờ")],
        )
        dossier = services.supplement(
            dossier, ctx=world.ctx(world.citizen), files={}, note="Bổ sung"
        )
    assert dossier.agency_fault
    assert dossier.supplement_count == 2


def test_a_supplement_request_after_three_working_days_is_flagged(world):
    dossier = in_process(world)
    Dossier.objects.filter(pk=dossier.pk).update(
        received_at=dossier.received_at - timedelta(days=10)
    )
    dossier.refresh_from_db()
    dossier = services.request_supplement(
        dossier, ctx=world.ctx(world.specialist), missing=[services.MissingItem("Bản vẽ", "Mờ")]
    )
    assert dossier.agency_fault


def test_supplement_requests_during_processing_belong_to_the_specialist(world):
    dossier = in_process(world)
    with pytest.raises(NotPermitted):
        services.request_supplement(
            dossier, ctx=world.ctx(world.one_stop), missing=[services.MissingItem("A", "B")]
        )


def test_a_supplement_request_must_list_what_is_missing(world):
    with pytest.raises(InvalidInput):
        services.request_supplement(world.file(), ctx=world.ctx(world.one_stop), missing=[])


def test_refusal_needs_reasons_and_is_terminal(world):
    dossier = world.file()
    with pytest.raises(InvalidInput):
        services.refuse(dossier, ctx=world.ctx(world.one_stop), reasons=" ")
    dossier = services.refuse(
        dossier, ctx=world.ctx(world.one_stop), reasons="Không đúng thẩm quyền"
    )
    assert dossier.state == State.REFUSED and dossier.national_status == 3
    with pytest.raises(InvalidTransition):
        services.withdraw(dossier, ctx=world.ctx(world.citizen))


def test_waiting_for_payment_pauses_the_clock(world):
    dossier = in_process(world)
    dossier = services.request_payment(dossier, ctx=world.ctx(world.specialist), amount=50_000)
    assert dossier.state == State.AWAITING_PAYMENT
    # The obligation was asked two office hours before it was met.
    hours = world.desk_x.office_hours()
    calendar = get_calendar()
    started = calendar.working_time_start(timezone.now() - timedelta(days=7), hours)
    Dossier.objects.filter(pk=dossier.pk).update(paused_at=started)
    dossier.refresh_from_db()
    due_before = dossier.due_at
    dossier = services.confirm_payment(dossier, ctx=world.ctx(world.one_stop))
    assert dossier.state == State.IN_PROCESS
    stood_still = calendar.working_time_between(started, dossier.updated_at, hours)
    assert stood_still > timedelta(hours=2)
    expected = calendar.add_working_time(due_before, stood_still, hours)
    # The service's clock read and updated_at differ by milliseconds.
    assert abs(dossier.due_at - expected) <= timedelta(seconds=5)
    assert dossier.paused_at is None


def test_an_amount_must_be_integer_dong(world):
    for amount in (0, -5, 10.5, True):
        with pytest.raises(InvalidInput):
            services.request_payment(
                in_process(world), ctx=world.ctx(world.specialist), amount=amount
            )


def test_one_apology_with_a_new_date_then_no_more(world):
    dossier = in_process(world)
    old_due = dossier.due_at
    dossier = services.apologise(
        dossier, ctx=world.ctx(world.leader), reason="Chờ ý kiến", extra_working_days=2
    )
    expected_day = get_calendar().add_working_days(timezone.localdate(old_due), 2)
    assert timezone.localdate(dossier.due_at) == expected_day
    assert dossier.original_due_at == old_due
    with pytest.raises(InvalidTransition, match="một lần"):
        services.apologise(
            dossier, ctx=world.ctx(world.leader), reason="Lần nữa", extra_working_days=1
        )


def test_result_ready_judges_timeliness_and_return_closes_the_dossier(world):
    dossier = in_process(world)
    dossier = services.result_ready(dossier, ctx=world.ctx(world.leader))
    assert dossier.timeliness in (Timeliness.EARLY, Timeliness.ON_TIME)
    assert dossier.national_status == 9
    dossier = services.return_result(dossier, ctx=world.ctx(world.one_stop))
    assert dossier.state == State.RETURNED and dossier.returned_at
    assert [e.to_state for e in dossier.events.all()] == [
        "submitted",
        "received",
        "in_process",
        "result_ready",
        "returned",
    ]


def test_a_dossier_past_its_due_date_is_judged_late(world):
    dossier = in_process(world)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    dossier.refresh_from_db()
    assert services.result_ready(dossier, ctx=world.ctx(world.leader)).timeliness == "late"


def test_the_citizen_may_withdraw_while_the_dossier_is_open(world):
    dossier = services.withdraw(received(world), ctx=world.ctx(world.citizen), reason="Không cần")
    assert dossier.state == State.WITHDRAWN and dossier.national_status == 7


# --- every forbidden transition ---------------------------------------------------------


def reach(world, state):
    """A dossier in ``state``, reached through the services."""
    if state == State.SUBMITTED:
        return world.file()
    if state == State.RECEIVED:
        return received(world)
    dossier = in_process(world)
    if state == State.IN_PROCESS:
        return dossier
    if state == State.SUPPLEMENT_REQUESTED:
        return services.request_supplement(
            dossier, ctx=world.ctx(world.specialist), missing=[services.MissingItem("A", "B")]
        )
    if state == State.AWAITING_PAYMENT:
        return services.request_payment(dossier, ctx=world.ctx(world.specialist), amount=1000)
    dossier = services.result_ready(dossier, ctx=world.ctx(world.leader))
    if state == State.RESULT_READY:
        return dossier
    return services.return_result(dossier, ctx=world.ctx(world.one_stop))


CALLS = {
    Action.RECEIVE: lambda d, c: services.receive(d, ctx=c),
    Action.REQUEST_SUPPLEMENT: lambda d, c: services.request_supplement(
        d, ctx=c, missing=[services.MissingItem("A", "B")]
    ),
    Action.SUPPLEMENT: lambda d, c: services.supplement(d, ctx=c, files={}, note="x"),
    Action.REFUSE: lambda d, c: services.refuse(d, ctx=c, reasons="x"),
    Action.ROUTE: lambda d, c: services.route(d, ctx=c),
    Action.REQUEST_PAYMENT: lambda d, c: services.request_payment(d, ctx=c, amount=1),
    Action.CONFIRM_PAYMENT: lambda d, c: services.confirm_payment(d, ctx=c),
    Action.STOP: lambda d, c: services.stop(d, ctx=c, reason="x"),
    Action.WITHDRAW: lambda d, c: services.withdraw(d, ctx=c),
    Action.APOLOGISE: lambda d, c: services.apologise(d, ctx=c, reason="x", extra_working_days=1),
    Action.RESULT_READY: lambda d, c: services.result_ready(d, ctx=c),
    Action.RETURN_RESULT: lambda d, c: services.return_result(d, ctx=c),
    Action.ASSIGN: lambda d, c: services.assign(d, ctx=c, assignee=c.by),
    Action.TRANSFER: lambda d, c: services.transfer(
        d, ctx=c, to_agency=d.receiving_agency, note="x"
    ),
    Action.CONSULT: lambda d, c: services.consult(
        d, ctx=c, agency=d.receiving_agency, question="x", working_days=1
    ),
    Action.ANSWER_CONSULTATION: lambda d, c: services.answer_consultation(
        d, ctx=c, consultation=d.consultations.first(), answer="x"
    ),
    Action.COMPLETE_STEP: lambda d, c: services.complete_step(d, ctx=c),
}
STATES = [
    State.SUBMITTED,
    State.RECEIVED,
    State.IN_PROCESS,
    State.SUPPLEMENT_REQUESTED,
    State.AWAITING_PAYMENT,
    State.RESULT_READY,
    State.RETURNED,
]


@pytest.mark.parametrize("state", STATES)
def test_every_action_outside_its_source_states_is_refused(world, state):
    dossier = reach(world, state)
    # One person holding every role at both agencies and party to the dossier, so that
    # only the state can refuse.
    everyone = world.citizen
    for role in Role:
        accounts.grant_role(everyone, role, world.desk_x)
        accounts.grant_role(everyone, role, world.department)
    for action, call in CALLS.items():
        if state in TRANSITIONS[action].sources:
            continue
        if action == Action.ANSWER_CONSULTATION:
            # Only officers of an agency asked may answer, and nobody was asked before
            # processing: that is a 403 first (tests/api/test_permission_matrix.py).
            with pytest.raises(NotPermitted):
                call(Dossier.objects.get(pk=dossier.pk), world.ctx(everyone))
            continue
        events = DossierEvent.objects.filter(dossier=dossier).count()
        with pytest.raises(InvalidTransition):
            call(Dossier.objects.get(pk=dossier.pk), world.ctx(everyone))
        assert DossierEvent.objects.filter(dossier=dossier).count() == events


def test_every_declared_action_has_a_service(world):
    assert set(CALLS) | {Action.SUBMIT} == set(TRANSITIONS)


# --- the event log ------------------------------------------------------------------------


def test_the_event_chain_is_whole_after_a_full_journey(world):
    dossier = reach(world, State.RETURNED)
    assert verify_chain(dossier) == []
    call_command("verify_events")


def test_verify_events_reports_an_edited_event(world):
    dossier = reach(world, State.RESULT_READY)
    DossierEvent.objects.filter(dossier=dossier, seq=2).update(note="sửa lén")
    assert verify_chain(dossier) == ["sự kiện 2: nội dung đã bị sửa"]
    with pytest.raises(Exception, match="vấn đề"):
        call_command("verify_events")


def test_verify_events_reports_a_removed_last_event(world):
    dossier = reach(world, State.RESULT_READY)
    DossierEvent.objects.filter(dossier=dossier, seq=dossier.event_seq).delete()
    assert "hồ sơ ghi 4 sự kiện nhưng nhật ký có 3" in verify_chain(dossier)
