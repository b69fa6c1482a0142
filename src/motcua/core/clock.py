"""The time the domain acts at.

Services ask ``clock.now()`` instead of ``timezone.now()`` so a demo or benchmark generator
can replay a dossier's history at the dates it happened (``clock.frozen_at``), going through
the same services as an officer would. Outside such a block it is simply the current time;
the override lives in a context variable, so it never leaks into another request or thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("motcua_clock", default=None)


def now() -> datetime:
    frozen = _frozen.get()
    return frozen if frozen is not None else timezone.now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make ``now()`` answer ``moment`` (aware) inside the block."""
    if timezone.is_naive(moment):
        raise ValueError("clock.frozen_at needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
