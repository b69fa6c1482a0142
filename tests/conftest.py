import os

os.environ.setdefault("MOTCUA_PROFILE", "test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest


@pytest.fixture
def tiers(transactional_db):
    """A transactional test starts from what the previous one left: after another module's
    transactional test, flushed tables — the tiers of migration catalog 0002 included."""
    from motcua.catalog.models import TIERS, Tier

    for code, name, name_en, order in TIERS:
        Tier.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )


def run_due_outbox():
    """Every pending outbox message due now, and one worker pass over them (the tests of the
    parties on the other side: retries without waiting for the backoff)."""
    from django.utils import timezone

    from motcua.core import outbox
    from motcua.core.models import OutboxMessage

    OutboxMessage.objects.filter(state="pending").update(next_attempt_at=timezone.now())
    return outbox.run_worker(once=True)
