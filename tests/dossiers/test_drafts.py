import pytest

from motcua.dossiers import services
from motcua.dossiers.errors import InvalidInput, InvalidTransition, NotVisible
from motcua.dossiers.events import Context
from motcua.dossiers.models import Dossier, State


def draft_of(world, files=None, **overrides):
    sub = services.Submission(
        version=world.version,
        delivery="counter",
        agency=world.desk_x,
        files=files or {},
        **overrides,
    )
    return sub


def test_an_incomplete_dossier_is_saved_as_a_draft_without_a_code(world):
    draft = services.save_draft(draft_of(world), ctx=Context(by=world.citizen))
    assert draft.state == State.DRAFT and draft.code is None
    assert draft.event_seq == 0  # nothing happened yet in law


def test_a_draft_is_resumed_and_submitted_keeping_its_row(world):
    ctx = Context(by=world.citizen)
    draft = services.save_draft(draft_of(world), ctx=ctx)
    files = {"to-khai": [world.upload(world.citizen)]}
    again = services.save_draft(draft_of(world, files=files), ctx=ctx, draft=draft)
    assert again.pk == draft.pk and again.documents.count() == 1
    with pytest.raises(InvalidInput):
        services.submit(draft_of(world), ctx=ctx, draft=draft)  # the self-check refuses
    dossier = services.submit(draft_of(world, files=files), ctx=ctx, draft=draft)
    assert dossier.pk == draft.pk and dossier.code.endswith("-0001")
    assert Dossier.objects.count() == 1
    with pytest.raises(InvalidTransition):
        services.save_draft(draft_of(world, files=files), ctx=ctx, draft=dossier)


def test_only_the_author_touches_a_draft_and_officers_never_see_it(world):
    draft = services.save_draft(draft_of(world), ctx=Context(by=world.citizen))
    with pytest.raises(NotVisible):
        services.save_draft(draft_of(world), ctx=Context(by=world.other_citizen), draft=draft)
    assert not services.visible_to(world.one_stop).filter(pk=draft.pk).exists()
