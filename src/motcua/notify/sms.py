"""SMS through an HTTP brandname gateway (issue 5 §4), behind a registry like every external
party. The contract (docs/notifications.md), modelled on Vietnamese brandname gateways:

- send: ``POST {API_URL}/messages`` with ``Authorization: Bearer <API_KEY>`` and JSON
  ``{"to": "849…", "brandname", "text", "client_ref", "callback_url"}`` → 200/201
  ``{"id", "status": "accepted", "segments"}``. The gateway deduplicates on ``client_ref``
  (our outbox key), so a resend after a worker died is one SMS. 400/401/403/422: refused for
  good; 429, 5xx, a time-out: try again later.
- delivery report: the gateway POSTs ``{"id", "client_ref", "status": "delivered"|"failed",
  "at"}`` to ``callback_url`` with ``X-Sms-Timestamp`` (Unix seconds) and ``X-Sms-Signature``
  = hex HMAC-SHA256(secret, "<timestamp>.<body>"); older than 5 minutes is refused (replay).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from motcua.core.outbox import PermanentError
from motcua.core.plugins import Registry

REPORT_WINDOW_SECONDS = 300


class SmsUnavailable(Exception):
    """The gateway did not take the message now: the outbox tries again."""


@dataclass(frozen=True)
class Accepted:
    gateway_id: str
    segments: int


class SmsGateway(Protocol):
    name: str

    def send(self, *, to: str, text: str, client_ref: str, callback_url: str) -> Accepted: ...


def setting(name: str):
    return settings.MOTCUA["SMS"][name]


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def report_is_genuine(body: bytes, timestamp: str, received: str, *, now: float | None = None):
    """A delivery report signed with our secret, no older than the window."""
    if not timestamp.isdigit():
        return False
    if abs((now or time.time()) - int(timestamp)) > REPORT_WINDOW_SECONDS:
        return False
    expected = signature(setting("CALLBACK_SECRET"), timestamp, body)
    return hmac.compare_digest(received.strip().lower().encode(), expected.encode())


class HttpSmsGateway:
    name = "http"

    def send(self, *, to: str, text: str, client_ref: str, callback_url: str) -> Accepted:
        body = json.dumps(
            {
                "to": to.lstrip("+"),
                "brandname": setting("BRANDNAME"),
                "text": text,
                "client_ref": client_ref,
                "callback_url": callback_url,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the configured gateway
            f"{setting('API_URL').rstrip('/')}/messages",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {setting('API_KEY')}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=setting("TIMEOUT_SECONDS")) as response:  # noqa: S310
                answer = json.loads(response.read().decode())
        except urllib.error.HTTPError as exc:
            if exc.code in (400, 401, 403, 422):
                raise PermanentError(
                    f"SMS gateway refused: {exc.code} {exc.read()[:200]!r}"
                ) from exc
            raise SmsUnavailable(f"SMS gateway answered {exc.code}") from exc
        except (OSError, ValueError) as exc:
            raise SmsUnavailable(f"SMS gateway: {exc}") from exc
        return Accepted(str(answer["id"]), int(answer.get("segments") or 1))


REGISTRY: Registry[SmsGateway] = Registry("SMS gateway")
REGISTRY.register("http", HttpSmsGateway)
register = REGISTRY.register


def gateway() -> SmsGateway:
    return REGISTRY.get(setting("GATEWAY"))
