"""The shipment's one write path: who hands a result to the post, when, what it costs, and
statuses recorded once, never moving a shipment back (issue 5 §3)."""

from datetime import datetime, timedelta

import pytest

from motcua.core.calendar import VN_TZ
from motcua.core.models import OutboxMessage
from motcua.delivery import services
from motcua.delivery.carriers import StatusUpdate
from motcua.delivery.models import Direction, Shipment, ShipmentState
from motcua.dossiers import services as dossiers
from motcua.dossiers.errors import InvalidTransition, NotPermitted
from motcua.dossiers.models import State
from motcua.dossiers.transitions import Action

AT = datetime(2026, 11, 24, 9, 0, tzinfo=VN_TZ)


def update(shipment, n, status, minutes=0):
    return StatusUpdate(
        tracking_number=shipment.tracking_number,
        event_id=f"E{n}",
        status=status,
        at=AT + timedelta(minutes=minutes),
    )


def handed_over(posting):
    dossier = posting.result_ready()
    shipment = services.create_delivery(dossier, ctx=posting.ctx(posting.world.one_stop))
    Shipment.objects.filter(pk=shipment.pk).update(tracking_number="EB000000011VN")
    shipment.refresh_from_db()
    return dossier, shipment


def test_handing_a_result_to_the_post_queues_the_order_with_the_fees(posting):
    dossier = posting.result_ready()
    shipment = services.create_delivery(dossier, ctx=posting.ctx(posting.world.one_stop))
    assert shipment.direction == Direction.DELIVER and shipment.state == ShipmentState.PENDING
    assert (shipment.citizen_fee, shipment.list_price, shipment.cod_amount) == (
        10_000,
        26_000,
        10_000,
    )
    assert shipment.receiver_address == dossier.post_address
    assert shipment.receiver_name == dossier.owner_name
    assert shipment.sender_name == posting.world.desk_x.name
    assert shipment.reference.startswith(f"{dossier.code}-D")
    message = OutboxMessage.objects.get(kind=services.CREATE_KIND)
    assert message.payload == {"shipment": shipment.pk}
    dossier.refresh_from_db()
    assert dossier.state == State.RESULT_READY  # returned when delivered


def test_the_citizen_fee_is_a_setting(posting, settings):
    settings.MOTCUA["POST"]["CITIZEN_FEE"] = 12_000
    dossier = posting.result_ready()
    shipment = services.create_delivery(dossier, ctx=posting.ctx(posting.world.one_stop))
    assert shipment.citizen_fee == 12_000


def test_only_the_desk_hands_over_only_a_result_by_post_and_only_once(posting):
    w = posting.world
    dossier = posting.result_ready()
    for user in (w.citizen, w.specialist, w.one_stop_y):
        with pytest.raises(NotPermitted):
            services.create_delivery(dossier, ctx=posting.ctx(user))
    services.create_delivery(dossier, ctx=posting.ctx(w.one_stop))
    with pytest.raises(services.ShipmentRunning):
        services.create_delivery(dossier, ctx=posting.ctx(w.one_stop))
    at_counter = posting.result_ready(delivery="counter", post_address="")
    with pytest.raises(InvalidTransition, match="bưu chính"):
        services.create_delivery(at_counter, ctx=posting.ctx(w.one_stop))
    not_ready = posting.file()
    with pytest.raises(InvalidTransition):
        services.create_delivery(not_ready, ctx=posting.ctx(w.one_stop))
    assert Shipment.objects.count() == 1


def test_statuses_are_recorded_once_and_never_move_the_shipment_back(posting):
    _dossier, shipment = handed_over(posting)
    assert services.record_status(shipment, [update(shipment, 1, "picked_up")], source="t") == 1
    assert services.record_status(shipment, [update(shipment, 1, "picked_up")], source="t") == 0
    later = [update(shipment, 3, "in_transit", 20), update(shipment, 2, "accepted", -5)]
    assert services.record_status(shipment, later, source="t") == 2
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.IN_TRANSIT
    assert shipment.events.count() == 3


def test_a_failed_attempt_is_followed_by_another_round(posting):
    _dossier, shipment = handed_over(posting)
    services.record_status(
        shipment,
        [
            update(shipment, 1, "out_for_delivery", 10),
            update(shipment, 2, "failed", 20),
            update(shipment, 3, "out_for_delivery", 60 * 24),
        ],
        source="t",
    )
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.OUT_FOR_DELIVERY


def test_delivered_returns_the_dossier_by_the_system(posting):
    dossier, shipment = handed_over(posting)
    services.record_status(shipment, [update(shipment, 1, "delivered", 30)], source="t")
    dossier.refresh_from_db()
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.DELIVERED and shipment.delivered_at
    assert dossier.state == State.RETURNED and dossier.returned_at and dossier.finished_at
    event = dossier.events.order_by("-seq").first()
    assert event.action == Action.RETURN_RESULT and event.actor is None
    assert event.data == {"delivery": "post", "tracking": "EB000000011VN"}
    assert event.actor_agency == posting.world.desk_x
    # The post reports it again, or reports it returned afterwards: nothing changes.
    services.record_status(shipment, [update(shipment, 1, "delivered", 30)], source="t")
    services.record_status(shipment, [update(shipment, 2, "returned", 90)], source="t")
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.DELIVERED
    assert dossier.events.filter(action=Action.RETURN_RESULT).count() == 1


def test_delivered_after_a_hand_over_at_the_counter_leaves_the_dossier(posting):
    w = posting.world
    dossier, shipment = handed_over(posting)
    dossier.refresh_from_db()
    dossiers.return_result(dossier, ctx=posting.ctx(w.one_stop))
    services.record_status(shipment, [update(shipment, 1, "delivered")], source="t")
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.DELIVERED
    assert dossier.events.filter(action=Action.RETURN_RESULT).count() == 1


def test_delivered_by_post_requires_a_result_ready(posting):
    dossier = posting.file()
    with pytest.raises(InvalidTransition):
        dossiers.delivered_by_post(dossier, note="", tracking="EB000000011VN")


def test_after_a_return_to_sender_the_desk_may_send_again(posting):
    dossier, shipment = handed_over(posting)
    services.record_status(shipment, [update(shipment, 1, "returned")], source="t")
    dossier.refresh_from_db()
    assert dossier.state == State.RESULT_READY
    again = services.create_delivery(dossier, ctx=posting.ctx(posting.world.one_stop))
    assert again.pk != shipment.pk


def test_the_applicant_asks_the_post_to_collect_the_papers(posting):
    w = posting.world
    dossier = posting.file()
    shipment = services.create_collection(
        dossier, ctx=posting.ctx(w.citizen), address="5 Nguyễn Huệ, TP.HCM"
    )
    assert shipment.direction == Direction.COLLECT and shipment.cod_amount == 0
    assert shipment.sender_address == "5 Nguyễn Huệ, TP.HCM"
    assert shipment.receiver_name == w.desk_x.name
    with pytest.raises(NotPermitted):
        services.create_collection(dossier, ctx=posting.ctx(w.other_citizen), address="x")
    with pytest.raises(services.ShipmentRunning):
        services.create_collection(dossier, ctx=posting.ctx(w.one_stop), address="x")
    # Delivered to the desk: the dossier is not returned by a collection.
    Shipment.objects.filter(pk=shipment.pk).update(tracking_number="EB000000025VN")
    shipment.refresh_from_db()
    services.record_status(shipment, [update(shipment, 1, "delivered")], source="t")
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED


def test_the_officer_page_offers_the_post_once_and_shows_the_shipment(posting, client):
    w = posting.world
    dossier = posting.result_ready()
    client.force_login(w.one_stop)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "Gửi kết quả qua bưu chính" in page and dossier.post_address in page
    answer = client.post(
        f"/mot-cua/ho-so/{dossier.code}/return-result/", {"revision": dossier.revision}
    )
    assert answer.status_code == 302
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "Đã thực hiện: Gửi kết quả qua bưu chính." in page
    assert "return-result/" not in page  # with the post already
    assert "Chờ gửi sang bưu điện" in page and "26.000 đ" in page
    dossier.refresh_from_db()
    assert dossier.state == State.RESULT_READY


def test_a_result_at_the_counter_is_still_returned_at_once(posting, client):
    w = posting.world
    dossier = posting.result_ready(delivery="counter", post_address="")
    client.force_login(w.one_stop)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "Gửi kết quả qua bưu chính" not in page
    client.post(f"/mot-cua/ho-so/{dossier.code}/return-result/", {"revision": dossier.revision})
    dossier.refresh_from_db()
    assert dossier.state == State.RETURNED and not Shipment.objects.exists()


def test_the_citizen_sees_where_the_result_goes(posting, client):
    dossier = posting.result_ready()
    client.force_login(posting.world.citizen)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Kết quả sẽ được gửi qua bưu chính công ích" in page
    services.create_delivery(dossier, ctx=posting.ctx(posting.world.one_stop))
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Bưu chính công ích" in page and "10.000 đ" in page and "26.000 đ" not in page


def test_the_citizen_hears_when_the_result_is_out_and_when_it_is_delivered(posting):
    from motcua.notify.models import Message

    dossier, shipment = handed_over(posting)
    services.record_status(shipment, [update(shipment, 1, "accepted", 5)], source="t")
    told = Message.objects.filter(dossier=dossier, template__key="shipment_update")
    assert not told.exists()  # "accepted" is the post's business
    services.record_status(shipment, [update(shipment, 2, "out_for_delivery", 20)], source="t")
    services.record_status(shipment, [update(shipment, 3, "delivered", 30)], source="t")
    services.record_status(shipment, [update(shipment, 3, "delivered", 30)], source="t")
    sms = told.filter(channel="sms").order_by("pk")
    assert [m.text.split(": ")[-1] for m in sms] == ["Dang phat.", "Da phat thanh cong."]
    assert all("EB000000011VN" in m.text for m in sms)


def test_the_citizen_asks_for_a_collection_from_the_dossier_page(posting, client):
    w = posting.world
    dossier = posting.file()
    client.force_login(w.citizen)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Nhờ bưu điện đến nhận hồ sơ giấy" in page and "10.000 đ" in page
    answer = client.post(f"/ho-so/{dossier.code}/thu-gom/", {"address": "  ", "phone": ""})
    assert answer.status_code == 422 and "Cần địa chỉ" in answer.content.decode()
    assert not Shipment.objects.exists()
    answer = client.post(
        f"/ho-so/{dossier.code}/thu-gom/", {"address": "7 Hàm Nghi, TP.HCM", "phone": "0903000111"}
    )
    assert answer.status_code == 302
    shipment = Shipment.objects.get()
    assert shipment.direction == Direction.COLLECT and shipment.sender_phone == "0903000111"
    assert OutboxMessage.objects.filter(key=f"shipment:{shipment.reference}:create").exists()
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Nhờ bưu điện đến nhận hồ sơ giấy" not in page  # one collection at a time
    assert "Thu gom hồ sơ từ người nộp" in page and "Chờ gửi sang bưu điện" in page
    # Someone else's dossier is not theirs to send the post for.
    client.force_login(w.other_citizen)
    assert client.post(f"/ho-so/{dossier.code}/thu-gom/", {"address": "x"}).status_code == 404
