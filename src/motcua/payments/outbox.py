"""Reconciliation (issue 5 §2): every attempt left open is asked about with ``querydr``.

``start_online`` queues one query for just after the attempt expires; the periodic sweep
queues another for any attempt still open (a query that failed for good, a gateway that was
down), once an hour, so nothing paid is ever left unrecorded.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from motcua.core import clock, outbox

from . import services
from .models import Payment, PaymentState
from .receipts import outbox as receipts  # noqa: F401 - registers payments.receipt


@outbox.handler(services.QUERY_KIND)
def query_payment(payload: dict, message) -> None:
    services.reconcile(payload["reference"])


@outbox.periodic("payments.reconcile", every=timedelta(minutes=15))
def sweep_open_attempts() -> None:
    now = clock.now()
    stale = Payment.objects.filter(
        state=PaymentState.OPEN, expires_at__lt=now - timedelta(minutes=5)
    ).exclude(provider=services.CASH)
    hour = now.strftime("%Y%m%d%H")
    with transaction.atomic():
        for reference in stale.values_list("reference", flat=True)[:500]:
            outbox.enqueue(
                services.QUERY_KIND,
                key=f"payment:{reference}:query:{hour}",
                payload={"reference": reference},
            )
