"""Periodic work of the documents app, run by the outbox workers under their lock."""

from datetime import timedelta

from motcua.core import outbox

from . import services

ABANDONED_AFTER = timedelta(hours=48)


@outbox.periodic("documents.purge", every=timedelta(hours=6))
def purge_abandoned_files() -> None:
    """Abandoned draft uploads and orphan files (issue 3 §2: a scheduled purge)."""
    services.purge(older_than=ABANDONED_AFTER)
