"""Immutable, hash-chained events (DESIGN: one write path; issue 3 §4).

Each event's hash covers the previous hash and the event's own fields in a canonical JSON
form; the dossier row keeps the head (``event_seq``, ``event_head``), so an edited, removed
or appended-by-hand event breaks the chain and ``verify_events`` reports it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from motcua.core import clock
from motcua.core.http import client_ip

from .models import Dossier, DossierEvent

GENESIS = "0" * 64


@dataclass(frozen=True)
class Context:
    """Who acts and from where, for the event log."""

    by: Any  # accounts.User or None for the system
    agency: Any = None  # the agency the officer acts for
    ip: str | None = None
    request_id: str = ""

    @classmethod
    def of(cls, request) -> Context:
        """The signed-in user of a web or API request, with its address and request id."""
        return cls(
            by=request.user,
            ip=client_ip(request) or None,
            request_id=request.headers.get("X-Request-ID", "")[:64],
        )


def _canonical(event: DossierEvent) -> str:
    at = event.at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(
        {
            "dossier": event.dossier_id,
            "seq": event.seq,
            "action": event.action,
            "from": event.from_state,
            "to": event.to_state,
            "actor": event.actor_id,
            "agency": event.actor_agency_id,
            "at": at,
            "note": event.note,
            "data": event.data,
            "request_id": event.request_id,
            "ip": event.ip,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def event_hash(event: DossierEvent) -> str:
    return hashlib.sha256((event.prev_hash + _canonical(event)).encode()).hexdigest()


def record_event(
    dossier: Dossier,
    action: str,
    *,
    ctx: Context,
    from_state: str,
    to_state: str,
    note: str = "",
    data: dict | None = None,
    at: datetime | None = None,
) -> DossierEvent:
    """Append one event; the caller holds the dossier row locked in its transaction and saves
    the dossier afterwards (its ``event_seq``/``event_head`` are set here)."""
    event = DossierEvent(
        province_code=dossier.province_code,
        dossier=dossier,
        seq=dossier.event_seq + 1,
        action=str(action),
        from_state=from_state,
        to_state=to_state,
        actor=ctx.by,
        actor_agency=ctx.agency,
        at=at or clock.now(),
        note=note,
        data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
        request_id=ctx.request_id[:64],
        ip=ctx.ip or None,
        prev_hash=dossier.event_head or GENESIS,
    )
    event.hash = event_hash(event)
    event.save()
    dossier.event_seq, dossier.event_head = event.seq, event.hash
    dossier.last_action, dossier.last_action_at = event.action, event.at
    return event


def verify_chain(dossier: Dossier) -> list[str]:
    """Problems with one dossier's events, in Vietnamese; empty when the chain is whole."""
    problems = []
    previous = GENESIS
    expected_seq = 1
    for event in DossierEvent.objects.filter(dossier=dossier).order_by("seq"):
        if event.seq != expected_seq:
            problems.append(f"thiếu sự kiện số {expected_seq} (gặp số {event.seq})")
            expected_seq = event.seq
        if event.prev_hash != previous:
            problems.append(f"sự kiện {event.seq}: không nối với sự kiện trước")
        if event_hash(event) != event.hash:
            problems.append(f"sự kiện {event.seq}: nội dung đã bị sửa")
        previous = event.hash
        expected_seq += 1
    if expected_seq - 1 != dossier.event_seq or previous != (dossier.event_head or GENESIS):
        problems.append(
            f"hồ sơ ghi {dossier.event_seq} sự kiện nhưng nhật ký có {expected_seq - 1}"
        )
    return problems
