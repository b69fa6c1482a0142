"""VNPAY 2.1.0 (REFERENCE.md: Payment protocols), exactly as published.

- Payment: the browser goes to ``PAYMENT_URL`` with the signed ``vnp_`` parameters.
- Signature: every ``vnp_`` parameter but ``vnp_SecureHash``/``vnp_SecureHashType``, sorted by
  name, each name and value form-encoded (space → ``+``), joined ``k=v&k=v``, HMAC-SHA512 with
  the merchant secret, hex. Received hashes are compared case-insensitively in constant time.
- IPN: always HTTP 200 with ``{"RspCode", "Message"}``, checked in this order: signature → 97,
  unknown order → 01, amount → 04, already settled → 02, recorded → 00 (a failed payment is
  recorded and answered 00 too), anything unexpected → 99.
- ``querydr``: a JSON POST to ``API_URL`` signed over its values joined by ``|``; the answer is
  signed the same way over its own fields.

Settings (``settings.MOTCUA["VNPAY"]``, from the environment): ``TMN_CODE``, ``HASH_SECRET``,
``PAYMENT_URL``, ``API_URL``, ``IP_ALLOWLIST`` (empty: any), ``SERVER_IP``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote_plus, urlencode

from django.conf import settings

from motcua.core import clock
from motcua.core.calendar import VN_TZ
from motcua.core.text import unaccented

from . import GatewayUnavailable, Notification, Outcome, register

if TYPE_CHECKING:
    from motcua.payments.models import Payment

logger = logging.getLogger("motcua.payments.vnpay")

VERSION = "2.1.0"
HASH_KEYS = ("vnp_SecureHash", "vnp_SecureHashType")
DATE_FORMAT = "%Y%m%d%H%M%S"  # GMT+7
QUERY_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERY_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
IPN_MESSAGES = {
    "00": "Confirm Success",
    "01": "Order not found",
    "02": "Order already confirmed",
    "04": "invalid amount",
    "97": "Invalid signature",
    "99": "Unknow error",
}


def hash_data(params: Mapping[str, object]) -> str:
    """The signed text of a redirect or an IPN."""
    pairs = sorted(
        (k, "" if v is None else str(v))
        for k, v in params.items()
        if k.startswith("vnp_") and k not in HASH_KEYS
    )
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)


def hmac_hex(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def sign(params: Mapping[str, object], secret: str) -> str:
    return hmac_hex(secret, hash_data(params))


def same_hash(received: str, expected: str) -> bool:
    return hmac.compare_digest(received.strip().lower().encode(), expected.lower().encode())


def verify(params: Mapping[str, str], secret: str) -> bool:
    return same_hash(params.get("vnp_SecureHash", ""), sign(params, secret))


def format_date(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime(DATE_FORMAT)


def parse_date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, DATE_FORMAT).replace(tzinfo=VN_TZ)
    except (TypeError, ValueError):
        return None


def amount_of(raw: str) -> int | None:
    """``vnp_Amount`` is the amount × 100; anything else than a whole number of đồng: None."""
    if not raw or not raw.isdigit() or int(raw) % 100:
        return None
    return int(raw) // 100


def order_info(payment: Payment) -> str:
    """Plain ASCII, no diacritics (VNPAY refuses others)."""
    return unaccented(f"Thanh toan phi ho so {payment.dossier.code}")[:255]


class VnpayGateway:
    name = "vnpay"
    label = "VNPAY"

    def __init__(self, config: Mapping[str, object] | None = None) -> None:
        config = dict(config or settings.MOTCUA["VNPAY"])
        self.tmn_code = str(config["TMN_CODE"])
        self.secret = str(config["HASH_SECRET"])
        self.payment_url = str(config["PAYMENT_URL"])
        self.api_url = str(config["API_URL"])
        self.allowlist = frozenset(config.get("IP_ALLOWLIST") or ())
        self.server_ip = str(config.get("SERVER_IP") or "127.0.0.1")
        self.timeout = float(config.get("TIMEOUT_SECONDS") or 10)

    @property
    def configured(self) -> bool:
        return bool(self.tmn_code and self.secret and self.payment_url and self.api_url)

    # --- the signed redirect ---------------------------------------------------------------

    def start_payment(self, payment: Payment, *, return_url: str, ip: str, locale: str) -> str:
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(payment.amount * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": payment.reference,
            "vnp_OrderInfo": order_info(payment),
            "vnp_OrderType": "other",
            "vnp_Locale": "en" if locale == "en" else "vn",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": ip or self.server_ip,
            "vnp_CreateDate": format_date(payment.created_at),
            "vnp_ExpireDate": format_date(payment.expires_at),
        }
        query = urlencode(sorted(params.items()), quote_via=quote_plus)
        return f"{self.payment_url}?{query}&vnp_SecureHash={sign(params, self.secret)}"

    # --- what the gateway sends back ------------------------------------------------------

    def outcome(self, params: Mapping[str, str], amount: int) -> Outcome:
        paid = params.get("vnp_ResponseCode") == "00" and (
            params.get("vnp_TransactionStatus", "00") == "00"
        )
        return Outcome(
            reference=params.get("vnp_TxnRef", ""),
            amount=amount,
            paid=paid,
            transaction=params.get("vnp_TransactionNo", "")[:40],
            bank_code=params.get("vnp_BankCode", "")[:20],
            response_code=params.get("vnp_ResponseCode", "")[:4],
            paid_at=parse_date(params.get("vnp_PayDate", "")),
            raw={k: v for k, v in params.items() if k not in HASH_KEYS},
        )

    def read_return(self, params: Mapping[str, str]) -> Outcome | None:
        if not verify(params, self.secret):
            return None
        return self.outcome(params, amount_of(params.get("vnp_Amount", "")) or 0)

    def answer_notification(
        self, notification: Notification, record: Callable[[Outcome], str]
    ) -> dict:
        params = notification.params
        try:
            if self.allowlist and notification.ip not in self.allowlist:
                logger.warning("IPN from an address not allowed", extra={"ip": notification.ip})
                return _answer("99")
            if not verify(params, self.secret):
                return _answer("97")
            if params.get("vnp_TmnCode") != self.tmn_code:
                return _answer("01")
            # An amount that is not whole đồng matches no order: still "unknown order" (01)
            # before "amount differs" (04), as the published order has it.
            amount = amount_of(params.get("vnp_Amount", ""))
            return _answer(record(self.outcome(params, -1 if amount is None else amount)))
        except Exception:
            logger.exception("IPN could not be handled")
            return _answer("99")

    # --- querydr ---------------------------------------------------------------------------

    def query(self, payment: Payment) -> Outcome | None:
        now = clock.now()
        body = {
            "vnp_RequestId": secrets.token_hex(16),
            "vnp_Version": VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": payment.reference,
            "vnp_TransactionDate": format_date(payment.created_at),
            "vnp_CreateDate": format_date(now),
            "vnp_IpAddr": self.server_ip,
            "vnp_OrderInfo": unaccented(f"Doi soat giao dich {payment.reference}"),
        }
        body["vnp_SecureHash"] = hmac_hex(
            self.secret, "|".join(body[k] for k in QUERY_REQUEST_FIELDS)
        )
        request = urllib.request.Request(  # noqa: S310 - the configured gateway address
            self.api_url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode())
        except (OSError, ValueError, urllib.error.URLError) as exc:
            raise GatewayUnavailable(f"querydr: {exc}") from exc
        if not isinstance(answer, dict):
            raise GatewayUnavailable("querydr: not a JSON object")
        signed = "|".join(str(answer.get(k, "") or "") for k in QUERY_RESPONSE_FIELDS)
        if not same_hash(str(answer.get("vnp_SecureHash", "")), hmac_hex(self.secret, signed)):
            raise GatewayUnavailable("querydr: the answer's signature is wrong")
        code = answer.get("vnp_ResponseCode")
        if code == "91":  # no such transaction: the payer never reached the end
            return None
        if code != "00" or answer.get("vnp_TxnRef") != payment.reference:
            raise GatewayUnavailable(f"querydr answered {code}: {answer.get('vnp_Message')}")
        status = str(answer.get("vnp_TransactionStatus", ""))
        params = {k: str(v) for k, v in answer.items() if v is not None}
        outcome = self.outcome(
            {**params, "vnp_ResponseCode": "00" if status == "00" else status},
            amount_of(str(answer.get("vnp_Amount", ""))) or 0,
        )
        if status == "01":  # not yet completed
            return Outcome(**{**outcome.__dict__, "paid": False, "final": False})
        return outcome


def _answer(code: str) -> dict:
    return {"RspCode": code, "Message": IPN_MESSAGES[code]}


register("vnpay", VnpayGateway)
