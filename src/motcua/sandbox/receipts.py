"""An e-receipt provider's side of our receipt contract (docs/payments.md, *Biên lai điện
tử*), for the demo and the tests.

Written from the contract on its own (its signing is not ours): it takes signed JSON requests
to issue a *biên lai thu phí, lệ phí điện tử*, checks them as a provider would (signature and
freshness, tax codes, the lines add up to the total), numbers the receipts 0000001, 0000002, …
per template and symbol, deduplicates on the customer's reference (the same reference again
answers the same receipt; with another total, template or symbol it is refused, 409), answers
look-ups, and shows each receipt on a public look-up page by its code. Honours ``faults``
("receipts").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from motcua.core import clock
from motcua.core.calendar import VN_TZ
from motcua.core.money import format_vnd

from .faults import misbehave
from .models import EReceipt

WINDOW_SECONDS = 300
TAX_CODE = re.compile(r"\d{10}(-\d{3})?")
KINDS = {"phi": "Phí", "le_phi": "Lệ phí"}
METHODS = {"TM": "Tiền mặt", "CK": "Chuyển khoản", "TM/CK": "Tiền mặt hoặc chuyển khoản"}
LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand


class Invalid(ValueError):
    pass


def _secret() -> str:
    """The customer's shared key: the demo's one customer is this server."""
    return settings.MOTCUA["RECEIPTS"]["SECRET"]


def _signed(request: HttpRequest) -> bool:
    timestamp = request.headers.get("X-Receipt-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
        return False
    body = getattr(request, "raw_body", request.body)  # as signed, before NFC (middleware)
    message = b"\n".join([timestamp.encode(), request.method.encode(), request.path.encode(), body])
    expected = hmac.new(_secret().encode(), message, hashlib.sha256).hexdigest()
    given = request.headers.get("X-Receipt-Signature", "").strip().lower()
    return bool(_secret()) and hmac.compare_digest(given.encode(), expected.encode())


def _text(data: dict, name: str, *, most: int, needed: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    if (needed and not value) or len(value) > most:
        raise Invalid(f"{name}: 1 to {most} characters")
    return value


def _read(body: dict) -> dict:
    """The receipt asked for, checked as a provider checks it; ``Invalid`` otherwise."""
    collector, payer = dict(body.get("collector") or {}), dict(body.get("payer") or {})
    tax_code = _text(collector, "tax_code", most=14)
    if not TAX_CODE.fullmatch(tax_code):
        raise Invalid("collector.tax_code: 10 digits, or 13 with -NNN")
    payer_tax = _text(payer, "tax_code", most=14, needed=False)
    if payer_tax and not TAX_CODE.fullmatch(payer_tax):
        raise Invalid("payer.tax_code: 10 digits, or 13 with -NNN")
    items = []
    for raw in body.get("items") or []:
        amount = raw.get("amount")
        if raw.get("kind") not in KINDS or type(amount) is not int or amount <= 0:
            raise Invalid("an item is {name, kind: phi | le_phi, amount > 0 in đồng}")
        items.append({"name": _text(raw, "name", most=300), "kind": raw["kind"], "amount": amount})
    total = body.get("total")
    if not items or type(total) is not int or total != sum(x["amount"] for x in items):
        raise Invalid("total: the sum of the items")
    method = str(body.get("payment_method") or "")
    if method not in METHODS:
        raise Invalid("payment_method: TM, CK or TM/CK")
    return {
        "reference": _text(body, "reference", most=60),
        "template": _text(body, "template", most=20),
        "symbol": _text(body, "symbol", most=20),
        "collector": {"name": _text(collector, "name", most=300), "tax_code": tax_code},
        "payer": {
            "name": _text(payer, "name", most=300),
            "address": _text(payer, "address", most=300, needed=False),
            "id_number": _text(payer, "id_number", most=20, needed=False),
            "tax_code": payer_tax,
        },
        "items": items,
        "total": total,
        "payment_method": method,
        "paid_at": _text(body, "paid_at", most=40),
        "note": _text(body, "note", most=300, needed=False),
    }


def _answer(request: HttpRequest, receipt: EReceipt, status: int = 200) -> JsonResponse:
    page = reverse("sandbox:receipt_page", args=[receipt.lookup_code])
    return JsonResponse(
        {
            "status": "issued",
            "reference": receipt.reference,
            "template": receipt.template,
            "symbol": receipt.symbol,
            "number": receipt.number,
            "issued_at": receipt.issued_at.astimezone(VN_TZ).isoformat(timespec="seconds"),
            "lookup_code": receipt.lookup_code,
            "lookup_url": request.build_absolute_uri(page),
        },
        status=status,
    )


def _again(request: HttpRequest, existing: EReceipt, asked: dict) -> JsonResponse:
    """The same reference asked again: the same receipt, unless it is another receipt."""
    same = (existing.template, existing.symbol, existing.total) == (
        asked["template"],
        asked["symbol"],
        asked["total"],
    )
    if not same:
        return JsonResponse({"error": "reference already used for another receipt"}, status=409)
    EReceipt.objects.filter(pk=existing.pk).update(asked=F("asked") + 1)
    return _answer(request, existing)


@csrf_exempt
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    if (refused := misbehave("receipts")) is not None:
        return refused
    if not _signed(request):
        return JsonResponse({"error": "invalid signature"}, status=401)
    try:
        body = json.loads(request.body.decode())
        asked = _read(body if isinstance(body, dict) else {})
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        return JsonResponse({"error": f"invalid receipt: {exc}"}, status=422)
    existing = EReceipt.objects.filter(reference=asked["reference"]).first()
    if existing is not None:
        return _again(request, existing, asked)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                last = EReceipt.objects.filter(
                    template=asked["template"], symbol=asked["symbol"]
                ).aggregate(n=Max("number"))["n"]
                receipt = EReceipt.objects.create(
                    **asked,
                    number=f"{int(last or 0) + 1:07d}",
                    lookup_code="".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(10)),
                    issued_at=clock.now(),
                )
            return _answer(request, receipt, status=201)
        except IntegrityError:  # the same reference, or the same number, taken at once
            existing = EReceipt.objects.filter(reference=asked["reference"]).first()
            if existing is not None:
                return _again(request, existing, asked)
    return JsonResponse({"error": "try again"}, status=503)


@require_GET
def receipt(request: HttpRequest, reference: str) -> HttpResponse:
    """The receipt issued for a reference (the customer's look-up)."""
    if (refused := misbehave("receipts")) is not None:
        return refused
    if not _signed(request):
        return JsonResponse({"error": "invalid signature"}, status=401)
    found = EReceipt.objects.filter(reference=reference).first()
    if found is None:
        return JsonResponse({"error": "not found"}, status=404)
    return _answer(request, found)


@require_GET
def page(request: HttpRequest, code: str) -> HttpResponse:
    """The public look-up page: anyone with the code sees the receipt."""
    found = EReceipt.objects.filter(lookup_code=code.upper()).first()
    if found is None:
        raise Http404("Không có biên lai với mã tra cứu này.")
    items = [
        {
            **item,
            "kind": KINDS.get(item["kind"], item["kind"]),
            "amount": format_vnd(item["amount"]),
        }
        for item in found.items
    ]
    return render(
        request,
        "sandbox/receipt.html",
        {
            "receipt": found,
            "items": items,
            "total": format_vnd(found.total),
            "method": METHODS.get(found.payment_method, found.payment_method),
            "issued_at": found.issued_at.astimezone(VN_TZ),
        },
    )
