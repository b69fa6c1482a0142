"""The sandbox national public service portal (issue 6): its own side of docs/national-sync.md.

First its own checks, over Django's test client and a small local HTTP server standing for the
province: only the province's signed, fresh, first-seen calls are taken; an older snapshot
never overwrites a newer one and the newer is acknowledged; reconciliation; the linked files;
the dossiers it sends (what they hold, how they are signed, when it stops trying). The
signatures are computed here from the contract, apart from both sides' code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from motcua.core.models import OutboxMessage
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, State
from motcua.interop.models import SyncState
from motcua.payments.models import Payment
from motcua.sandbox import faults, national
from motcua.sandbox.models import DvcqgDossier, DvcqgFile, DvcqgStatus
from tests.conftest import run_due_outbox
from tests.factories import make_agency, make_procedure

PROVINCE = "TEST-MOTCUA"
PROVINCE_SECRET = "bi-mat-cua-tinh-2026"
PORTAL_SECRET = "bi-mat-cua-cong-quoc-gia-2026"
STATUSES = "/sandbox/dvcqg/api/statuses"
ACKS = "/sandbox/dvcqg/api/statuses/acks"


@pytest.fixture
def portal(settings):
    settings.MOTCUA = {
        **settings.MOTCUA,
        "NATIONAL": {
            **settings.MOTCUA.get("NATIONAL", {}),
            "SYSTEM_CODE": PROVINCE,
            "SECRET": PROVINCE_SECRET,
            "PARTNERS": {"DVCQG": PORTAL_SECRET},
            "TIMEOUT_SECONDS": 2,
        },
    }


def contract_signature(secret, timestamp, nonce, method, path, body: bytes) -> str:
    text = f"{timestamp}\n{nonce}\n{method}\n{path}\n{hashlib.sha256(body).hexdigest()}"
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def signed(path, body=b"", *, method="POST", secret=PROVINCE_SECRET, partner=PROVINCE, **kw):
    timestamp = str(int(kw.get("at", time.time())))
    nonce = kw.get("nonce") or secrets.token_urlsafe(18)
    return {
        "HTTP_X_PARTNER": partner,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_NONCE": nonce,
        "HTTP_X_SIGNATURE": contract_signature(secret, timestamp, nonce, method, path, body),
    }


def snapshot(seq, status, *, code="000.00.00.H29-261124-0007", national_code=None, state="x"):
    return json.dumps(
        {
            "code": code,
            "national_code": national_code,
            "seq": seq,
            "status": status,
            "state": state,
            "channel": 2,
            "paid_online": 0,
            "procedure_code": "2.000635",
            "owner_name": "Nguyễn Văn An",
            "changed_at": f"2026-11-24T10:0{seq}:00+07:00",
            "action": "test",
            "note": "",
        },
        ensure_ascii=False,
    ).encode()


def push(client, body, headers=None):
    return client.post(
        STATUSES, data=body, content_type="application/json", **(headers or signed(STATUSES, body))
    )


# --- signed, fresh, first seen ------------------------------------------------------------


@pytest.mark.django_db
def test_a_push_with_a_forged_signature_a_stale_timestamp_or_a_reused_nonce_is_refused(
    portal, client
):
    body = snapshot(1, 1)
    refusals = {
        "forged": signed(STATUSES, body, secret="doan-mo"),
        "another partner": signed(STATUSES, body, partner="HN-MOTCUA"),
        "stale": signed(STATUSES, body, at=time.time() - 301),
        "from the future": signed(STATUSES, body, at=time.time() + 400),
        "another path": signed("/sandbox/dvcqg/api/statuses/acks", body),
        "another body": signed(STATUSES, snapshot(1, 2)),
        "short nonce": signed(STATUSES, body, nonce="ngan"),
        "unsigned": {},
    }
    for why, headers in refusals.items():
        answer = client.post(STATUSES, data=body, content_type="application/json", **headers)
        assert answer.status_code == 401, why
        assert "error" in answer.json(), why
    assert not DvcqgStatus.objects.exists()
    once = signed(STATUSES, body)
    assert push(client, body, once).json() == {"acked_seq": 1}
    replayed = push(client, body, once)
    assert replayed.status_code == 401 and replayed.json()["error"] == "nonce already used"
    assert DvcqgStatus.objects.count() == 1


@pytest.mark.django_db
def test_an_older_snapshot_after_a_newer_one_does_not_overwrite_and_acks_the_newer(portal, client):
    assert push(client, snapshot(1, 1)).json() == {"acked_seq": 1}
    assert push(client, snapshot(3, 4, state="in_process")).json() == {"acked_seq": 3}
    late = push(client, snapshot(2, 2, state="received"))  # a retried push, overtaken
    assert late.status_code == 200 and late.json() == {"acked_seq": 3}
    assert push(client, snapshot(3, 4, state="in_process")).json() == {"acked_seq": 3}
    held = DvcqgDossier.objects.get()
    assert held.partner == PROVINCE and held.code == "000.00.00.H29-261124-0007"
    assert held.held_seq == 3 and held.snapshot["status"] == 4
    rows = list(held.statuses.values_list("seq", "status", "kept"))
    assert rows == [(1, 1, True), (3, 4, True), (2, 2, False), (3, 4, False)]
    assert national.chain(held.statuses.all()) == "1 → 4"


@pytest.mark.django_db
def test_an_unusable_snapshot_is_a_400(portal, client):
    for body in (b"{", b"[]", json.dumps({"code": "X", "seq": 0, "status": 1}).encode()):
        assert push(client, body).status_code == 400
    no_codes = json.dumps({"code": None, "national_code": None, "seq": 1, "status": 3}).encode()
    assert push(client, no_codes).status_code == 400
    assert push(client, snapshot(1, 11)).status_code == 400


@pytest.mark.django_db
def test_acks_tell_the_highest_sequence_held_and_zero_for_an_unknown_dossier(portal, client):
    push(client, snapshot(1, 1))
    push(client, snapshot(2, 2))
    body = json.dumps({"codes": ["000.00.00.H29-261124-0007", "000.00.00.H29-261124-0099"]})
    body = body.encode()
    answer = client.post(ACKS, data=body, content_type="application/json", **signed(ACKS, body))
    assert answer.status_code == 200
    assert answer.json() == {
        "acks": {"000.00.00.H29-261124-0007": 2, "000.00.00.H29-261124-0099": 0}
    }
    forged = signed(ACKS, body, secret="doan-mo")
    assert (
        client.post(ACKS, data=body, content_type="application/json", **forged).status_code == 401
    )
    too_many = json.dumps({"codes": [f"C-{n}" for n in range(501)]}).encode()
    assert (
        client.post(
            ACKS, data=too_many, content_type="application/json", **signed(ACKS, too_many)
        ).status_code
        == 400
    )


@pytest.mark.django_db
def test_a_refusal_status_without_our_code_is_kept_by_national_code(portal, client):
    """Status 3 (not received) for a dossier that could not be filed has no code of ours."""
    sent = DvcqgDossier.objects.create(
        partner=PROVINCE, national_code="G22.99-261124-000001", request_body="{}"
    )
    body = json.loads(snapshot(1, 3, code=None, national_code=sent.national_code))
    body |= {"state": "refused", "note": "Không tải được “giay-to.pdf”: HTTP 404"}
    assert push(client, json.dumps(body).encode()).json() == {"acked_seq": 1}
    sent.refresh_from_db()
    assert sent.held_seq == 1 and sent.snapshot["status"] == 3 and sent.code == ""
    assert sent.statuses.get().note == body["note"]
    assert "HTTP 404" in client.get(f"/sandbox/dvcqg/ho-so/{sent.pk}/").content.decode()
    # Our code later for it: the same dossier, now known by both.
    push(client, snapshot(2, 1, national_code=sent.national_code))
    sent.refresh_from_db()
    assert sent.code == "000.00.00.H29-261124-0007" and DvcqgDossier.objects.count() == 1
    # A different code for the same national code is a conflict.
    other = snapshot(3, 2, code="000.00.00.H29-261124-0008", national_code=sent.national_code)
    assert push(client, other).status_code == 409


# --- the dossiers it sends ----------------------------------------------------------------


@pytest.fixture
def procedure():
    """A published procedure with two required documents, a fee and an e-form (transactional
    tests ask for ``tiers`` first)."""
    desk = make_agency(tier="commune", name="Một cửa thử")
    return make_procedure(
        code="2.000635",
        name="Cấp bản sao trích lục hộ tịch",
        receivers=[desk],
        documents=[
            {"key": "to-khai", "name": "Tờ khai", "required": True},
            {"key": "giay-to-tuy-than", "name": "Giấy tờ tùy thân", "required": True},
            {"key": "giay-uy-quyen", "name": "Văn bản ủy quyền", "required": False},
        ],
        fees=[{"kind": "le_phi", "name": "Lệ phí cấp bản sao", "amount": 8000}],
        form_schema={
            "type": "object",
            "required": ["ho_ten", "so_ban_sao"],
            "properties": {
                "ho_ten": {"type": "string", "title": "Họ tên", "minLength": 1},
                "so_ban_sao": {"type": "integer", "minimum": 1, "maximum": 5},
                "ngay_sinh": {"type": "string", "format": "date"},
            },
        },
    )


@pytest.mark.django_db
def test_a_dossier_it_sends_holds_what_the_contract_asks(portal, procedure, settings):
    settings.SITE_URL = "https://tinh.example.vn"
    sent = national.send_dossier(procedure_code="2.000635", delivery="post", seed=7)
    body = json.loads(sent.request_body)
    assert re.fullmatch(r"G22\.99-\d{6}-000001", body["national_code"])
    assert sent.national_code == body["national_code"] and sent.partner == PROVINCE
    assert body["procedure_code"] == "2.000635" and "agency_code" not in body
    assert re.fullmatch(r".+\+07:00", body["submitted_at"])
    owner = body["owner"]
    assert owner["full_name"] and re.fullmatch(r"\d{12}", owner["id_number"])
    assert re.fullmatch(r"0\d{9}", owner["phone"])
    assert set(body["form"]) >= {"ho_ten", "so_ban_sao"}
    inline, linked = body["documents"]  # the required ones only
    pdf = base64.b64decode(inline["content_base64"])
    assert inline["key"] == "to-khai" and pdf.startswith(b"%PDF-1.4") and b"%%EOF" in pdf
    assert linked["key"] == "giay-to-tuy-than" and "content_base64" not in linked
    assert linked["url"].startswith("https://tinh.example.vn/sandbox/dvcqg/api/files/")
    stored = DvcqgFile.objects.get(key="giay-to-tuy-than")
    assert linked["sha256"] == hashlib.sha256(bytes(stored.content)).hexdigest()
    assert body["delivery"] == {"method": "post", "post_address": owner["address"]}
    assert body["payment"]["paid_online"] == 1 and body["payment"]["amount"] == 8000
    message = OutboxMessage.objects.get(kind=national.SEND_KIND)
    assert message.payload == {"dossier": sent.pk}
    again = national.send_dossier(procedure_code="2.000635", delivery="online")
    assert again.national_code.endswith("-000002")


@pytest.mark.django_db
def test_the_demo_sends_a_few_dossiers_for_procedures_filed_online(portal, procedure):
    make_procedure(name="Chỉ cung cấp thông tin", online_level="info")
    sent = national.send_demo_dossiers(n=3, seed=1)
    assert [d.procedure_code for d in sent] == ["2.000635"] * 3
    assert len({d.national_code for d in sent}) == 3
    assert OutboxMessage.objects.filter(kind=national.SEND_KIND).count() == 3


@pytest.mark.django_db
def test_the_linked_files_go_only_to_the_provinces_signed_get(portal, procedure, client):
    sent = national.send_dossier(procedure_code="2.000635", delivery="online")
    stored = DvcqgFile.objects.get(dossier=sent, inline=False)
    path = f"/sandbox/dvcqg/api/files/{stored.token}"
    assert client.get(path).status_code == 401
    assert client.get(path, **signed(path, method="GET", secret="doan-mo")).status_code == 401
    answer = client.get(path, **signed(path, method="GET"))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert hashlib.sha256(answer.content).hexdigest() == stored.sha256
    inline = DvcqgFile.objects.get(dossier=sent, inline=True)
    unknown = f"/sandbox/dvcqg/api/files/{inline.token}"
    assert client.get(unknown, **signed(unknown, method="GET")).status_code == 404
    faults.set_fault("dvcqg", "fail", seconds=60)
    assert client.get(path, **signed(path, method="GET")).status_code == 503
    stored.refresh_from_db()
    assert stored.fetched == 1


class Province(BaseHTTPRequestHandler):
    """The province's intake, answering what the test tells it to, in order."""

    answers: list[tuple[int, dict]] = []
    seen: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, answer = type(self).answers.pop(0)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def province(settings):
    Province.answers, Province.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Province)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SITE_URL = f"http://127.0.0.1:{server.server_port}"
    yield Province
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_it_sends_signed_and_tries_again_until_the_province_takes_it(
    tiers, portal, procedure, province
):
    sent = national.send_dossier(procedure_code="2.000635", delivery="online")
    province.answers = [
        (503, {"error": "bận"}),
        (401, {"error": "clock"}),
        (201, {"national_code": sent.national_code, "code": "X-261124-0001", "state": "filed"}),
    ]
    for _ in range(3):
        run_due_outbox()
    message = OutboxMessage.objects.get(kind=national.SEND_KIND)
    assert message.state == "done" and message.attempts == 3
    sent.refresh_from_db()
    assert sent.sending == "accepted" and sent.code == "X-261124-0001"
    assert [a["status"] for a in sent.answers] == [503, 401, 201]
    for request in province.seen:
        headers = request["headers"]
        assert request["path"] == "/interop/national/v1/dossiers"
        assert headers["X-Partner"] == "DVCQG"
        assert re.fullmatch(r"[A-Za-z0-9_-]{16,64}", headers["X-Nonce"])
        assert abs(int(headers["X-Timestamp"]) - time.time()) < 60
        assert headers["X-Signature"] == contract_signature(
            PORTAL_SECRET,
            headers["X-Timestamp"],
            headers["X-Nonce"],
            "POST",
            request["path"],
            request["body"],
        )
        assert request["body"] == sent.request_body.encode()
    assert len({r["headers"]["X-Nonce"] for r in province.seen}) == 3


@pytest.mark.django_db(transaction=True)
def test_a_4xx_other_than_401_stops_it_and_the_answer_is_kept(tiers, portal, procedure, province):
    sent = national.send_dossier(procedure_code="2.000635", delivery="online")
    problems = {"document_to-khai": ["Thiếu “Tờ khai”."]}
    province.answers = [(422, {"error": "Hồ sơ chưa đầy đủ.", "problems": problems})]
    run_due_outbox()
    run_due_outbox()
    message = OutboxMessage.objects.get(kind=national.SEND_KIND)
    assert message.state == "failed" and message.attempts == 1
    sent.refresh_from_db()
    assert sent.sending == "refused" and sent.code == ""
    assert sent.answers[0]["status"] == 422 and sent.answers[0]["body"]["problems"] == problems


# --- its page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_its_page_sends_a_dossier_with_csrf_and_lists_the_statuses_in_order(
    portal, procedure, client
):
    strict = Client(enforce_csrf_checks=True)
    form = {"procedure": "2.000635", "delivery": "counter"}
    assert strict.post("/sandbox/dvcqg/", form).status_code == 403
    page = client.get("/sandbox/dvcqg/")
    assert page.status_code == 200
    assert '<option value="2.000635">2.000635 – Cấp bản sao trích lục hộ tịch</option>' in (
        page.content.decode()
    )
    sent = client.post("/sandbox/dvcqg/", form)
    assert sent.status_code == 302
    held = DvcqgDossier.objects.get()
    assert sent["Location"].endswith(f"?gui={held.national_code}")
    assert OutboxMessage.objects.filter(kind=national.SEND_KIND).count() == 1
    assert json.loads(held.request_body)["delivery"] == {"method": "counter"}
    code = "000.00.00.H29-261124-0007"
    for seq, status in enumerate((1, 2, 4, 4, 9, 10), start=1):
        push(client, snapshot(seq, status, national_code=held.national_code, code=code))
    text = client.get("/sandbox/dvcqg/").content.decode()
    assert held.national_code in text and code in text
    assert "1 → 2 → 4 → 9 → 10" in text and "10 – Đã trả kết quả" in text
    detail = client.get(f"/sandbox/dvcqg/ho-so/{held.pk}/").content.decode()
    assert "Đã trả kết quả" in detail and "lần 6" in detail
    assert client.post("/sandbox/dvcqg/", {"procedure": "9.999999"}).status_code == 422


# --- end to end: the sandbox national portal and motcua.interop over HTTP ------------------


@pytest.fixture
def linked(tiers, world, live_server, settings):
    """Both sides on the live server: the sandbox sends to our intake, we push to it."""
    settings.SITE_URL = live_server.url
    settings.MOTCUA = {
        **settings.MOTCUA,
        "NATIONAL": {
            **settings.MOTCUA.get("NATIONAL", {}),
            "API_URL": f"{live_server.url}/sandbox/dvcqg/api",
            "SYSTEM_CODE": PROVINCE,
            "SECRET": PROVINCE_SECRET,
            "PARTNERS": {"DVCQG": PORTAL_SECRET},
            "TIMEOUT_SECONDS": 2,
        },
    }
    make_procedure(
        code="2.000635",
        name="Cấp bản sao trích lục hộ tịch",
        receivers=[world.desk_x],
        competent_agency=world.department,
        documents=[
            {"key": "to-khai", "name": "Tờ khai", "required": True},
            {"key": "giay-to-tuy-than", "name": "Giấy tờ tùy thân", "required": True},
        ],
        fees=[{"kind": "le_phi", "name": "Lệ phí cấp bản sao", "amount": 8000}],
    )
    return world


def drain(rounds: int = 8) -> None:
    """Worker passes until nothing is due (a message queued by a pass runs in the next)."""
    for _ in range(rounds):
        run_due_outbox()
        if not OutboxMessage.objects.filter(state="pending").exists():
            return


def handled_to_the_end(world, dossier):
    dossier = services.receive(dossier, ctx=world.ctx(world.one_stop))
    dossier = services.route(dossier, ctx=world.ctx(world.one_stop))
    dossier = services.result_ready(dossier, ctx=world.ctx(world.leader))
    return services.return_result(dossier, ctx=world.ctx(world.one_stop))


def kept(held: DvcqgDossier) -> list[tuple[int, int]]:
    return list(held.statuses.filter(kept=True).values_list("seq", "status"))


@pytest.mark.django_db(transaction=True)
def test_a_dossier_sent_from_the_national_portal_becomes_one_dossier_here(linked):
    sent = national.send_dossier(procedure_code="2.000635", delivery="counter")
    drain()
    sent.refresh_from_db()
    assert sent.sending == "accepted" and sent.answers[0]["status"] == 201
    assert sent.answers[0]["body"]["state"] == "fetching"  # one document by link
    dossier = Dossier.objects.get(national_code=sent.national_code)
    assert dossier.state == State.SUBMITTED and dossier.code == sent.code
    assert dossier.owner_name == sent.owner_name
    assert sorted(dossier.documents.values_list("document_key", flat=True)) == [
        "giay-to-tuy-than",
        "to-khai",
    ]
    assert DvcqgFile.objects.get(dossier=sent, inline=False).fetched == 1
    assert Payment.objects.get(dossier=dossier).amount == 8000
    assert kept(sent) == [(1, 1)] and sent.snapshot["code"] == dossier.code


@pytest.mark.django_db(transaction=True)
def test_a_dossier_sent_twice_is_one_dossier(linked):
    sent = national.send_dossier(procedure_code="2.000635", delivery="online", inline_only=True)
    drain()
    national.resend(sent)
    drain()
    sent.refresh_from_db()
    assert [a["status"] for a in sent.answers] == [201, 200]
    assert sent.answers[0]["body"] == sent.answers[1]["body"]
    assert sent.answers[0]["body"]["state"] == "filed"
    assert Dossier.objects.filter(national_code=sent.national_code).count() == 1
    assert DvcqgDossier.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_national_portal_down_while_the_office_works_then_every_status_arrives_in_order(
    linked,
):
    sent = national.send_dossier(procedure_code="2.000635", delivery="counter")
    drain()
    dossier = Dossier.objects.get(national_code=sent.national_code)
    faults.set_fault("dvcqg", "fail", seconds=600)
    dossier = handled_to_the_end(linked, dossier)
    drain(rounds=3)
    sent.refresh_from_db()
    assert sent.held_seq == 1  # nothing got through
    assert OutboxMessage.objects.filter(kind="interop.push", state="pending").exists()
    faults.clear("dvcqg")
    drain()
    sent.refresh_from_db()
    sync = SyncState.objects.get(dossier=dossier)
    assert sync.acked_seq == sync.last_seq == sent.held_seq > 4
    arrived = kept(sent)
    assert [seq for seq, _ in arrived] == list(range(1, sync.last_seq + 1))  # each, in order
    assert national.chain(sent.statuses.all()) == "1 → 2 → 4 → 9 → 10"
    assert sent.snapshot["state"] == "returned" and sent.snapshot["dates"]["returned_at"]


@pytest.mark.django_db(transaction=True)
def test_forged_credentials_are_refused_both_ways(linked, monkeypatch, live_server):
    # The portal signs with a secret we do not know: 401, tried again, nothing filed.
    monkeypatch.setattr(national, "own_secret", lambda: "doan-mo")
    sent = national.send_dossier(procedure_code="2.000635", delivery="counter")
    drain(rounds=2)
    sent.refresh_from_db()
    assert {a["status"] for a in sent.answers} == {401} and sent.sending == "queued"
    assert not Dossier.objects.exists()
    monkeypatch.undo()
    drain()
    dossier = Dossier.objects.get(national_code=sent.national_code)
    # We sign with a secret the portal does not know: refused, the push waits.
    monkeypatch.setattr(national, "provinces", lambda: {PROVINCE: "doan-mo"})
    services.receive(dossier, ctx=linked.ctx(linked.one_stop))
    drain(rounds=2)
    sent.refresh_from_db()
    assert sent.held_seq == 1
    assert SyncState.objects.get(dossier=dossier).acked_seq == 1
    monkeypatch.undo()
    drain()
    sent.refresh_from_db()
    assert kept(sent) == [(1, 1), (2, 2)]
    # A caller that signs nothing at all, either way.
    for path in ("/interop/national/v1/dossiers", STATUSES):
        url = f"{live_server.url}{path}"
        request = urllib.request.Request(url, data=b"{}", method="POST")  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - the live server
        assert refused.value.code == 401


@pytest.mark.django_db(transaction=True)
def test_a_dossier_whose_linked_file_is_gone_comes_back_as_not_received(linked):
    sent = national.send_dossier(procedure_code="2.000635", delivery="counter")
    DvcqgFile.objects.filter(dossier=sent, inline=False).delete()  # the link answers 404
    drain()
    sent.refresh_from_db()
    assert sent.answers[0]["status"] == 201 and sent.answers[0]["body"]["state"] == "fetching"
    assert not Dossier.objects.filter(national_code=sent.national_code).exists()
    assert kept(sent) == [(1, 3)] and sent.code == ""
    assert sent.snapshot["code"] is None and sent.snapshot["state"] == "refused"
    assert "404" in sent.statuses.get().note


@pytest.mark.django_db(transaction=True)
def test_reconciliation_resends_what_the_national_side_lost(linked):
    """The national side restored an old backup: it holds only the first two statuses.
    The periodic comparison asks it, sees the gap and sends the rest again, in order."""
    from motcua.interop import status as national_status

    sent = national.send_dossier(procedure_code="2.000635", delivery="counter")
    drain()
    dossier = handled_to_the_end(linked, Dossier.objects.get(national_code=sent.national_code))
    drain()
    sent.refresh_from_db()
    last = SyncState.objects.get(dossier=dossier).last_seq
    assert sent.held_seq == last > 2
    DvcqgDossier.objects.filter(pk=sent.pk).update(held_seq=2)
    sent.statuses.filter(seq__gt=2).delete()
    assert national_status.sweep() >= 1  # one comparison batch queued, nothing sent yet
    drain()
    sent.refresh_from_db()
    assert sent.held_seq == last
    assert [seq for seq, _ in kept(sent)] == list(range(1, last + 1))
    assert SyncState.objects.get(dossier=dossier).acked_seq == last
    # Nothing missing any more: the next comparison re-sends nothing.
    before = OutboxMessage.objects.filter(kind="interop.push").count()
    national_status.sweep()
    drain()
    assert OutboxMessage.objects.filter(kind="interop.push").count() == before
