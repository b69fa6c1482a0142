"""VNPAY 2.1.0 as published (REFERENCE.md), checked against the specification written out
in these tests, not against our own code: the signed redirect, the IPN's check order and
answers, nothing recorded twice, the browser's return changing nothing."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from motcua.dossiers import services
from motcua.dossiers.models import State
from motcua.payments import services as payments
from motcua.payments.gateways import vnpay
from motcua.payments.models import Payment, PaymentState

from .conftest import SECRET, TMN, ipn_params, spec_sign

pytestmark = pytest.mark.django_db

# Written by hand from the specification and signed with `openssl dgst -sha512 -hmac`:
# sorted names, values form-encoded (space → +, ":" and "/" percent-encoded).
KNOWN_TEXT = (
    "vnp_Amount=15000000&vnp_Command=pay&vnp_CreateDate=20261124101500&vnp_CurrCode=VND"
    "&vnp_IpAddr=203.0.113.7&vnp_Locale=vn"
    "&vnp_OrderInfo=Thanh+toan+phi+ho+so+000.00.21.H29-261124-0001&vnp_OrderType=other"
    "&vnp_ReturnUrl=https%3A%2F%2Fdichvucong.example.vn%2Fpayments%2Fvnpay%2Freturn"
    "&vnp_TmnCode=MOTCUA01&vnp_TxnRef=261124A1B2C3D4E5F6&vnp_Version=2.1.0"
)
KNOWN_HASH = (
    "906478e7c0aabb068adc58e8141205baa581f1e24d165b9c27cfb1352d3ac7a8"
    "3c6bef5137cd6f736dda3a5de05a8cc9136c4f69ddc7e8b66fc66f181f4f4387"
)


def test_the_signature_matches_an_independent_hmac_of_the_specified_text():
    params = dict(parse_qsl(KNOWN_TEXT))
    assert vnpay.hash_data(params) == KNOWN_TEXT
    assert vnpay.sign(params, SECRET) == KNOWN_HASH
    assert vnpay.verify({**params, "vnp_SecureHash": KNOWN_HASH.upper()}, SECRET)
    assert not vnpay.verify({**params, "vnp_SecureHash": KNOWN_HASH[:-1] + "0"}, SECRET)


def api_client(client, user):
    client.force_login(user)
    return client


def start(paying, client, dossier=None):
    dossier = dossier or paying.file()
    response = api_client(client, paying.world.citizen).post(
        f"/api/v1/dossiers/{dossier.code}/payments",
        {"provider": "vnpay"},
        content_type="application/json",
    )
    return dossier, response


def test_starting_a_payment_gives_a_signed_redirect_for_what_is_owed(paying, client):
    dossier, response = start(paying, client)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"payment_url", "payment_id", "amount", "expires_at"}
    assert body["amount"] == 52_000
    url = urlsplit(body["payment_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "http://gateway.test/paymentv2/vpcpay.html"
    params = dict(parse_qsl(url.query))
    assert params["vnp_SecureHash"] == spec_sign(params)
    assert params["vnp_Version"] == "2.1.0" and params["vnp_Command"] == "pay"
    assert params["vnp_TmnCode"] == TMN and params["vnp_CurrCode"] == "VND"
    assert params["vnp_Amount"] == "5200000"  # × 100
    assert params["vnp_TxnRef"] == body["payment_id"] != dossier.code
    assert params["vnp_OrderInfo"].isascii() and dossier.code in params["vnp_OrderInfo"]
    assert params["vnp_ReturnUrl"].endswith("/payments/vnpay/return")
    assert len(params["vnp_CreateDate"]) == len(params["vnp_ExpireDate"]) == 14


def test_one_open_attempt_at_a_time_and_409_when_nothing_is_owed(paying, client):
    dossier, first = start(paying, client)
    _, second = start(paying, client, dossier)
    assert first.status_code == 201 and second.status_code == 409
    free = paying.file(fee_exemptions={str(f.pk): "Miễn" for f in paying.version.fees.all()})
    _, nothing = start(paying, client, free)
    assert nothing.status_code == 409
    assert "không còn khoản phí" in nothing.json()["message"]


def test_someone_else_cannot_pay_a_dossier_they_cannot_see(paying, client):
    dossier = paying.file()
    client.force_login(paying.world.other_citizen)
    response = client.post(f"/api/v1/dossiers/{dossier.code}/payments")
    assert response.status_code == 404


def ipn(client, params, **headers):
    response = client.get("/payments/vnpay/ipn", params, **headers)
    assert response.status_code == 200  # always, whatever the outcome
    return response.json()


def test_the_ipn_checks_in_the_published_order(paying, client):
    _, started = start(paying, client)
    payment = Payment.objects.get(reference=started.json()["payment_id"])
    client.logout()
    forged = {**ipn_params(payment), "vnp_Amount": "100"}  # changed after signing
    assert ipn(client, forged) == {"RspCode": "97", "Message": "Invalid signature"}
    unknown = ipn_params(payment, vnp_TxnRef="261124FFFFFFFFFFFF")
    assert ipn(client, unknown)["RspCode"] == "01"
    wrong_amount = ipn_params(payment, amount=payment.amount - 1)
    assert ipn(client, wrong_amount)["RspCode"] == "04"
    odd = {k: v for k, v in ipn_params(payment).items() if k != "vnp_SecureHash"}
    odd["vnp_Amount"] = "5200050"  # not whole đồng
    assert ipn(client, {**odd, "vnp_SecureHash": spec_sign(odd)})["RspCode"] == "04"
    odd["vnp_TxnRef"] = "261124FFFFFFFFFFFF"
    assert ipn(client, {**odd, "vnp_SecureHash": spec_sign(odd)})["RspCode"] == "01"
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN  # none of those changed anything
    assert ipn(client, ipn_params(payment)) == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert payment.gateway_transaction == "14226112" and payment.bank_code == "NCB"
    assert ipn(client, ipn_params(payment))["RspCode"] == "02"  # the same IPN again
    assert ipn(client, ipn_params(payment, code="24"))["RspCode"] == "02"
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID


def test_a_failed_payment_is_recorded_and_answered_00(paying, client):
    _, started = start(paying, client)
    payment = Payment.objects.get(reference=started.json()["payment_id"])
    assert ipn(client, ipn_params(payment, code="24"))["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED and payment.response_code == "24"
    assert payments.owed(payment.dossier) == 52_000
    _, again = start(paying, client, payment.dossier)
    assert again.status_code == 201  # a new attempt, with its own reference
    assert again.json()["payment_id"] != payment.reference


def test_an_ipn_from_an_address_not_allowed_changes_nothing(paying, client, settings):
    settings.MOTCUA["VNPAY"]["IP_ALLOWLIST"] = ["113.160.92.202"]
    _, started = start(paying, client)
    payment = Payment.objects.get(reference=started.json()["payment_id"])
    assert ipn(client, ipn_params(payment), REMOTE_ADDR="198.51.100.9")["RspCode"] == "99"
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN
    assert ipn(client, ipn_params(payment), REMOTE_ADDR="113.160.92.202")["RspCode"] == "00"


def test_the_browser_return_only_shows_and_refuses_a_forged_one(paying, client):
    _, started = start(paying, client)
    payment = Payment.objects.get(reference=started.json()["payment_id"])
    page = client.get("/payments/vnpay/return", ipn_params(payment))
    assert page.status_code == 200 and "52.000 đ" in page.content.decode()
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN  # only the IPN records
    forged = {**ipn_params(payment), "vnp_ResponseCode": "00", "vnp_Amount": "1"}
    assert client.get("/payments/vnpay/return", forged).status_code == 400


def test_paying_resumes_a_dossier_waiting_for_the_fees(paying, client):
    world = paying.world
    dossier = services.receive(paying.file(), ctx=paying.ctx(world.one_stop))
    with pytest.raises(services.InvalidTransition, match="chưa nộp đủ phí"):
        services.route(dossier, ctx=paying.ctx(world.one_stop))
    dossier = services.request_payment(dossier, ctx=paying.ctx(world.one_stop), amount=52_000)
    assert dossier.state == State.AWAITING_PAYMENT
    _, started = start(paying, client, dossier)
    payment = Payment.objects.get(reference=started.json()["payment_id"])
    assert ipn(client, ipn_params(payment))["RspCode"] == "00"
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED
    last = dossier.events.order_by("-seq").first()
    assert last.action == "confirm-payment" and last.actor_id is None
    assert last.data["payment"] == payment.reference and "VNPAY" in last.note
    routed = services.route(dossier, ctx=paying.ctx(world.one_stop))
    assert routed.state == State.IN_PROCESS


def test_cash_at_the_desk_counts_as_paid(paying):
    world = paying.world
    dossier = services.receive(paying.file(), ctx=paying.ctx(world.one_stop))
    with pytest.raises(services.NotPermitted):
        payments.record_cash(dossier, ctx=paying.ctx(world.one_stop_y), amount=52_000)
    with pytest.raises(services.InvalidInput, match="lớn hơn số còn phải nộp"):
        payments.record_cash(dossier, ctx=paying.ctx(world.one_stop), amount=60_000)
    payments.record_cash(dossier, ctx=paying.ctx(world.one_stop), amount=52_000)
    assert payments.owed(dossier) == 0
    assert services.route(dossier, ctx=paying.ctx(world.one_stop)).state == State.IN_PROCESS
