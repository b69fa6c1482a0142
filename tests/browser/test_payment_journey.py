"""Paying online end to end in a real browser (issue 5 §6): a citizen files a dossier with a
fee, pays on the sandbox gateway's page, the gateway's IPN records it, the citizen and the
officer see it paid. Screenshots at desktop and 360 px in test-artifacts/."""

import io
import re

import pytest

from motcua.core import outbox
from motcua.dossiers.models import Dossier
from motcua.payments.models import Payment, PaymentState
from tests.documents.samples import pdf

from .conftest import DESKTOP
from .journeys import act, serious_violations, sign_in, snap


@pytest.fixture
def gateway_here(live_server, settings):
    """The demo's sandbox gateway, on the live server (as `make run` has it on PORT)."""
    settings.SITE_URL = live_server.url
    settings.MOTCUA["VNPAY"] = {
        **settings.MOTCUA["VNPAY"],
        "PAYMENT_URL": f"{live_server.url}/sandbox/vnpay/paymentv2/vpcpay.html",
        "API_URL": f"{live_server.url}/sandbox/vnpay/merchant_webapi/api/transaction",
    }


def test_a_citizen_pays_a_fee_on_the_gateway_and_the_office_sees_it_paid(
    demo, gateway_here, page_at, tmp_path
):
    citizen = page_at(DESKTOP)
    sign_in(citizen, "congdan")
    citizen.goto("/thu-tuc/2.000635/nop-ho-so/")
    assert "Phí, lệ phí phải nộp" in citizen.content()
    scan = tmp_path / "giay-to.pdf"
    scan.write_bytes(pdf())
    for key in ("to-khai-cap-ban-sao-trich-luc", "giay-to-tuy-than"):
        citizen.locator(f"#document_{key}").set_input_files(str(scan))
    citizen.get_by_label("Trực tuyến").check()
    citizen.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    citizen.wait_for_url(re.compile(r"/ho-so/[^/]+/$"))
    dossier = Dossier.objects.get()
    snap(citizen, "journey-payment-1-dossier-owes")
    assert serious_violations(citizen) == []

    citizen.get_by_role("button", name="Thanh toán trực tuyến 8.000 đ (VNPAY)").click()
    citizen.wait_for_url(re.compile(r"/sandbox/vnpay/paymentv2/vpcpay\.html"))
    assert "8000 VND" in citizen.content()
    snap(citizen, "journey-payment-2-gateway")
    assert serious_violations(citizen) == []
    citizen.get_by_role("button", name="Thanh toán", exact=True).click()
    citizen.wait_for_url(re.compile(r"/payments/vnpay/return\?"))
    # The browser's return shows; only the IPN records. The outbox worker sends it now.
    payment = Payment.objects.get(dossier=dossier)
    assert payment.state == PaymentState.OPEN
    outbox.run_worker(once=True)
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    citizen.reload()
    assert "Đã thanh toán thành công" in citizen.content()
    snap(citizen, "journey-payment-3-returned")
    assert serious_violations(citizen) == []
    citizen.get_by_role("link", name="Về trang hồ sơ").click()
    fees = citizen.locator("section.fees").inner_text()
    assert "Đã thanh toán" in fees and "Còn phải nộp\n0 đ" in fees

    desk = page_at(DESKTOP)
    sign_in(desk, "motcua", then=f"/mot-cua/ho-so/{dossier.code}/")
    fees = desk.locator("section.fees").inner_text()
    assert "VNPAY · 8.000 đ · Đã thanh toán" in fees
    snap(desk, "journey-payment-4-office")


def test_the_result_ships_by_post_and_the_citizen_sees_it_delivered(
    demo, live_server, settings, page_at
):
    """The desk hands a result to the post from the dossier page; the sandbox carrier takes
    the order over HTTP and reports each status back, signed; the citizen follows the
    journey and sees the dossier returned when it is delivered."""
    from motcua.accounts.demo import COMMUNE_X_COMMITTEE, COMMUNE_X_DESK
    from motcua.accounts.models import User
    from motcua.catalog.models import Agency
    from motcua.delivery.models import Shipment, ShipmentState
    from motcua.documents.services import store_upload
    from motcua.dossiers import services
    from motcua.dossiers.events import Context
    from motcua.dossiers.models import State
    from motcua.sandbox import carrier
    from motcua.sandbox.models import PostOrder
    from tests.factories import make_procedure

    settings.SITE_URL = live_server.url
    settings.MOTCUA["POST"] = {
        **settings.MOTCUA["POST"],
        "API_URL": f"{live_server.url}/sandbox/post/v1",
        "SANDBOX_STEP_SECONDS": 3600,  # the test moves the order itself
    }
    desk = Agency.objects.get(code=COMMUNE_X_DESK)
    committee = Agency.objects.get(code=COMMUNE_X_COMMITTEE)
    version = make_procedure(
        name="Cấp bản sao giấy tờ (thử nghiệm bưu chính)",
        receivers=[desk],
        competent_agency=committee,
        documents=[{"key": "to-khai", "name": "Tờ khai", "required": True}],
    )
    citizen, clerk, leader = (
        User.objects.get(username=name) for name in ("congdan", "motcua", "lanhdao")
    )
    upload = store_upload(io.BytesIO(pdf()), name="to-khai.pdf", owner=citizen, uploaded_by=citizen)
    dossier = services.submit(
        services.Submission(
            version=version,
            delivery="post",
            post_address="12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
            agency=desk,
            files={"to-khai": [upload]},
        ),
        ctx=Context(by=citizen),
    )
    dossier = services.receive(dossier, ctx=Context(by=clerk))
    dossier = services.route(dossier, ctx=Context(by=clerk))
    dossier = services.result_ready(dossier, ctx=Context(by=leader))

    office = page_at(DESKTOP)
    sign_in(office, "motcua", then=f"/mot-cua/ho-so/{dossier.code}/")
    act(office, "return-result")
    assert "Bưu chính công ích" in office.content()
    outbox.run_worker(once=True)  # the order goes to the sandbox carrier over HTTP
    shipment = Shipment.objects.get(dossier=dossier)
    assert shipment.tracking_number.startswith("EB") and shipment.tracking_number.endswith("VN")
    order = PostOrder.objects.get(tracking_number=shipment.tracking_number)
    while carrier.advance(order) is not None:  # the post moves it along to delivered
        outbox.run_worker(once=True)  # and calls us back, signed
    shipment.refresh_from_db()
    dossier.refresh_from_db()
    assert shipment.state == ShipmentState.DELIVERED and dossier.state == State.RETURNED

    citizen_page = page_at(DESKTOP)
    sign_in(citizen_page, "congdan", then=f"/ho-so/{dossier.code}/")
    text = citizen_page.content()
    assert shipment.tracking_number in text and "Đã phát thành công" in text
    snap(citizen_page, "journey-post-1-delivered")
    assert serious_violations(citizen_page) == []
