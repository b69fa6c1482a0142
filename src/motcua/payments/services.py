"""The only writer of fees owed and payment attempts (issue 5 §1–2).

- ``assess`` runs inside ``dossiers.services.submit``'s transaction: the dossier is filed with
  what it owes.
- ``start_online`` opens one attempt (its own gateway reference) when something is owed and
  no attempt is open.
- ``record_outcome`` is the only way an attempt ends: from the gateway's notification (IPN) or
  from reconciliation (``querydr``), never from the browser's return. It is idempotent: the
  same outcome twice changes nothing the second time.
- ``record_cash`` is the desk's cash receipt.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from motcua.accounts.models import User
from motcua.catalog.models import PaymentDue
from motcua.core import clock, outbox
from motcua.dossiers import services as dossiers
from motcua.dossiers.errors import DossierError, InvalidInput, NotPermitted
from motcua.dossiers.events import Context
from motcua.dossiers.models import TERMINAL, Channel, Dossier, State
from motcua.dossiers.transitions import Action

from . import fees, gateways
from .gateways import Notification, Outcome
from .models import Assessment, Payment, PaymentState
from .receipts import services as receipts

logger = logging.getLogger("motcua.payments")

CASH = "cash"
QUERY_KIND = "payments.query"
# Paying still makes sense while the dossier is filed and not finished.
PAYABLE = frozenset(State) - TERMINAL - {State.DRAFT}


class NothingOwed(DossierError):
    status = 409

    def __init__(self, message: str = "Hồ sơ không còn khoản phí nào phải nộp.") -> None:
        super().__init__(message)


class AttemptOpen(DossierError):
    status = 409

    def __init__(
        self, message: str = "Đang có một giao dịch thanh toán chưa kết thúc cho hồ sơ này."
    ) -> None:
        super().__init__(message)


class GatewayDown(DossierError):
    status = 503

    def __init__(
        self,
        message: str = "Cổng thanh toán đang không phản hồi. Vui lòng thử lại sau ít phút"
        " hoặc chọn cổng thanh toán khác.",
    ) -> None:
        super().__init__(message)


def setting(name: str):
    return settings.MOTCUA["PAYMENTS"][name]


# --- what is owed -----------------------------------------------------------------------------


def assess(
    dossier: Dossier,
    *,
    quantities: Mapping[str, int] | None = None,
    exemptions: Mapping[str, str] | None = None,
) -> Assessment:
    """Compute and keep the dossier's fees (inside the filing transaction)."""
    try:
        assessed = fees.assess(
            dossier.version,
            online=dossier.channel == Channel.ONLINE,
            quantities=quantities,
            exemptions=exemptions,
        )
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0]) from exc
    assessment, _ = Assessment.objects.update_or_create(
        dossier=dossier,
        defaults={
            "province_code": dossier.province_code,
            "lines": [line.as_dict() for line in assessed.lines],
            "total": assessed.total,
            "payment_due": dossier.version.payment_due,
            "assessed_at": clock.now(),
        },
    )
    return assessment


def paid(dossier: Dossier) -> int:
    return (
        Payment.objects.filter(dossier=dossier, state=PaymentState.PAID).aggregate(n=Sum("amount"))[
            "n"
        ]
        or 0
    )


def obligation(dossier: Dossier) -> int:
    """The total the dossier must pay: its assessed fees, or more when an officer has asked
    for a larger amount (the latest payment request states the whole obligation)."""
    assessed = Assessment.objects.filter(dossier=dossier).values_list("total", flat=True).first()
    total = assessed or 0
    if dossier.state == State.AWAITING_PAYMENT:
        request = dossier.events.filter(action=Action.REQUEST_PAYMENT).order_by("-seq").first()
        if request is not None:
            total = max(total, int(request.data.get("amount") or 0))
    return total


def owed(dossier: Dossier) -> int:
    return max(0, obligation(dossier) - paid(dossier))


def waits_for_payment(dossier: Dossier, action: Action) -> bool:
    """Whether ``action`` must wait until the fees are paid: routing into processing for
    procedures paid before processing, returning the result for those paid before return."""
    due = Assessment.objects.filter(dossier=dossier).values_list("payment_due", flat=True).first()
    stage = {Action.ROUTE: PaymentDue.PROCESSING, Action.RETURN_RESULT: PaymentDue.RETURN}
    if due is None or due == PaymentDue.NONE or action not in stage:
        return False
    needed = {PaymentDue.PROCESSING: {Action.ROUTE, Action.RETURN_RESULT}}.get(
        due, {Action.RETURN_RESULT}
    )
    return action in needed and owed(dossier) > 0


# --- online payment --------------------------------------------------------------------------


def new_reference() -> str:
    """``vnp_TxnRef``: ours, unique for ever (not only per day), letters and digits."""
    return clock.now().strftime("%y%m%d") + secrets.token_hex(6).upper()


@dataclass(frozen=True)
class Started:
    payment: Payment
    url: str


def _may_pay(dossier: Dossier, user: User) -> bool:
    return user.is_authenticated and user.pk in (dossier.account_id, dossier.owner_id)


def start_online(
    dossier: Dossier,
    *,
    by: User,
    provider: str = "vnpay",
    return_url: str,
    ip: str = "",
    locale: str = "vi",
) -> Started:
    """Open an attempt for what is owed and the gateway's address to pay it at. 409 when
    nothing is owed or an attempt is still open; an attempt past its expiry is closed first
    (reconciliation still asks the gateway about it, so a late payment is not lost)."""
    try:
        gateway = gateways.get(provider)
    except KeyError:
        raise InvalidInput(f"Không có cổng thanh toán “{provider}”.") from None
    if not gateway.configured:
        raise InvalidInput(f"Cổng thanh toán “{provider}” chưa được cấu hình.")
    if not _may_pay(dossier, by):
        raise NotPermitted("Chỉ người nộp hoặc chủ hồ sơ được thanh toán phí của hồ sơ.")
    now = clock.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        if State(locked.state) not in PAYABLE:
            raise NothingOwed("Hồ sơ đã kết thúc, không thanh toán được nữa.")
        Payment.objects.filter(dossier=locked, state=PaymentState.OPEN, expires_at__lte=now).update(
            state=PaymentState.EXPIRED, settled_at=now
        )
        if Payment.objects.filter(dossier=locked, state=PaymentState.OPEN).exists():
            raise AttemptOpen()
        amount = owed(locked)
        if amount <= 0:
            raise NothingOwed()
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    province_code=locked.province_code,
                    dossier=locked,
                    provider=provider,
                    reference=new_reference(),
                    amount=amount,
                    payer=by,
                    created_at=now,
                    expires_at=now + timedelta(minutes=setting("ATTEMPT_MINUTES")),
                )
        except IntegrityError:  # another request opened one in between
            raise AttemptOpen() from None
        # Reconciliation: ask the gateway after the attempt expires if nothing came by then.
        outbox.enqueue(
            QUERY_KIND,
            key=f"payment:{payment.reference}:query",
            payload={"reference": payment.reference},
            run_at=payment.expires_at + timedelta(minutes=1),
        )
    payment.dossier = locked
    try:
        url = gateway.start_payment(payment, return_url=return_url, ip=ip, locale=locale)
    except gateways.GatewayUnavailable as exc:
        # A gateway that opens its payments server to server (PayGov's INIT) may be down: the
        # attempt closes so the payer can try again at once; its query still runs, in case
        # the gateway took it after all.
        logger.warning("payment could not be started", extra={"reference": payment.reference})
        Payment.objects.filter(pk=payment.pk, state=PaymentState.OPEN).update(
            state=PaymentState.EXPIRED, settled_at=clock.now(), detail={"not_started": str(exc)}
        )
        raise GatewayDown() from None
    return Started(payment, url)


def record_outcome(outcome: Outcome, *, provider: str) -> str:
    """The gateway's word on an attempt, in one transaction: "00" recorded, "01" unknown
    attempt, "04" amount differs, "02" already settled (nothing changes)."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(reference=outcome.reference, provider=provider)
            .first()
        )
        if payment is None:
            return "01"
        if outcome.amount != payment.amount:
            return "04"
        if payment.state in (PaymentState.PAID, PaymentState.FAILED):
            return "02"
        if not outcome.final:
            return "00"  # still pending at the gateway: nothing to record yet
        now = clock.now()
        late = payment.state == PaymentState.EXPIRED
        payment.state = PaymentState.PAID if outcome.paid else PaymentState.FAILED
        payment.settled_at = now
        payment.gateway_transaction = outcome.transaction
        payment.bank_code = outcome.bank_code
        payment.response_code = outcome.response_code
        payment.paid_at = outcome.paid_at if outcome.paid else None
        payment.detail = {**dict(outcome.raw), **({"after_expiry": True} if late else {})}
        payment.save()
        if outcome.paid:
            _after_payment(payment)
    return "00"


def _after_payment(payment: Payment) -> None:
    dossier = payment.dossier
    if owed(dossier) <= 0:
        note = f"Đã thanh toán trực tuyến qua {payment.provider.upper()}."
        dossiers.payment_settled(dossier, note=note, reference=payment.reference)
    receipts.receipt_due(payment)
    _notify_paid(payment)


def _notify_paid(payment: Payment) -> None:
    from motcua.core.money import format_vnd
    from motcua.notify import services as notify

    notify.notify_dossier(
        payment.dossier,
        "payment_received",
        event_seq=f"payment-{payment.reference}",
        amount=format_vnd(payment.amount),
        reference=payment.reference,
    )


def handle_notification(provider: str, params: Mapping[str, str], *, ip: str) -> dict:
    """The gateway's server notification: its answer body (always HTTP 200)."""
    gateway = gateways.get(provider)
    return gateway.answer_notification(
        Notification(params=params, ip=ip),
        lambda outcome: record_outcome(outcome, provider=provider),
    )


def read_return(provider: str, params: Mapping[str, str]) -> tuple[Outcome | None, Payment | None]:
    """The browser's return, for display only: what the gateway said, and our record."""
    try:
        gateway = gateways.get(provider)
    except KeyError:
        return None, None
    outcome = gateway.read_return(params)
    if outcome is None:
        return None, None
    payment = Payment.objects.select_related("dossier").filter(reference=outcome.reference).first()
    return outcome, payment


def reconcile(reference: str) -> str:
    """Ask the gateway about an attempt (an outbox handler, outside any transaction) and
    record what it says. An attempt the gateway never saw expires."""
    payment = Payment.objects.select_related("dossier").get(reference=reference)
    if payment.state in (PaymentState.PAID, PaymentState.FAILED):
        return "settled"
    outcome = gateways.get(payment.provider).query(payment)
    if outcome is None:
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk, state=PaymentState.OPEN).update(
                state=PaymentState.EXPIRED, settled_at=clock.now()
            )
        return "expired"
    if not outcome.final:
        raise gateways.GatewayUnavailable("still pending at the gateway")  # ask again later
    return record_outcome(outcome, provider=payment.provider)


# --- cash at the desk --------------------------------------------------------------------------


def record_cash(dossier: Dossier, *, ctx: Context, amount: int, note: str = "") -> Payment:
    """Cash received at the desk by a one-stop officer of the receiving agency; a dossier
    waiting for the payment resumes when nothing more is owed."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("Số tiền phải là số nguyên đồng lớn hơn 0.")
    from motcua.accounts.models import Role

    if not dossiers._holds(ctx.by, dossier.receiving_agency, Role.ONE_STOP_OFFICER):
        raise NotPermitted("Chỉ cán bộ một cửa nơi tiếp nhận được thu tiền mặt.")
    now = clock.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        if amount > owed(locked):
            raise InvalidInput("Số tiền lớn hơn số còn phải nộp.")
        payment = Payment.objects.create(
            province_code=locked.province_code,
            dossier=locked,
            provider=CASH,
            reference=new_reference(),
            amount=amount,
            state=PaymentState.PAID,
            recorded_by=ctx.by,
            created_at=now,
            settled_at=now,
            paid_at=now,
            detail={"note": note} if note else {},
        )
        receipts.receipt_due(payment)
        if owed(locked) <= 0 and locked.state == State.AWAITING_PAYMENT:
            dossiers.payment_settled(
                locked,
                note=f"Đã thu tiền mặt tại quầy. {note}".strip(),
                reference=payment.reference,
                ctx=Context(
                    by=ctx.by, agency=locked.receiving_agency, ip=ctx.ip, request_id=ctx.request_id
                ),
            )
    return payment


def record_external(
    dossier: Dossier, *, provider: str, amount: int, reference: str = ""
) -> Payment:
    """Fees the applicant paid elsewhere before the dossier came here (the national portal's
    payment, issue 6), recorded once per dossier and provider, inside the filing transaction."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("Số tiền phải là số nguyên đồng lớn hơn 0.")
    existing = Payment.objects.filter(dossier=dossier, provider=provider, state=PaymentState.PAID)
    if existing.exists():
        return existing.first()
    now = clock.now()
    payment = Payment.objects.create(
        province_code=dossier.province_code,
        dossier=dossier,
        provider=provider,
        reference=new_reference(),
        amount=amount,
        state=PaymentState.PAID,
        created_at=now,
        settled_at=now,
        paid_at=now,
        gateway_transaction=reference[:40],
        detail={"paid_on": provider},
    )
    return payment


# --- what the pages show ------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    lines: list[dict]
    total: int  # the obligation
    paid: int
    owed: int
    payment_due: str
    payments: list[Payment]
    open_attempt: Payment | None

    @property
    def payable_online(self) -> bool:
        return self.owed > 0 and self.open_attempt is None


def summary(dossier: Dossier) -> Summary | None:
    """The dossier's fees, what was paid and how; None for a dossier without fees."""
    assessment = Assessment.objects.filter(dossier=dossier).first()
    attempts = list(
        Payment.objects.filter(dossier=dossier).select_related("receipt").order_by("created_at")
    )
    total = obligation(dossier)
    claimed = assessment is not None and any(x.get("exempt_reason") for x in assessment.lines)
    if not attempts and total == 0 and not claimed:  # nothing to pay or to check: no section
        return None
    done = sum(p.amount for p in attempts if p.state == PaymentState.PAID)
    now = clock.now()
    open_attempt = next(
        (
            p
            for p in attempts
            if p.state == PaymentState.OPEN and (p.expires_at is None or p.expires_at > now)
        ),
        None,
    )
    return Summary(
        lines=assessment.lines if assessment else [],
        total=total,
        paid=done,
        owed=max(0, total - done),
        payment_due=assessment.payment_due if assessment else PaymentDue.NONE,
        payments=attempts,
        open_attempt=open_attempt,
    )
