"""The payment confirmation (DESIGN: Payment): our own paper, not a legal e-receipt."""

from __future__ import annotations

from motcua.core.money import format_vnd
from motcua.dossiers.forms import FormSpec, _hm_dmy, render_document

from .models import Assessment, Payment, PaymentState

SPEC = FormSpec("", "Giấy xác nhận thanh toán phí, lệ phí", "payments/confirmation.html")


class NotPaid(Exception):
    pass


def render(payment: Payment) -> bytes:
    if payment.state != PaymentState.PAID:
        raise NotPaid("Giao dịch chưa thanh toán thành công.")
    dossier = payment.dossier
    assessment = Assessment.objects.filter(dossier=dossier).first()
    lines = [
        {**line, "amount": format_vnd(line["amount"])}
        for line in (assessment.lines if assessment else [])
    ]
    paid_at = payment.paid_at or payment.settled_at or payment.created_at
    return render_document(
        SPEC,
        dossier,
        dossier.receiving_agency,
        paid_at,
        payment=payment,
        amount=format_vnd(payment.amount),
        method="Tiền mặt tại bộ phận một cửa"
        if payment.provider == "cash"
        else f"Thanh toán trực tuyến qua {payment.provider.upper()}",
        paid_at=_hm_dmy(paid_at),
        lines=lines,
    )
