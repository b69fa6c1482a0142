"""An SMS brandname gateway's side of our SMS contract (docs/notifications.md), for the demo
and the tests: it takes messages (deduplicating on ``client_ref``), and reports delivery to
the callback, signed, retried from the outbox until the merchant answers 200. Numbers ending
in 0000 are "switched off": their report says failed. Honours ``faults`` ("sms")."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from secrets import token_hex

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from motcua.core import outbox

from .faults import misbehave
from .models import SmsMessage

REPORT_KIND = "sandbox.sms.report"


def _segments(text: str) -> int:
    ascii_only = all(ord(ch) < 128 for ch in text)
    per, many = (160, 153) if ascii_only else (70, 67)
    units = len(text) if ascii_only else len(text.encode("utf-16-le")) // 2
    return 1 if units <= per else -(-units // many)


@csrf_exempt
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    if (refused := misbehave("sms")) is not None:
        return refused
    if request.headers.get("Authorization") != f"Bearer {settings.MOTCUA['SMS']['API_KEY']}":
        return JsonResponse({"error": "unauthorized"}, status=401)
    try:
        body = json.loads(request.body.decode())
        to, text, ref = str(body["to"]), str(body["text"]), str(body["client_ref"])
    except (ValueError, KeyError, UnicodeDecodeError):
        return JsonResponse({"error": "bad request"}, status=400)
    if not to.isdigit() or not 9 <= len(to) <= 12:
        return JsonResponse({"error": "invalid number"}, status=422)
    with transaction.atomic():
        message, created = SmsMessage.objects.get_or_create(
            client_ref=ref,
            defaults={
                "gateway_id": token_hex(8),
                "to": to,
                "brandname": str(body.get("brandname", ""))[:11],
                "text": text,
                "segments": _segments(text),
                "callback_url": str(body.get("callback_url", "")),
            },
        )
        if created and message.callback_url:
            outbox.enqueue(
                REPORT_KIND,
                key=f"sandbox-sms-report:{message.gateway_id}",
                payload={"id": message.pk},
            )
    return JsonResponse(
        {"id": message.gateway_id, "status": "accepted", "segments": message.segments}
    )


@outbox.handler(REPORT_KIND)
def report(payload: dict, message) -> None:
    sms = SmsMessage.objects.get(pk=payload["id"])
    status = "failed" if sms.to.endswith("0000") else "delivered"
    SmsMessage.objects.filter(pk=sms.pk).update(
        status=SmsMessage.Status.FAILED if status == "failed" else SmsMessage.Status.DELIVERED
    )
    body = json.dumps(
        {
            "id": sms.gateway_id,
            "client_ref": sms.client_ref,
            "status": status,
            "at": int(time.time()),
        }
    ).encode()
    stamp = str(int(time.time()))
    secret = settings.MOTCUA["SMS"]["CALLBACK_SECRET"].encode()
    request = urllib.request.Request(  # noqa: S310 - the merchant's callback
        sms.callback_url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Sms-Timestamp": stamp,
            "X-Sms-Signature": hmac.new(
                secret, stamp.encode() + b"." + body, hashlib.sha256
            ).hexdigest(),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - raises on 4xx/5xx: retried
        pass
