"""Sign-in throttling per (account name, IP address) with growing delays.

Never a hard lock-out: a wrong password from one address slows down only that address for that
account, so nobody can lock an officer out from elsewhere (issue 3 §1). State lives in the
shared cache (the database cache in every profile), so all workers see the same counts.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

from motcua.core.text import fold

_DAY = 24 * 3600


def _key(identifier: str, ip: str) -> str:
    digest = hashlib.sha256(f"{fold(identifier)}|{ip}".encode()).hexdigest()
    return f"signin-throttle:{digest}"


def _limits() -> tuple[int, float, float]:
    config = settings.MOTCUA
    return (
        config["SIGNIN_FREE_ATTEMPTS"],
        config["SIGNIN_BASE_DELAY_SECONDS"],
        config["SIGNIN_MAX_DELAY_SECONDS"],
    )


def retry_after(identifier: str, ip: str, *, now: float | None = None) -> int:
    """Seconds to wait before another attempt is heard; 0 when one may try now."""
    state = cache.get(_key(identifier, ip))
    if not state:
        return 0
    remaining = state["blocked_until"] - (now if now is not None else time.time())
    return max(0, int(remaining + 0.999))


def record_failure(identifier: str, ip: str, *, now: float | None = None) -> int:
    """Count a failed attempt; returns the delay (seconds) now imposed, 0 while still free."""
    free, base, maximum = _limits()
    now = now if now is not None else time.time()
    key = _key(identifier, ip)
    state = cache.get(key) or {"failures": 0, "blocked_until": 0.0}
    state["failures"] += 1
    over = state["failures"] - free
    delay = 0.0 if over < 0 else min(base * (2**over), maximum)
    state["blocked_until"] = now + delay
    cache.set(key, state, timeout=_DAY)
    return int(delay + 0.999)


def record_success(identifier: str, ip: str) -> None:
    cache.delete(_key(identifier, ip))
