"""Per-address limits on public endpoints, counted in the database so every worker agrees.

One statement per request (an upsert that returns the new count): the database cache's
add-then-increment took four statements and could lose a count between two workers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from motcua.core import clock

from .models import RateCount

_swept_minute: int | None = None  # this process removes past minutes once a minute


def _sweep(minute: int) -> None:
    global _swept_minute
    if _swept_minute != minute:
        _swept_minute = minute
        RateCount.objects.filter(minute__lt=minute - 1).delete()


def allow(bucket: str, ip: str, limit: int) -> bool:
    """Count one request of ``ip`` in ``bucket`` for the current minute; False past
    ``limit``."""
    minute = int(clock.now().timestamp() // 60)
    _sweep(minute)
    table = connection.ops.quote_name(RateCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, minute, hits) VALUES (%s, %s, 1) "  # noqa: S608
            "ON CONFLICT (bucket, minute) DO UPDATE SET hits = "
            f"{table}.hits + 1 RETURNING hits",
            [f"{bucket}:{ip}"[:200], minute],
        )
        (hits,) = cursor.fetchone()
    return hits <= limit


def lookup_limit() -> int:
    """Public dossier look-ups per address per minute, API and portal together."""
    return settings.MOTCUA["LOOKUP_PER_MINUTE"]


def lookup_allowed(ip: str) -> bool:
    return allow("lookup", ip, lookup_limit())
