"""The post's side of our carrier contract (docs/post.md), as a stand-in for the demo and
the tests (issue 5 §3).

Written from the contract on its own (its signing is not ours): it takes orders over HTTP
(JSON, signed with the customer's shared key), gives S10 tracking numbers (``EB…VN``), tells
an order's statuses, moves each order along (``advance``: by the periodic job for the demo,
by the admin's actions, or by the tests) and POSTs each status, signed, to the customer's
callback address from the outbox, retrying until it answers 200.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from motcua.core import clock, outbox
from motcua.core.calendar import VN_TZ

from .faults import misbehave
from .models import PostOrder

CALLBACK_KIND = "sandbox.post.callback"
# The way an order goes when all is well; "failed" and "returned" are set by hand.
PATH = ["accepted", "picked_up", "in_transit", "out_for_delivery", "delivered"]
FINAL = {"delivered", "returned"}
LOCATIONS = {
    "accepted": "Hệ thống bưu chính",
    "picked_up": "Bưu cục nhận gửi",
    "in_transit": "Trung tâm khai thác",
    "out_for_delivery": "Bưu cục phát",
    "failed": "Bưu cục phát",
    "delivered": "Địa chỉ người nhận",
    "returned": "Địa chỉ người gửi",
}
WINDOW_SECONDS = 300


def customers() -> dict[str, dict[str, str]]:
    """customer code → its key and callback address: the demo's one customer is this server."""
    ours = settings.MOTCUA["POST"]
    return {
        ours["CUSTOMER_CODE"]: {
            "secret": ours["SECRET"],
            "callback_url": f"{settings.SITE_URL}/post/callback/{ours['CARRIER']}",
        }
    }


def _mac(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = b"\n".join([timestamp.encode(), method.encode(), path.encode(), body])
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _authenticated(request: HttpRequest) -> str | None:
    """The customer code of a correctly signed, fresh request; None otherwise."""
    code = request.headers.get("X-Post-Customer", "")
    customer = customers().get(code)
    timestamp = request.headers.get("X-Post-Timestamp", "")
    if customer is None or not timestamp.isdigit():
        return None
    if abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
        return None
    body = getattr(request, "raw_body", request.body)  # as signed, before NFC (middleware)
    expected = _mac(customer["secret"], timestamp, request.method, request.path, body)
    given = request.headers.get("X-Post-Signature", "").lower()
    return code if hmac.compare_digest(given.encode(), expected.encode()) else None


def s10(serial: int, prefix: str = "EB") -> str:
    """A UPU S10 item number: two letters, eight digits, the check digit, ``VN``."""
    digits = f"{serial:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = {10: 0, 11: 5}.get(check, check)
    return f"{prefix}{digits}{check}VN"


def _view(order: PostOrder) -> dict:
    return {
        "tracking_number": order.tracking_number,
        "reference": order.reference,
        "order_number": order.order_number,
        "status": order.status,
        "events": order.events,
    }


@csrf_exempt
@require_POST
def orders(request: HttpRequest) -> HttpResponse:
    """Place an order; the same reference again answers the same order (200, not 201)."""
    if (refused := misbehave("post")) is not None:
        return refused
    customer = _authenticated(request)
    if customer is None:
        return JsonResponse({"error": "invalid signature"}, status=401)
    try:
        body = json.loads(request.body.decode())
        sender, receiver = dict(body["sender"]), dict(body["receiver"])
        reference, number = str(body["reference"]).strip(), str(body["order_number"]).strip()
        cod = int(body.get("cod_amount") or 0)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return JsonResponse({"error": "invalid order"}, status=400)
    if not reference or not number or not receiver.get("address") or cod < 0:
        return JsonResponse({"error": "reference, order number and address needed"}, status=422)
    if body.get("customer_code") not in (None, customer):
        return JsonResponse({"error": "customer code differs"}, status=403)
    existing = PostOrder.objects.filter(customer_code=customer, reference=reference).first()
    if existing is not None:
        return JsonResponse(_view(existing), status=200)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                order = PostOrder.objects.create(
                    customer_code=customer,
                    reference=reference,
                    order_number=number,
                    tracking_number=s10(secrets.randbelow(10**8)),
                    direction=str(body.get("direction", ""))[:10],
                    sender=sender,
                    receiver=receiver,
                    cod_amount=cod,
                    status="",
                )
                _move(order, "accepted")
            return JsonResponse(_view(order), status=201)
        except IntegrityError:
            existing = PostOrder.objects.filter(customer_code=customer, reference=reference).first()
            if existing is not None:  # the same order placed twice at once
                return JsonResponse(_view(existing), status=200)
    return JsonResponse({"error": "try again"}, status=503)


@require_GET
def order(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """An order's statuses (the customer's tracking query)."""
    if (refused := misbehave("post")) is not None:
        return refused
    customer = _authenticated(request)
    if customer is None:
        return JsonResponse({"error": "invalid signature"}, status=401)
    found = PostOrder.objects.filter(
        customer_code=customer, tracking_number=tracking_number
    ).first()
    if found is None:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse(_view(found))


def _move(order: PostOrder, status: str, note: str = "") -> dict:
    """Inside a transaction: the order's new status, and its callback queued."""
    now = clock.now().astimezone(VN_TZ)
    event = {
        "id": f"{order.tracking_number}-{len(order.events) + 1}",
        "status": status,
        "at": now.isoformat(timespec="seconds"),
        "location": LOCATIONS.get(status, ""),
        "note": note,
    }
    order.events = [*order.events, event]
    order.status = status
    order.save(update_fields=["events", "status", "updated_at"])
    outbox.enqueue(
        CALLBACK_KIND,
        key=f"sandbox-post-callback:{event['id']}",
        payload={"order": order.pk, "event": event["id"]},
    )
    return event


def advance(order: PostOrder, status: str | None = None, note: str = "") -> dict | None:
    """Move an order to ``status``, or one step along its way; None when it is over."""
    with transaction.atomic():
        order = PostOrder.objects.select_for_update().get(pk=order.pk)
        if order.status in FINAL:
            return None
        if status is None:
            here = "out_for_delivery" if order.status == "failed" else order.status
            status = PATH[min(PATH.index(here) + 1, len(PATH) - 1)]
        return _move(order, status, note)


@outbox.handler(CALLBACK_KIND)
def send_callback(payload: dict, message) -> None:
    """The post calls the customer back until it answers 200."""
    found = PostOrder.objects.get(pk=payload["order"])
    customer = customers()[found.customer_code]
    event = next(e for e in found.events if e["id"] == payload["event"])
    body = json.dumps(
        {"tracking_number": found.tracking_number, "reference": found.reference, "event": event},
        ensure_ascii=False,
    ).encode()
    timestamp = str(int(time.time()))
    url = customer["callback_url"]
    request = urllib.request.Request(  # noqa: S310 - the customer's address
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Post-Timestamp": timestamp,
            "X-Post-Signature": _mac(
                customer["secret"], timestamp, "POST", urlsplit(url).path, body
            ),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, answer = response.status, response.read()[:300].decode(errors="replace")
    except urllib.error.HTTPError as exc:
        status, answer = exc.code, exc.read()[:300].decode(errors="replace")
    PostOrder.objects.filter(pk=found.pk).update(
        callback_answers=[*found.callback_answers, {"event": event["id"], "status": status}]
    )
    if status != 200:
        raise RuntimeError(f"customer answered {status}: {answer}")  # retried


@outbox.periodic("sandbox.post.advance", every=timedelta(minutes=1))
def advance_quiet_orders() -> None:
    """The demo: every order moves one step on after ``SANDBOX_STEP_SECONDS`` of quiet."""
    quiet = clock.now() - timedelta(seconds=settings.MOTCUA["POST"]["SANDBOX_STEP_SECONDS"])
    for found in PostOrder.objects.exclude(status__in=FINAL).filter(updated_at__lt=quiet)[:200]:
        advance(found)
