"""Which stored files are still in use: a registry for the purge.

Each registered callable takes no argument and returns the ids of the ``StoredFile`` rows
it still references, as a QuerySet of ids (``values("file_id")``, used as a subquery) or
any iterable of UUIDs. The dossiers app registers one for the files attached to dossiers.
With nothing registered, every old file is an orphan.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from django.db.models import QuerySet

ReferenceSource = Callable[[], "QuerySet | Iterable[uuid.UUID]"]

_sources: list[ReferenceSource] = []


def register(source: ReferenceSource) -> ReferenceSource:
    """Add a source (once); returns it, so it can be used as a decorator."""
    if source not in _sources:
        _sources.append(source)
    return source


def unregister(source: ReferenceSource) -> None:
    if source in _sources:
        _sources.remove(source)


def sources() -> tuple[ReferenceSource, ...]:
    return tuple(_sources)
