"""Per-address limits on public endpoints, counted in the shared cache (the database cache in
every profile, so all workers agree)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def allow(bucket: str, ip: str, limit: int) -> bool:
    """Count one request of ``ip`` in ``bucket`` for the current minute; False past
    ``limit``."""
    window = int(timezone.now().timestamp() // 60)
    key = f"{bucket}:{ip}:{window}"
    if cache.add(key, 1, timeout=120):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=120)
        count = 1
    return count <= limit


def lookup_limit() -> int:
    """Public dossier look-ups per address per minute, API and portal together."""
    return settings.MOTCUA["LOOKUP_PER_MINUTE"]


def lookup_allowed(ip: str) -> bool:
    return allow("lookup", ip, lookup_limit())
