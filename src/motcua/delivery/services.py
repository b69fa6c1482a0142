"""The only writer of postal shipments (issue 5 §3; DESIGN: delivery).

- ``create_delivery`` hands a result to the post (a dossier whose result is received by
  post); ``create_collection`` asks the post to collect a dossier from the applicant. Both
  write the shipment and queue the order to the carrier in one transaction: the carrier is
  called by the outbox (``send``), never inside a request.
- ``record_status`` is the only way a shipment moves, from the carrier's callbacks
  (``handle_callback``) or from asking it (``poll``). It is idempotent: each carrier event is
  recorded once, by its id, and a status twice changes nothing the second time.
- A result delivered counts as returned: the dossier is returned by
  ``dossiers.services.delivered_by_post`` in the same transaction.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from motcua.accounts.models import Role
from motcua.core import clock, outbox
from motcua.dossiers import services as dossiers
from motcua.dossiers.errors import DossierError, InvalidInput, InvalidTransition, NotPermitted
from motcua.dossiers.events import Context
from motcua.dossiers.models import Delivery, Dossier, State
from motcua.dossiers.transitions import Action

from . import carriers
from .carriers import CallbackRefused, CarrierRefused, StatusUpdate
from .models import FINAL, Direction, Shipment, ShipmentEvent, ShipmentState

logger = logging.getLogger("motcua.delivery")

CREATE_KIND = "delivery.create"
TRACK_KIND = "delivery.track"
# The order of a shipment's life: a status never moves a shipment back (a late callback of
# an earlier status is recorded in the history but leaves the state), except that a failed
# delivery attempt may be followed by another round of delivery.
RANK = {
    ShipmentState.PENDING: 0,
    ShipmentState.ACCEPTED: 1,
    ShipmentState.PICKED_UP: 2,
    ShipmentState.IN_TRANSIT: 3,
    ShipmentState.OUT_FOR_DELIVERY: 4,
    ShipmentState.FAILED: 4,
    ShipmentState.DELIVERED: 9,
    ShipmentState.RETURNED: 9,
}
# States a collection may be asked for in: the dossier is filed and its papers are awaited.
COLLECTABLE = {State.SUBMITTED, State.RECEIVED, State.SUPPLEMENT_REQUESTED}


class ShipmentRunning(DossierError):
    status = 409

    def __init__(self, message: str = "Đã có một bưu gửi đang được chuyển cho hồ sơ này.") -> None:
        super().__init__(message)


def setting(name: str):
    return settings.MOTCUA["POST"][name]


def new_reference(dossier: Dossier, direction: str) -> str:
    """Ours, unique for ever: the dossier code, the direction and a random tail."""
    tail = secrets.token_hex(3).upper()
    return f"{dossier.code}-{'C' if direction == Direction.COLLECT else 'D'}{tail}"


def _create(
    dossier: Dossier,
    *,
    direction: str,
    ctx: Context,
    sender: tuple[str, str, str],
    receiver: tuple[str, str, str],
    cod_amount: int,
) -> Shipment:
    """Inside the caller's transaction, the dossier locked: the shipment and its order."""
    if (
        Shipment.objects.filter(dossier=dossier, direction=direction)
        .exclude(state__in=FINAL)
        .exists()
    ):
        raise ShipmentRunning()
    now = clock.now()
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                province_code=dossier.province_code,
                dossier=dossier,
                direction=direction,
                carrier=setting("CARRIER"),
                reference=new_reference(dossier, direction),
                citizen_fee=setting("CITIZEN_FEE"),
                list_price=setting("LIST_PRICE"),
                cod_amount=cod_amount,
                sender_name=sender[0][:300],
                sender_phone=sender[1][:40],
                sender_address=sender[2][:300],
                receiver_name=receiver[0][:300],
                receiver_phone=receiver[1][:40],
                receiver_address=receiver[2][:300],
                created_by=ctx.by if ctx.by is not None and ctx.by.is_authenticated else None,
                created_at=now,
            )
    except IntegrityError:  # another request created one in between
        raise ShipmentRunning() from None
    outbox.enqueue(
        CREATE_KIND,
        key=f"shipment:{shipment.reference}:create",
        payload={"shipment": shipment.pk},
    )
    return shipment


def _agency_party(dossier: Dossier) -> tuple[str, str, str]:
    agency = dossier.receiving_agency
    return (agency.name, agency.phone, agency.address or agency.name)


def create_delivery(dossier: Dossier, *, ctx: Context) -> Shipment:
    """The desk hands the result to the post (the dossier's result is received by post):
    the officer who may return the result, when it may be returned (fees paid). The dossier
    stays ``result_ready`` until the post reports it delivered."""
    from motcua.payments import services as payments

    if ctx.by is None or not ctx.by.is_authenticated:
        raise NotPermitted("Cần đăng nhập.")
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("receiving_agency", "version")
            .get(pk=dossier.pk)
        )
        if locked.revision != dossier.revision:
            from motcua.dossiers.errors import ConcurrentUpdate

            raise ConcurrentUpdate()
        dossiers.precheck(locked, Action.RETURN_RESULT, by=ctx.by)
        if locked.delivery != Delivery.POST or not locked.post_address.strip():
            raise InvalidTransition("Hồ sơ không đăng ký nhận kết quả qua bưu chính.")
        if payments.waits_for_payment(locked, Action.RETURN_RESULT):
            raise InvalidTransition(
                "Hồ sơ chưa nộp đủ phí, lệ phí; đề nghị người nộp thanh toán trước bước này."
            )
        return _create(
            locked,
            direction=Direction.DELIVER,
            ctx=ctx,
            sender=_agency_party(locked),
            receiver=(
                locked.owner_name,
                locked.owner_phone or locked.submitter_phone,
                locked.post_address,
            ),
            # The citizen pays the postman the flat fee on receipt (cash on delivery).
            cod_amount=setting("CITIZEN_FEE"),
        )


def create_collection(
    dossier: Dossier, *, ctx: Context, address: str = "", phone: str = ""
) -> Shipment:
    """The post collects the dossier's papers from the applicant and brings them to the
    receiving desk: asked by the filer or owner, or by a one-stop officer of that desk, while
    the dossier waits for its papers. The applicant pays the flat fee at pick-up."""
    address = (address or dossier.owner_address).strip()
    if not address:
        raise InvalidInput(
            "Cần địa chỉ để bưu điện đến nhận hồ sơ.", {"address": ["Cần địa chỉ nhận hồ sơ."]}
        )
    by = ctx.by
    if by is None or not by.is_authenticated:
        raise NotPermitted("Cần đăng nhập.")
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("receiving_agency")
            .get(pk=dossier.pk)
        )
        party = by.pk in (locked.account_id, locked.owner_id)
        if not party and not dossiers._holds(by, locked.receiving_agency, Role.ONE_STOP_OFFICER):
            raise NotPermitted("Chỉ người nộp, chủ hồ sơ hoặc cán bộ một cửa nơi tiếp nhận.")
        if State(locked.state) not in COLLECTABLE:
            raise InvalidTransition("Hồ sơ không ở trạng thái chờ nhận giấy tờ.")
        return _create(
            locked,
            direction=Direction.COLLECT,
            ctx=ctx,
            sender=(
                locked.owner_name,
                phone or locked.owner_phone or locked.submitter_phone,
                address,
            ),
            receiver=_agency_party(locked),
            cod_amount=0,
        )


# --- the carrier's side, through the outbox ---------------------------------------------------


def send(shipment_id: int) -> str:
    """Place the order with the carrier (an outbox handler, outside any transaction) and keep
    its tracking number. Idempotent: the carrier answers the same number for the same
    reference, and a shipment that has one is not sent again."""
    shipment = Shipment.objects.select_related("dossier").get(pk=shipment_id)
    if shipment.tracking_number:
        return shipment.tracking_number
    carrier = carriers.get(shipment.carrier)
    try:
        tracking = carrier.create_shipment(shipment)
    except Exception as exc:
        Shipment.objects.filter(pk=shipment.pk).update(last_error=f"{exc}"[:2000])
        if isinstance(exc, CarrierRefused):
            raise outbox.PermanentError(str(exc)) from exc
        raise
    now = clock.now()
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if locked.tracking_number:
            return locked.tracking_number
        locked.tracking_number = tracking
        locked.accepted_at = now
        locked.last_error = ""
        fields = ["tracking_number", "accepted_at", "last_error"]
        if locked.state == ShipmentState.PENDING:
            locked.state = ShipmentState.ACCEPTED
            fields.append("state")
        locked.save(update_fields=fields)
    return tracking


def poll(shipment_id: int) -> int:
    """Ask the carrier for the shipment's statuses (an outbox handler) and record the new
    ones: callbacks lost or refused while we were down are made good here."""
    shipment = Shipment.objects.get(pk=shipment_id)
    if shipment.final or not shipment.tracking_number:
        return 0
    updates = carriers.get(shipment.carrier).track(shipment)
    return record_status(shipment, updates, source="track")


def _apply(shipment: Shipment, update: StatusUpdate) -> bool:
    """Move the shipment by one status, if it moves it."""
    status = ShipmentState(update.status)
    if shipment.final:
        return False
    rank, current = RANK[status], RANK[ShipmentState(shipment.state)]
    if rank < current:
        return False
    if rank == current and shipment.last_event_at and update.at < shipment.last_event_at:
        return False  # failed / out for delivery again: the later one stands
    shipment.state = status
    shipment.last_event_at = max(update.at, shipment.last_event_at or update.at)
    if status == ShipmentState.DELIVERED:
        shipment.delivered_at = update.at
    return True


def record_status(shipment: Shipment, updates: list[StatusUpdate], *, source: str) -> int:
    """Record the carrier's statuses of one shipment, each once; how many were new.

    One transaction, the shipment locked: a result delivered returns its dossier here too.
    """
    received = clock.now()
    new = 0
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().select_related("dossier").get(pk=shipment.pk)
        was = locked.state
        known = set(locked.events.values_list("event_id", flat=True))
        for update in sorted(updates, key=lambda u: (u.at, RANK[ShipmentState(u.status)])):
            if update.event_id in known:
                continue
            known.add(update.event_id)
            ShipmentEvent.objects.create(
                province_code=locked.province_code,
                shipment=locked,
                event_id=update.event_id,
                status=update.status,
                at=update.at,
                location=update.location,
                note=update.note,
                source=source,
                received_at=received,
            )
            new += 1
            _apply(locked, update)
        if not new:
            return 0
        locked.save(update_fields=["state", "last_event_at", "delivered_at"])
        if locked.state == ShipmentState.DELIVERED and was != ShipmentState.DELIVERED:
            _delivered(locked)
        if locked.state != was and locked.state in TOLD:
            _tell(locked)
    return new


# The citizen hears of these (an optional notice: their preferences may switch it off).
TOLD = frozenset(
    {
        ShipmentState.PICKED_UP,
        ShipmentState.OUT_FOR_DELIVERY,
        ShipmentState.FAILED,
        ShipmentState.DELIVERED,
        ShipmentState.RETURNED,
    }
)


def _tell(shipment: Shipment) -> None:
    from motcua.notify import services as notify

    notify.notify_dossier(
        shipment.dossier,
        "shipment_update",
        event_seq=f"post-{shipment.reference}-{shipment.state}",
        tracking=shipment.tracking_number,
        shipment_status=str(ShipmentState(shipment.state).label),
    )


def _delivered(shipment: Shipment) -> None:
    if shipment.direction != Direction.DELIVER:
        return
    dossier = shipment.dossier
    if dossier.state != State.RESULT_READY:
        # Handed over some other way meanwhile: the post's word changes nothing.
        logger.warning(
            "result delivered by post for a dossier not waiting for it",
            extra={"dossier": dossier.code, "state": dossier.state, "shipment": shipment.reference},
        )
        return
    dossiers.delivered_by_post(
        dossier,
        note=f"Bưu điện đã phát kết quả, số hiệu bưu gửi {shipment.tracking_number}.",
        tracking=shipment.tracking_number,
    )


@dataclass(frozen=True)
class CallbackAnswer:
    status: int
    body: dict


def handle_callback(
    carrier_name: str, body: bytes, headers: Mapping[str, str], *, path: str
) -> CallbackAnswer:
    """A status the carrier POSTed: 401 not genuine or not fresh, 400 unreadable, 404 an
    unknown shipment, 200 otherwise (``recorded``: whether it was new)."""
    try:
        carrier = carriers.get(carrier_name)
    except KeyError:
        return CallbackAnswer(404, {"error": "unknown carrier"})
    try:
        update = carrier.read_callback(body, headers, path)
    except CallbackRefused as exc:
        logger.warning("post callback refused", extra={"carrier": carrier_name, "error": str(exc)})
        return CallbackAnswer(401, {"error": "not authenticated"})
    except (ValueError, UnicodeDecodeError) as exc:
        return CallbackAnswer(400, {"error": f"unreadable: {exc}"[:200]})
    shipment = Shipment.objects.filter(
        carrier=carrier_name, tracking_number=update.tracking_number
    ).first()
    if shipment is None and update.reference:
        # The callback can come before our worker stored the number the carrier gave.
        shipment = Shipment.objects.filter(carrier=carrier_name, reference=update.reference).first()
        if shipment is not None and shipment.tracking_number not in ("", update.tracking_number):
            shipment = None
    if shipment is None:
        return CallbackAnswer(404, {"error": "unknown shipment"})
    if not shipment.tracking_number:
        with transaction.atomic():
            Shipment.objects.filter(pk=shipment.pk, tracking_number="").update(
                tracking_number=update.tracking_number, accepted_at=clock.now()
            )
    recorded = record_status(shipment, [update], source="callback")
    return CallbackAnswer(200, {"ok": True, "recorded": bool(recorded)})


# --- what the pages show ---------------------------------------------------------------------


def shipments_of(dossier: Dossier) -> list[Shipment]:
    """The dossier's shipments, newest first, with their statuses (for the dossier pages)."""
    return list(Shipment.objects.filter(dossier=dossier).prefetch_related("events"))


def may_ask_collection(dossier: Dossier, user) -> bool:
    """Whether the page offers the filer or owner to have the post collect the papers (the
    same conditions ``create_collection`` checks, short of the address)."""
    return (
        user.is_authenticated
        and user.pk in (dossier.account_id, dossier.owner_id)
        and State(dossier.state) in COLLECTABLE
        and not Shipment.objects.filter(dossier=dossier, direction=Direction.COLLECT)
        .exclude(state__in=FINAL)
        .exists()
    )


def running_delivery(dossier: Dossier) -> Shipment | None:
    return (
        Shipment.objects.filter(dossier=dossier, direction=Direction.DELIVER)
        .exclude(state__in=FINAL)
        .first()
    )
