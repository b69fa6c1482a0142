"""Tell a sandbox party to misbehave for a while (issue 5 §6): fail, time out, be slow."""

from __future__ import annotations

import time
from datetime import timedelta

from django.http import HttpResponse

from motcua.core import clock

from .models import Fault

# Longer than any of our clients waits (their timeouts are 10 s or less).
HANG_SECONDS = 30.0


def set_fault(party: str, mode: str, *, seconds: float, delay: float = 2.0) -> Fault:
    fault, _ = Fault.objects.update_or_create(
        party=party,
        defaults={
            "mode": mode,
            "until": clock.now() + timedelta(seconds=seconds),
            "delay_seconds": delay,
        },
    )
    return fault


def clear(party: str) -> None:
    Fault.objects.filter(party=party).delete()


def misbehave(party: str) -> HttpResponse | None:
    """Apply the party's fault, if any now: a 503 to send back, a hang, or a delay."""
    fault = Fault.objects.filter(party=party, until__gt=clock.now()).first()
    if fault is None:
        return None
    if fault.mode == Fault.Mode.FAIL:
        return HttpResponse("Service Unavailable (sandbox fault)", status=503)
    time.sleep(HANG_SECONDS if fault.mode == Fault.Mode.TIMEOUT else fault.delay_seconds)
    return None
