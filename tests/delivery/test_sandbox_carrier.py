"""The whole postal hand-over against the sandbox carrier over real HTTP (issue 5 §3): the
order placed from the outbox, the carrier's signed callbacks moving the shipment, delivered
→ the dossier returned; repeated, forged and replayed callbacks; the carrier down for a
while, and lost callbacks made good by asking it."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.core.models import OutboxMessage
from motcua.delivery import services
from motcua.delivery.models import Shipment, ShipmentEvent, ShipmentState
from motcua.delivery.outbox import poll_quiet_shipments
from motcua.dossiers.models import State
from motcua.sandbox import carrier, faults
from motcua.sandbox.models import PostOrder
from tests.conftest import run_due_outbox

from .conftest import CALLBACK, CUSTOMER, SECRET, callback_body, spec_headers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("tiers")]


@pytest.fixture
def post(tiers, posting, live_server, settings):
    settings.SITE_URL = live_server.url
    settings.MOTCUA["POST"] = {
        **settings.MOTCUA["POST"],
        "CUSTOMER_CODE": CUSTOMER,
        "SECRET": SECRET,
        "API_URL": f"{live_server.url}/sandbox/post/v1",
        "TIMEOUT_SECONDS": 1,
        "SANDBOX_STEP_SECONDS": 3600,  # the tests move the orders themselves
    }
    return posting


def handed_to_the_post(post, client):
    """The desk's officer returns a result received by post: it goes to the post."""
    dossier = post.result_ready()
    client.force_login(post.world.one_stop)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/")
    assert "Gửi kết quả qua bưu chính" in page.content.decode()
    answer = client.post(
        f"/mot-cua/ho-so/{dossier.code}/return-result/", {"revision": dossier.revision}
    )
    assert answer.status_code == 302
    return dossier, Shipment.objects.get(dossier=dossier)


def test_handed_to_the_post_tracked_by_callbacks_and_returned_when_delivered(post, client):
    dossier, shipment = handed_to_the_post(post, client)
    assert shipment.state == ShipmentState.PENDING and not shipment.tracking_number
    run_due_outbox()  # the order, then the carrier's "accepted" callback
    shipment.refresh_from_db()
    order = PostOrder.objects.get()
    assert shipment.tracking_number == order.tracking_number
    assert order.tracking_number.startswith("EB") and order.tracking_number.endswith("VN")
    assert order.order_number == dossier.code and order.cod_amount == 10_000
    assert order.receiver["address"] == dossier.post_address
    assert shipment.state == ShipmentState.ACCEPTED
    for status in ("picked_up", "in_transit", "out_for_delivery"):
        carrier.advance(order)
        run_due_outbox()
        shipment.refresh_from_db()
        assert shipment.state == status
        dossier.refresh_from_db()
        assert dossier.state == State.RESULT_READY
    carrier.advance(order)
    run_due_outbox()
    shipment.refresh_from_db()
    dossier.refresh_from_db()
    assert shipment.state == ShipmentState.DELIVERED
    assert dossier.state == State.RETURNED
    last = dossier.events.order_by("-seq").first()
    assert last.actor is None and last.data["tracking"] == shipment.tracking_number
    assert [e.status for e in shipment.events.order_by("at", "id")] == [
        "accepted",
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    order.refresh_from_db()
    assert [a["status"] for a in order.callback_answers] == [200] * 5
    # Both pages show the journey.
    officer_page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert shipment.tracking_number in officer_page and "Đã phát thành công" in officer_page
    client.force_login(post.world.citizen)
    citizen_page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert shipment.tracking_number in citizen_page and "Đang vận chuyển" in citizen_page


def test_a_repeated_callback_changes_nothing(post, client):
    dossier, _shipment = handed_to_the_post(post, client)
    run_due_outbox()
    order = PostOrder.objects.get()
    carrier.advance(order, "delivered")
    run_due_outbox()
    dossier.refresh_from_db()
    events, seq = ShipmentEvent.objects.count(), dossier.event_seq
    # The carrier sends every callback again (its retry, or a duplicate).
    OutboxMessage.objects.filter(kind=carrier.CALLBACK_KIND).update(
        state="pending", next_attempt_at=timezone.now()
    )
    run_due_outbox()
    order.refresh_from_db()
    assert [a["status"] for a in order.callback_answers] == [200] * 4
    dossier.refresh_from_db()
    assert ShipmentEvent.objects.count() == events and dossier.event_seq == seq
    assert dossier.state == State.RETURNED


def test_forged_and_replayed_callbacks_are_refused(post, client):
    _dossier, shipment = handed_to_the_post(post, client)
    run_due_outbox()
    shipment.refresh_from_db()
    body = callback_body(shipment.tracking_number, "X1", "delivered")
    forged = client.post(
        CALLBACK, body, content_type="application/json", **spec_headers(body, secret="guess")
    )
    assert forged.status_code == 401
    unsigned = client.post(CALLBACK, body, content_type="application/json")
    assert unsigned.status_code == 401
    # A genuine callback signed an hour ago, sent again now: a replay.
    old = client.post(
        CALLBACK,
        body,
        content_type="application/json",
        **spec_headers(body, at=time.time() - 3600),
    )
    assert old.status_code == 401
    # The body changed under a genuine signature.
    other = callback_body(shipment.tracking_number, "X2", "returned")
    tampered = client.post(CALLBACK, other, content_type="application/json", **spec_headers(body))
    assert tampered.status_code == 401
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.ACCEPTED
    assert not shipment.events.filter(event_id__in=["X1", "X2"]).exists()
    # Signed and fresh: taken, once.
    for recorded in (True, False):
        genuine = client.post(CALLBACK, body, content_type="application/json", **spec_headers(body))
        assert genuine.status_code == 200 and genuine.json()["recorded"] is recorded
    unknown = callback_body("EB999999999VN", "X3", "delivered")
    assert (
        client.post(
            CALLBACK, unknown, content_type="application/json", **spec_headers(unknown)
        ).status_code
        == 404
    )


def test_carrier_down_for_a_while_then_back_and_every_status_arrives(post, client):
    dossier, shipment = handed_to_the_post(post, client)
    faults.set_fault("post", "fail", seconds=600)
    run_due_outbox()
    create = OutboxMessage.objects.get(kind=services.CREATE_KIND)
    assert create.state == "pending" and create.attempts == 1 and "503" in create.last_error
    faults.set_fault("post", "slow", seconds=600, delay=1.5)  # slower than we wait (1 s)
    run_due_outbox()
    create.refresh_from_db()
    assert create.state == "pending" and create.attempts == 2
    shipment.refresh_from_db()
    assert not shipment.tracking_number and shipment.last_error
    faults.clear("post")
    time.sleep(1)  # the slow answer of the sandbox is over
    run_due_outbox()
    create.refresh_from_db()
    shipment.refresh_from_db()
    assert create.state == "done" and shipment.tracking_number
    # A timed-out first try may have placed the order already: still only one.
    assert PostOrder.objects.count() == 1
    order = PostOrder.objects.get()
    assert order.tracking_number == shipment.tracking_number
    # The carrier moves on while its callbacks are lost; asking it makes them good.
    for _ in range(4):
        carrier.advance(order)
    OutboxMessage.objects.filter(kind=carrier.CALLBACK_KIND, state="pending").delete()
    with_lost = ShipmentEvent.objects.filter(shipment=shipment).count()
    assert with_lost <= 1
    # An hour later nothing was heard: the periodic poll asks the carrier.
    two_hours_ago = timezone.now() - timedelta(hours=2)
    Shipment.objects.filter(pk=shipment.pk).update(
        created_at=two_hours_ago, last_event_at=two_hours_ago
    )
    poll_quiet_shipments()
    assert OutboxMessage.objects.filter(kind=services.TRACK_KIND).count() == 1
    run_due_outbox()
    shipment.refresh_from_db()
    dossier.refresh_from_db()
    assert shipment.state == ShipmentState.DELIVERED and dossier.state == State.RETURNED
    assert [e.status for e in shipment.events.order_by("at", "id")] == [
        "accepted",
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
