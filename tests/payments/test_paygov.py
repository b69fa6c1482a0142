"""The national payment platform (PayGov) in our documented message format (docs/payments.md:
PayGov), checked against that format written out in these tests — not against our own code —
and against the sandbox platform over real HTTP: INIT gives the platform's page, the payer
pays or cancels there, the signed NOTIFY reaches us through the sandbox's retrying queue,
and when it is lost, reconciliation (QUERY) asks the platform, also while it is down."""

import hashlib
import json
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.payments.gateways import paygov
from motcua.payments.models import Payment, PaymentState
from motcua.sandbox import faults
from motcua.sandbox.models import PaygovTransaction
from tests.conftest import run_due_outbox

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("tiers")]

PARTNER = "MOTCUA-PG01"
SECRET = "MOTCUADEMOPAYGOVSECRET2026"
# The documented field orders, written out again here.
RESULT_ORDER = (
    "messageType version partnerCode requestId transactionTime referenceCode amount code "
    "transactionId bankCode payDate"
).split()
ACK_ORDER = "messageType version partnerCode requestId transactionTime referenceCode code".split()


def spec_checksum(values: list[str], secret: str = SECRET) -> str:
    """The documented checksum: the values joined with |, the secret as the last part,
    SHA-256, hex."""
    return hashlib.sha256("|".join([*values, secret]).encode()).hexdigest()


# Written by hand from docs/payments.md and hashed with `printf '%s' … | sha256sum`.
INIT_TEXT = (
    "INIT|1.0|MOTCUA-PG01|0f1e2d3c4b5a69788796a5b4c3d2e1f0|20261124101500|261124A1B2C3D4E5F6"
    "|52000|000.00.21.H29-261124-0001|1.000777|000.00.21.H29|Nguyễn Văn An"
    "|Thanh toán phí, lệ phí hồ sơ 000.00.21.H29-261124-0001"
    "|https://dichvucong.example.vn/payments/paygov/return|20261124103000"
    "|MOTCUADEMOPAYGOVSECRET2026"
)
INIT_CHECKSUM = "fac046b722bcbf3d4db24a0b312c5c7dd3df709c3837aa76744f1630dafd0223"
NOTIFY_TEXT = (
    "NOTIFY|1.0|MOTCUA-PG01|NOTPG0000000042|20261124102012|261124A1B2C3D4E5F6|52000|00"
    "|PG0000000042|VCB|20261124102010|MOTCUADEMOPAYGOVSECRET2026"
)
NOTIFY_CHECKSUM = "f2bb9d731e476b92a6f9ef68ac535bcadea5c8b5b2d8e145e51752347de587c1"


def test_the_checksum_matches_an_independent_sha256_of_the_documented_text():
    assert hashlib.sha256(INIT_TEXT.encode()).hexdigest() == INIT_CHECKSUM
    values = INIT_TEXT.split("|")[:-1]
    init = dict(zip(paygov.INIT_FIELDS, values, strict=True))
    init["amount"] = 52000  # a JSON integer, signed as its decimal digits
    init["items"] = [{"name": "Lệ phí", "amount": 52000}]  # outside the checksum
    assert paygov.checksum(init, paygov.INIT_FIELDS, SECRET) == INIT_CHECKSUM
    notify = dict(zip(paygov.RESULT_FIELDS, NOTIFY_TEXT.split("|")[:-1], strict=True))
    assert paygov.checksum(notify, paygov.RESULT_FIELDS, SECRET) == NOTIFY_CHECKSUM
    assert paygov.verify({**notify, "checksum": NOTIFY_CHECKSUM.upper()}, RESULT_ORDER, SECRET)
    assert not paygov.verify(
        {**notify, "checksum": NOTIFY_CHECKSUM[:-1] + "0"}, RESULT_ORDER, SECRET
    )
    assert not paygov.verify(
        {**notify, "amount": "52001", "checksum": NOTIFY_CHECKSUM}, RESULT_ORDER, SECRET
    )


@pytest.fixture
def platform(tiers, paying, live_server, settings):
    settings.SITE_URL = live_server.url
    settings.MOTCUA["PAYGOV"] = {
        "PARTNER_CODE": PARTNER,
        "SECRET": SECRET,
        "API_URL": f"{live_server.url}/sandbox/paygov/api",
        "TIMEOUT_SECONDS": 1,
    }
    return paying


def start(platform, client, dossier=None):
    dossier = dossier or platform.file()
    client.force_login(platform.world.citizen)
    return client.post(
        f"/api/v1/dossiers/{dossier.code}/payments",
        {"provider": "paygov"},
        content_type="application/json",
    )


def started(platform, client, dossier=None):
    response = start(platform, client, dossier)
    assert response.status_code == 201, response.content
    body = response.json()
    return Payment.objects.get(reference=body["payment_id"]), body["payment_url"]


def pay_on_the_platform(client, payment_url, action="pay"):
    path = urlsplit(payment_url).path
    page = client.get(path)
    assert page.status_code == 200 and "Thanh toán" in page.content.decode()
    back = client.post(path, {"action": action})
    assert back.status_code == 302
    return back["Location"]


def result_message(payment, *, code="00", amount=None, kind="NOTIFY", **extra) -> dict:
    message = {
        "messageType": kind,
        "version": "1.0",
        "partnerCode": PARTNER,
        "requestId": "NOTPG0000000042",
        "transactionTime": "20261124102012",
        "referenceCode": payment.reference,
        "amount": payment.amount if amount is None else amount,
        "code": code,
        "message": "Giao dịch thành công",
        "transactionId": "PG0000000042",
        "bankCode": "VCB",
        "payDate": "20261124102010",
        **extra,
    }
    message["checksum"] = spec_checksum([str(message[k]) for k in RESULT_ORDER])
    return message


def notify(client, message=None, *, raw=None) -> dict:
    response = client.post(
        "/payments/paygov/notify",
        raw if raw is not None else json.dumps(message, ensure_ascii=False),
        content_type="application/json",
    )
    assert response.status_code == 200  # always, whatever the outcome
    ack = response.json()
    assert ack["messageType"] == "NOTIFY" and ack["partnerCode"] == PARTNER
    assert ack["checksum"] == spec_checksum([str(ack[k]) for k in ACK_ORDER])  # signed, always
    return ack


def test_starting_a_payment_sends_init_and_gives_the_platforms_page(platform, client):
    dossier = platform.file()
    payment, url = started(platform, client, dossier)
    assert payment.provider == "paygov" and payment.amount == 52_000
    assert url.startswith(f"{platform_url(client)}/sandbox/paygov/pay/")
    # What the platform took (its own checksum code accepted ours).
    txn = PaygovTransaction.objects.get()
    assert txn.partner_code == PARTNER and txn.reference_code == payment.reference
    assert txn.amount == 52_000 and txn.dossier_code == dossier.code != payment.reference
    assert txn.payer_name == dossier.owner_name and txn.agency_code == dossier.receiving_agency.code
    assert sum(item["amount"] for item in txn.items) == 52_000 and len(txn.items) == 2
    assert txn.return_url == "http://testserver/payments/paygov/return"
    assert len(txn.expire_time) == 14 and txn.expire_time.isdigit()


def platform_url(client) -> str:
    from django.conf import settings

    return settings.SITE_URL


def test_the_notification_checks_in_the_documented_order(platform, client):
    payment, _url = started(platform, client)
    client.logout()
    forged = {**result_message(payment), "amount": 100}  # changed after signing
    assert notify(client, forged)["code"] == "97"
    assert notify(client, raw="not json")["code"] == "97"
    assert notify(client, result_message(payment, partnerCode="ANOTHER-PARTNER"))["code"] == "01"
    assert notify(client, result_message(payment, referenceCode="261124FFFFFFFFFFFF"))["code"] == (
        "01"
    )
    assert notify(client, result_message(payment, amount=payment.amount - 1))["code"] == "04"
    assert notify(client, result_message(payment, amount=52000.5))["code"] == "04"
    assert notify(client, result_message(payment, amount=52000.5, referenceCode="X"))["code"] == (
        "01"
    )
    # The browser's RETURN is signed the same way but is not a notification.
    assert notify(client, result_message(payment, kind="RETURN"))["code"] == "99"
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN  # none of those changed anything
    ack = notify(client, result_message(payment))
    assert ack["code"] == "00" and ack["referenceCode"] == payment.reference
    assert ack["requestId"] == "NOTPG0000000042"
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert payment.gateway_transaction == "PG0000000042" and payment.bank_code == "VCB"
    assert payment.paid_at is not None


def test_a_repeated_notification_changes_nothing(platform, client):
    payment, _url = started(platform, client)
    assert notify(client, result_message(payment))["code"] == "00"
    payment.refresh_from_db()
    settled = (payment.state, payment.settled_at, payment.paid_at, payment.detail)
    events = payment.dossier.events.count()
    assert notify(client, result_message(payment))["code"] == "02"
    assert notify(client, result_message(payment, code="10"))["code"] == "02"
    payment.refresh_from_db()
    assert (payment.state, payment.settled_at, payment.paid_at, payment.detail) == settled
    assert payment.dossier.events.count() == events


def test_a_failed_payment_is_recorded_and_answered_00(platform, client):
    payment, _url = started(platform, client)
    assert notify(client, result_message(payment, code="10"))["code"] == "00"
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED and payment.response_code == "10"
    _again, url = started(platform, client, payment.dossier)  # a new attempt may start
    assert url


def test_paid_on_the_platform_recorded_by_its_notify_and_shown_on_return(platform, client):
    payment, url = started(platform, client)
    back = pay_on_the_platform(client, url)
    assert back.startswith("http://testserver/payments/paygov/return?")
    shown = client.get(urlsplit(back).path, dict(parse_qsl(urlsplit(back).query)))
    assert shown.status_code == 200 and "52.000 đ" in shown.content.decode()
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN  # the browser's return only shows
    assert OutboxMessage.objects.filter(kind="sandbox.paygov.notify").count() == 1
    outbox.run_worker(once=True)  # the platform POSTs its NOTIFY to us over HTTP
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID and payment.gateway_transaction.startswith("PG")
    answers = PaygovTransaction.objects.get().notify_answers
    assert [(a["code"], a["genuine"]) for a in answers] == [("00", True)]
    shown = client.get(urlsplit(back).path, dict(parse_qsl(urlsplit(back).query)))
    assert "Đã thanh toán thành công" in shown.content.decode()
    forged = dict(parse_qsl(urlsplit(back).query)) | {"amount": "1"}
    assert client.get("/payments/paygov/return", forged).status_code == 400


def test_a_cancelled_payment_is_recorded_as_failed(platform, client):
    payment, url = started(platform, client)
    pay_on_the_platform(client, url, action="cancel")
    outbox.run_worker(once=True)
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED and payment.response_code == "10"


def test_the_notify_is_retried_until_acknowledged_and_the_repeat_changes_nothing(
    platform, client, settings, live_server
):
    payment, url = started(platform, client)
    settings.SITE_URL = "http://127.0.0.1:9"  # our server is unreachable for the platform
    pay_on_the_platform(client, url)
    sent = OutboxMessage.objects.get(kind="sandbox.paygov.notify")
    outbox.run_worker(once=True)
    sent.refresh_from_db()
    assert sent.state == "pending" and sent.attempts == 1
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN
    settings.SITE_URL = live_server.url
    OutboxMessage.objects.filter(pk=sent.pk).update(next_attempt_at=timezone.now())
    outbox.run_worker(once=True)  # its retry, not yet the reconciliation (due later)
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    # The platform sends it again (its retry or a duplicate): "recorded before".
    OutboxMessage.objects.filter(pk=sent.pk).update(state="pending", next_attempt_at=timezone.now())
    outbox.run_worker(once=True)
    answers = PaygovTransaction.objects.get().notify_answers
    assert [a["code"] for a in answers] == ["00", "02"]
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID


def test_a_lost_notify_is_made_good_by_query_after_the_platform_comes_back(platform, client):
    payment, url = started(platform, client)
    pay_on_the_platform(client, url)
    OutboxMessage.objects.filter(kind="sandbox.paygov.notify").delete()  # it never arrives
    faults.set_fault("paygov", "fail", seconds=600)
    run_due_outbox()  # reconciliation: the platform answers 503
    query = OutboxMessage.objects.get(kind="payments.query")
    assert query.state == "pending" and query.attempts == 1
    faults.set_fault("paygov", "slow", seconds=600, delay=1.5)  # slower than we wait (1 s)
    run_due_outbox()
    time.sleep(0.8)  # let the sandbox finish the answer we gave up on
    query.refresh_from_db()
    assert query.attempts == 2
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN
    faults.clear("paygov")
    run_due_outbox()
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID and payment.gateway_transaction.startswith("PG")
    query.refresh_from_db()
    assert query.state == "done"


def test_a_payment_still_on_the_platforms_page_is_asked_about_again(platform, client):
    payment, _url = started(platform, client)  # the payer has not decided yet
    run_due_outbox()
    query = OutboxMessage.objects.get(kind="payments.query")
    assert query.state == "pending" and query.attempts == 1  # pending: ask again later
    payment.refresh_from_db()
    assert payment.state == PaymentState.OPEN


def test_the_platform_down_at_init_closes_the_attempt_and_says_so(platform, client):
    dossier = platform.file()
    faults.set_fault("paygov", "fail", seconds=600)
    refused = start(platform, client, dossier)
    assert refused.status_code == 503
    assert "không phản hồi" in refused.json()["message"]
    closed = Payment.objects.get(dossier=dossier)
    assert closed.state == PaymentState.EXPIRED and "not_started" in closed.detail
    faults.clear("paygov")
    payment, _url = started(platform, client, dossier)  # at once, with a new attempt
    assert payment.reference != closed.reference


def test_the_portal_offers_both_gateways_and_pays_through_the_chosen_one(platform, client):
    dossier = platform.file()
    client.force_login(platform.world.citizen)
    html = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Thanh toán trực tuyến 52.000 đ (VNPAY)" in html
    assert "Thanh toán trực tuyến 52.000 đ (Nền tảng thanh toán quốc gia (PayGov))" in html
    response = client.post(f"/ho-so/{dossier.code}/thanh-toan/", {"provider": "paygov"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{platform_url(client)}/sandbox/paygov/pay/")
    assert Payment.objects.get(dossier=dossier).provider == "paygov"


def test_a_gateway_left_unconfigured_is_not_offered(platform, client, settings):
    settings.MOTCUA["PAYGOV"] = {**settings.MOTCUA["PAYGOV"], "SECRET": ""}
    dossier = platform.file()
    client.force_login(platform.world.citizen)
    html = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "(VNPAY)" in html and "PayGov" not in html
    assert start(platform, client, dossier).status_code == 422
    assert not Payment.objects.filter(dossier=dossier).exists()
