"""The e-receipt contract over HTTP with JSON (docs/payments.md, *Biên lai điện tử*), modelled
on what Vietnamese e-invoice providers take for a *biên lai thu phí, lệ phí điện tử* under
Decree 123/2020 and Circular 78/2021: template and symbol (*mẫu số*, *ký hiệu*), the collecting
agency, the payer, the fee lines, the total and the payment method → the receipt number, its
issue date and where the payer looks it up. The sandbox provider speaks it; a real provider is
reached through it, directly or through a small adapter on its side.

- ``POST {API_URL}/receipts`` issues (201), or answers the receipt already issued for the same
  ``reference`` (200).
- ``GET {API_URL}/receipts/{reference}`` looks one up (200, or 404 when there is none).

Every request is signed: ``X-Receipt-Timestamp`` (Unix seconds) and ``X-Receipt-Signature`` =
hex HMAC-SHA256 with the shared secret over ``timestamp + "\\n" + METHOD + "\\n" + path + "\\n"
+ body``. 400/401/403/404/409/422 are refusals for good; 5xx, a time-out, an unreadable answer:
try again later.

Settings (``settings.MOTCUA["RECEIPTS"]``): ``API_URL``, ``SECRET``, ``TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote, urlsplit

from django.conf import settings

from . import IssuedReceipt, IssuerRefused, IssuerUnavailable, ReceiptRequest, register

TIMESTAMP_HEADER = "X-Receipt-Timestamp"
SIGNATURE_HEADER = "X-Receipt-Signature"


def signature(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    text = f"{timestamp}\n{method.upper()}\n{path}\n".encode() + body
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


def request_body(request: ReceiptRequest) -> dict:
    return {
        "reference": request.reference,
        "template": request.template,
        "symbol": request.symbol,
        "collector": {"name": request.collector.name, "tax_code": request.collector.tax_code},
        "payer": {
            "name": request.payer.name,
            "address": request.payer.address,
            "id_number": request.payer.id_number,
            "tax_code": request.payer.tax_code,
        },
        "items": [
            {"name": item.name, "kind": item.kind, "amount": item.amount} for item in request.items
        ],
        "total": request.total,
        "currency": "VND",
        "payment_method": request.method,
        "paid_at": request.paid_at.isoformat(timespec="seconds"),
        "note": request.note,
    }


def _web_address(value: object) -> str:
    text = str(value or "").strip()
    return text if urlsplit(text).scheme in ("http", "https") and len(text) <= 500 else ""


def parse_receipt(answer: Mapping, reference: str) -> IssuedReceipt:
    """The provider's answer as an ``IssuedReceipt``; ``IssuerUnavailable`` if unusable."""
    try:
        number = str(answer["number"])
        issued_at = datetime.fromisoformat(str(answer["issued_at"]))
        issued = IssuedReceipt(
            reference=str(answer["reference"]),
            template=str(answer["template"]),
            symbol=str(answer["symbol"]),
            number=number,
            issued_at=issued_at,
            lookup_code=str(answer["lookup_code"]),
            lookup_url=_web_address(answer.get("lookup_url")),
            pdf_url=_web_address(answer.get("pdf_url")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise IssuerUnavailable(f"unusable answer: {exc}") from exc
    if (
        answer.get("status") != "issued"
        or issued.reference != reference
        or not (number.isdigit() and len(number) == 7)
        or issued_at.tzinfo is None
        or not issued.lookup_code
    ):
        raise IssuerUnavailable(f"unusable answer: {dict(answer)}")
    return issued


class HttpReceiptIssuer:
    name = "http"

    def __init__(self, config: Mapping[str, object] | None = None) -> None:
        config = dict(config or settings.MOTCUA["RECEIPTS"])
        self.api_url = str(config.get("API_URL") or "").rstrip("/")
        self.secret = str(config.get("SECRET") or "")
        self.timeout = float(config.get("TIMEOUT_SECONDS") or 10)

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict | None:
        """The provider's JSON answer; None for a 404 on a look-up."""
        if not self.api_url or not self.secret:
            raise IssuerRefused("no e-receipt provider address or secret is configured")
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        url = self.api_url + path
        timestamp = str(int(time.time()))
        headers = {
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, method, urlsplit(url).path, body),
        }
        if payload is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(  # noqa: S310 - the configured provider's address
            url, data=body if payload is not None else None, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode(errors="replace")
            if exc.code == 404 and method == "GET":
                return None
            if exc.code in (400, 401, 403, 404, 409, 422):
                raise IssuerRefused(f"HTTP {exc.code}: {detail}") from exc
            raise IssuerUnavailable(f"HTTP {exc.code}: {detail}") from exc
        except (OSError, ValueError) as exc:  # refused, timed out, not JSON
            raise IssuerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(answer, dict):
            raise IssuerUnavailable(f"unusable answer: {answer!r}"[:300])
        return answer

    def issue(self, request: ReceiptRequest) -> IssuedReceipt:
        answer = self._call("POST", "/receipts", request_body(request))
        return parse_receipt(answer or {}, request.reference)

    def lookup(self, reference: str) -> IssuedReceipt | None:
        answer = self._call("GET", f"/receipts/{quote(reference, safe='')}")
        return None if answer is None else parse_receipt(answer, reference)


register("http", HttpReceiptIssuer)
