"""Statuses out (issue 6 §2; docs/national-sync.md): every change of a dossier the national
portal would show is captured as a full snapshot with a per-dossier sequence number, in the
change's own transaction, and pushed in order through the outbox.

- ``capture`` is called by ``dossiers.services`` whenever a dossier is saved (and by
  ``payments`` when a payment changes what is paid online).
- ``push`` (the outbox handler) sends every snapshot of one dossier not yet acknowledged,
  oldest first, stopping at the first failure; one pusher per dossier at a time (a lease).
- ``compare`` (reconciliation) asks the national side what it holds and re-sends the rest.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from motcua.core import clock, outbox
from motcua.core.calendar import VN_TZ
from motcua.dossiers.models import Channel, Dossier, State

from . import services, transports
from .models import StatusSnapshot, SyncState

logger = logging.getLogger("motcua.interop")

PUSH_KIND = "interop.push"
COMPARE_KIND = "interop.compare"
LEASE = timedelta(seconds=90)
CHANNEL_CODE = {Channel.COUNTER: 1, Channel.ONLINE: 2, Channel.POST: 3}
DATES = (
    "submitted_at",
    "received_at",
    "due_at",
    "original_due_at",
    "supplement_requested_at",
    "result_ready_at",
    "returned_at",
    "finished_at",
)


class Busy(Exception):
    """Another worker is pushing this dossier's statuses: try again shortly."""


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(VN_TZ).isoformat(timespec="seconds") if moment else None


def _paid_online(dossier: Dossier) -> int:
    from motcua.payments.models import Payment, PaymentState
    from motcua.payments.services import CASH

    providers = set(
        Payment.objects.filter(dossier=dossier, state=PaymentState.PAID).values_list(
            "provider", flat=True
        )
    )
    if services.PROVIDER in providers:
        return 1
    return 2 if providers - {CASH} else 0


def snapshot(dossier: Dossier) -> dict[str, Any]:
    """What the national portal holds of a dossier (without its sequence)."""
    return {
        "code": dossier.code,
        "national_code": dossier.national_code,
        "status": dossier.national_status,
        "state": dossier.state,
        "channel": CHANNEL_CODE[Channel(dossier.channel)],
        "paid_online": _paid_online(dossier),
        "procedure_code": dossier.procedure.code,
        "receiving_agency": dossier.receiving_agency.code,
        "current_agency": dossier.current_agency.code if dossier.current_agency_id else None,
        "owner_name": dossier.owner_name,
        "owner_id_number": dossier.owner_id_number,
        "dates": {name: _iso(getattr(dossier, name)) for name in DATES},
    }


def _digest(body: dict) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def capture(dossier: Dossier) -> StatusSnapshot | None:
    """Inside the change's transaction, the dossier locked by the caller: a new snapshot if
    what the national portal shows has changed, and its push queued."""
    if not services.enabled() or not dossier.code or dossier.state == State.DRAFT:
        return None
    body = snapshot(dossier)
    digest = _digest(body)
    now = clock.now()
    state, _ = SyncState.objects.select_for_update().get_or_create(
        dossier=dossier,
        defaults={"province_code": dossier.province_code, "changed_at": now},
    )
    if state.last_digest == digest:
        return None
    seq = state.last_seq + 1
    body |= {
        "seq": seq,
        "changed_at": _iso(dossier.last_action_at or now),
        "action": dossier.last_action,
        "note": "",
    }
    snap = StatusSnapshot.objects.create(
        province_code=dossier.province_code, dossier=dossier, seq=seq, body=body, created_at=now
    )
    SyncState.objects.filter(pk=state.pk).update(
        last_seq=seq, last_digest=digest, pending=True, changed_at=now
    )
    outbox.enqueue(
        PUSH_KIND, key=f"interop:push:{dossier.pk}:{seq}", payload={"dossier": dossier.pk}
    )
    return snap


def _claim(dossier_id: int) -> bool:
    now = clock.now()
    with transaction.atomic():
        return bool(
            SyncState.objects.filter(dossier_id=dossier_id)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .update(lease_until=now + LEASE)
        )


def _release(dossier_id: int, *, error: str = "") -> None:
    with transaction.atomic():
        SyncState.objects.filter(dossier_id=dossier_id).update(lease_until=None, last_error=error)


def _acked(dossier_id: int, held: int) -> None:
    """The national side holds up to ``held``: every snapshot up to it is acknowledged."""
    now = clock.now()
    with transaction.atomic():
        state = SyncState.objects.select_for_update().get(dossier_id=dossier_id)
        held = min(held, state.last_seq)
        StatusSnapshot.objects.filter(
            dossier_id=dossier_id, seq__lte=held, acked_at__isnull=True
        ).update(acked_at=now)
        state.acked_seq = max(state.acked_seq, held)
        state.pending = state.acked_seq < state.last_seq
        state.acked_at = now
        state.save(update_fields=["acked_seq", "pending", "acked_at"])


def push(dossier_id: int) -> int:
    """Send the dossier's unacknowledged snapshots in order (an outbox handler); how many
    were sent. Raises to be tried again (down, busy), ``PermanentError`` when refused."""
    if not _claim(dossier_id):
        if not SyncState.objects.filter(dossier_id=dossier_id).exists():
            return 0
        raise Busy(f"dossier {dossier_id} is being pushed by another worker")
    sent, error = 0, ""
    try:
        channel = services.transport()
        for snap in StatusSnapshot.objects.filter(
            dossier_id=dossier_id, acked_at__isnull=True
        ).order_by("seq"):
            held = channel.push_status(snap.body)
            if held < snap.seq:
                raise transports.Unavailable(f"acked {held} for seq {snap.seq}")
            _acked(dossier_id, held)
            sent += 1
    except transports.Refused as exc:
        error = str(exc)
        raise outbox.PermanentError(error) from exc
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        _release(dossier_id, error=error[:2000])
    return sent


# --- reconciliation ------------------------------------------------------------------------------

COMPARE_DAYS = 7
BATCH = 500
STUCK_AFTER = timedelta(minutes=15)


def sweep() -> int:
    """The periodic job's part: re-queue pushes left unacknowledged, and queue comparisons of
    the dossiers changed in the last days, in batches. External calls happen in the
    messages, never here."""
    now = clock.now()
    stamp = now.strftime("%Y%m%d%H%M")
    queued = 0
    with transaction.atomic():
        stuck = SyncState.objects.filter(pending=True, changed_at__lt=now - STUCK_AFTER)
        for dossier_id, last in stuck.values_list("dossier_id", "last_seq")[:BATCH]:
            outbox.enqueue(
                PUSH_KIND,
                key=f"interop:push:{dossier_id}:{last}:again:{stamp}",
                payload={"dossier": dossier_id},
            )
            queued += 1
        recent = SyncState.objects.filter(
            changed_at__gte=now - timedelta(days=COMPARE_DAYS), pending=False
        ).order_by("id")
        ids = list(recent.values_list("id", flat=True))
        for start in range(0, len(ids), BATCH):
            outbox.enqueue(
                COMPARE_KIND,
                key=f"interop:compare:{stamp}:{start}",
                payload={"sync_ids": ids[start : start + BATCH]},
            )
            queued += 1
    return queued


def compare(sync_ids: list[int]) -> int:
    """Ask the national side what it holds of these dossiers; re-send what it lacks. How
    many dossiers were re-sent."""
    rows = list(
        SyncState.objects.filter(pk__in=sync_ids).values_list(
            "pk", "dossier_id", "dossier__code", "acked_seq", "last_seq"
        )
    )
    if not rows:
        return 0
    held = services.transport().acks([code for _, _, code, _, _ in rows])
    resent = 0
    now = clock.now()
    for pk, dossier_id, code, acked, last in rows:
        theirs = held.get(code, 0)
        if theirs >= last:
            if acked < last:
                _acked(dossier_id, theirs)
            continue
        with transaction.atomic():
            SyncState.objects.filter(pk=pk).update(acked_seq=theirs, pending=True, changed_at=now)
            StatusSnapshot.objects.filter(dossier_id=dossier_id, seq__gt=theirs).update(
                acked_at=None
            )
            outbox.enqueue(
                PUSH_KIND,
                key=f"interop:push:{dossier_id}:{last}:resend:{now:%Y%m%d%H%M%S}",
                payload={"dossier": dossier_id},
            )
        resent += 1
    if resent:
        logger.warning("national side was missing statuses", extra={"dossiers": resent})
    return resent
