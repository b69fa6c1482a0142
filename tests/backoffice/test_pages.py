"""The officer's pages over HTTP: they show exactly what the services allow, and every
write goes through them (issue 4 §1)."""

import io

import pytest

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, PersonalDataAccess, State
from tests.documents.samples import pdf

pytestmark = pytest.mark.django_db


def test_the_queue_page_lists_the_dossiers_with_a_count_on_each_queue(flow, client_for):
    dossier = flow.file()
    page = client_for(flow.one_stop).get("/mot-cua/hang-doi/cho-tiep-nhan/")
    assert page.status_code == 200
    html = page.content.decode()
    assert dossier.code in html and "Nguyễn Văn An" in html
    assert 'aria-current="page"' in html and "Chờ tiếp nhận" in html


def test_long_queues_show_capped_counts_and_page_through_the_first_rows(
    flow, client_for, monkeypatch
):
    from motcua.dossiers import queues

    monkeypatch.setattr(queues, "MENU_CAP", 1)
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    filed = [flow.file() for _ in range(3)]
    html = client_for(flow.one_stop).get("/mot-cua/hang-doi/cho-tiep-nhan/").content.decode()
    assert '<span class="pill">1+</span>' in html  # the menu's badge
    assert '<span class="count">(2+)</span>' in html
    assert "Chỉ liệt kê 2 hồ sơ đầu tiên theo hạn trả" in html
    shown = [d.code for d in filed if d.code in html]
    assert len(shown) == 2
    second = client_for(flow.one_stop).get("/mot-cua/hang-doi/cho-tiep-nhan/?page=2")
    assert second.status_code == 200  # past the last page: the last page again


def test_the_back_office_home_opens_the_first_queue_with_work(flow, client_for):
    flow.file()
    response = client_for(flow.one_stop).get("/mot-cua/")
    assert response.status_code == 302 and response.url.endswith("/hang-doi/cho-tiep-nhan/")


def test_citizens_and_strangers_do_not_see_the_back_office(flow, client_for):
    assert client_for(flow.citizen).get("/mot-cua/hang-doi/tat-ca/").status_code == 404
    anonymous = client_for(flow.citizen)
    anonymous.logout()
    assert anonymous.get("/mot-cua/").status_code == 302  # to sign in


def test_an_officer_cannot_open_another_desks_dossier(flow, client_for):
    dossier = flow.file()
    assert client_for(flow.one_stop_y).get(f"/mot-cua/ho-so/{dossier.code}/").status_code == 404


def test_the_id_number_is_masked_until_revealed_and_the_reveal_is_logged(flow, client_for):
    flow.citizen.id_number = "079203001234"
    flow.citizen.save()
    dossier = flow.file()
    client = client_for(flow.one_stop)
    html = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "079203001234" not in html and "••••••••1234" in html
    revealed = client.post(f"/mot-cua/ho-so/{dossier.code}/so-dinh-danh/")
    assert "079203001234" in revealed.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.dossier_id, access.field) == (
        flow.one_stop,
        dossier.pk,
        "owner_id_number",
    )


def test_the_page_offers_exactly_the_allowed_actions(flow, client_for):
    dossier = flow.file()
    html = client_for(flow.one_stop).get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    for slug in ("receive", "request-supplement", "refuse"):
        assert f'id="action-{slug}"' in html
    for slug in ("route", "assign", "result-ready", "return-result", "stop"):
        assert f'id="action-{slug}"' not in html


def test_receiving_then_routing_through_the_forms(flow, client_for):
    dossier = flow.file()
    client = client_for(flow.one_stop)
    response = client.post(
        f"/mot-cua/ho-so/{dossier.code}/receive/", {"revision": dossier.revision, "note": "Đủ"}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED and dossier.due_at is not None
    response = client.post(f"/mot-cua/ho-so/{dossier.code}/route/", {"revision": dossier.revision})
    dossier.refresh_from_db()
    assert dossier.state == State.IN_PROCESS
    assert dossier.current_agency == flow.department
    # The desk no longer holds it, the officer goes back to the queues.
    assert response.status_code == 302


def test_an_action_the_officer_may_not_take_is_refused_and_changes_nothing(flow, client_for):
    dossier = flow.file()
    response = client_for(flow.specialist).post(f"/mot-cua/ho-so/{dossier.code}/receive/")
    assert response.status_code == 404  # not even visible to the department yet
    dossier = flow.routed()
    response = client_for(flow.specialist).post(f"/mot-cua/ho-so/{dossier.code}/result-ready/")
    assert response.status_code == 403
    assert "Vai trò của bạn không được thực hiện" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.IN_PROCESS


def test_a_colleagues_change_in_between_is_refused_with_409(flow, client_for):
    dossier = flow.file()
    seen = dossier.revision
    services.receive(dossier, ctx=flow.ctx(flow.one_stop))
    response = client_for(flow.one_stop).post(
        f"/mot-cua/ho-so/{dossier.code}/refuse/", {"revision": seen, "reasons": "Sai"}
    )
    assert response.status_code == 409
    assert "vừa được người khác cập nhật" in response.content.decode()


def test_refusing_without_reasons_shows_a_vietnamese_error_and_changes_nothing(flow, client_for):
    dossier = flow.file()
    response = client_for(flow.one_stop).post(
        f"/mot-cua/ho-so/{dossier.code}/refuse/", {"revision": dossier.revision, "reasons": " "}
    )
    assert response.status_code == 422
    assert "Cần nêu lý do từ chối tiếp nhận." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED and dossier.event_seq == 1


def test_the_supplement_form_lists_everything_missing_at_once(flow, client_for):
    dossier = flow.file()
    response = client_for(flow.one_stop).post(
        f"/mot-cua/ho-so/{dossier.code}/request-supplement/",
        {
            "revision": dossier.revision,
            "missing": ["to-khai"],
            "reason_to-khai": "Thiếu chữ ký",
            "other_missing": "Ảnh 4x6",
            "other_reason": "Ảnh quá cũ",
        },
    )
    assert response.status_code == 302
    event = Dossier.objects.get(pk=dossier.pk).events.order_by("-seq").first()
    assert [m["name"] for m in event.data["missing"]][1] == "Ảnh 4x6"
    assert event.data["missing"][0]["reason"] == "Thiếu chữ ký"


def test_the_leader_assigns_and_the_specialist_completes_through_the_forms(flow, client_for):
    dossier = flow.routed()
    leader = client_for(flow.leader)
    page = leader.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert f'value="{flow.specialist_2.pk}"' in page  # a specialist of the department
    leader.post(
        f"/mot-cua/ho-so/{dossier.code}/assign/",
        {"revision": dossier.revision, "assignee": flow.specialist_2.pk},
    )
    dossier.refresh_from_db()
    response = client_for(flow.specialist_2).post(
        f"/mot-cua/ho-so/{dossier.code}/complete-step/",
        {"revision": dossier.revision, "note": "Đạt"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.current_agency == flow.committee


def test_a_transfer_needs_its_reason_and_moves_the_dossier(flow, client_for):
    dossier = flow.routed()
    client = client_for(flow.specialist)
    url = f"/mot-cua/ho-so/{dossier.code}/transfer/"
    refused = client.post(
        url, {"revision": dossier.revision, "to_agency": flow.commune_office.code}
    )
    assert refused.status_code == 422 and "Cần nêu lý do chuyển hồ sơ." in refused.content.decode()
    client.post(
        url,
        {
            "revision": dossier.revision,
            "to_agency": flow.commune_office.code,
            "note": "Đúng thẩm quyền",
        },
    )
    dossier.refresh_from_db()
    assert dossier.current_agency == flow.commune_office


def test_the_late_dossier_is_offered_the_apology_with_the_calendars_new_date(
    flow, client_for, clock
):
    dossier = services.receive(flow.file(), ctx=flow.ctx(flow.one_stop))
    clock.set(2026, 3, 13, 9, 0)  # Friday; due Monday 16/3
    html = client_for(flow.one_stop).get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "Đề xuất xin lỗi và hẹn lại ngày trả kết quả" in html
    assert "19/03/2026" in html  # 3 working days after Monday 16/3
    response = client_for(flow.one_stop).post(
        f"/mot-cua/ho-so/{dossier.code}/apologise/",
        {"revision": dossier.revision, "reason": "Chờ xác minh", "extra_working_days": "3"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.apologised and f"{dossier.due_at:%d/%m}" in ("19/03",)


def test_the_document_viewer_shows_the_file_through_the_access_checked_view(flow, client_for):
    dossier = flow.file()
    item = dossier.documents.get()
    client = client_for(flow.one_stop)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/tai-lieu/{item.stored_file_id}/")
    assert page.status_code == 200
    src = f"/tai-lieu/{item.stored_file_id}/?inline=1"
    assert src in page.content.decode()
    inline = client.get(src)
    assert inline.status_code == 200 and inline["Content-Disposition"].startswith("inline")
    # Framed by our own viewer page only, and nothing in the file runs.
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert inline["Content-Security-Policy"] == "sandbox; frame-ancestors 'self'"
    other = client_for(flow.one_stop_y)
    assert (
        other.get(f"/mot-cua/ho-so/{dossier.code}/tai-lieu/{item.stored_file_id}/").status_code
        == 404
    )


def _scan(name="scan.pdf"):
    upload = io.BytesIO(pdf())
    upload.name = name
    return upload


def test_counter_reception_receives_at_once_and_prints_form_01(flow, client_for, clock):
    client = client_for(flow.one_stop)
    form = client.get(f"/mot-cua/tiep-nhan-tai-quay/?procedure={flow.version.procedure.code}")
    assert "Tiếp nhận và in Mẫu 01" in form.content.decode()
    response = client.post(
        "/mot-cua/tiep-nhan-tai-quay/",
        {
            "procedure": flow.version.procedure.code,
            "agency": flow.desk_x.code,
            "channel": "counter",
            "delivery": "counter",
            "owner_name": "Lê Thị Cúc",
            "owner_id_number": "079303001111",
            "owner_phone": "0912 345 678",
            "document_to-khai": _scan(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get(owner_name="Lê Thị Cúc")
    assert response.url == f"/mot-cua/ho-so/{dossier.code}/?moi=1"
    assert dossier.state == State.RECEIVED and dossier.channel == "counter"
    assert dossier.owner_phone == "+84912345678"
    assert dossier.received_at == dossier.submitted_at == clock.now
    assert dossier.documents.get().stored_file.digitized
    assert [e.action for e in dossier.events.order_by("seq")] == ["submit", "receive"]
    page = client.get(response.url).content.decode()
    assert f"/ho-so/{dossier.code}/mau-01.pdf" in page
    form_01 = client.get(f"/ho-so/{dossier.code}/mau-01.pdf")
    assert form_01.status_code == 200 and form_01["Content-Type"] == "application/pdf"


def test_counter_reception_without_the_required_scan_lists_it_and_creates_nothing(flow, client_for):
    response = client_for(flow.one_stop).post(
        "/mot-cua/tiep-nhan-tai-quay/",
        {
            "procedure": flow.version.procedure.code,
            "agency": flow.desk_x.code,
            "channel": "counter",
            "delivery": "counter",
            "owner_name": "Lê Thị Cúc",
            "owner_phone": "không phải số",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Số điện thoại không hợp lệ." in html and "Thiếu" in html
    assert not Dossier.objects.exists()


def test_counter_finds_a_registered_citizen_by_id_number_or_phone(flow, client_for):
    flow.citizen.id_number = "079203001234"
    flow.citizen.save()
    client = client_for(flow.one_stop)
    code = flow.version.procedure.code
    by_id = client.get(f"/mot-cua/tiep-nhan-tai-quay/?procedure={code}&find=079203001234")
    assert 'value="Nguyễn Văn An"' in by_id.content.decode()
    assert f'name="account" value="{flow.citizen.pk}"' in by_id.content.decode()
    by_phone = client.get(f"/mot-cua/tiep-nhan-tai-quay/?procedure={code}&find=0901234567")
    assert 'value="Nguyễn Văn An"' in by_phone.content.decode()
    unknown = client.get(f"/mot-cua/tiep-nhan-tai-quay/?procedure={code}&find=0987000000")
    assert "Chưa có thông tin người này" in unknown.content.decode()


def test_a_counter_dossier_of_a_registered_citizen_shows_in_their_dossiers(flow, client_for):
    client = client_for(flow.one_stop)
    client.post(
        "/mot-cua/tiep-nhan-tai-quay/",
        {
            "procedure": flow.version.procedure.code,
            "account": flow.citizen.pk,
            "agency": flow.desk_x.code,
            "channel": "post",
            "delivery": "post",
            "post_address": "12 Lê Lợi, Phường Sài Gòn",
            "owner_name": "Nguyễn Văn An",
            "document_to-khai": _scan(),
        },
    )
    dossier = Dossier.objects.get()
    assert dossier.channel == "post" and dossier.owner == flow.citizen
    mine = client_for(flow.citizen).get("/ho-so-cua-toi/").content.decode()
    assert dossier.code in mine


def test_the_register_comes_as_pdf_and_xlsx_for_my_agencies_only(flow, client_for, clock):
    dossier = services.receive(flow.file(), ctx=flow.ctx(flow.one_stop))
    client = client_for(flow.one_stop)
    day = clock.now.strftime("%Y-%m-%d")
    query = {"agency": flow.desk_x.code, "from": day, "to": day}
    as_pdf = client.get("/mot-cua/so-theo-doi/", {**query, "format": "pdf"})
    assert as_pdf.status_code == 200 and as_pdf["Content-Type"] == "application/pdf"
    as_xlsx = client.get("/mot-cua/so-theo-doi/", {**query, "format": "xlsx"})
    assert as_xlsx["Content-Disposition"].startswith("attachment")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(as_xlsx))).active
    assert dossier.code in {cell.value for row in sheet.iter_rows() for cell in row}
    # Another desk's register is not offered: the form page comes back instead.
    other = client.get(
        "/mot-cua/so-theo-doi/", {**query, "agency": flow.desk_y.code, "format": "pdf"}
    )
    assert other["Content-Type"].startswith("text/html")
    backwards = client.get(
        "/mot-cua/so-theo-doi/",
        {**query, "from": "2026-03-10", "to": "2026-03-01", "format": "pdf"},
    )
    assert backwards.status_code == 422


def test_completing_a_step_can_hand_the_next_one_to_a_named_colleague(flow, client_for):
    dossier = flow.routed()
    client = client_for(flow.specialist)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "Giao bước tiếp theo (Phê duyệt) cho" in page
    assert f'<option value="{flow.chairman.pk}">' in page
    wrong = client.post(
        f"/mot-cua/ho-so/{dossier.code}/complete-step/",
        {"revision": dossier.revision, "next_assignee": flow.specialist_2.pk},
    )
    assert wrong.status_code == 422
    assert "Người nhận bước tiếp theo phải là lãnh đạo" in wrong.content.decode()
    dossier.refresh_from_db()
    assert dossier.current_agency == flow.department  # nothing moved
    client.post(
        f"/mot-cua/ho-so/{dossier.code}/complete-step/",
        {"revision": dossier.revision, "next_assignee": flow.chairman.pk},
    )
    step = dossier.steps.get(state="active")
    assert (step.name, step.assignee) == ("Phê duyệt", flow.chairman)


def test_the_desk_scans_in_a_supplement_brought_by_a_walk_in_applicant(flow, client_for):
    client = client_for(flow.one_stop)
    client.post(
        "/mot-cua/tiep-nhan-tai-quay/",
        {
            "procedure": flow.version.procedure.code,
            "agency": flow.desk_x.code,
            "channel": "counter",
            "delivery": "counter",
            "owner_name": "Lê Thị Cúc",
            "document_to-khai": _scan(),
        },
    )
    dossier = Dossier.objects.get()
    services.request_supplement(
        dossier, ctx=flow.ctx(flow.one_stop), missing=[services.MissingItem("Tờ khai", "Mờ")]
    )
    dossier.refresh_from_db()
    assert (
        'id="action-supplement"' in client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    )
    response = client.post(
        f"/mot-cua/ho-so/{dossier.code}/supplement/",
        {"revision": dossier.revision, "document_to-khai": _scan("to-khai-ro.pdf")},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED
    scanned = dossier.documents.get(round=1).stored_file
    assert scanned.digitized and scanned.uploaded_by == flow.one_stop
    event = dossier.events.order_by("-seq").first()
    assert (event.action, event.actor_agency) == ("supplement", flow.desk_x)


def test_the_office_reads_in_english_but_the_forms_stay_vietnamese(flow, client_for):
    dossier = services.receive(flow.file(), ctx=flow.ctx(flow.one_stop))
    client = client_for(flow.one_stop)
    page = client.get(f"/en/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "Received" in page and "Đã tiếp nhận" not in page
    form = client.get(f"/en/ho-so/{dossier.code}/mau-01.pdf")
    from tests.dossiers.test_forms import read, text_of

    text = text_of(read(form.content))
    assert "GIẤY TIẾP NHẬN HỒ SƠ" in text.upper()
    assert "Nhận tại bộ phận một cửa" in " ".join(text.split())
    assert "one-stop desk" not in text
