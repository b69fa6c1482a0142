"""The national payment platform's side of our PayGov message format (docs/payments.md:
PayGov), as a stand-in for the demo and the tests.

Written from the documented format on its own (its checksums are not ours): one JSON API that
takes ``INIT`` (opens a payment and gives its payment page) and ``QUERY``, the payment page
where the demo user pays or cancels, the signed browser return (``RETURN``), and the signed
``NOTIFY`` POSTed to the partner from the outbox, retried until the partner answers a correctly
signed ``00`` or ``02``. The partners it knows are ``partners()``; ``faults.set_fault("paygov",
…)`` makes the API and the page fail, hang or answer late.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from motcua.core import clock, outbox
from motcua.core.calendar import VN_TZ

from .faults import misbehave
from .models import PaygovTransaction

NOTIFY_KIND = "sandbox.paygov.notify"
VERSION = "1.0"
HEAD = "messageType version partnerCode requestId transactionTime".split()
SIGNED = {
    "INIT": HEAD
    + (
        "referenceCode amount dossierCode procedureCode agencyCode payerName description "
        "returnUrl expireTime"
    ).split(),
    "QUERY": [*HEAD, "referenceCode"],
}
INIT_ANSWER = [*HEAD, "referenceCode", "code", "paymentUrl"]
QUERY_ANSWER = HEAD + "referenceCode code status amount transactionId bankCode payDate".split()
RESULT = HEAD + "referenceCode amount code transactionId bankCode payDate".split()
ACK = [*HEAD, "referenceCode", "code"]
MESSAGES = {
    "00": "Thành công",
    "01": "Không tìm thấy giao dịch",
    "02": "Mã đối tác không hợp lệ",
    "03": "Thông điệp không hợp lệ",
    "04": "Số tiền không hợp lệ",
    "05": "Mã tham chiếu đã dùng cho giao dịch khác",
    "97": "Sai checksum",
}


def partners() -> dict[str, dict[str, str]]:
    """partner code → its secret and notification address: the demo's one partner is this
    server."""
    ours = settings.MOTCUA["PAYGOV"]
    return {
        ours["PARTNER_CODE"]: {
            "secret": ours["SECRET"],
            "notify_url": f"{settings.SITE_URL}/payments/paygov/notify",
        }
    }


def _field(value: object) -> str:
    return "" if value is None else str(value)


def _checksum(message: dict, fields: list[str], secret: str) -> str:
    parts = [_field(message.get(k)) for k in fields]
    return hashlib.sha256("|".join([*parts, secret]).encode()).hexdigest()


def _checksum_ok(message: dict, fields: list[str], secret: str) -> bool:
    given = _field(message.get("checksum")).lower()
    return hmac.compare_digest(given.encode(), _checksum(message, fields, secret).encode())


def _now_text() -> str:
    return clock.now().astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def _answer(message: dict, secret: str | None, code: str, fields: list[str], **more) -> dict:
    answer = {
        "messageType": message.get("messageType"),
        "version": VERSION,
        "partnerCode": message.get("partnerCode"),
        "requestId": message.get("requestId"),
        "transactionTime": _now_text(),
        "referenceCode": message.get("referenceCode"),
        "code": code,
        "message": MESSAGES.get(code, ""),
        **more,
    }
    if secret is not None:  # an unknown partner's error is not signed: no key to sign with
        answer["checksum"] = _checksum(answer, fields, secret)
    return answer


@csrf_exempt  # server to server, authenticated by the checksum
@require_POST
def api(request: HttpRequest) -> HttpResponse:
    """``INIT`` and ``QUERY``, told apart by ``messageType``."""
    if (refused := misbehave("paygov")) is not None:
        return refused
    try:
        message = json.loads(getattr(request, "raw_body", request.body).decode())
    except (ValueError, UnicodeDecodeError):
        message = None
    if not isinstance(message, dict):
        return JsonResponse({"code": "03", "message": MESSAGES["03"]})
    kind = message.get("messageType")
    partner = partners().get(_field(message.get("partnerCode")))
    if partner is None:
        return JsonResponse(_answer(message, None, "02", ACK))
    secret = partner["secret"]
    fields = SIGNED.get(kind)
    answer_fields = INIT_ANSWER if kind == "INIT" else QUERY_ANSWER
    if fields is None or message.get("version") != VERSION:
        return JsonResponse(_answer(message, secret, "03", answer_fields))
    if not _checksum_ok(message, fields, secret):
        return JsonResponse(_answer(message, secret, "97", answer_fields))
    if kind == "INIT":
        return JsonResponse(_init(request, message, secret))
    return JsonResponse(_query(message, secret))


def _init(request: HttpRequest, message: dict, secret: str) -> dict:
    amount, items = message.get("amount"), message.get("items") or []
    needed = ("referenceCode", "dossierCode", "returnUrl", "expireTime")
    if any(not _field(message.get(k)) for k in needed) or not isinstance(items, list):
        return _answer(message, secret, "03", INIT_ANSWER)
    if type(amount) is not int or amount <= 0:
        return _answer(message, secret, "04", INIT_ANSWER)
    try:
        if sum(int(item["amount"]) for item in items) != amount:
            return _answer(message, secret, "04", INIT_ANSWER)
    except (KeyError, TypeError, ValueError):
        return _answer(message, secret, "03", INIT_ANSWER)
    found = PaygovTransaction.objects.filter(
        partner_code=message["partnerCode"], reference_code=message["referenceCode"]
    ).first()
    if found is None:
        try:
            with transaction.atomic():
                found = PaygovTransaction.objects.create(
                    partner_code=message["partnerCode"],
                    reference_code=message["referenceCode"],
                    token=secrets.token_urlsafe(24),
                    amount=amount,
                    dossier_code=message["dossierCode"],
                    procedure_code=_field(message.get("procedureCode"))[:20],
                    agency_code=_field(message.get("agencyCode"))[:20],
                    agency_name=_field(message.get("agencyName"))[:255],
                    payer_name=_field(message.get("payerName"))[:300],
                    description=_field(message.get("description"))[:500],
                    items=items,
                    return_url=message["returnUrl"],
                    expire_time=message["expireTime"],
                )
        except IntegrityError:  # the same INIT twice at once
            found = PaygovTransaction.objects.get(
                partner_code=message["partnerCode"], reference_code=message["referenceCode"]
            )
    if found.amount != amount or found.code:
        return _answer(message, secret, "05", INIT_ANSWER)
    page = request.build_absolute_uri(reverse("sandbox:paygov_pay", args=[found.token]))
    return _answer(message, secret, "00", INIT_ANSWER, paymentUrl=page)


def _status(txn: PaygovTransaction) -> str:
    if txn.code:
        return txn.code
    return "11" if txn.expire_time < _now_text() else "01"  # expired unpaid, or pending


def _query(message: dict, secret: str) -> dict:
    txn = PaygovTransaction.objects.filter(
        partner_code=message["partnerCode"], reference_code=_field(message.get("referenceCode"))
    ).first()
    if txn is None:
        return _answer(message, secret, "01", QUERY_ANSWER)
    return _answer(
        message,
        secret,
        "00",
        QUERY_ANSWER,
        status=_status(txn),
        amount=txn.amount,
        transactionId=txn.transaction_id,
        bankCode=txn.bank_code,
        payDate=txn.pay_date,
    )


@csrf_exempt  # the payer's browser posts back to the platform's own page
@require_http_methods(["GET", "POST"])
def payment_page(request: HttpRequest, token: str) -> HttpResponse:
    if (refused := misbehave("paygov")) is not None:
        return refused
    txn = PaygovTransaction.objects.filter(token=token).first()
    if txn is None:
        raise Http404
    expired = _status(txn) == "11"
    if request.method == "GET":
        if txn.code:  # already ended: back to the partner with the result
            return HttpResponseRedirect(_return_address(txn))
        return render(request, "sandbox/paygov_pay.html", {"txn": txn, "expired": expired})
    pay = request.POST.get("action") == "pay" and not expired
    return HttpResponseRedirect(_complete(txn, "00" if pay else ("11" if expired else "10")))


def _complete(txn: PaygovTransaction, code: str) -> str:
    """Record the outcome once, queue the NOTIFY, and give the signed return address."""
    with transaction.atomic():
        txn = PaygovTransaction.objects.select_for_update().get(pk=txn.pk)
        if not txn.code:  # the first outcome is the outcome
            txn.code = code
            txn.transaction_id = f"PG{txn.pk:010d}"
            txn.bank_code = "VCB" if code == "00" else ""
            txn.pay_date = _now_text()
            txn.save()
            outbox.enqueue(
                NOTIFY_KIND,
                key=f"sandbox-paygov-notify:{txn.partner_code}:{txn.reference_code}",
                payload={"id": txn.pk},
            )
    return _return_address(txn)


def _result(txn: PaygovTransaction, kind: str) -> dict:
    """The signed result, as NOTIFY (amount a JSON integer) or RETURN (query text)."""
    message = {
        "messageType": kind,
        "version": VERSION,
        "partnerCode": txn.partner_code,
        "requestId": f"{kind[:3]}{txn.transaction_id}",
        "transactionTime": _now_text(),
        "referenceCode": txn.reference_code,
        "amount": txn.amount,
        "code": txn.code,
        "message": "Giao dịch thành công" if txn.code == "00" else "Giao dịch không thành công",
        "transactionId": txn.transaction_id,
        "bankCode": txn.bank_code,
        "payDate": txn.pay_date,
    }
    secret = partners()[txn.partner_code]["secret"]
    return {**message, "checksum": _checksum(message, RESULT, secret)}


def _return_address(txn: PaygovTransaction) -> str:
    return f"{txn.return_url}?{urlencode(_result(txn, 'RETURN'))}"


@outbox.handler(NOTIFY_KIND)
def send_notify(payload: dict, message) -> None:
    """The platform POSTs the result until the partner acknowledges it, signed, with 00
    (recorded) or 02 (recorded before)."""
    txn = PaygovTransaction.objects.get(pk=payload["id"])
    partner = partners()[txn.partner_code]
    request = urllib.request.Request(  # noqa: S310 - the partner's address
        partner["notify_url"],
        data=json.dumps(_result(txn, "NOTIFY"), ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            answer = json.loads(response.read().decode())
    except urllib.error.HTTPError as exc:
        answer = {"http_status": exc.code}
    genuine = isinstance(answer, dict) and _checksum_ok(answer, ACK, partner["secret"])
    noted = {**answer, "genuine": genuine} if isinstance(answer, dict) else {"answer": answer}
    PaygovTransaction.objects.filter(pk=txn.pk).update(notify_answers=[*txn.notify_answers, noted])
    if not genuine or answer.get("code") not in ("00", "02"):
        raise RuntimeError(f"partner answered {answer}")  # retried, as the platform does
