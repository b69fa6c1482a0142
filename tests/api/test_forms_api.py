"""Forms 04–06 through the dossier API (``GET /dossiers/{code}/forms/{number}``)."""

import io

from pypdf import PdfReader

from tests.api.test_dossiers_api import act, submit


def text(response) -> str:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def form(client, headers, code, number):
    return client.get(f"/api/v1/dossiers/{code}/forms/{number}", headers=headers)


def test_the_apology_form_04_once_the_agency_apologised(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    motcua, congdan = bearer("motcua"), bearer("congdan")
    assert act(client, motcua, code, "receive").status_code == 200
    early = form(client, congdan, code, "04")
    assert early.status_code == 409 and "xin lỗi" in early.json()["message"]
    apologised = act(
        client, motcua, code, "apologise", {"reason": "Chờ xác minh", "extra_working_days": 2}
    )
    assert apologised.status_code == 200, apologised.content
    for who in (congdan, motcua):
        words = text(form(client, who, code, "04"))
        assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in words and "Chờ xác minh" in words
    assert form(client, congdan, code, "05").status_code == 409  # not stopped
    assert form(client, bearer("congdan2"), code, "04").status_code == 404


def test_the_process_control_slip_06_is_for_officers_not_citizens(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    motcua = bearer("motcua")
    assert form(client, motcua, code, "06").status_code == 409  # not received yet
    assert act(client, motcua, code, "receive").status_code == 200
    assert act(client, motcua, code, "route").status_code == 200
    words = text(form(client, motcua, code, "06"))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in words and code in words
    assert "Tiếp nhận hồ sơ" in words and "Chuyển hồ sơ đến cơ quan giải quyết" in words
    refused = form(client, bearer("congdan"), code, "06")
    assert refused.status_code == 409 and "cán bộ" in refused.json()["message"]


def test_only_forms_01_to_06_are_served(client, bearer):
    code = submit(client, bearer("congdan")).json()["code"]
    response = form(client, bearer("congdan"), code, "07")
    assert response.status_code == 400  # a malformed parameter (the register is no one's)
    assert "Tham số không hợp lệ" in response.json()["message"]
