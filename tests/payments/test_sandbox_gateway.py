"""The whole payment against the sandbox gateway over real HTTP (issue 5 §2, §6): the payer
pays on the sandbox's page, the sandbox's signed IPN reaches our server through its own
retrying queue, and when the IPN is lost, reconciliation asks the sandbox with querydr —
also while the sandbox is down or slow, until it answers."""

import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.payments.models import Payment, PaymentState
from motcua.sandbox import faults
from motcua.sandbox.models import VnpayTransaction
from tests.conftest import run_due_outbox

from .conftest import SECRET, TMN

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("tiers")]


@pytest.fixture
def gateway(tiers, paying, live_server, settings):
    settings.SITE_URL = live_server.url
    settings.MOTCUA["VNPAY"] = {
        **settings.MOTCUA["VNPAY"],
        "TMN_CODE": TMN,
        "HASH_SECRET": SECRET,
        "PAYMENT_URL": f"{live_server.url}/sandbox/vnpay/paymentv2/vpcpay.html",
        "API_URL": f"{live_server.url}/sandbox/vnpay/merchant_webapi/api/transaction",
        "TIMEOUT_SECONDS": 1,
    }
    return paying


def started(gateway, client):
    dossier = gateway.file()
    client.force_login(gateway.world.citizen)
    body = client.post(f"/api/v1/dossiers/{dossier.code}/payments").json()
    return Payment.objects.get(reference=body["payment_id"]), body["payment_url"]


def pay_on_the_sandbox(client, payment_url, action="pay"):
    url = urlsplit(payment_url)
    page = client.get(url.path, dict(parse_qsl(url.query)))
    assert page.status_code == 200 and "Thanh toán" in page.content.decode()
    back = client.post(f"{url.path}?{url.query}", {"action": action})
    assert back.status_code == 302
    return back["Location"]


def test_paid_on_the_sandbox_recorded_by_its_ipn_and_shown_on_return(gateway, client):
    payment, url = started(gateway, client)
    back = pay_on_the_sandbox(client, url)
    assert back.startswith("http://testserver/payments/vnpay/return?")
    ipns = OutboxMessage.objects.filter(kind="sandbox.vnpay.ipn")
    assert ipns.count() == 1
    outbox.run_worker(once=True)  # the sandbox calls our IPN over HTTP
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert VnpayTransaction.objects.get().ipn_answers == [
        {"RspCode": "00", "Message": "Confirm Success"}
    ]
    shown = client.get(urlsplit(back).path, dict(parse_qsl(urlsplit(back).query)))
    assert "Đã thanh toán thành công" in shown.content.decode()


def test_a_cancelled_payment_is_recorded_as_failed(gateway, client):
    payment, url = started(gateway, client)
    pay_on_the_sandbox(client, url, action="cancel")
    outbox.run_worker(once=True)
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED and payment.response_code == "24"


def test_the_ipn_is_retried_until_we_answer_and_the_repeat_changes_nothing(gateway, client):
    payment, url = started(gateway, client)
    pay_on_the_sandbox(client, url)
    ipn = OutboxMessage.objects.get(kind="sandbox.vnpay.ipn")
    outbox.run_worker(once=True)
    # VNPAY sends again (its retry or a duplicate): answered "already confirmed".
    OutboxMessage.objects.filter(pk=ipn.pk).update(state="pending", next_attempt_at=timezone.now())
    outbox.run_worker(once=True)
    answers = VnpayTransaction.objects.get().ipn_answers
    assert [a["RspCode"] for a in answers] == ["00", "02"]
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID


def test_a_lost_ipn_is_made_good_by_querydr_after_the_gateway_comes_back(gateway, client):
    payment, url = started(gateway, client)
    pay_on_the_sandbox(client, url)
    OutboxMessage.objects.filter(kind="sandbox.vnpay.ipn").delete()  # the IPN never arrives
    faults.set_fault("vnpay", "fail", seconds=600)
    run_due_outbox()  # reconciliation: the gateway answers 503
    query = OutboxMessage.objects.get(kind="payments.query")
    assert query.state == "pending" and query.attempts == 1
    faults.set_fault("vnpay", "slow", seconds=600, delay=1.5)  # slower than we wait (1 s)
    run_due_outbox()
    time.sleep(0.8)  # let the sandbox finish the answer we gave up on
    query.refresh_from_db()
    assert query.attempts == 2
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN
    faults.clear("vnpay")
    run_due_outbox()
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID and payment.gateway_transaction
    query.refresh_from_db()
    assert query.state == "done"


def test_an_attempt_never_paid_expires_at_reconciliation(gateway, client):
    payment, _url = started(gateway, client)  # the payer closes the page
    run_due_outbox()
    payment.refresh_from_db()
    assert payment.state == PaymentState.EXPIRED


def test_the_sandbox_refuses_a_redirect_whose_signature_was_tampered_with(gateway, client):
    _payment, url = started(gateway, client)
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    params["vnp_Amount"] = "100"
    page = client.get(parts.path, params)
    assert page.status_code == 400 and "Sai chữ ký" in page.content.decode()
