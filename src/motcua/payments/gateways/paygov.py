"""The national payment platform (PayGov) as a second gateway (REFERENCE.md: Payment protocols).

Only the outline of PayGov's protocol is public: JSON messages with a message type, a version,
the partner code, our reference code, the amount and receipt details, authenticated by a
SHA-256 hex over the fields joined with ``|`` plus the secret; success code ``"00"``. The
exact fields vary by version and are not published, so this module *defines* one message
format in that outline (version ``1.0``, written out in docs/payments.md) and keeps each choice
in one place, to be corrected against the platform's own specification when a province
connects:

- Every message is a JSON object with ``messageType``, ``version``, ``partnerCode``,
  ``requestId`` (unique per message), ``transactionTime`` (``yyyyMMddHHmmss``, GMT+7) and
  ``checksum``. Amounts are whole đồng, as JSON integers.
- ``checksum`` = lowercase hex SHA-256 of the message's signed fields, in the order below,
  each as text (absent → empty, integers in decimal), joined with ``|``, with the secret
  appended as the last ``|``-joined part: ``sha256("v1|v2|…|vn|secret")``. Received checksums
  are compared case-insensitively in constant time.
- ``INIT`` (we POST to ``API_URL``, server to server) opens the payment; its answer carries the
  address of the platform's payment page (``paymentUrl``).
- ``NOTIFY`` (the platform POSTs to ``/payments/paygov/notify``) tells the result; we answer
  HTTP 200 with a signed ``NOTIFY`` acknowledgement whose ``code`` is ours: ``00`` recorded (a
  failed payment too), ``01`` unknown, ``02`` already settled, ``04`` amount differs, ``97``
  checksum wrong, ``99`` anything else — checked in that order (as VNPAY's IPN). The platform
  retries until it gets ``00`` or ``02``.
- ``RETURN``: the payer's browser comes back to ``/payments/paygov/return`` with the ``NOTIFY``
  fields as query parameters (``messageType=RETURN``), display only.
- ``QUERY`` (we POST to ``API_URL``) asks about one payment, for reconciliation.

Payment result codes (``NOTIFY.code``, ``QUERY.status``): ``00`` paid, ``01`` still pending
(QUERY only), ``10`` cancelled by the payer, ``11`` expired unpaid; any other code is a failure.
Answer codes of the platform (``INIT``/``QUERY`` ``code``): ``00`` done, ``01`` no such
payment, anything else an error.

Settings (``settings.MOTCUA["PAYGOV"]``, from the environment): ``PARTNER_CODE``, ``SECRET``,
``API_URL``, ``TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from motcua.core import clock
from motcua.core.calendar import VN_TZ

from . import GatewayUnavailable, Notification, Outcome, register

if TYPE_CHECKING:
    from motcua.payments.models import Payment

logger = logging.getLogger("motcua.payments.paygov")

VERSION = "1.0"
DATE_FORMAT = "%Y%m%d%H%M%S"  # GMT+7
PAID, PENDING, EXPIRED = "00", "01", "11"
NOT_FOUND = "01"

# The signed fields of each message, in order (docs/payments.md: PayGov).
HEAD = ("messageType", "version", "partnerCode", "requestId", "transactionTime")
INIT_FIELDS = (
    *HEAD,
    "referenceCode",
    "amount",
    "dossierCode",
    "procedureCode",
    "agencyCode",
    "payerName",
    "description",
    "returnUrl",
    "expireTime",
)
INIT_ANSWER_FIELDS = (*HEAD, "referenceCode", "code", "paymentUrl")
RESULT_FIELDS = (  # NOTIFY, and RETURN in the browser's query string
    *HEAD,
    "referenceCode",
    "amount",
    "code",
    "transactionId",
    "bankCode",
    "payDate",
)
ACK_FIELDS = (*HEAD, "referenceCode", "code")
QUERY_FIELDS = (*HEAD, "referenceCode")
QUERY_ANSWER_FIELDS = (
    *HEAD,
    "referenceCode",
    "code",
    "status",
    "amount",
    "transactionId",
    "bankCode",
    "payDate",
)
ACK_MESSAGES = {
    "00": "Ghi nhận thành công",
    "01": "Không tìm thấy giao dịch",
    "02": "Giao dịch đã được ghi nhận trước đó",
    "04": "Số tiền không khớp",
    "97": "Sai checksum",
    "99": "Lỗi không xác định",
}


def text_of(value: object) -> str:
    """A field as it is signed: absent → empty, integers in decimal, text as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def checksum(message: Mapping[str, object], fields: Sequence[str], secret: str) -> str:
    text = "|".join([*(text_of(message.get(k)) for k in fields), secret])
    return hashlib.sha256(text.encode()).hexdigest()


def signed(message: dict, fields: Sequence[str], secret: str) -> dict:
    return {**message, "checksum": checksum(message, fields, secret)}


def verify(message: Mapping[str, object], fields: Sequence[str], secret: str) -> bool:
    received = text_of(message.get("checksum")).strip().lower()
    expected = checksum(message, fields, secret)
    return hmac.compare_digest(received.encode(), expected.encode())


def format_date(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime(DATE_FORMAT)


def parse_date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, DATE_FORMAT).replace(tzinfo=VN_TZ)
    except (TypeError, ValueError):
        return None


def amount_of(value: object) -> int | None:
    """Whole đồng, as a JSON integer or its decimal text; anything else: None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    raw = text_of(value)
    return int(raw) if raw.isascii() and raw.isdigit() else None


def receipt_items(payment: Payment) -> list[dict]:
    """The fee lines for the receipt: the dossier's assessed lines when they make up this
    attempt's amount; otherwise (part already paid, or a larger amount asked by the officer)
    one line for what is paid now."""
    from motcua.payments.models import Assessment

    assessment = Assessment.objects.filter(dossier_id=payment.dossier_id).first()
    lines = [x for x in (assessment.lines if assessment else []) if x.get("amount")]
    if lines and sum(int(x["amount"]) for x in lines) == payment.amount:
        return [{"name": x["name"], "kind": x["kind"], "amount": int(x["amount"])} for x in lines]
    name = f"Phí, lệ phí còn phải nộp của hồ sơ {payment.dossier.code}"
    return [{"name": name, "kind": "phi", "amount": payment.amount}]


class PaygovGateway:
    name = "paygov"
    label = _("Nền tảng thanh toán quốc gia (PayGov)")

    def __init__(self, config: Mapping[str, object] | None = None) -> None:
        config = dict(config or settings.MOTCUA["PAYGOV"])
        self.partner_code = str(config.get("PARTNER_CODE") or "")
        self.secret = str(config.get("SECRET") or "")
        self.api_url = str(config.get("API_URL") or "")
        self.timeout = float(config.get("TIMEOUT_SECONDS") or 10)

    @property
    def configured(self) -> bool:
        return bool(self.partner_code and self.secret and self.api_url)

    def _head(self, message_type: str) -> dict:
        return {
            "messageType": message_type,
            "version": VERSION,
            "partnerCode": self.partner_code,
            "requestId": secrets.token_hex(16),
            "transactionTime": format_date(clock.now()),
        }

    def _post(self, message: dict) -> dict:
        """One message to the platform's API and its JSON answer; GatewayUnavailable when
        the platform cannot be reached or answers something that is not JSON."""
        kind = message["messageType"]
        request = urllib.request.Request(  # noqa: S310 - the configured platform address
            self.api_url,
            data=json.dumps(message, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode())
        except (OSError, ValueError, urllib.error.URLError) as exc:
            raise GatewayUnavailable(f"PayGov {kind}: {exc}") from exc
        if not isinstance(answer, dict):
            raise GatewayUnavailable(f"PayGov {kind}: not a JSON object")
        return answer

    def _trusted(self, answer: dict, fields: Sequence[str], sent: dict) -> None:
        """The answer is signed with our secret and answers the message we sent."""
        if not verify(answer, fields, self.secret):
            raise GatewayUnavailable(f"PayGov {sent['messageType']}: the checksum is wrong")
        for key in ("messageType", "partnerCode", "requestId", "referenceCode"):
            if text_of(answer.get(key)) != text_of(sent.get(key)):
                raise GatewayUnavailable(f"PayGov {sent['messageType']}: {key} differs")

    # --- INIT: the payment page's address ---------------------------------------------------

    def start_payment(self, payment: Payment, *, return_url: str, ip: str, locale: str) -> str:
        dossier = payment.dossier
        message = {
            **self._head("INIT"),
            "referenceCode": payment.reference,
            "amount": payment.amount,
            "dossierCode": dossier.code,
            "procedureCode": dossier.procedure.code,
            "agencyCode": dossier.receiving_agency.code,
            "payerName": dossier.owner_name,
            "description": f"Thanh toán phí, lệ phí hồ sơ {dossier.code}",
            "returnUrl": return_url,
            "expireTime": format_date(payment.expires_at),
            # Receipt details outside the checksum (a list has no one obvious text form).
            "agencyName": dossier.receiving_agency.name,
            "items": receipt_items(payment),
            "locale": "en" if locale == "en" else "vi",
        }
        message = signed(message, INIT_FIELDS, self.secret)
        answer = self._post(message)
        code = text_of(answer.get("code"))
        if code != "00":
            raise GatewayUnavailable(f"PayGov INIT answered {code}: {answer.get('message')}")
        self._trusted(answer, INIT_ANSWER_FIELDS, message)
        url = text_of(answer.get("paymentUrl"))
        if not url.startswith(("https://", "http://")):
            raise GatewayUnavailable("PayGov INIT: no payment page address")
        return url

    # --- NOTIFY and RETURN: the result ------------------------------------------------------

    def outcome(self, message: Mapping[str, object], amount: int) -> Outcome:
        code = text_of(message.get("code"))
        return Outcome(
            reference=text_of(message.get("referenceCode")),
            amount=amount,
            paid=code == PAID,
            final=code != PENDING,
            transaction=text_of(message.get("transactionId"))[:40],
            bank_code=text_of(message.get("bankCode"))[:20],
            response_code=code[:4],
            paid_at=parse_date(text_of(message.get("payDate"))),
            raw={k: text_of(v) for k, v in message.items() if k != "checksum"},
        )

    def read_return(self, params: Mapping[str, str]) -> Outcome | None:
        if params.get("messageType") != "RETURN" or not verify(params, RESULT_FIELDS, self.secret):
            return None
        return self.outcome(params, amount_of(params.get("amount")) or 0)

    def answer_notification(
        self, notification: Notification, record: Callable[[Outcome], str]
    ) -> dict:
        message = notification.params
        try:
            if not verify(message, RESULT_FIELDS, self.secret):
                return self._ack(message, "97")
            if message.get("messageType") != "NOTIFY":  # e.g. a RETURN posted here
                return self._ack(message, "99")
            if text_of(message.get("partnerCode")) != self.partner_code:
                return self._ack(message, "01")
            # An amount that is not whole đồng matches no attempt: "unknown" (01) still
            # comes before "amount differs" (04), as in VNPAY's order.
            amount = amount_of(message.get("amount"))
            return self._ack(
                message, record(self.outcome(message, -1 if amount is None else amount))
            )
        except Exception:
            logger.exception("PayGov NOTIFY could not be handled")
            return self._ack(message, "99")

    def _ack(self, message: Mapping[str, object], code: str) -> dict:
        """Our signed acknowledgement: the platform's requestId and reference echoed."""
        ack = {
            "messageType": "NOTIFY",
            "version": VERSION,
            "partnerCode": self.partner_code,
            "requestId": text_of(message.get("requestId"))[:64],
            "transactionTime": format_date(clock.now()),
            "referenceCode": text_of(message.get("referenceCode"))[:40],
            "code": code,
            "message": ACK_MESSAGES[code],
        }
        return signed(ack, ACK_FIELDS, self.secret)

    # --- QUERY: reconciliation --------------------------------------------------------------

    def query(self, payment: Payment) -> Outcome | None:
        message = signed(
            {**self._head("QUERY"), "referenceCode": payment.reference}, QUERY_FIELDS, self.secret
        )
        answer = self._post(message)
        code = text_of(answer.get("code"))
        if code not in ("00", NOT_FOUND):
            raise GatewayUnavailable(f"PayGov QUERY answered {code}: {answer.get('message')}")
        self._trusted(answer, QUERY_ANSWER_FIELDS, message)
        status = text_of(answer.get("status"))
        if code == NOT_FOUND or status == EXPIRED:
            return None  # never paid: the attempt expires
        result = {**answer, "code": status}
        return self.outcome(result, amount_of(answer.get("amount")) or 0)


register("paygov", PaygovGateway)
