"""The citizen's side (issue 4 §2): my dossiers, every date, the forms issued to me, answering
a supplement request, withdrawing, and the public look-up page."""

import io

import pytest
from django.core.cache import cache

from motcua.core.throttle import lookup_limit
from motcua.dossiers import services
from motcua.dossiers.models import State
from tests.documents.samples import pdf

pytestmark = pytest.mark.django_db


def test_my_dossiers_lists_mine_in_plain_vietnamese_and_not_others(flow, client_for):
    mine = flow.file()
    theirs = flow.file(citizen=flow.other_citizen)
    html = client_for(flow.citizen).get("/ho-so-cua-toi/").content.decode()
    assert mine.code in html and theirs.code not in html
    assert "Đã nộp, đang chờ cán bộ tiếp nhận" in html


def test_the_dossier_page_shows_every_date_the_current_step_and_my_forms(flow, client_for, clock):
    dossier = services.receive(flow.file(), ctx=flow.ctx(flow.one_stop))
    dossier = services.route(dossier, ctx=flow.ctx(flow.one_stop))
    clock.advance(hours=2)
    services.apologise(
        dossier, ctx=flow.ctx(flow.one_stop), reason="Chờ xác minh", extra_working_days=2
    )
    html = client_for(flow.citizen).get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Đang thẩm định hồ sơ tại Sở thử." in html
    assert "08:00 09/03/2026" in html  # submitted and received
    assert "17:00 16/03/2026" in html  # the original due date
    assert "17:00 18/03/2026" in html  # the new date of the apology
    assert "Chờ xác minh" in html
    assert "/mau-01.pdf" in html and "/mau-04.pdf" in html
    assert "/mau-06.pdf" not in html  # the control slip is the office's
    assert "chuyenvien" not in html  # officers' names stay inside the office


def test_the_citizen_answers_a_supplement_request_by_uploading(flow, client_for):
    dossier = flow.file()
    services.request_supplement(
        dossier,
        ctx=flow.ctx(flow.one_stop),
        missing=[services.MissingItem("Tờ khai", "Thiếu chữ ký", "to-khai")],
    )
    client = client_for(flow.citizen)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Cơ quan cần bạn bổ sung" in page and "Thiếu chữ ký" in page
    upload = io.BytesIO(pdf())
    upload.name = "to-khai-da-ky.pdf"
    response = client.post(f"/ho-so/{dossier.code}/bo-sung/", {"document_to-khai": upload})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED
    assert dossier.documents.filter(round=1).count() == 1


def test_an_empty_supplement_is_refused_with_a_message_and_changes_nothing(flow, client_for):
    dossier = flow.file()
    services.request_supplement(
        dossier, ctx=flow.ctx(flow.one_stop), missing=[services.MissingItem("Tờ khai", "Mờ")]
    )
    response = client_for(flow.citizen).post(f"/ho-so/{dossier.code}/bo-sung/", {"note": ""})
    assert response.status_code == 422
    assert "Cần gửi giấy tờ hoặc nội dung bổ sung." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.SUPPLEMENT_REQUESTED


def test_the_citizen_withdraws_and_someone_else_cannot(flow, client_for):
    dossier = flow.file()
    assert client_for(flow.other_citizen).post(f"/ho-so/{dossier.code}/rut/").status_code == 404
    response = client_for(flow.citizen).post(f"/ho-so/{dossier.code}/rut/", {"reason": "Nhầm"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.WITHDRAWN


def test_the_public_look_up_page_follows_the_api_rules(flow, client):
    cache.clear()
    dossier = flow.file()
    found = client.post("/tra-cuu/", {"code": dossier.code, "phone": "0901 234 567"})
    assert found.status_code == 200
    assert "Đã nộp, đang chờ cán bộ tiếp nhận" in found.content.decode()
    wrong_phone = client.post("/tra-cuu/", {"code": dossier.code, "phone": "0901234568"})
    wrong_code = client.post("/tra-cuu/", {"code": dossier.code + "9", "phone": "0901234567"})
    assert wrong_phone.status_code == wrong_code.status_code == 404
    assert "Không tìm thấy hồ sơ với mã và thông tin đã nhập." in wrong_phone.content.decode()
    nothing = client.post("/tra-cuu/", {"code": dossier.code})
    assert nothing.status_code == 422


def test_the_look_up_page_and_the_api_share_one_limit_per_address(flow, client):
    cache.clear()
    dossier = flow.file()
    for _ in range(lookup_limit()):
        client.get("/api/v1/lookup", {"code": dossier.code, "phone": "0901234567"})
    response = client.post("/tra-cuu/", {"code": dossier.code, "phone": "0901234567"})
    assert response.status_code == 429
