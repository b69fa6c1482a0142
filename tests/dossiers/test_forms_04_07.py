"""Forms 04, 05, 06 and the register 07 (Circular 03/2025/TT-VPCP), read back with pypdf
and openpyxl: built from the dossier and its events only."""

# The workflow's ``flow`` and ``clock`` fixtures are imported, and tests take them by name.
# ruff: noqa: F811

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from motcua.core.clock import frozen_at
from motcua.dossiers import forms, services
from motcua.dossiers.forms import register
from motcua.dossiers.models import Dossier
from tests.dossiers.test_forms import (
    OWNER,
    SERIF,
    flat,
    font_names,
    matrix_in,
    qr_image,
    read,
    text_of,
)
from tests.workflow.conftest import clock, flow  # noqa: F401

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
A4_LANDSCAPE = (841.89, 595.28)


def at(*args):
    return datetime(*args, tzinfo=HCM)


def fresh(dossier):
    return Dossier.objects.get(pk=dossier.pk)


def received_on(world, moment, **filing):
    with frozen_at(moment):
        dossier = world.file(**filing)
        return services.receive(dossier, ctx=world.ctx(world.one_stop))


def pages_of(pdf: bytes, size=None) -> list:
    assert pdf.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(pdf)).pages
    if size is not None:
        for page in pages:
            box = (float(page.mediabox.width), float(page.mediabox.height))
            assert abs(box[0] - size[0]) <= 1 and abs(box[1] - size[1]) <= 1, box
    return list(pages)


def words_of(pages) -> str:
    return flat(" ".join(text_of(page) for page in pages))


def assert_qr_holds(page, code):
    expected = forms.qr_code(code)
    size = expected.symbol_size(border=0)[0]
    assert matrix_in(qr_image(page), size) == [list(row) for row in expected.matrix]


# --- Form 04 ----------------------------------------------------------------------------------

DELAY = "Cần xác minh thêm thông tin hộ tịch tại nơi đăng ký trước đây."


def test_form_04_apologises_with_the_reason_and_the_new_date(world):
    dossier = received_on(world, at(2026, 3, 9, 8, 0), applicant=OWNER)
    assert dossier.due_at == at(2026, 3, 12, 17, 0)
    with frozen_at(at(2026, 3, 10, 9, 0)):
        dossier = services.apologise(
            dossier, ctx=world.ctx(world.one_stop), reason=DELAY, extra_working_days=2
        )
    page = read(forms.render_form_04(dossier))
    words = flat(text_of(page))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in words
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in words and "Mẫu số 04" in words
    assert "Kính gửi: Lê Thị Hồng Nhung" in words
    assert dossier.code in words
    assert "Thủ tục thử" in words and "1.000001" in words
    assert "Ngày 09/03/2026, Một cửa X tiếp nhận hồ sơ" in words
    assert "3 ngày làm việc" in words
    assert "17 giờ 00 phút, ngày 12/03/2026" in words  # the old appointment
    assert DELAY in words
    assert (
        "xin lỗi Ông/Bà và hẹn trả kết quả giải quyết hồ sơ vào: 17 giờ 00 phút, ngày 16/03/2026"
        in words
    )
    assert "THỦ TRƯỞNG CƠ QUAN" in words and "(Ký, ghi rõ họ tên và đóng dấu)" in words
    assert "NGƯỜI LẬP PHIẾU" in words and world.one_stop.username in words
    assert "muộn hơn thời hạn" not in words  # the apology came in time
    assert "ngày 10 tháng 3 năm 2026" in words  # dated the day of the apology
    assert font_names(page) <= SERIF
    assert_qr_holds(page, dossier.code)


def test_form_04_says_honestly_that_a_late_apology_was_late(world):
    dossier = received_on(world, at(2026, 3, 9, 8, 0))
    with frozen_at(at(2026, 3, 12, 10, 0)):  # on the due day itself
        dossier = services.apologise(
            dossier, ctx=world.ctx(world.one_stop), reason=DELAY, extra_working_days=1
        )
    assert dossier.events.get(action="apologise").data["in_window"] is False
    words = flat(text_of(read(forms.render_form_04(dossier))))
    assert "được lập ngày 12/03/2026, muộn hơn thời hạn quy định" in words
    assert "lỗi của cơ quan giải quyết" in words


def test_form_04_needs_an_apology(world):
    dossier = received_on(world, at(2026, 3, 9, 8, 0))
    with pytest.raises(forms.FormNotApplicable, match="không có lần xin lỗi"):
        forms.render_form_04(dossier)
    with pytest.raises(forms.FormNotApplicable, match="nháp"):
        forms.render_form_04(Dossier(code=None, state="draft"))


# --- Form 05 ----------------------------------------------------------------------------------

STOP_REASON = "Người yêu cầu đã chết trước khi cơ quan giải quyết xong hồ sơ."


def stopped_dossier(world):
    dossier = received_on(world, at(2026, 3, 9, 8, 0), applicant=OWNER)
    with frozen_at(at(2026, 3, 9, 9, 0)):
        dossier = services.route(dossier, ctx=world.ctx(world.one_stop))
    with frozen_at(at(2026, 3, 10, 14, 15)):
        return services.stop(dossier, ctx=world.ctx(world.leader), reason=STOP_REASON)


def test_form_05_notifies_the_stop_with_its_reason_date_and_agency(world):
    dossier = stopped_dossier(world)
    page = read(forms.render_form_05(dossier))
    words = flat(text_of(page))
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in words and "Mẫu số 05" in words
    assert "SỞ THỬ" in words  # the agency that stopped it heads the notice
    assert "Kính gửi: Lê Thị Hồng Nhung" in words
    assert dossier.code in words and "Thủ tục thử" in words
    assert (
        "Sở thử thông báo dừng giải quyết hồ sơ nêu trên kể từ 14 giờ 15 phút, ngày 10/03/2026"
        in words
    )
    assert STOP_REASON in words
    assert "Một cửa X tiếp nhận ngày 09/03/2026" in words
    assert "THỦ TRƯỞNG CƠ QUAN" in words and world.leader.username in words
    assert "ngày 10 tháng 3 năm 2026" in words
    assert_qr_holds(page, dossier.code)


def test_form_05_is_only_for_a_stopped_dossier(world):
    dossier = received_on(world, at(2026, 3, 9, 8, 0))
    with pytest.raises(forms.FormNotApplicable, match="không bị dừng giải quyết"):
        forms.render_form_05(dossier)
    withdrawn = services.withdraw(world.file(), ctx=world.ctx(world.citizen), reason="Nộp nhầm")
    with pytest.raises(ValueError, match="Đã rút hồ sơ"):
        forms.render_form_05(withdrawn)


# --- Form 06 ----------------------------------------------------------------------------------


def through_the_whole_process(flow, clock):
    """Received and routed Monday 9/3/2026 08:00 (5 working days: due Monday 16/3 17:00);
    the appraisal (16 working hours, due Wednesday 11/3 08:00) is done an hour late; the
    approval is transferred to the commune office, done, the result is ready and returned."""
    dossier = flow.routed(applicant=OWNER)
    clock.set(2026, 3, 9, 8, 30)
    dossier = services.assign(dossier, ctx=flow.ctx(flow.leader), assignee=flow.specialist)
    clock.set(2026, 3, 11, 9, 0)
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.specialist), note="Đủ điều kiện")
    clock.set(2026, 3, 11, 10, 0)
    dossier = services.transfer(
        dossier,
        ctx=flow.ctx(flow.chairman),
        to_agency=flow.commune_office,
        note="Thuộc thẩm quyền cấp xã",
    )
    clock.set(2026, 3, 11, 14, 0)
    dossier = services.complete_step(dossier, ctx=flow.ctx(flow.commune_leader))
    clock.set(2026, 3, 11, 15, 0)
    dossier = services.result_ready(dossier, ctx=flow.ctx(flow.commune_leader))
    clock.set(2026, 3, 12, 9, 30)
    return services.return_result(dossier, ctx=flow.ctx(flow.one_stop))


def test_form_06_lists_every_hand_over_with_the_late_step_shown_late(flow, clock):
    dossier = through_the_whole_process(flow, clock)
    rows = forms.form_06_context(dossier)["rows"]
    assert [(r["at"], r["giver"], r["receiver"], r["result"]) for r in rows] == [
        ("09/03/2026 08:00", "Người nộp hồ sơ", "Một cửa X", "—"),
        ("09/03/2026 08:00", "Một cửa X", "Sở thử", "Đúng hạn"),
        ("09/03/2026 08:30", "Sở thử", "Sở thử", "—"),
        ("11/03/2026 09:00", "Sở thử", "UBND tỉnh", "Quá hạn"),
        ("11/03/2026 10:00", "UBND tỉnh", "Phòng Kinh tế xã", "Trước hạn"),
        ("11/03/2026 14:00", "Phòng Kinh tế xã", "Phòng Kinh tế xã", "Trước hạn"),
        ("11/03/2026 15:00", "Phòng Kinh tế xã", "Một cửa X", "Trước hạn"),
        ("12/03/2026 09:30", "Một cửa X", "Chủ hồ sơ", "Trước hạn"),
    ]
    assert [r["what"] for r in rows] == [
        "Tiếp nhận hồ sơ",
        "Chuyển hồ sơ đến cơ quan giải quyết",
        "Giao xử lý bước 2. Thẩm định hồ sơ",
        "Hoàn thành bước 2. Thẩm định hồ sơ",
        "Chuyển liên thông",
        "Hoàn thành bước 3. Phê duyệt",
        "Có kết quả giải quyết, chuyển bộ phận trả kết quả",
        "Trả kết quả (nhận tại bộ phận một cửa)",
    ]
    # Who gave and who received, by name.
    assert rows[0]["giver_person"] == "Nguyễn Văn An"
    assert rows[0]["receiver_detail"] == flow.one_stop.username
    assert rows[1]["receiver_detail"] == "Bước 2. Thẩm định hồ sơ"
    assert rows[2]["receiver_detail"] == flow.specialist.username
    assert rows[3]["giver_person"] == flow.specialist.username
    assert rows[3]["receiver_detail"] == "Bước 3. Phê duyệt"
    assert rows[4]["giver_person"] == "chutich" and rows[4]["note"] == "Thuộc thẩm quyền cấp xã"
    assert rows[7]["receiver_detail"] == "Lê Thị Hồng Nhung"

    pages = pages_of(forms.render_form_06(dossier), size=(595.28, 841.89))
    words = words_of(pages)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in words and "Mẫu số 06" in words
    assert dossier.code in words and "Lê Thị Hồng Nhung" in words
    assert "Cơ quan chủ trì giải quyết: Sở thử" in words
    assert "Cơ quan phối hợp giải quyết: Phòng Kinh tế xã" in words
    assert "17 giờ 00 phút, ngày 16/03/2026" in words  # the appointment
    late_row = words[words.index("11/03/2026 09:00") : words.index("11/03/2026 10:00")]
    assert "Quá hạn" in late_row and "Hoàn thành bước 2. Thẩm định hồ sơ" in late_row
    assert "Đủ điều kiện" in late_row
    assert words.count("Quá hạn") == 1
    assert_qr_holds(pages[0], dossier.code)


def test_form_06_records_consultations_and_supplements(flow, clock):
    dossier = flow.routed()
    clock.set(2026, 3, 9, 9, 0)
    dossier = services.consult(
        dossier,
        ctx=flow.ctx(flow.specialist),
        agency=flow.tax,
        question="Hộ kinh doanh có nợ thuế không?",
        working_days=1,
    )
    clock.set(2026, 3, 11, 9, 0)  # the answer was due Tuesday 10/3 17:00
    dossier = services.answer_consultation(
        dossier,
        ctx=flow.ctx(flow.tax_officer),
        consultation=dossier.consultations.get(),
        answer="Không nợ thuế.",
    )
    clock.set(2026, 3, 11, 10, 0)
    dossier = services.request_supplement(
        dossier,
        ctx=flow.ctx(flow.specialist),
        missing=[services.MissingItem("Hợp đồng thuê nhà", "Hết hạn")],
    )
    clock.set(2026, 3, 12, 8, 0)
    dossier = services.supplement(
        dossier, ctx=flow.ctx(flow.citizen), files={"to-khai": [flow.upload(flow.citizen)]}
    )
    rows = forms.form_06_context(dossier)["rows"][2:]
    assert [(r["what"], r["giver"], r["receiver"], r["result"]) for r in rows] == [
        ("Xin ý kiến, hạn trả lời 17:00 10/03/2026", "Sở thử", "Thuế cơ sở", "—"),
        ("Trả lời xin ý kiến", "Thuế cơ sở", "Sở thử", "Quá hạn"),
        (
            "Yêu cầu bổ sung, hoàn thiện hồ sơ (lần 1): Hợp đồng thuê nhà",
            "Sở thử",
            "Chủ hồ sơ",
            "Đúng hạn",
        ),
        ("Nộp bổ sung hồ sơ", "Người nộp hồ sơ", "Sở thử", "—"),
    ]
    assert rows[0]["note"] == "Hộ kinh doanh có nợ thuế không?"
    assert rows[1]["note"] == "Không nợ thuế."
    context = forms.form_06_context(dossier)
    assert context["partners"] == ["Thuế cơ sở"]
    # The full limit counts again from the supplement: 5 working days from Thursday 12/3.
    assert context["due_at"] == "17 giờ 00 phút, ngày 19/03/2026"


def test_form_06_applies_once_the_dossier_is_received(world):
    dossier = world.file()
    with pytest.raises(forms.FormNotApplicable, match="chưa được tiếp nhận"):
        forms.render_form_06(dossier)


def test_form_06_is_for_the_dossiers_officers_only(world):
    dossier = received_on(world, at(2026, 3, 9, 8, 0))
    for viewer in (world.citizen, None, world.one_stop_y, world.specialist):
        with pytest.raises(forms.FormNotApplicable, match="chỉ dành cho cán bộ"):
            forms.render_for(dossier, "06", viewer=viewer)
    assert forms.render_for(dossier, "06", viewer=world.one_stop).startswith(b"%PDF-")
    routed = services.route(dossier, ctx=world.ctx(world.one_stop))
    assert forms.render_for(routed, "06", viewer=world.specialist).startswith(b"%PDF-")


def test_render_for_gives_forms_04_and_05_to_the_citizen_too(world):
    dossier = stopped_dossier(world)
    assert forms.render_for(dossier, "05", viewer=world.citizen).startswith(b"%PDF-")
    with pytest.raises(forms.FormNotApplicable, match="không có lần xin lỗi"):
        forms.render_for(dossier, "04", viewer=world.citizen)
    with pytest.raises(forms.FormNotApplicable, match="Không có mẫu số 07"):
        forms.render_for(dossier, "07", viewer=world.one_stop)


# --- Form 07, the register --------------------------------------------------------------------

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def filed_on(world, moment, **filing):
    with frozen_at(moment):
        return world.file(**filing)


def a_month_of_dossiers(world):
    """Submitted around the edges of March 2026 in local time, at desk X and desk Y."""
    return {
        "before": filed_on(world, at(2026, 2, 28, 23, 59)),  # outside
        "first": filed_on(world, at(2026, 3, 1, 0, 30), applicant=OWNER),  # 28/2 17:30 UTC
        "received": received_on(world, at(2026, 3, 9, 8, 0)),
        "last": filed_on(world, at(2026, 3, 31, 23, 30)),  # 31/3 16:30 UTC
        "after": filed_on(world, at(2026, 4, 1, 0, 5)),  # 31/3 17:05 UTC, outside
        "elsewhere": filed_on(world, at(2026, 3, 10, 9, 0), agency=world.desk_y),
    }


def test_the_register_lists_the_agencys_dossiers_of_the_period_by_local_date(world):
    filed = a_month_of_dossiers(world)
    rows = list(register.register_rows(world.desk_x, *MARCH))
    assert [r.code for r in rows] == [filed[k].code for k in ("first", "received", "last")]
    assert [r.n for r in rows] == [1, 2, 3]
    first = rows[0]
    assert first.owner_name == "Lê Thị Hồng Nhung"
    assert first.owner_id == "••••••••0123" and first.phone == "+84••••••321"
    assert first.procedure == "Thủ tục thử"
    assert first.state == "Mới nộp" and first.received is None and first.progress == ""
    assert rows[1].received == datetime(2026, 3, 9, 8, 0)  # local time
    assert rows[1].due == datetime(2026, 3, 12, 17, 0)


def test_the_register_pdf_is_landscape_with_every_column_and_masked_numbers(world):
    filed = a_month_of_dossiers(world)
    pages = pages_of(register.render_register_pdf(world.desk_x, *MARCH), size=A4_LANDSCAPE)
    words = words_of(pages)
    assert "SỔ THEO DÕI HỒ SƠ" in words and "Mẫu số 07" in words
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in words
    assert "Độc lập - Tự do - Hạnh phúc" in words
    assert "Từ ngày 01/03/2026 đến ngày 31/03/2026" in words
    assert "MỘT CỬA X" in words
    for heading in register.HEADINGS:
        assert flat(heading) in words, heading
    for key in ("first", "received", "last"):
        assert filed[key].code in words
    for key in ("before", "after", "elsewhere"):
        assert filed[key].code not in words
    assert "Lê Thị Hồng Nhung" in words and "••••••••0123" in words
    assert "079301000123" not in words and "+84987654321" not in words
    assert "09/03/2026 08:00" in words and "12/03/2026 17:00" in words
    assert "Tổng số: 3 hồ sơ." in words
    assert font_names(pages[0]) <= SERIF
    assert not list(pages[0].images)  # no QR: the register is no one dossier's


def test_the_register_shows_results_progress_and_notes(flow, clock):
    done = through_the_whole_process(flow, clock)
    clock.set(2026, 3, 13, 9, 0)
    overdue = flow.routed()  # due Friday 20/3 17:00
    clock.set(2026, 3, 13, 10, 0)
    apologised = services.apologise(
        flow.routed(), ctx=flow.ctx(flow.one_stop), reason="Chờ xác minh", extra_working_days=2
    )
    clock.set(2026, 3, 24, 9, 0)
    rows = {r.code: r for r in register.register_rows(flow.desk_x, *MARCH)}
    row = rows[done.code]
    assert (row.routed, row.result, row.returned) == (
        datetime(2026, 3, 9, 8, 0),
        datetime(2026, 3, 11, 15, 0),
        datetime(2026, 3, 12, 9, 30),
    )
    assert (row.progress, row.state) == ("Trước hạn", "Đã trả kết quả")
    assert row.result_text == "Chuyển: 09/03/2026\nKết quả: 11/03/2026"
    assert rows[overdue.code].progress == "Quá hạn"
    assert rows[apologised.code].progress == "Trong hạn"  # moved to Tuesday 24/3 17:00
    assert "đã xin lỗi, hẹn lại (hẹn ban đầu 20/03/2026)" in rows[apologised.code].note
    assert rows[done.code].note == "Nộp trực tuyến; nộp thay"


def test_the_register_spreadsheet_has_one_typed_row_per_dossier(world):
    filed = a_month_of_dossiers(world)
    book = load_workbook(io.BytesIO(register.render_register_xlsx(world.desk_x, *MARCH)))
    sheet = book.active
    assert sheet.title == "Sổ theo dõi hồ sơ"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "MỘT CỬA X" and values[0][7] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert values[2][0] == "SỔ THEO DÕI HỒ SƠ (Mẫu số 07)"
    assert "Từ ngày 01/03/2026 đến ngày 31/03/2026" in values[3][0]
    header = values[5]
    assert header[:4] == ("STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Chủ hồ sơ")
    data = values[6:]
    assert [r[1] for r in data] == [filed[k].code for k in ("first", "received", "last")]
    first, received = (
        dict(zip(header, data[0], strict=True)),
        dict(zip(header, data[1], strict=True)),
    )
    assert first["STT"] == 1 and first["Chủ hồ sơ"] == "Lê Thị Hồng Nhung"
    assert first["Số định danh/ Mã số thuế"] == "••••••••0123"
    assert first["Số điện thoại"] == "+84••••••321"
    assert first["Địa chỉ"] == "12 đường Nguyễn Huệ, phường Sài Gòn"
    assert first["Trạng thái"] == "Mới nộp" and first["Ngày nhận hồ sơ"] is None
    assert received["Ngày nhận hồ sơ"] == datetime(2026, 3, 9, 8, 0)  # a real date cell
    assert received["Ngày hẹn trả kết quả"] == datetime(2026, 3, 12, 17, 0)
    assert sheet.cell(row=8, column=8).number_format == "DD/MM/YYYY HH:MM"
    assert sheet.freeze_panes == "C7"
    assert "079301000123" not in str(values)


def test_the_register_reads_the_same_number_of_queries_for_any_number_of_rows(world):
    def queries(render):
        with CaptureQueriesContext(connection) as captured:
            render(world.desk_x, *MARCH)
        return len(captured)

    for day in (2, 3):
        received_on(world, at(2026, 3, day, 9, 0))
    few = (queries(register.render_register_xlsx), queries(register.render_register_pdf))
    for day in range(4, 12):
        received_on(world, at(2026, 3, day, 9, 0))
    one = Dossier.objects.filter(state="received").first()
    services.route(one, ctx=world.ctx(world.one_stop))  # a transfer date to read as well
    assert len(list(register.register_rows(world.desk_x, *MARCH))) == 10
    many = (queries(register.render_register_xlsx), queries(register.render_register_pdf))
    assert many == few


def test_the_register_refuses_a_period_that_ends_before_it_starts(world):
    for render in (register.render_register_xlsx, register.render_register_pdf):
        with pytest.raises(ValueError, match="ngày bắt đầu sau ngày kết thúc"):
            render(world.desk_x, date(2026, 3, 31), date(2026, 3, 1))


def test_a_long_register_runs_over_pages_with_the_header_row_on_each(world):
    for n in range(40):
        filed_on(world, at(2026, 3, 2 + n % 20, 9, n % 60))
    pages = pages_of(register.render_register_pdf(world.desk_x, *MARCH), size=A4_LANDSCAPE)
    assert len(pages) >= 2
    for page in pages:
        assert "Tên thủ tục hành chính" in flat(text_of(page))
    # Decree 30/2020: pages are numbered from the second on, in the top margin.
    assert text_of(pages[1]).split()[-1] == "2"
    assert text_of(pages[0]).split()[-1] != "1"
    assert "Tổng số: 40 hồ sơ." in words_of(pages)
