"""Legal e-receipts (Decree 123/2020) for what is paid, issued by the sandbox provider over
real HTTP through the outbox: one receipt per paid payment, online or cash, numbered in
sequence; a provider that is down or slow is asked again and still issues once; a forged
request is refused; nothing is issued when no provider is configured."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.dossiers import services
from motcua.payments import receipts
from motcua.payments import services as payments
from motcua.payments.models import Payment, PaymentState, Receipt, ReceiptState
from motcua.payments.receipts import services as receipt_services
from motcua.sandbox import faults
from motcua.sandbox.models import EReceipt
from tests.conftest import run_due_outbox

from .test_vnpay import ipn, ipn_params

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("tiers")]

SECRET = "RECEIPT-TEST-SECRET-2026"
TAX_CODE = "0301234567"


@pytest.fixture
def provider(tiers, paying, live_server, settings):
    """The sandbox e-receipt provider on the live server, as `make run` has it on PORT."""
    settings.SITE_URL = live_server.url
    settings.MOTCUA = {
        **settings.MOTCUA,
        "RECEIPTS": {
            **settings.MOTCUA["RECEIPTS"],
            "ISSUER": "http",
            "API_URL": f"{live_server.url}/sandbox/receipts/v1",
            "SECRET": SECRET,
            "TEMPLATE": "01BLP0-001",
            "SYMBOL": "AA-26E",
            "TAX_CODE": TAX_CODE,
            "COLLECTOR_NAME": "",
            "TIMEOUT_SECONDS": 1,
        },
    }
    return paying


def paid_online(paying, client):
    dossier = paying.file()
    client.force_login(paying.world.citizen)
    body = client.post(f"/api/v1/dossiers/{dossier.code}/payments").json()
    payment = Payment.objects.get(reference=body["payment_id"])
    assert ipn(client, ipn_params(payment))["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    return dossier, payment


def received(paying):
    world = paying.world
    return services.receive(paying.file(), ctx=paying.ctx(world.one_stop))


def test_a_paid_online_payment_gets_one_receipt_from_the_provider(provider, client):
    dossier, payment = paid_online(provider, client)
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.state == ReceiptState.PENDING and receipt.number == ""
    assert receipt.lines == [
        {"name": "Lệ phí cấp giấy", "kind": "le_phi", "amount": 50_000},
        {"name": "Phí chứng thực bản sao", "kind": "phi", "amount": 2_000},
    ]
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Đang phát hành biên lai" in page

    run_due_outbox()

    receipt.refresh_from_db()
    assert receipt.state == ReceiptState.ISSUED and receipt.last_error == ""
    assert (receipt.template, receipt.symbol, receipt.number) == ("01BLP0-001", "AA-26E", "0000001")
    assert receipt.issued_at is not None and receipt.lookup_code
    issued = EReceipt.objects.get()
    assert issued.reference == payment.reference and issued.total == 52_000
    assert issued.payment_method == "CK"
    assert issued.collector == {"name": dossier.receiving_agency.name, "tax_code": TAX_CODE}
    assert issued.payer["name"] == dossier.owner_name
    assert issued.items == receipt.lines
    assert issued.note == f"Hồ sơ {dossier.code}"
    # The payer looks it up on the provider's page, linked from both dossier pages.
    lookup = client.get(urlsplit(receipt.lookup_url).path)
    assert lookup.status_code == 200
    text = lookup.content.decode()
    assert "0000001" in text and "AA-26E" in text and "52.000 đ" in text
    for page_url, user in (
        (f"/ho-so/{dossier.code}/", provider.world.citizen),
        (f"/mot-cua/ho-so/{dossier.code}/", provider.world.one_stop),
    ):
        client.force_login(user)
        page = client.get(page_url).content.decode()
        assert "Biên lai điện tử số 0000001 ký hiệu AA-26E" in page
        assert f'href="{receipt.lookup_url}"' in page
        assert "Đang phát hành biên lai" not in page


def test_each_cash_payment_gets_its_own_receipt_for_the_lines_it_covers(provider):
    world = provider.world
    dossier = received(provider)
    first = payments.record_cash(dossier, ctx=provider.ctx(world.one_stop), amount=30_000)
    second = payments.record_cash(dossier, ctx=provider.ctx(world.one_stop), amount=22_000)
    assert OutboxMessage.objects.filter(kind="payments.receipt").count() == 2

    run_due_outbox()

    one, two = Receipt.objects.get(payment=first), Receipt.objects.get(payment=second)
    assert (one.state, one.number) == (ReceiptState.ISSUED, "0000001")
    assert (two.state, two.number) == (ReceiptState.ISSUED, "0000002")
    assert one.lines == [{"name": "Lệ phí cấp giấy", "kind": "le_phi", "amount": 30_000}]
    assert two.lines == [
        {"name": "Lệ phí cấp giấy", "kind": "le_phi", "amount": 20_000},
        {"name": "Phí chứng thực bản sao", "kind": "phi", "amount": 2_000},
    ]
    assert EReceipt.objects.count() == 2
    assert set(EReceipt.objects.values_list("payment_method", flat=True)) == {"TM"}


def test_a_provider_down_then_slow_then_back_issues_the_receipt_once(provider):
    world = provider.world
    payment = payments.record_cash(
        received(provider), ctx=provider.ctx(world.one_stop), amount=52_000
    )
    message = OutboxMessage.objects.get(kind="payments.receipt")
    faults.set_fault("receipts", "fail", seconds=600)
    run_due_outbox()  # the provider answers 503
    message.refresh_from_db()
    receipt = Receipt.objects.get(payment=payment)
    assert message.state == "pending" and message.attempts == 1
    assert receipt.state == ReceiptState.PENDING and "503" in receipt.last_error
    assert not EReceipt.objects.exists()

    # Slower than we wait (1 s): the provider issues, but its answer is lost.
    faults.set_fault("receipts", "slow", seconds=600, delay=1.5)
    run_due_outbox()
    deadline = time.monotonic() + 5
    while not EReceipt.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.2)  # let the sandbox finish the answer we gave up on
    receipt.refresh_from_db()
    assert receipt.state == ReceiptState.PENDING and "timed out" in receipt.last_error
    assert EReceipt.objects.count() == 1

    faults.clear("receipts")
    run_due_outbox()  # asked again: the same receipt, not a second one
    receipt.refresh_from_db()
    message.refresh_from_db()
    assert message.state == "done" and message.attempts == 3
    assert receipt.state == ReceiptState.ISSUED and receipt.number == "0000001"
    assert receipt.last_error == ""
    issued = EReceipt.objects.get()
    assert issued.asked == 2 and issued.lookup_code == receipt.lookup_code


def test_a_repeated_delivery_keeps_one_receipt_number(provider):
    world = provider.world
    payment = payments.record_cash(
        received(provider), ctx=provider.ctx(world.one_stop), amount=52_000
    )
    run_due_outbox()
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.number == "0000001"
    # The outbox delivers the message again (at least once): nothing is asked twice.
    OutboxMessage.objects.filter(kind="payments.receipt").update(
        state="pending", next_attempt_at=timezone.now()
    )
    assert outbox.run_worker(once=True).done >= 1
    assert EReceipt.objects.get().asked == 1
    # Asked again all the same (a worker that died before recording): the same receipt.
    issuer = receipts.get("http")
    again = issuer.issue(receipt_services.request_for(receipt))
    assert (again.number, again.symbol, again.lookup_code) == (
        "0000001",
        "AA-26E",
        receipt.lookup_code,
    )
    found = issuer.lookup(payment.reference)
    assert found is not None and found.number == "0000001"
    assert issuer.lookup("261124FFFFFFFFFFFF") is None
    assert EReceipt.objects.count() == 1 and EReceipt.objects.get().asked == 2
    receipt.refresh_from_db()
    assert receipt.number == "0000001"


def sandbox_post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_sandbox_refuses_a_forged_or_stale_request(provider, live_server):
    url = f"{live_server.url}/sandbox/receipts/v1/receipts"
    body = json.dumps(
        {
            "reference": "261124AAAAAAAAAAAA",
            "template": "01BLP0-001",
            "symbol": "AA-26E",
            "collector": {"name": "Một cửa X", "tax_code": TAX_CODE},
            "payer": {"name": "Nguyễn Văn A"},
            "items": [{"name": "Lệ phí", "kind": "le_phi", "amount": 1_000}],
            "total": 1_000,
            "payment_method": "TM",
            "paid_at": "2026-11-24T10:00:00+07:00",
        },
        ensure_ascii=False,
    ).encode()

    def signed(key: str, timestamp: int) -> dict:
        text = f"{timestamp}\nPOST\n/sandbox/receipts/v1/receipts\n".encode() + body
        return {
            "Content-Type": "application/json",
            "X-Receipt-Timestamp": str(timestamp),
            "X-Receipt-Signature": hmac.new(key.encode(), text, hashlib.sha256).hexdigest(),
        }

    now = int(time.time())
    assert sandbox_post(url, body, signed("not-the-shared-key", now)) == 401
    assert sandbox_post(url, body, signed(SECRET, now - 3600)) == 401  # a replay
    assert sandbox_post(url, body, {"Content-Type": "application/json"}) == 401
    assert not EReceipt.objects.exists()
    assert sandbox_post(url, body, signed(SECRET, now)) == 201  # the same, signed right


def test_a_refused_receipt_fails_for_good_until_an_operator_retries(provider, settings):
    world = provider.world
    settings.MOTCUA["RECEIPTS"] = {**settings.MOTCUA["RECEIPTS"], "TAX_CODE": "12345"}
    payment = payments.record_cash(
        received(provider), ctx=provider.ctx(world.one_stop), amount=52_000
    )
    run_due_outbox()  # the provider answers 422: no retry would help
    receipt = Receipt.objects.get(payment=payment)
    message = OutboxMessage.objects.get(kind="payments.receipt")
    assert message.state == "failed" and message.attempts == 1
    assert receipt.state == ReceiptState.FAILED and "422" in receipt.last_error
    settings.MOTCUA["RECEIPTS"] = {**settings.MOTCUA["RECEIPTS"], "TAX_CODE": TAX_CODE}
    assert outbox.retry(message)  # the operators' "Thử gửi lại"
    run_due_outbox()
    receipt.refresh_from_db()
    assert receipt.state == ReceiptState.ISSUED and receipt.number == "0000001"


def test_no_receipt_without_a_configured_issuer(provider, settings, client):
    settings.MOTCUA["RECEIPTS"] = {**settings.MOTCUA["RECEIPTS"], "ISSUER": ""}
    world = provider.world
    payments.record_cash(received(provider), ctx=provider.ctx(world.one_stop), amount=52_000)
    paid_online(provider, client)
    assert Payment.objects.filter(state=PaymentState.PAID).count() == 2
    assert not Receipt.objects.exists()
    assert not OutboxMessage.objects.filter(kind="payments.receipt").exists()
    run_due_outbox()
    assert not EReceipt.objects.exists()
