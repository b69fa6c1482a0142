"""Periodic work of the dossiers app, run by the outbox workers under their lock."""

from datetime import timedelta

from django.utils import timezone

from motcua.core import outbox

from .models import IdempotencyKey

# Clients may retry with the same Idempotency-Key for at least 24 hours (issue 3 §7).
KEEP_IDEMPOTENCY_KEYS = timedelta(hours=48)


@outbox.periodic("dossiers.forget_idempotency_keys", every=timedelta(hours=1))
def forget_old_idempotency_keys() -> None:
    IdempotencyKey.objects.filter(claimed_at__lt=timezone.now() - KEEP_IDEMPOTENCY_KEYS).delete()
