"""The dossier contract of issue 3 §7, through HTTP as other systems use it."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.dossiers.models import Dossier, IdempotencyKey
from tests.documents.samples import pdf

BIRTH = "1.001193"
REQUIRED = ["to-khai-dang-ky-khai-sinh", "giay-chung-sinh", "giay-to-tuy-than"]
DESK_X = "000.01.51.H29"


def birth_files(**extra):
    files = {
        f"document_{key}": SimpleUploadedFile(f"{key}.pdf", pdf(), "application/pdf")
        for key in REQUIRED
    }
    files.update(extra)
    return files


def submit(client, headers, data=None, files=None, key=None):
    data = data or {"procedure_code": BIRTH, "delivery": "online"}
    if key:
        headers = {**headers, "Idempotency-Key": key}
    return client.post(
        "/api/v1/dossiers",
        {
            "data": json.dumps(data, ensure_ascii=False),
            **(birth_files() if files is None else files),
        },
        headers=headers,
    )


def test_a_citizen_files_a_birth_registration_online_without_an_address(client, bearer):
    response = submit(client, bearer("congdan"))
    assert response.status_code == 201, response.content
    body = response.json()
    day = timezone.localdate()
    assert body["code"] == f"{DESK_X}-{day:%y%m%d}-0001"  # her commune's desk
    assert body["state"] == "submitted" and body["national_status"] == 1
    assert {d["id"] for d in body["documents"]} == set(REQUIRED)
    assert body["delivery"] == "online"


def test_filing_needs_a_signed_in_user(client, demo):
    response = submit(client, {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_everything_missing_is_listed_at_once_with_422(client, bearer):
    response = submit(
        client, bearer("congdan"), data={"procedure_code": BIRTH, "delivery": "post"}, files={}
    )
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert {f"document_{k}" for k in REQUIRED} | {"post_address"} <= set(problems)
    assert response.json()["message"]
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"procedure_code": "1001193", "delivery": "online"},
        {"procedure_code": BIRTH, "delivery": "fax"},
        {"delivery": "online"},
    ],
)
def test_malformed_data_is_422_in_vietnamese(client, bearer, data):
    response = submit(client, bearer("congdan"), data=data)
    assert response.status_code == 422
    assert response.json()["problems"]


def test_a_forged_file_is_refused_with_422(client, bearer):
    fake = SimpleUploadedFile("giay.pdf", b"<html>not a pdf</html>", "application/pdf")
    response = submit(
        client, bearer("congdan"), files=birth_files(**{"document_giay-chung-sinh": fake})
    )
    assert response.status_code == 422
    assert "document_giay-chung-sinh" in response.json()["problems"]


def test_the_same_idempotency_key_and_content_gives_the_same_dossier(client, bearer):
    headers = bearer("congdan")
    first = submit(client, headers, key="k-1")
    again = submit(client, headers, key="k-1")  # new multipart boundary, same content
    assert first.status_code == 201
    assert again.status_code in (200, 201)
    assert again.json()["code"] == first.json()["code"]
    assert Dossier.objects.count() == 1


def test_the_same_key_with_other_content_is_422(client, bearer):
    headers = bearer("congdan")
    assert submit(client, headers, key="k-2").status_code == 201
    other = submit(
        client, headers, key="k-2", data={"procedure_code": BIRTH, "delivery": "counter"}
    )
    assert other.status_code == 422
    assert Dossier.objects.count() == 1


def test_the_same_key_while_the_first_is_in_flight_is_409(client, bearer, rf):
    from motcua.accounts.models import User
    from motcua.api.dossiers import SUBMIT_ENDPOINT, DossierIn, _request_hash

    headers = bearer("congdan")
    data = {"procedure_code": BIRTH, "delivery": "online"}
    # The first request has claimed the key with this very content and not finished.
    first = rf.post("/api/v1/dossiers", {"data": json.dumps(data), **birth_files()})
    IdempotencyKey.objects.create(
        user=User.objects.get(username="congdan"),
        endpoint=SUBMIT_ENDPOINT,
        key="k-3",
        request_hash=_request_hash(DossierIn.model_validate(data), first),
        claimed_at=timezone.now(),
    )
    response = submit(client, headers, data=data, key="k-3")
    assert response.status_code == 409
    assert "đang được xử lý" in response.json()["message"]
    assert not Dossier.objects.exists()


def test_keys_are_per_user(client, bearer):
    assert submit(client, bearer("congdan"), key="shared").status_code == 201
    assert submit(client, bearer("congdan2"), key="shared").status_code == 201
    assert Dossier.objects.count() == 2


def test_who_sees_a_dossier(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    assert client.get(f"/api/v1/dossiers/{code}", headers=bearer("congdan")).status_code == 200
    assert client.get(f"/api/v1/dossiers/{code}", headers=bearer("motcua")).status_code == 200
    for outsider in ("congdan2", "motcua2"):
        response = client.get(f"/api/v1/dossiers/{code}", headers=bearer(outsider))
        assert response.status_code == 404
        assert response.json()["message"] == "Không tìm thấy hồ sơ."
    unknown = client.get("/api/v1/dossiers/000.01.51.H29-990101-0001", headers=bearer("congdan2"))
    assert unknown.status_code == 404 and unknown.json()["message"] == "Không tìm thấy hồ sơ."


def act(client, headers, code, action, body=None):
    return client.post(
        f"/api/v1/dossiers/{code}/actions/{action}",
        body or {},
        content_type="application/json",
        headers=headers,
    )


def test_receive_with_an_empty_body_computes_the_appointment(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    response = act(client, bearer("motcua"), code, "receive")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "received" and body["national_status"] == 2
    assert body["due_at"] is not None


def test_status_codes_of_actions(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    assert act(client, bearer("congdan"), code, "receive").status_code == 403
    assert act(client, bearer("motcua2"), code, "receive").status_code == 404
    assert act(client, bearer("motcua"), code, "receive").status_code == 200
    again = act(client, bearer("motcua"), code, "receive")
    assert again.status_code == 409 and again.json()["message"]
    assert act(client, bearer("motcua"), code, "fly-away").status_code == 404
    assert act(client, bearer("motcua"), code, "refuse", {"reasons": ""}).status_code == 409
    stale = act(client, bearer("motcua"), code, "return-result", {"revision": 0})
    assert stale.status_code == 409


def test_a_request_for_supplement_then_the_citizen_supplements(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    response = act(
        client,
        bearer("motcua"),
        code,
        "request-supplement",
        {
            "missing": [
                {"name": "Giấy chứng sinh", "reason": "Ảnh mờ", "document_id": "giay-chung-sinh"}
            ]
        },
    )
    assert response.json()["state"] == "supplement_requested"
    supplemented = client.post(
        f"/api/v1/dossiers/{code}/actions/supplement",
        {
            "data": json.dumps({"note": "Gửi bản rõ"}),
            "document_giay-chung-sinh": SimpleUploadedFile("gcs.pdf", pdf(), "application/pdf"),
        },
        headers=bearer("congdan"),
    )
    assert supplemented.status_code == 200, supplemented.content
    assert supplemented.json()["state"] == "submitted"
    assert [d["round"] for d in supplemented.json()["documents"]].count(1) == 1


def test_invalid_action_input_is_422(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    response = act(client, bearer("motcua"), code, "request-supplement", {"missing": []})
    assert response.status_code == 422


# --- look-up ------------------------------------------------------------------------------


def test_anyone_looks_up_status_and_dates_with_code_and_phone(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    response = client.get("/api/v1/lookup", {"code": code, "phone": "0901 234 567"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "submitted" and body["submitted_at"]
    assert "owner_name" not in body and "documents" not in body
    by_id = client.get("/api/v1/lookup", {"code": code, "id_number": "079090001234"})
    assert by_id.status_code == 200


def test_a_wrong_phone_and_an_unknown_code_get_the_same_404(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    wrong = client.get("/api/v1/lookup", {"code": code, "phone": "0987654321"})
    unknown = client.get(
        "/api/v1/lookup", {"code": "000.01.51.H29-990101-0009", "phone": "0901234567"}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_look_up_is_rate_limited(client, demo):
    statuses = [
        client.get("/api/v1/lookup", {"code": "x", "phone": "0901234567"}).status_code
        for _ in range(35)
    ]
    assert statuses[:30] == [404] * 30
    assert statuses[-1] == 429


def test_the_whole_journey_through_the_api(client, bearer):
    """congdan files → motcua receives and routes → lanhdao assigns → chuyenvien completes
    → lanhdao approves and marks the result ready → motcua returns it."""
    code = submit(client, bearer("congdan")).json()["code"]
    motcua, lanhdao, chuyenvien = bearer("motcua"), bearer("lanhdao"), bearer("chuyenvien")
    assert act(client, motcua, code, "receive").status_code == 200
    routed = act(client, motcua, code, "route")
    assert routed.status_code == 200, routed.content
    assert routed.json()["state"] == "in_process"
    assigned = act(client, lanhdao, code, "assign", {"assignee": "chuyenvien"})
    assert assigned.status_code == 200, assigned.content
    assert act(client, chuyenvien, code, "complete-step").status_code == 200
    approved = act(client, lanhdao, code, "complete-step")
    assert approved.status_code == 200, approved.content
    ready = act(client, lanhdao, code, "result-ready")
    assert ready.status_code == 200, ready.content
    assert ready.json()["national_status"] == 9
    returned = act(client, motcua, code, "return-result")
    assert returned.status_code == 200
    body = returned.json()
    assert body["state"] == "returned" and body["national_status"] == 10
    actions = [e["action"] for e in body["events"]]
    assert actions == [
        "submit",
        "receive",
        "route",
        "assign",
        "complete-step",
        "complete-step",
        "result-ready",
        "return-result",
    ]
    seen = client.get(f"/api/v1/dossiers/{code}", headers=bearer("congdan")).json()
    assert seen["returned_at"] and seen["received_at"] and seen["submitted_at"]


def test_the_receipt_form_01_is_a_pdf_for_the_citizen_and_the_officer(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    early = client.get(f"/api/v1/dossiers/{code}/forms/01", headers=bearer("congdan"))
    assert early.status_code == 409  # not received yet
    act(client, bearer("motcua"), code, "receive")
    for who in ("congdan", "motcua"):
        response = client.get(f"/api/v1/dossiers/{code}/forms/01", headers=bearer(who))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    hidden = client.get(f"/api/v1/dossiers/{code}/forms/01", headers=bearer("congdan2"))
    assert hidden.status_code == 404
    web = client.get(f"/ho-so/{code}/mau-01.pdf")
    assert web.status_code == 302  # sign in first


def test_times_go_out_in_vietnam_time(client, bearer):
    body = submit(client, bearer("congdan")).json()
    assert body["submitted_at"].endswith("+07:00")
    assert body["events"][0]["at"].endswith("+07:00")
