"""SMS end to end against the sandbox gateway over real HTTP (issue 5 §4, §6): sent from the
outbox, delivery reported back and recorded; the gateway down for a while and back → the SMS
arrives, once; a worker that dies after the gateway took the SMS sends no second one; a
forged, replayed or repeated report changes nothing."""

import json
import time

import pytest

from motcua.core.models import OutboxMessage
from motcua.dossiers import services
from motcua.notify import sms
from motcua.notify.models import Message
from motcua.sandbox import faults
from motcua.sandbox.models import SmsMessage
from tests.conftest import run_due_outbox
from tests.dossiers.conftest import world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("tiers")]


@pytest.fixture
def gateway(world, live_server, settings):  # noqa: F811
    settings.SITE_URL = live_server.url
    settings.MOTCUA["SMS"] = {
        **settings.MOTCUA["SMS"],
        "API_URL": f"{live_server.url}/sandbox/sms",
        "TIMEOUT_SECONDS": 1,
    }
    world.citizen.email = ""
    world.citizen.save()
    return world


def received(world):  # noqa: F811
    return services.receive(world.file(), ctx=world.ctx(world.one_stop))


def test_the_receipt_sms_is_sent_and_its_delivery_recorded(gateway):
    dossier = received(gateway)
    run_due_outbox()  # our worker sends; the sandbox takes it and queues its report
    text = Message.objects.get(dossier=dossier, channel="sms")
    assert text.status == "sent" and text.gateway_id
    taken = SmsMessage.objects.get()
    assert taken.to == "84901234567" and dossier.code in taken.text and taken.text.isascii()
    run_due_outbox()  # the sandbox reports delivery to our callback
    text.refresh_from_db()
    assert text.status == "delivered"


def test_with_the_gateway_down_the_sms_arrives_once_it_is_back(gateway):
    faults.set_fault("sms", "fail", seconds=600)
    dossier = received(gateway)
    run_due_outbox()
    run_due_outbox()
    queued = OutboxMessage.objects.get(kind="sms.send")
    assert queued.state == "pending" and queued.attempts == 2
    faults.set_fault("sms", "slow", seconds=600, delay=1.5)  # slower than we wait (1 s)
    run_due_outbox()
    time.sleep(0.8)  # the gateway finishes the request we gave up on: it took the SMS
    assert SmsMessage.objects.count() == 1
    faults.clear("sms")
    run_due_outbox()
    run_due_outbox()
    assert SmsMessage.objects.count() == 1  # once, even after a time-out
    assert Message.objects.get(dossier=dossier, channel="sms").status == "delivered"


def test_a_worker_dying_after_the_gateway_took_the_sms_sends_no_second_one(gateway):
    received(gateway)
    text = Message.objects.get(channel="sms")
    # The gateway takes it, then our worker dies before recording the outcome.
    sms.gateway().send(to=text.to, text=text.text, client_ref=text.key, callback_url="")
    run_due_outbox()  # the outbox runs the message again after the lease
    assert SmsMessage.objects.count() == 1
    text.refresh_from_db()
    assert text.status in ("sent", "delivered")


def signed(body: dict, *, stamp: int | None = None) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    ts = str(stamp if stamp is not None else int(time.time()))
    secret = "demo-sms-callback-secret"
    return raw, {
        "HTTP_X_SMS_TIMESTAMP": ts,
        "HTTP_X_SMS_SIGNATURE": sms.signature(secret, ts, raw),
    }


def test_forged_replayed_and_repeated_reports_change_nothing(gateway, client):
    received(gateway)
    run_due_outbox()
    text = Message.objects.get(channel="sms")
    report = {"id": text.gateway_id, "client_ref": text.key, "status": "failed"}
    raw, headers = signed(report)
    headers["HTTP_X_SMS_SIGNATURE"] = "0" * 64
    forged = client.post("/notify/sms/report", raw, content_type="application/json", **headers)
    assert forged.status_code == 403
    raw, headers = signed(report, stamp=int(time.time()) - 3600)
    old = client.post("/notify/sms/report", raw, content_type="application/json", **headers)
    assert old.status_code == 403
    raw, headers = signed({**report, "status": "delivered"})
    ok = client.post("/notify/sms/report", raw, content_type="application/json", **headers)
    assert ok.status_code == 200
    raw, headers = signed(report)  # a late "failed" after "delivered"
    client.post("/notify/sms/report", raw, content_type="application/json", **headers)
    text.refresh_from_db()
    assert text.status == "delivered"
