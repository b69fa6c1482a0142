"""``payments.receipt``: ask the e-receipt provider for a paid payment's receipt, retried with
the outbox's backoff while the provider is down (imported by ``payments.outbox``)."""

from __future__ import annotations

from motcua.core import outbox

from . import services


@outbox.handler(services.KIND)
def issue_receipt(payload: dict, message) -> None:
    services.issue(payload["reference"], last_attempt=message.attempts >= message.max_attempts)
