"""The carrier is called from the outbox only (issue 5 §3): placing orders, with retries
while it is down, and a periodic tracking poll that makes good any callback lost."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from motcua.core import clock, outbox

from . import services
from .models import FINAL, Shipment

POLL_AFTER = timedelta(hours=1)


@outbox.handler(services.CREATE_KIND)
def create_shipment(payload: dict, message) -> None:
    services.send(payload["shipment"])


@outbox.handler(services.TRACK_KIND)
def track_shipment(payload: dict, message) -> None:
    services.poll(payload["shipment"])


@outbox.periodic("delivery.track", every=timedelta(minutes=30))
def poll_quiet_shipments() -> None:
    """Ask the carrier, once an hour, about every shipment under way that has not been
    heard of for an hour."""
    now = clock.now()
    quiet = (
        Shipment.objects.exclude(state__in=FINAL)
        .exclude(tracking_number="")
        .filter(Q(last_event_at__isnull=True) | Q(last_event_at__lt=now - POLL_AFTER))
        .filter(created_at__lt=now - POLL_AFTER)
    )
    hour = now.strftime("%Y%m%d%H")
    with transaction.atomic():
        for pk, reference in quiet.values_list("pk", "reference")[:500]:
            outbox.enqueue(
                services.TRACK_KIND,
                key=f"shipment:{reference}:track:{hour}",
                payload={"shipment": pk},
            )
