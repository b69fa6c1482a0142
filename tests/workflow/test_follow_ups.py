"""What happens to the internal steps when the dossier ends early or is supplemented."""

from motcua.dossiers import services


def test_a_withdrawn_dossier_leaves_no_open_step(flow):
    dossier = flow.routed()
    assert dossier.steps.filter(state="active").exists()
    services.withdraw(dossier, ctx=flow.ctx(flow.citizen))
    assert not dossier.steps.filter(state__in=["active", "pending"]).exists()
    # Appraisal, approval and the hand-over of the result that will never come.
    assert dossier.steps.filter(state="cancelled").count() == 3


def test_the_step_that_asked_for_a_supplement_restarts_with_its_full_budget(flow, clock):
    dossier = flow.routed()
    first_due = dossier.steps.get(state="active").due_at
    clock.advance(days=1)
    dossier = services.request_supplement(
        dossier, ctx=flow.ctx(flow.specialist), missing=[services.MissingItem("Bản vẽ", "Mờ")]
    )
    clock.advance(days=2)
    dossier = services.supplement(dossier, ctx=flow.ctx(flow.citizen), files={}, note="Đã nộp")
    step = dossier.steps.get(state="active")
    assert step.started_at == clock.now
    assert step.due_at > first_due


def test_the_result_cannot_be_approved_past_an_unfinished_step(flow):
    from motcua.dossiers.errors import InvalidTransition

    dossier = flow.routed()
    import pytest

    with pytest.raises(InvalidTransition, match="chưa hoàn thành"):
        services.result_ready(dossier, ctx=flow.ctx(flow.leader))
