"""Dossiers in from the national portal (issue 6 §1): only a partner's signed, fresh, first-seen
request is taken; the same national dossier twice is one dossier; a bad one changes nothing;
an accepted one is an online dossier here, received through the usual services, with its
national code beside ours. The signatures are computed here from docs/national-sync.md."""

import base64
import hashlib
import hmac
import json
import secrets
import time

import pytest

from motcua.core.models import OutboxMessage
from motcua.dossiers import services
from motcua.dossiers.models import Channel, Dossier, State
from motcua.interop.models import InboundState, NationalInbound, StatusSnapshot
from motcua.payments.models import Payment
from tests.documents.samples import pdf
from tests.dossiers.test_forms import read, text_of

pytestmark = pytest.mark.django_db

PATH = "/interop/national/v1/dossiers"
SECRET = "bi-mat-cua-cong-quoc-gia-2026"


@pytest.fixture
def national(settings):
    settings.MOTCUA = {
        **settings.MOTCUA,
        "NATIONAL": {
            **settings.MOTCUA["NATIONAL"],
            "API_URL": "http://127.0.0.1:9/unreachable",
            "SYSTEM_CODE": "TEST-MOTCUA",
            "SECRET": "ours",
            "PARTNERS": {"DVCQG": SECRET},
        },
    }


def signed(body: bytes, *, secret=SECRET, partner="DVCQG", timestamp=None, nonce=None):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(12)
    text = f"{timestamp}\n{nonce}\nPOST\n{PATH}\n{hashlib.sha256(body).hexdigest()}"
    return {
        "HTTP_X_PARTNER": partner,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_NONCE": nonce,
        "HTTP_X_SIGNATURE": hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest(),
    }


def national_dossier(world, **overrides):
    body = {
        "national_code": "G22.99-261124-000123",
        "procedure_code": world.version.procedure.code,
        "agency_code": world.desk_x.code,
        "submitted_at": "2026-11-24T09:15:00+07:00",
        "owner": {
            "full_name": "Lê Thị Cúc",
            "id_number": "079190001234",
            "phone": "0903123456",
            "email": "cuc@example.vn",
            "address": "12 Lê Lợi, TP.HCM",
        },
        "form": None,
        "documents": [
            {
                "key": "to-khai",
                "name": "to-khai.pdf",
                "content_base64": base64.b64encode(pdf()).decode(),
            }
        ],
        "delivery": {"method": "counter"},
    }
    body.update(overrides)
    return json.dumps(body, ensure_ascii=False).encode()


def send(client, body, **headers):
    return client.post(
        PATH, data=body, content_type="application/json", **(headers or signed(body))
    )


def test_a_signed_dossier_becomes_an_online_dossier_with_both_codes(world, national, client):
    answer = send(client, national_dossier(world))
    assert answer.status_code == 201, answer.content
    data = answer.json()
    dossier = Dossier.objects.get(national_code="G22.99-261124-000123")
    assert data == {"national_code": dossier.national_code, "code": dossier.code, "state": "filed"}
    assert (
        dossier.code.startswith(f"{world.desk_x.code}-") and dossier.code != dossier.national_code
    )
    assert dossier.state == State.SUBMITTED and dossier.channel == Channel.ONLINE
    assert dossier.account is None and dossier.owner_name == "Lê Thị Cúc"
    assert dossier.documents.filter(document_key="to-khai").count() == 1
    # The desk receives it like any online dossier, and the national portal hears of it.
    services.receive(dossier, ctx=world.ctx(world.one_stop))
    pushed = list(StatusSnapshot.objects.filter(dossier=dossier).values_list("seq", "body"))
    assert [(seq, body["status"]) for seq, body in pushed] == [(1, 1), (2, 2)]
    assert pushed[0][1]["national_code"] == "G22.99-261124-000123"
    assert OutboxMessage.objects.filter(kind="interop.push").count() == 2


def test_the_same_national_dossier_twice_is_one_dossier(world, national, client):
    body = national_dossier(world)
    first = send(client, body)
    again = send(client, body)  # a new nonce: a genuine resend, not a replay
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Dossier.objects.filter(national_code="G22.99-261124-000123").count() == 1
    changed = national_dossier(world, delivery={"method": "online"})
    assert send(client, changed).status_code == 409
    assert Dossier.objects.count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        {"secret": "not-the-secret"},
        {"partner": "KHAC"},
        {"timestamp": int(time.time()) - 3600},
    ],
    ids=["forged signature", "unknown partner", "stale timestamp"],
)
def test_a_request_not_signed_by_a_partner_is_refused(world, national, client, tamper):
    body = national_dossier(world)
    answer = send(client, body, **signed(body, **tamper))
    assert answer.status_code == 401
    assert not NationalInbound.objects.exists() and not Dossier.objects.exists()


def test_a_replayed_request_is_refused(world, national, client):
    body = national_dossier(world)
    headers = signed(body)
    assert send(client, body, **headers).status_code == 201
    assert send(client, body, **headers).status_code == 401


def test_a_body_changed_after_signing_is_refused(world, national, client):
    body = national_dossier(world)
    headers = signed(body)
    assert (
        send(client, national_dossier(world, national_code="G22.99-X"), **headers).status_code
        == 401
    )


def test_a_dossier_that_cannot_be_filed_changes_nothing(world, national, client):
    bad = national_dossier(world, documents=[], procedure_code="9.999999")
    answer = send(client, bad)
    assert answer.status_code == 422
    assert "procedure_code" in answer.json()["problems"]
    missing = national_dossier(world, documents=[])
    answer = send(client, missing)
    assert answer.status_code == 422 and "document_to-khai" in answer.json()["problems"]
    assert "Thiếu" in answer.json()["problems"]["document_to-khai"][0]
    not_a_pdf = national_dossier(
        world,
        documents=[
            {
                "key": "to-khai",
                "name": "x.pdf",
                "content_base64": base64.b64encode(b"MZ..").decode(),
            }
        ],
    )
    assert send(client, not_a_pdf).status_code == 422
    assert not NationalInbound.objects.exists() and not Dossier.objects.exists()
    # And the national portal may send it again, corrected, with the same code.
    assert send(client, national_dossier(world)).status_code == 201


def test_linked_documents_are_fetched_before_the_dossier_is_filed(world, national, client):
    body = national_dossier(
        world,
        documents=[{"key": "to-khai", "name": "to-khai.pdf", "url": "https://files.invalid/a"}],
    )
    answer = send(client, body)
    assert answer.status_code == 201
    assert answer.json() == {
        "national_code": "G22.99-261124-000123",
        "code": None,
        "state": "fetching",
    }
    assert NationalInbound.objects.get().state == InboundState.FETCHING
    assert OutboxMessage.objects.filter(kind="interop.fetch").count() == 1
    assert not Dossier.objects.exists()


def test_fees_paid_on_the_national_portal_are_recorded(world, national, client):
    body = national_dossier(world, payment={"paid_online": 1, "amount": 8000, "reference": "PG-1"})
    assert send(client, body).status_code == 201
    payment = Payment.objects.get()
    assert (payment.provider, payment.amount, payment.state) == ("dvcqg", 8000, "paid")
    snapshot = StatusSnapshot.objects.get()
    assert snapshot.body["paid_online"] == 1


def test_intake_is_closed_when_the_sync_is_not_configured(world, client):
    body = national_dossier(world)
    assert send(client, body).status_code == 503


def test_the_public_look_up_finds_a_dossier_by_its_national_code(world, national, client):
    send(client, national_dossier(world))
    dossier = Dossier.objects.get()
    found = services.lookup("G22.99-261124-000123", phone="0903123456")
    assert found == dossier
    with pytest.raises(services.NotVisible):
        services.lookup("G22.99-261124-000123", phone="0911111111")


def test_form_01_and_the_officer_page_show_the_national_code(world, national, client):
    send(client, national_dossier(world))
    dossier = services.receive(Dossier.objects.get(), ctx=world.ctx(world.one_stop))
    client.force_login(world.one_stop)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "G22.99-261124-000123" in page
    found = client.get("/mot-cua/hang-doi/tat-ca/?q=G22.99-261124-000123").content.decode()
    assert dossier.code in found
    slip = client.get(f"/ho-so/{dossier.code}/mau-01.pdf")
    text = " ".join(text_of(read(slip.content)).split())
    assert dossier.code in text and "G22.99-261124-000123" in text
