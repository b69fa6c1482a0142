"""The gateway's two calls to us (issue 5 §5): the server notification, which is the only
thing that changes a payment, and the payer's browser coming back, which only shows."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from motcua.core.http import client_ip

from . import services


@never_cache
@require_safe
def vnpay_ipn(request: HttpRequest) -> HttpResponse:
    """``GET /payments/vnpay/ipn``: VNPAY 2.1.0's IPN, answered HTTP 200 with its JSON."""
    body = services.handle_notification("vnpay", request.GET.dict(), ip=client_ip(request))
    return JsonResponse(body)


@never_cache
@require_safe
def vnpay_return(request: HttpRequest) -> HttpResponse:
    return _shown_return(request, "vnpay")


@csrf_exempt  # server to server, authenticated by its checksum
@never_cache
@require_POST
def paygov_notify(request: HttpRequest) -> HttpResponse:
    """``POST /payments/paygov/notify``: PayGov's NOTIFY (JSON), answered HTTP 200 with our
    signed acknowledgement (docs/payments.md: PayGov)."""
    raw = getattr(request, "raw_body", request.body)  # as signed, before NFC (middleware)
    try:
        message = json.loads(raw.decode())
    except (ValueError, UnicodeDecodeError):
        message = None
    if not isinstance(message, dict):
        message = {}  # nothing genuine in it: answered "checksum wrong"
    body = services.handle_notification("paygov", message, ip=client_ip(request))
    return JsonResponse(body)


@never_cache
@require_safe
def paygov_return(request: HttpRequest) -> HttpResponse:
    return _shown_return(request, "paygov")


def return_url(request: HttpRequest, provider: str) -> str:
    """Where ``provider`` sends the payer's browser back to; "" for a provider we lack."""
    try:
        return request.build_absolute_uri(reverse(f"payments:{provider}_return"))
    except NoReverseMatch:
        return ""


def _shown_return(request: HttpRequest, provider: str) -> HttpResponse:
    outcome, payment = services.read_return(provider, request.GET.dict())
    return render(
        request,
        "payments/return.html",
        {"outcome": outcome, "payment": payment, "dossier": payment.dossier if payment else None},
        status=200 if outcome else 400,
    )


def confirmation_response(dossier, reference: str) -> HttpResponse:
    """The payment confirmation PDF of a paid attempt of ``dossier`` (the caller has checked
    that the user may see the dossier); 404 for another dossier's or an unpaid one."""
    from . import confirmation
    from .models import Payment

    payment = Payment.objects.filter(dossier=dossier, reference=reference).first()
    if payment is None:
        raise Http404
    try:
        pdf = confirmation.render(payment)
    except confirmation.NotPaid:
        raise Http404 from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="xac-nhan-thanh-toan-{reference}.pdf"'
    return response
