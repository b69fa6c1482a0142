"""The transactional outbox: one queue for every external call (DESIGN: Transactional outbox).

A service that must reach the outside world (send an e-mail, sync a status to the national
portal, ask a gateway about a payment) does not call it: it writes an ``OutboxMessage`` in its
own transaction with :func:`enqueue`, so the business change and the message live or die
together. Workers (:func:`run_worker`, ``manage.py run_outbox_worker``) claim due rows, run the
handler registered for the message's kind *outside* any transaction, and record the outcome:

- success → ``done``;
- :class:`PermanentError` → ``failed`` at once (an address the server refuses for good);
- any other exception → ``pending`` again after an exponential backoff with jitter, until
  ``max_attempts`` → ``failed``. Operators see failed messages in the admin and put them back
  with :func:`retry`.

Delivery is **at least once**: a worker can die after the handler succeeded and before the
outcome is recorded; the row's lease (``claimed_at`` + ``LEASE_SECONDS``) then expires and
another worker runs it again. So every handler must be idempotent — send with an identifier
the receiver deduplicates on (e-mail: a Message-ID derived from the key), or check first.

Claiming: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` in a short transaction, so any
number of workers share the queue without taking a row twice. On SQLite the same short
transaction is ``BEGIN IMMEDIATE`` (settings: ``transaction_mode``), which serialises
claims; DESIGN runs a single worker there.

Periodic jobs (:func:`periodic`) run in the same workers, each once per period whatever the
number of workers, under a ``PeriodicJob`` row lock.

Apps register handlers and periodic jobs in their ``outbox`` module (``<app>/outbox.py``),
which :func:`autodiscover` imports when a worker starts.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections, transaction
from django.db.models import F, Q
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from motcua.core.models import OutboxMessage, PeriodicJob

logger = logging.getLogger("motcua.outbox")

State = OutboxMessage.State

Handler = Callable[[dict, OutboxMessage], None]

DEFAULTS = {
    "BACKOFF_BASE_SECONDS": 10,
    "BACKOFF_MAX_SECONDS": 3600,
    "MAX_ATTEMPTS": 12,
    "LEASE_SECONDS": 300,
    "KEEP_DONE_DAYS": 30,
    "POLL_SECONDS": 2,
}

_LAST_ERROR_LIMIT = 4000


class PermanentError(Exception):
    """Raised by a handler when trying again cannot help: the message fails at once."""


def setting(name: str) -> Any:
    """One ``MOTCUA_OUTBOX`` value, read at call time (so ``override_settings`` works)."""
    return getattr(settings, "MOTCUA_OUTBOX", {}).get(name, DEFAULTS.get(name))


# ---------------------------------------------------------------------------- registries

_handlers: dict[str, Handler] = {}


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    fn: Callable[[], None]


_periodic: dict[str, Periodic] = {}


def _same_function(a: Callable, b: Callable) -> bool:
    # A module imported twice (tests, autoreload) registers an equal function again.
    return (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``fn(payload, message) -> None`` as the handler of ``kind``.

    The handler must be idempotent: it may run more than once for one message (at least once).
    Raise :class:`PermanentError` when retrying cannot help; any other exception retries.
    """

    def register(fn: Handler) -> Handler:
        existing = _handlers.get(kind)
        if existing is not None and not _same_function(existing, fn):
            raise ValueError(f"outbox handler {kind!r} is already registered by {existing!r}")
        _handlers[kind] = fn
        return fn

    return register


def get_handler(kind: str) -> Handler | None:
    return _handlers.get(kind)


def periodic(name: str, *, every: timedelta) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register ``fn() -> None`` to run every ``every``, once per period across all workers.

    A job should be short and idempotent; a job that needs an external call enqueues messages.
    """
    if every <= timedelta(0):
        raise ValueError("a periodic job's period must be positive")

    def register(fn: Callable[[], None]) -> Callable[[], None]:
        existing = _periodic.get(name)
        if existing is not None and not _same_function(existing.fn, fn):
            raise ValueError(f"periodic job {name!r} is already registered by {existing.fn!r}")
        _periodic[name] = Periodic(name, every, fn)
        return fn

    return register


def periodic_jobs() -> dict[str, Periodic]:
    return dict(_periodic)


def autodiscover() -> None:
    """Import every installed app's ``outbox`` module and core's own channels."""
    import_module("motcua.core.email")
    autodiscover_modules("outbox")


# ---------------------------------------------------------------------------- enqueue


def enqueue(
    kind: str,
    *,
    key: str,
    payload: dict,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
) -> OutboxMessage:
    """Queue one external call. MUST be called inside the business change's transaction.

    Call it inside the same ``transaction.atomic()`` block as the change that causes the
    message: both commit or neither does (no e-mail about a dossier that was rolled back, no
    dossier whose e-mail was lost). Outside a transaction it raises
    ``TransactionManagementError``.

    ``key`` is the idempotency key: enqueuing the same key again returns the existing message
    and queues nothing (nothing twice) — build it from the business fact, e.g.
    ``f"{dossier.code}:receipt"``. ``run_at`` delays the first attempt.
    """
    if not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        raise TransactionManagementError(
            "outbox.enqueue() must run inside the business change's transaction.atomic()"
        )
    if not key or len(key) > OutboxMessage._meta.get_field("key").max_length:
        raise ValueError("an outbox key must have 1 to 200 characters")
    defaults: dict[str, Any] = {
        "kind": kind,
        "payload": payload,
        "next_attempt_at": run_at or timezone.now(),
    }
    if max_attempts is not None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        defaults["max_attempts"] = max_attempts
    message, _created = OutboxMessage.objects.get_or_create(key=key, defaults=defaults)
    return message


def retry(message: OutboxMessage) -> bool:
    """Put a failed message back in the queue, now, with its attempts counted from zero.

    The operators' "Thử gửi lại". Returns False (and changes nothing) if the message is not
    ``failed`` any more. ``last_error`` stays until the next attempt replaces it.
    """
    now = timezone.now()
    moved = OutboxMessage.objects.filter(pk=message.pk, state=State.FAILED).update(
        state=State.PENDING, attempts=0, next_attempt_at=now, done_at=None
    )
    message.refresh_from_db()
    if moved:
        logger.info(
            "outbox message put back by an operator",
            extra={"key": message.key, "kind": message.kind, "state": message.state},
        )
    return bool(moved)


def backoff_seconds(attempts: int) -> float:
    """The wait after failed attempt number ``attempts`` (1, 2, …).

    ``base · 2^(attempts-1)`` capped at ``BACKOFF_MAX_SECONDS``, then "equal jitter": a random
    point in its upper half, so workers that failed together do not retry together, and each
    wait is at least as long as the one before until the cap.
    """
    base = float(setting("BACKOFF_BASE_SECONDS"))
    cap = float(setting("BACKOFF_MAX_SECONDS"))
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay / 2 + secrets.SystemRandom().uniform(0, delay / 2)


# ---------------------------------------------------------------------------- claiming


def _lock_rows(queryset):
    """Row locks where the database has them; SQLite serialises the whole transaction."""
    if connections[queryset.db].features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim_due(
    *, batch: int = 10, worker_id: str | None = None, now: datetime | None = None
) -> list[OutboxMessage]:
    """Take up to ``batch`` due messages for ``worker_id``: they become ``running``, leased.

    Due: ``pending`` with ``next_attempt_at`` passed, or ``running`` under a lease that
    expired (its worker died: the lost attempt counts). A lost message that had no attempt
    left fails instead of running again, so a message that kills its worker cannot loop.
    The caller must run and record each message (:func:`deliver`); the claim commits at once.
    """
    worker_id = worker_id or default_worker_id()
    now = now or timezone.now()
    lease_expired = now - timedelta(seconds=int(setting("LEASE_SECONDS")))
    due = Q(state=State.PENDING, next_attempt_at__lte=now) | Q(
        state=State.RUNNING, claimed_at__lt=lease_expired
    )
    with transaction.atomic():
        rows = list(
            _lock_rows(OutboxMessage.objects.filter(due))
            .order_by("next_attempt_at", "id")
            .values_list("id", "state", "attempts", "max_attempts")[:batch]
        )
        exhausted = [
            pk for pk, state, attempts, most in rows if state == State.RUNNING and attempts >= most
        ]
        if exhausted:
            OutboxMessage.objects.filter(pk__in=exhausted).update(
                state=State.FAILED,
                last_error="Tiến trình gửi đã dừng giữa lần thử cuối cùng (hết hạn giữ).",
            )
            for message in OutboxMessage.objects.filter(pk__in=exhausted):
                _log(message, "failed", duration_ms=0)
        taken = [pk for pk, *_rest in rows if pk not in exhausted]
        OutboxMessage.objects.filter(pk__in=taken).update(
            state=State.RUNNING,
            claimed_by=worker_id,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
        return list(OutboxMessage.objects.filter(pk__in=taken).order_by("next_attempt_at", "id"))


def _release(messages: list[OutboxMessage], worker_id: str) -> None:
    """Give back claimed messages that were never started (graceful stop): no attempt used."""
    for message in messages:
        OutboxMessage.objects.filter(
            pk=message.pk,
            state=State.RUNNING,
            claimed_by=worker_id,
            claimed_at=message.claimed_at,
        ).update(state=State.PENDING, attempts=F("attempts") - 1)


# ---------------------------------------------------------------------------- delivery


def _log(message: OutboxMessage, outcome: str, *, duration_ms: int, error: str = "") -> None:
    level = logging.WARNING if outcome in {"retry", "failed", "lease_lost"} else logging.INFO
    logger.log(
        level,
        f"outbox {message.kind} {outcome}",
        extra={
            "key": message.key,
            "kind": message.kind,
            "attempts": message.attempts,
            "state": message.state,
            "duration_ms": duration_ms,
            "worker": message.claimed_by,
            "error": error[:500],
        },
    )


def deliver(message: OutboxMessage, *, worker_id: str) -> str:
    """Run a claimed message's handler (outside any transaction) and record the outcome.

    Returns the message's new state. Only the worker still holding the lease records: if the
    lease expired meanwhile and another worker took the message, this outcome is dropped
    (the other worker's attempt decides).
    """
    started = time.monotonic()
    fn = _handlers.get(message.kind)
    error = ""
    permanent = False
    try:
        if fn is None:
            # Retried rather than failed: a worker of an older release may lack the handler.
            raise LookupError(f"no outbox handler for kind {message.kind!r}")
        fn(message.payload, message)
    except PermanentError as exc:
        permanent = True
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = round((time.monotonic() - started) * 1000)

    now = timezone.now()
    if not error:
        changes: dict[str, Any] = {"state": State.DONE, "done_at": now, "last_error": ""}
    elif permanent or message.attempts >= message.max_attempts:
        changes = {"state": State.FAILED, "last_error": error[:_LAST_ERROR_LIMIT]}
    else:
        changes = {
            "state": State.PENDING,
            "next_attempt_at": now + timedelta(seconds=backoff_seconds(message.attempts)),
            "last_error": error[:_LAST_ERROR_LIMIT],
        }
    recorded = OutboxMessage.objects.filter(
        pk=message.pk,
        state=State.RUNNING,
        claimed_by=worker_id,
        claimed_at=message.claimed_at,
    ).update(**changes)
    for name, value in changes.items():
        setattr(message, name, value)
    if not recorded:
        _log(message, "lease_lost", duration_ms=duration_ms, error=error)
        message.refresh_from_db()
        return message.state
    outcome = "retry" if changes["state"] == State.PENDING else str(changes["state"])
    _log(message, outcome, duration_ms=duration_ms, error=error)
    return message.state


# ---------------------------------------------------------------------------- periodic jobs


def run_due_jobs(*, worker_id: str | None = None, now: datetime | None = None) -> list[str]:
    """Run the registered periodic jobs that are due; return the names of those run here.

    The claim moves ``next_run_at`` one period on and sets ``running_until`` (a lease) in a
    short locked transaction, so a second worker sees the job as not due; the job itself runs
    outside that transaction.
    """
    worker_id = worker_id or default_worker_id()
    jobs = periodic_jobs()
    if not jobs:
        return []
    now = now or timezone.now()
    known = set(PeriodicJob.objects.filter(name__in=jobs).values_list("name", flat=True))
    missing = [PeriodicJob(name=name, next_run_at=now) for name in jobs if name not in known]
    if missing:
        PeriodicJob.objects.bulk_create(missing, ignore_conflicts=True)

    lease = timedelta(seconds=int(setting("LEASE_SECONDS")))
    with transaction.atomic():
        claimed = list(
            _lock_rows(
                PeriodicJob.objects.filter(name__in=jobs, next_run_at__lte=now).filter(
                    Q(running_until__isnull=True) | Q(running_until__lt=now)
                )
            ).order_by("name")
        )
        for job in claimed:
            job.next_run_at = now + jobs[job.name].every
            job.running_until = now + lease
            job.save(update_fields=["next_run_at", "running_until"])

    ran = []
    for job in claimed:
        started = time.monotonic()
        error = ""
        try:
            jobs[job.name].fn()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        duration_ms = round((time.monotonic() - started) * 1000)
        PeriodicJob.objects.filter(pk=job.pk).update(
            last_run_at=now, last_error=error[:_LAST_ERROR_LIMIT], running_until=None
        )
        logger.log(
            logging.WARNING if error else logging.INFO,
            f"periodic job {job.name} {'failed' if error else 'done'}",
            extra={
                "job": job.name,
                "duration_ms": duration_ms,
                "worker": worker_id,
                "error": error[:500],
            },
        )
        ran.append(job.name)
    return ran


@periodic("outbox.cleanup", every=timedelta(hours=1))
def delete_old_done_messages() -> None:
    """Delete ``done`` messages older than ``KEEP_DONE_DAYS`` (failed ones stay for operators)."""
    cutoff = timezone.now() - timedelta(days=int(setting("KEEP_DONE_DAYS")))
    while True:
        # Batches keep each DELETE short on a large table.
        ids = list(
            OutboxMessage.objects.filter(state=State.DONE, done_at__lt=cutoff).values_list(
                "id", flat=True
            )[:5000]
        )
        if not ids:
            return
        OutboxMessage.objects.filter(pk__in=ids).delete()


# ---------------------------------------------------------------------------- the worker


@dataclass
class WorkerRun:
    """What a :func:`run_worker` call did (counts of outcomes), for tests and logs."""

    done: int = 0
    retried: int = 0
    failed: int = 0
    jobs: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.done + self.retried + self.failed


def _pass(run: WorkerRun, *, batch: int, worker_id: str, stop: threading.Event) -> int:
    """Run due jobs, then claim and deliver batches of messages due now; return how many."""
    now = timezone.now()
    run.jobs += run_due_jobs(worker_id=worker_id, now=now)
    handled = 0
    while not stop.is_set():
        # Messages retried in this pass are due later than ``now``: the pass ends.
        messages = claim_due(batch=batch, worker_id=worker_id, now=now)
        if not messages:
            break
        for index, message in enumerate(messages):
            if stop.is_set():
                _release(messages[index:], worker_id)
                break
            state = deliver(message, worker_id=worker_id)
            handled += 1
            if state == State.DONE:
                run.done += 1
            elif state == State.PENDING:
                run.retried += 1
            elif state == State.FAILED:
                run.failed += 1
    return handled


def run_worker(
    *,
    once: bool = False,
    batch: int = 10,
    worker_id: str | None = None,
    stop_event: threading.Event | None = None,
) -> WorkerRun:
    """Deliver due messages and run due periodic jobs until ``stop_event`` is set.

    ``once=True`` makes one pass (due jobs, then every message due at its start) and returns.
    Otherwise the worker sleeps ``POLL_SECONDS`` when idle, and survives database outages
    (logs, waits, reconnects). A stop finishes the message in hand and gives back the rest of
    the batch.
    """
    autodiscover()
    worker_id = worker_id or default_worker_id()
    stop = stop_event or threading.Event()
    run = WorkerRun()
    connection = connections[DEFAULT_DB_ALIAS]
    if once:
        _pass(run, batch=batch, worker_id=worker_id, stop=stop)
        return run
    logger.info("outbox worker started", extra={"worker": worker_id})
    while not stop.is_set():
        if not connection.in_atomic_block:
            close_old_connections()  # as between requests: honour CONN_MAX_AGE, drop broken
        try:
            handled = _pass(run, batch=batch, worker_id=worker_id, stop=stop)
        except Exception:
            logger.exception("outbox worker pass failed", extra={"worker": worker_id})
            handled = 0
            if not connection.in_atomic_block:
                connection.close()
        if not handled:
            stop.wait(float(setting("POLL_SECONDS")))
    logger.info(
        "outbox worker stopped",
        extra={"worker": worker_id, "done": run.done, "retried": run.retried, "failed": run.failed},
    )
    return run
