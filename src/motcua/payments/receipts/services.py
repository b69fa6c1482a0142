"""The only writer of e-receipts (``payments.Receipt``; docs/payments.md, *Biên lai điện tử*).

- ``receipt_due`` runs inside the transaction that makes a payment paid (``record_outcome``
  for online payments, ``record_cash`` for cash): it writes the pending receipt, with the fee
  lines the payment covers, and queues ``payments.receipt`` in the outbox. Nothing happens for
  a payment of 0 or when no issuer is configured (``MOTCUA["RECEIPTS"]["ISSUER"]`` empty).
- ``issue`` is that message's work, outside any transaction: it asks the provider and records
  what it answers. The provider deduplicates on the payment's reference, so a retry after a
  lost answer records the same receipt.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction

from motcua.core import clock, outbox
from motcua.core.calendar import VN_TZ
from motcua.dossiers.transitions import Action

from ..models import Assessment, Payment, PaymentState, Receipt, ReceiptState
from . import (
    Collector,
    FeeItem,
    IssuedReceipt,
    IssuerRefused,
    IssuerUnavailable,
    Payer,
    ReceiptRequest,
)
from . import get as get_issuer

logger = logging.getLogger("motcua.payments.receipts")

KIND = "payments.receipt"
CASH = "cash"
# What is paid beyond the assessed lines (an officer asked for more, REQUEST_PAYMENT): a
# charge of the procedure unless the request's note names it.
EXTRA_NAME = "Khoản nộp theo thông báo của cơ quan giải quyết hồ sơ"


def config() -> Mapping | None:
    """The issuer's settings, or None when e-receipts are off."""
    receipts = settings.MOTCUA.get("RECEIPTS") or {}
    return receipts if receipts.get("ISSUER") else None


def covered_lines(payment: Payment) -> list[dict]:
    """The fee lines ``payment`` pays for: the assessed lines in order, after what the
    dossier's earlier payments already covered; what is paid beyond them is one more line."""
    dossier = payment.dossier
    assessment = Assessment.objects.filter(dossier=dossier).first()
    earlier = sum(
        Payment.objects.filter(dossier=dossier, state=PaymentState.PAID)
        .exclude(pk=payment.pk)
        .values_list("amount", flat=True)
    )
    left = payment.amount
    lines = []
    for line in assessment.lines if assessment else []:
        amount = int(line.get("amount") or 0)
        already = min(amount, earlier)
        earlier -= already
        take = min(amount - already, left)
        if take > 0:
            lines.append({"name": line["name"], "kind": line["kind"], "amount": take})
            left -= take
    if left > 0:
        request = dossier.events.filter(action=Action.REQUEST_PAYMENT).order_by("-seq").first()
        name = (request.note.strip() if request is not None else "")[:300] or EXTRA_NAME
        lines.append({"name": name, "kind": "le_phi", "amount": left})
    return lines


def receipt_due(payment: Payment) -> Receipt | None:
    """Inside the transaction that recorded ``payment`` as paid: its pending receipt and the
    outbox message that asks the provider for it (once, whatever calls this again)."""
    settings_ = config()
    if settings_ is None or payment.state != PaymentState.PAID or payment.amount <= 0:
        return None
    receipt, created = Receipt.objects.get_or_create(
        payment=payment,
        defaults={
            "province_code": payment.province_code,
            "issuer": settings_["ISSUER"],
            "template": settings_.get("TEMPLATE", ""),
            "symbol": settings_.get("SYMBOL", ""),
            "lines": covered_lines(payment),
            "created_at": clock.now(),
        },
    )
    if created:
        outbox.enqueue(
            KIND,
            key=f"payment:{payment.reference}:receipt",
            payload={"reference": payment.reference},
        )
    return receipt


def request_for(receipt: Receipt) -> ReceiptRequest:
    """What the provider is asked: from the receipt's row, its payment and dossier."""
    payment = receipt.payment
    dossier = payment.dossier
    settings_ = settings.MOTCUA.get("RECEIPTS") or {}
    organisation = dossier.owner_organisation_id is not None
    return ReceiptRequest(
        reference=payment.reference,
        template=receipt.template,
        symbol=receipt.symbol,
        collector=Collector(
            name=settings_.get("COLLECTOR_NAME") or dossier.receiving_agency.name,
            tax_code=settings_.get("TAX_CODE", ""),
        ),
        payer=Payer(
            name=dossier.owner_name,
            address=dossier.owner_address,
            id_number="" if organisation else dossier.owner_id_number,
            tax_code=dossier.owner_id_number if organisation else "",
        ),
        items=tuple(FeeItem(x["name"], x["kind"], int(x["amount"])) for x in receipt.lines),
        total=payment.amount,
        method="TM" if payment.provider == CASH else "CK",
        paid_at=(payment.paid_at or payment.settled_at or payment.created_at).astimezone(VN_TZ),
        note=f"Hồ sơ {dossier.code}",
    )


def issue(reference: str, *, last_attempt: bool = False) -> Receipt:
    """Ask the provider for the receipt of payment ``reference`` and record it. Raises
    ``outbox.PermanentError`` when the provider refuses for good (the receipt fails, an
    operator retries the message) and ``IssuerUnavailable`` to be tried again (on the last
    attempt the receipt fails too)."""
    receipt = Receipt.objects.select_related("payment__dossier__receiving_agency").get(
        payment__reference=reference
    )
    if receipt.state == ReceiptState.ISSUED:
        return receipt
    try:
        issued = get_issuer(receipt.issuer).issue(request_for(receipt))
    except (KeyError, IssuerRefused) as exc:
        _record_error(receipt, str(exc), failed=True)
        raise outbox.PermanentError(str(exc)) from exc
    except IssuerUnavailable as exc:
        _record_error(receipt, str(exc), failed=last_attempt)
        raise
    return _record_issued(receipt, issued)


def _record_issued(receipt: Receipt, issued: IssuedReceipt) -> Receipt:
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if locked.state == ReceiptState.ISSUED:
            return locked
        locked.state = ReceiptState.ISSUED
        locked.template = issued.template[:20]
        locked.symbol = issued.symbol[:20]
        locked.number = issued.number
        locked.issued_at = issued.issued_at
        locked.lookup_code = issued.lookup_code[:60]
        locked.lookup_url = issued.lookup_url
        locked.pdf_url = issued.pdf_url
        locked.last_error = ""
        locked.save()
    logger.info(
        "e-receipt issued",
        extra={"reference": issued.reference, "receipt": f"{issued.symbol} {issued.number}"},
    )
    return locked


def _record_error(receipt: Receipt, error: str, *, failed: bool) -> None:
    changes: dict = {"last_error": error[:2000], "updated_at": clock.now()}
    if failed:
        changes["state"] = ReceiptState.FAILED
    Receipt.objects.filter(pk=receipt.pk).exclude(state=ReceiptState.ISSUED).update(**changes)
