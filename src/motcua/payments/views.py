"""The gateway's two calls to us (issue 5 §5): the server notification, which is the only
thing that changes a payment, and the payer's browser coming back, which only shows."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

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
    outcome, payment = services.read_return("vnpay", request.GET.dict())
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
