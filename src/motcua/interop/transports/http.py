"""The ``http`` transport (docs/national-sync.md): JSON over HTTPS, every request signed both
ways with the caller's shared secret — ``X-Partner``, ``X-Timestamp``, ``X-Nonce`` and
``X-Signature`` = hex HMAC-SHA256 over ``timestamp \\n nonce \\n METHOD \\n path \\n
sha256(body)``. A request more than the window away from our clock, or whose nonce we have
seen, is refused: a signed request cannot be replayed.

Settings: ``settings.MOTCUA["NATIONAL"]`` — API_URL, SYSTEM_CODE, SECRET, PARTNERS,
TIMEOUT_SECONDS, SIGNATURE_WINDOW_SECONDS.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction

from motcua.core import clock

from . import NotAuthenticated, Refused, Unavailable, register

PARTNER, TIMESTAMP, NONCE, SIGNATURE = "X-Partner", "X-Timestamp", "X-Nonce", "X-Signature"
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def signature(secret: str, timestamp: str, nonce: str, method: str, path: str, body: bytes) -> str:
    text = "\n".join([timestamp, nonce, method.upper(), path, hashlib.sha256(body).hexdigest()])
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def signed_headers(partner: str, secret: str, method: str, path: str, body: bytes) -> dict:
    timestamp, nonce = str(int(time.time())), secrets.token_urlsafe(18)
    return {
        PARTNER: partner,
        TIMESTAMP: timestamp,
        NONCE: nonce,
        SIGNATURE: signature(secret, timestamp, nonce, method, path, body),
    }


class HttpTransport:
    name = "http"

    def __init__(self, config: Mapping[str, object] | None = None) -> None:
        config = dict(config or settings.MOTCUA["NATIONAL"])
        self.api_url = str(config["API_URL"]).rstrip("/")
        self.system_code = str(config["SYSTEM_CODE"])
        self.secret = str(config["SECRET"])
        self.partners: dict[str, str] = dict(config.get("PARTNERS") or {})
        self.timeout = float(config.get("TIMEOUT_SECONDS") or 10)
        self.window = int(config.get("SIGNATURE_WINDOW_SECONDS") or 300)

    # --- inbound ---------------------------------------------------------------------------

    def authenticate(
        self, *, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> str:
        from motcua.interop.models import SeenNonce

        partner = headers.get(PARTNER, "")
        secret = self.partners.get(partner)
        timestamp, nonce = headers.get(TIMESTAMP, ""), headers.get(NONCE, "")
        given = headers.get(SIGNATURE, "").lower()
        if not secret or not given or not NONCE_PATTERN.fullmatch(nonce):
            raise NotAuthenticated("unknown partner or missing headers")
        expected = signature(secret, timestamp, nonce, method, path, body)
        if not hmac.compare_digest(given, expected):
            raise NotAuthenticated("wrong signature")
        try:
            age = abs(time.time() - int(timestamp))
        except ValueError:
            raise NotAuthenticated("unreadable timestamp") from None
        if age > self.window:
            raise NotAuthenticated("stale timestamp")
        now = clock.now()
        try:
            with transaction.atomic():
                SeenNonce.objects.create(partner=partner, nonce=nonce, seen_at=now)
        except IntegrityError:
            raise NotAuthenticated("nonce already used") from None
        return partner

    # --- outbound --------------------------------------------------------------------------

    def _send(self, method: str, url: str, body: bytes | None) -> bytes:
        if not self.api_url:
            raise Refused("MOTCUA_NATIONAL_API_URL is not set")
        payload = body or b""
        headers = signed_headers(self.system_code, self.secret, method, urlsplit(url).path, payload)
        if body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(  # noqa: S310 - our configured https address
            url, data=body, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode(errors="replace")
            if 400 <= exc.code < 500 and exc.code not in (401, 408, 429):
                raise Refused(f"HTTP {exc.code}: {detail}") from exc
            raise Unavailable(f"HTTP {exc.code}: {detail}") from exc
        except OSError as exc:  # refused, reset, timed out
            raise Unavailable(f"{type(exc).__name__}: {exc}") from exc

    def _call(self, path: str, payload: dict) -> dict:
        body = json.dumps(payload, ensure_ascii=False).encode()
        answer = self._send("POST", self.api_url + path, body)
        try:
            data = json.loads(answer.decode())
        except ValueError as exc:
            raise Unavailable(f"not JSON: {answer[:200]!r}") from exc
        if not isinstance(data, dict):
            raise Unavailable(f"unusable answer: {data!r}"[:300])
        return data

    def push_status(self, snapshot: dict) -> int:
        data = self._call("/statuses", snapshot)
        acked = data.get("acked_seq")
        if not isinstance(acked, int) or isinstance(acked, bool) or acked < 0:
            raise Unavailable(f"no acked_seq in {data!r}"[:300])
        return acked

    def acks(self, codes: list[str]) -> dict[str, int]:
        data = self._call("/statuses/acks", {"codes": codes})
        held = data.get("acks")
        if not isinstance(held, dict):
            raise Unavailable(f"no acks in {data!r}"[:300])
        return {code: int(held.get(code) or 0) for code in codes}

    def fetch(self, url: str, *, limit: int) -> bytes:
        if urlsplit(url).scheme not in ("https", "http"):
            raise Refused(f"not a web address: {url[:100]}")
        data = self._send("GET", url, None)
        if len(data) > limit:
            raise Refused(f"file larger than {limit} bytes")
        return data


register("http", HttpTransport)

# How long a nonce is kept: twice the window, so one within the window is always found.
NONCE_KEEP = timedelta(seconds=600)
