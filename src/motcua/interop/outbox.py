"""The national sync's outbox work (docs/national-sync.md)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from motcua.core import clock, outbox

from . import services, status
from .models import SeenNonce
from .transports.http import NONCE_KEEP


@outbox.handler(status.PUSH_KIND)
def push_statuses(payload: dict, message) -> None:
    status.push(payload["dossier"])


@outbox.handler(status.COMPARE_KIND)
def compare_with_national(payload: dict, message) -> None:
    status.compare(payload["sync_ids"])


@outbox.handler(services.FETCH_KIND)
def fetch_linked_file(payload: dict, message) -> None:
    services.fetch_file(payload["file"])


@outbox.handler(services.REJECT_KIND)
def tell_rejected(payload: dict, message) -> None:
    services.tell_rejected(payload["inbound"])


@outbox.periodic("interop.reconcile", every=timedelta(minutes=30))
def reconcile() -> None:
    if services.enabled():
        status.sweep()


@outbox.periodic("interop.forget_nonces", every=timedelta(minutes=10))
def forget_nonces() -> None:
    with transaction.atomic():
        SeenNonce.objects.filter(seen_at__lt=clock.now() - NONCE_KEEP).delete()
