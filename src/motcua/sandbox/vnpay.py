"""VNPAY's side of VNPAY 2.1.0, as a stand-in for the demo and the tests (issue 5 §2).

Written from the published protocol on its own (its signing is not ours): a payment page
where the demo user pays or cancels, the signed browser return, the signed IPN to the
merchant with retries until it answers ``00`` or ``02`` (the outbox retries, as VNPAY does),
and ``querydr`` on the merchant web API. The merchants it knows are ``merchants()``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from motcua.core import clock, outbox
from motcua.core.calendar import VN_TZ

from .faults import misbehave
from .models import VnpayTransaction

IPN_KIND = "sandbox.vnpay.ipn"
QUERY_REQUEST = (
    "vnp_RequestId vnp_Version vnp_Command vnp_TmnCode vnp_TxnRef vnp_TransactionDate "
    "vnp_CreateDate vnp_IpAddr vnp_OrderInfo"
).split()
QUERY_RESPONSE = (
    "vnp_ResponseId vnp_Command vnp_ResponseCode vnp_Message vnp_TmnCode vnp_TxnRef vnp_Amount "
    "vnp_BankCode vnp_PayDate vnp_TransactionNo vnp_TransactionType vnp_TransactionStatus "
    "vnp_OrderInfo vnp_PromotionCode vnp_PromotionAmount"
).split()
REQUIRED = (
    "vnp_Version vnp_Command vnp_TmnCode vnp_Amount vnp_CurrCode vnp_TxnRef vnp_OrderInfo "
    "vnp_OrderType vnp_Locale vnp_ReturnUrl vnp_IpAddr vnp_CreateDate"
).split()


def merchants() -> dict[str, dict[str, str]]:
    """tmn code → its secret and IPN address: the demo's one merchant is this server."""
    ours = settings.MOTCUA["VNPAY"]
    return {
        ours["TMN_CODE"]: {
            "secret": ours["HASH_SECRET"],
            "ipn_url": f"{settings.SITE_URL}/payments/vnpay/ipn",
        }
    }


def _checksum(params: dict[str, str], secret: str) -> str:
    fields = {k: v for k, v in params.items() if k.startswith("vnp_")}
    fields.pop("vnp_SecureHash", None)
    fields.pop("vnp_SecureHashType", None)
    text = urlencode(sorted(fields.items()))  # quote_plus, as PHP's urlencode
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def _signed(params: dict[str, str], secret: str) -> dict[str, str]:
    return {**params, "vnp_SecureHash": _checksum(params, secret)}


def _pipe_hash(secret: str, values: list[str]) -> str:
    return hmac.new(secret.encode(), "|".join(values).encode(), hashlib.sha512).hexdigest()


def _now_text() -> str:
    return clock.now().astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def _error(request: HttpRequest, code: str, message: str, status: int = 400) -> HttpResponse:
    return render(
        request, "sandbox/vnpay_error.html", {"code": code, "message": message}, status=status
    )


@csrf_exempt  # the payer's browser posts back to the gateway's own page
@require_http_methods(["GET", "POST"])
def payment_page(request: HttpRequest) -> HttpResponse:
    if (refused := misbehave("vnpay")) is not None:
        return refused
    params = request.GET.dict()
    missing = [k for k in REQUIRED if not params.get(k)]
    if missing:
        return _error(request, "03", f"Thiếu tham số: {', '.join(missing)}")
    merchant = merchants().get(params["vnp_TmnCode"])
    if merchant is None:
        return _error(request, "02", "Merchant không hợp lệ")
    received = params.get("vnp_SecureHash", "").lower()
    if not hmac.compare_digest(received, _checksum(params, merchant["secret"])):
        return _error(request, "70", "Sai chữ ký")
    if params["vnp_Version"] != "2.1.0" or params["vnp_Command"] != "pay":
        return _error(request, "03", "Phiên bản hoặc lệnh không hỗ trợ")
    expire = params.get("vnp_ExpireDate", "")
    expired = bool(expire) and expire < _now_text()
    if request.method == "GET":
        return render(
            request,
            "sandbox/vnpay_pay.html",
            {
                "amount": int(params["vnp_Amount"]) // 100,
                "params": params,
                "expired": expired,
            },
        )
    pay = request.POST.get("action") == "pay" and not expired
    code = "00" if pay else ("11" if expired else "24")
    return HttpResponseRedirect(_complete(params, merchant, code))


def _complete(params: dict[str, str], merchant: dict[str, str], code: str) -> str:
    """Record the outcome once, queue the IPN, and give the signed return address."""
    with transaction.atomic():
        txn, _ = VnpayTransaction.objects.select_for_update().get_or_create(
            tmn_code=params["vnp_TmnCode"],
            txn_ref=params["vnp_TxnRef"],
            defaults={
                "amount": int(params["vnp_Amount"]),
                "order_info": params["vnp_OrderInfo"],
                "create_date": params["vnp_CreateDate"],
                "return_url": params["vnp_ReturnUrl"],
            },
        )
        if not txn.response_code:  # the first outcome is the outcome
            last = VnpayTransaction.objects.aggregate(n=Max("transaction_no"))["n"]
            txn.transaction_no = f"{int(last or 14000000) + 1:08d}"
            txn.response_code = code
            txn.transaction_status = "00" if code == "00" else "02"
            txn.bank_code = "NCB"
            txn.pay_date = _now_text()
            txn.save()
            outbox.enqueue(
                IPN_KIND,
                key=f"sandbox-vnpay-ipn:{txn.tmn_code}:{txn.txn_ref}",
                payload={"id": txn.pk},
            )
    result = _signed(_result_params(txn), merchant["secret"])
    return f"{txn.return_url}?{urlencode(result)}"


def _result_params(txn: VnpayTransaction) -> dict[str, str]:
    return {
        "vnp_Amount": str(txn.amount),
        "vnp_BankCode": txn.bank_code,
        "vnp_BankTranNo": f"VNP{txn.transaction_no}",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": txn.order_info,
        "vnp_PayDate": txn.pay_date,
        "vnp_ResponseCode": txn.response_code,
        "vnp_TmnCode": txn.tmn_code,
        "vnp_TransactionNo": txn.transaction_no,
        "vnp_TransactionStatus": txn.transaction_status,
        "vnp_TxnRef": txn.txn_ref,
    }


@outbox.handler(IPN_KIND)
def send_ipn(payload: dict, message) -> None:
    """VNPAY calls the merchant's IPN until it answers 00 (confirmed) or 02 (already)."""
    txn = VnpayTransaction.objects.get(pk=payload["id"])
    merchant = merchants()[txn.tmn_code]
    query = urlencode(_signed(_result_params(txn), merchant["secret"]))
    with urllib.request.urlopen(f"{merchant['ipn_url']}?{query}", timeout=10) as response:  # noqa: S310
        answer = json.loads(response.read().decode())
    VnpayTransaction.objects.filter(pk=txn.pk).update(ipn_answers=[*txn.ipn_answers, answer])
    if answer.get("RspCode") not in ("00", "02"):
        raise RuntimeError(f"merchant answered {answer}")  # retried, as VNPAY does


@csrf_exempt
@require_http_methods(["POST"])
def merchant_api(request: HttpRequest) -> HttpResponse:
    """``querydr`` (and nothing else) of the merchant web API."""
    if (refused := misbehave("vnpay")) is not None:
        return refused
    try:
        body = json.loads(request.body.decode())
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid JSON"})
    merchant = merchants().get(str(body.get("vnp_TmnCode", "")))
    if merchant is None:
        return JsonResponse({"vnp_ResponseCode": "02", "vnp_Message": "Merchant invalid"})
    expected = _pipe_hash(merchant["secret"], [str(body.get(k, "")) for k in QUERY_REQUEST])
    if not hmac.compare_digest(str(body.get("vnp_SecureHash", "")).lower(), expected):
        return JsonResponse({"vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"})
    if body.get("vnp_Command") != "querydr":
        return JsonResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid command"})
    txn = VnpayTransaction.objects.filter(
        tmn_code=body["vnp_TmnCode"], txn_ref=body.get("vnp_TxnRef", "")
    ).first()
    answer = {
        "vnp_ResponseId": datetime.now().strftime("%Y%m%d%H%M%S%f"),
        "vnp_Command": "querydr",
        "vnp_TmnCode": body["vnp_TmnCode"],
        "vnp_TxnRef": body.get("vnp_TxnRef", ""),
    }
    if txn is None or not txn.response_code:
        answer |= {"vnp_ResponseCode": "91", "vnp_Message": "Khong tim thay giao dich"}
    else:
        answer |= {
            "vnp_ResponseCode": "00",
            "vnp_Message": "QueryDR Success",
            "vnp_Amount": str(txn.amount),
            "vnp_BankCode": txn.bank_code,
            "vnp_PayDate": txn.pay_date,
            "vnp_TransactionNo": txn.transaction_no,
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": txn.transaction_status,
            "vnp_OrderInfo": txn.order_info,
            "vnp_PromotionCode": "",
            "vnp_PromotionAmount": "",
        }
    answer["vnp_SecureHash"] = _pipe_hash(
        merchant["secret"], [str(answer.get(k, "")) for k in QUERY_RESPONSE]
    )
    return JsonResponse(answer)
