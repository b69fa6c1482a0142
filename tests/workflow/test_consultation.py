"""Consultation of other agencies, in parallel with the step (issue 3 §4; DESIGN: Clock)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.catalog.models import ProcessStep
from motcua.dossiers import services
from motcua.dossiers.errors import InvalidInput, InvalidTransition, NotPermitted, NotVisible
from motcua.dossiers.events import verify_chain
from motcua.dossiers.models import Dossier
from motcua.workflow.models import Consultation, DossierStep

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def consulted(flow, dossier=None, **overrides):
    dossier = dossier or flow.routed()
    return services.consult(
        dossier,
        ctx=flow.ctx(overrides.pop("by", flow.specialist)),
        agency=overrides.pop("agency", flow.tax),
        question=overrides.pop("question", "Hộ này còn nợ thuế không?"),
        working_days=overrides.pop("working_days", 2),
    )


def test_a_consultation_has_its_own_deadline_and_leaves_the_dossier_where_it_is(flow, clock):
    dossier = flow.routed()
    due, current = dossier.due_at, dossier.current_agency
    dossier = consulted(flow, dossier)
    consultation = Consultation.objects.get(dossier=dossier)
    # Asked Monday 9/3: day 1 is Tuesday, day 2 Wednesday, due at the tax office's closing.
    assert consultation.due_at == datetime(2026, 3, 11, 17, 0, tzinfo=HCM)
    assert consultation.state == "open"
    assert consultation.step == DossierStep.objects.get(dossier=dossier, order=2)
    assert (consultation.asked_by, consultation.asking_agency) == (flow.specialist, flow.department)
    # Runs inside the step's budget: the dossier's due date and place do not move.
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.due_at == due and dossier.current_agency == current
    assert DossierStep.objects.get(dossier=dossier, order=2).state == "active"
    event = dossier.events.get(action="consult")
    assert event.data["agency"] == flow.tax.code and event.data["working_days"] == 2


def test_the_consulted_agencys_officer_sees_and_answers(flow, clock):
    dossier = flow.routed()
    with pytest.raises(NotVisible):
        services.get_visible(flow.tax_officer, dossier.code)
    dossier = consulted(flow, dossier)
    assert services.get_visible(flow.tax_officer, dossier.code) == dossier
    consultation = dossier.consultations.get()
    clock.set(2026, 3, 10, 9, 0)
    dossier = services.answer_consultation(
        dossier, ctx=flow.ctx(flow.tax_officer), consultation=consultation, answer="Không nợ."
    )
    consultation.refresh_from_db()
    assert consultation.state == "answered"
    assert consultation.answer == "Không nợ." and consultation.answered_by == flow.tax_officer
    event = dossier.events.get(action="answer-consultation")
    assert event.actor_agency == flow.tax and event.data["late"] is False
    assert verify_chain(dossier) == []
    # Seeing is not handling: the tax office does not complete the department's step.
    with pytest.raises(NotPermitted):
        services.complete_step(dossier, ctx=flow.ctx(flow.tax_officer))


def test_a_late_answer_is_recorded_as_late(flow, clock):
    dossier = consulted(flow)
    clock.set(2026, 3, 12, 8, 0)
    dossier = services.answer_consultation(
        dossier,
        ctx=flow.ctx(flow.tax_officer),
        consultation=dossier.consultations.get(),
        answer="Trả lời muộn.",
    )
    assert dossier.events.get(action="answer-consultation").data["late"] is True


def test_only_the_consulted_agency_answers_and_only_once(flow):
    dossier = consulted(flow)
    consultation = dossier.consultations.get()
    with pytest.raises(NotPermitted):
        services.answer_consultation(
            dossier, ctx=flow.ctx(flow.specialist), consultation=consultation, answer="x"
        )
    with pytest.raises(NotVisible):
        services.answer_consultation(
            dossier, ctx=flow.ctx(flow.commune_specialist), consultation=consultation, answer="x"
        )
    dossier = services.answer_consultation(
        dossier, ctx=flow.ctx(flow.tax_officer), consultation=consultation, answer="Có ý kiến."
    )
    with pytest.raises(InvalidTransition, match="đã được trả lời"):
        services.answer_consultation(
            dossier, ctx=flow.ctx(flow.tax_officer), consultation=consultation, answer="Lần nữa"
        )
    other = consulted(flow)
    with pytest.raises(InvalidInput):  # a consultation of another dossier
        services.answer_consultation(
            other, ctx=flow.ctx(flow.tax_officer), consultation=consultation, answer="x"
        )


def test_consultations_run_in_parallel_and_the_step_goes_on(flow):
    dossier = consulted(flow)
    dossier = consulted(flow, dossier, agency=flow.commune_office, by=flow.leader)
    assert dossier.consultations.filter(state="open").count() == 2
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.specialist))
    assert dossier.current_agency == flow.committee
    # Still asked, the agencies may still answer.
    dossier = services.answer_consultation(
        dossier,
        ctx=flow.ctx(flow.commune_specialist),
        consultation=dossier.consultations.get(agency=flow.commune_office),
        answer="Đồng ý.",
    )
    assert dossier.consultations.filter(state="open").count() == 1


def test_asking_needs_the_steps_carrier_a_question_and_a_deadline(flow):
    dossier = flow.routed()
    services.assign(dossier, ctx=flow.ctx(flow.leader), assignee=flow.specialist)
    dossier = Dossier.objects.get(pk=dossier.pk)
    with pytest.raises(NotPermitted):
        consulted(flow, dossier, by=flow.specialist_2)
    with pytest.raises(InvalidInput):
        consulted(flow, dossier, working_days=0)
    with pytest.raises(InvalidInput):
        consulted(flow, dossier, question="  ")
    with pytest.raises(InvalidInput):
        consulted(flow, dossier, agency=flow.department)
    assert not Consultation.objects.exists()


def test_a_consultation_step_is_named_by_its_first_question(flow):
    ProcessStep.objects.filter(version=flow.version, order=3).update(
        agency_role="consulted", officer_role="specialist", name="Lấy ý kiến"
    )
    dossier = services.complete_step(flow.routed(), ctx=flow.ctx(flow.specialist))
    step = DossierStep.objects.get(dossier=dossier, order=3)
    assert step.state == "active" and step.agency is None
    assert dossier.current_agency == flow.department  # the asking agency carries it
    dossier = consulted(flow, dossier)
    step.refresh_from_db()
    assert step.agency == flow.tax
    assert Dossier.objects.get(pk=dossier.pk).current_agency == flow.department
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.specialist))
    assert DossierStep.objects.get(dossier=dossier, order=3).state == "done"
