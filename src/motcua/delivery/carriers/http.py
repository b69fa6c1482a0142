"""The carrier contract over HTTP with JSON (docs/post.md), modelled on what Vietnam Post's
order integrations take and give: customer code, order number (= the dossier code), sender,
receiver, COD amount → a tracking number and status updates. The sandbox carrier speaks it;
a real carrier is reached through it, directly or through a small adapter on its side.

Every request, both ways, is signed: ``X-Post-Timestamp`` (Unix seconds) and
``X-Post-Signature`` = hex HMAC-SHA256 with the shared secret over
``timestamp + "\\n" + METHOD + "\\n" + path + "\\n" + body``. A callback older (or newer) than
``CALLBACK_WINDOW_SECONDS`` is refused, so an old signed callback cannot be replayed later;
within the window a replay is harmless, as every event is recorded once by its id.

Settings (``settings.MOTCUA["POST"]``): ``API_URL``, ``CUSTOMER_CODE``, ``SECRET``,
``TIMEOUT_SECONDS``, ``CALLBACK_WINDOW_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from django.conf import settings

from . import CallbackRefused, CarrierRefused, CarrierUnavailable, StatusUpdate, register

if TYPE_CHECKING:
    from motcua.delivery.models import Shipment

logger = logging.getLogger("motcua.delivery.http")

TIMESTAMP_HEADER = "X-Post-Timestamp"
SIGNATURE_HEADER = "X-Post-Signature"
CUSTOMER_HEADER = "X-Post-Customer"


def signature(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    text = f"{timestamp}\n{method.upper()}\n{path}\n".encode() + body
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


def signed_headers(secret: str, customer: str, method: str, path: str, body: bytes) -> dict:
    timestamp = str(int(time.time()))
    return {
        CUSTOMER_HEADER: customer,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, method, path, body),
    }


def check_signature(
    secret: str,
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
    *,
    window: float,
    now: float | None = None,
) -> None:
    """Raise ``CallbackRefused`` unless the request is signed with ``secret`` and fresh."""
    timestamp = str(headers.get(TIMESTAMP_HEADER, ""))
    received = str(headers.get(SIGNATURE_HEADER, "")).strip().lower()
    if not timestamp.isdigit() or not received:
        raise CallbackRefused("unsigned")
    expected = signature(secret, timestamp, method, path, body)
    if not hmac.compare_digest(received.encode(), expected.encode()):
        raise CallbackRefused("bad signature")
    if abs((time.time() if now is None else now) - int(timestamp)) > window:
        raise CallbackRefused("stale timestamp")


def parse_event(raw: Mapping, tracking_number: str, reference: str = "") -> StatusUpdate:
    from motcua.delivery.models import CARRIER_STATUSES

    status = str(raw.get("status", ""))
    if status not in CARRIER_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    event_id = str(raw.get("id", "")).strip()
    if not event_id or len(event_id) > 80:
        raise ValueError("an event needs an id")
    at = datetime.fromisoformat(str(raw.get("at", "")))
    if at.tzinfo is None:
        raise ValueError("an event's time needs its offset")
    return StatusUpdate(
        tracking_number=tracking_number,
        event_id=event_id,
        status=status,
        at=at,
        location=str(raw.get("location", ""))[:200],
        note=str(raw.get("note", ""))[:300],
        reference=reference,
    )


class HttpCarrier:
    name = "http"

    def __init__(self, config: Mapping[str, object] | None = None) -> None:
        config = dict(config or settings.MOTCUA["POST"])
        self.api_url = str(config["API_URL"]).rstrip("/")
        self.customer = str(config["CUSTOMER_CODE"])
        self.secret = str(config["SECRET"])
        self.timeout = float(config.get("TIMEOUT_SECONDS") or 10)
        self.window = float(config.get("CALLBACK_WINDOW_SECONDS") or 300)

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        url = self.api_url + path
        headers = signed_headers(self.secret, self.customer, method, urlsplit(url).path, body)
        if payload is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(  # noqa: S310 - our configured https address
            url, data=body if payload is not None else None, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read().decode())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode(errors="replace")
            if exc.code in (400, 401, 403, 404, 409, 422):
                raise CarrierRefused(f"HTTP {exc.code}: {detail}") from exc
            raise CarrierUnavailable(f"HTTP {exc.code}: {detail}") from exc
        except (OSError, ValueError) as exc:  # refused, timed out, not JSON
            raise CarrierUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def create_shipment(self, shipment: Shipment) -> str:
        answer = self._call(
            "POST",
            "/orders",
            {
                "customer_code": self.customer,
                "reference": shipment.reference,
                "order_number": shipment.dossier.code,
                "service": "BCCI",
                "direction": shipment.direction,
                "sender": {
                    "name": shipment.sender_name,
                    "phone": shipment.sender_phone,
                    "address": shipment.sender_address,
                },
                "receiver": {
                    "name": shipment.receiver_name,
                    "phone": shipment.receiver_phone,
                    "address": shipment.receiver_address,
                },
                "cod_amount": shipment.cod_amount,
            },
        )
        tracking = str(answer.get("tracking_number", "")).strip()
        if not tracking or answer.get("reference") != shipment.reference:
            raise CarrierUnavailable(f"unusable answer: {answer}")
        return tracking

    def track(self, shipment: Shipment) -> list[StatusUpdate]:
        answer = self._call("GET", f"/orders/{quote(shipment.tracking_number, safe='')}")
        if answer.get("tracking_number") != shipment.tracking_number:
            raise CarrierUnavailable(f"unusable answer: {answer}")
        try:
            return [
                parse_event(raw, shipment.tracking_number, str(answer.get("reference", "")))
                for raw in answer.get("events") or []
            ]
        except (TypeError, ValueError) as exc:
            raise CarrierUnavailable(f"unusable event: {exc}") from exc

    def read_callback(self, body: bytes, headers: Mapping[str, str], path: str) -> StatusUpdate:
        check_signature(self.secret, headers, "POST", path, body, window=self.window)
        data = json.loads(body.decode())
        if not isinstance(data, dict) or not isinstance(data.get("event"), dict):
            raise ValueError("a callback is {tracking_number, reference, event}")
        return parse_event(
            data["event"], str(data.get("tracking_number", "")), str(data.get("reference", ""))
        )


register("http", HttpCarrier)
