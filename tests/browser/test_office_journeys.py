"""The one-stop office end to end in a real browser (issue 4 §3): each journey from sign-in
to the end, with screenshots at desktop and 360 px in test-artifacts/."""

import re

from motcua.dossiers import services
from motcua.dossiers.events import Context
from motcua.dossiers.models import Dossier, State
from tests.documents.samples import pdf

from .conftest import DESKTOP
from .journeys import (
    act,
    file_birth_registration,
    handle_to_the_end,
    open_from_queue,
    sign_in,
    snap,
)


def test_online_dossier_from_submission_to_returned_result(demo, page_at, tmp_path):
    citizen = page_at(DESKTOP)
    sign_in(citizen, "congdan")
    file_birth_registration(citizen, tmp_path)
    dossier = Dossier.objects.get()
    code = dossier.code

    stages = {"queue": "1-queue", "dossier": "2-dossier", "specialist": "3-specialist"}
    handle_to_the_end(
        page_at, code, shot=lambda page, stage: snap(page, f"journey-online-{stages[stage]}")
    )
    dossier.refresh_from_db()
    assert dossier.state == State.RETURNED

    citizen.goto(f"/ho-so/{code}/")
    dates = citizen.locator("dl.dates").inner_text()
    for moment in (
        dossier.submitted_at,
        dossier.received_at,
        dossier.due_at,
        dossier.result_ready_at,
        dossier.returned_at,
    ):
        assert f"{moment.astimezone(services.clock.now().tzinfo):%d/%m/%Y}" in dates
    assert "Đã trả kết quả" in citizen.locator(".status-box").inner_text()
    assert citizen.get_by_role("link", name=re.compile("Mẫu 01")).count() == 1
    snap(citizen, "journey-online-4-citizen-returned")
    timeline = citizen.locator("ol.timeline").inner_text()
    for label in (
        "Nộp hồ sơ",
        "Tiếp nhận hồ sơ",
        "Chuyển xử lý",
        "Hoàn thành bước",
        "Có kết quả giải quyết",
        "Trả kết quả",
    ):
        assert label in timeline


def _pdf_text(content: bytes) -> str:
    import io
    import unicodedata

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return unicodedata.normalize("NFC", " ".join(p.extract_text() for p in reader.pages))


def test_counter_reception_with_a_printed_receipt(demo, page_at, tmp_path):
    desk = page_at(DESKTOP)
    sign_in(desk, "motcua", then="/mot-cua/tiep-nhan-tai-quay/")
    desk.get_by_label("Mã thủ tục").fill("1.001193")
    desk.get_by_label("Số định danh hoặc số điện thoại chủ hồ sơ").fill("0987654321")
    desk.get_by_role("button", name="Tiếp tục").click()
    desk.get_by_text("Chưa có thông tin người này").wait_for()
    desk.get_by_label("Bộ phận tiếp nhận").select_option(label="Bộ phận Một cửa Phường Sài Gòn")
    desk.get_by_label("Họ và tên").fill("Phan Văn Tài")
    desk.get_by_label("Số định danh cá nhân (12 số) hoặc mã số thuế").fill("079085004321")
    desk.get_by_label("Điện thoại", exact=True).fill("0987654321")
    scan = tmp_path / "ban-quet.pdf"
    scan.write_bytes(pdf())
    for key in ("to-khai-dang-ky-khai-sinh", "giay-chung-sinh", "giay-to-tuy-than"):
        desk.locator(f"#doc-{key}").set_input_files(str(scan))
    snap(desk, "journey-counter-1-form")
    with desk.expect_navigation():
        desk.get_by_role("button", name="Tiếp nhận và in Mẫu 01").click()
    dossier = Dossier.objects.get()
    assert dossier.state == State.RECEIVED and dossier.channel == "counter"
    assert all(d.stored_file.digitized for d in dossier.documents.all())
    receipt = desk.get_by_role("link", name=re.compile("In Giấy tiếp nhận"))
    snap(desk, "journey-counter-2-received")
    printed = desk.request.get(receipt.get_attribute("href"))
    assert printed.headers["content-type"] == "application/pdf"
    text = _pdf_text(printed.body())
    assert dossier.code in text and "Phan Văn Tài" in text


def _pdf_viewer_opened(page) -> bool:
    """Chromium's PDF viewer (an extension frame) came up inside the viewer page's frame."""
    for _ in range(50):
        urls = [frame.url for frame in page.frames]
        if any(u.endswith("?inline=1") for u in urls) and any(
            u.startswith("chrome-extension://") for u in urls
        ):
            return True
        page.wait_for_timeout(200)
    return False


def _filed_online(login: str = "congdan") -> Dossier:
    """A birth registration filed by the demo citizen through the service (the online
    filing in the browser has its own journey)."""
    from motcua.accounts.models import User
    from motcua.catalog.models import Procedure
    from motcua.documents.services import store_upload

    citizen = User.objects.get(username=login)
    version = Procedure.objects.get(code="1.001193").current_version
    files = {
        key: [
            store_upload(
                __import__("io").BytesIO(pdf()),
                name=f"{key}.pdf",
                owner=citizen,
                uploaded_by=citizen,
            )
        ]
        for key in ("to-khai-dang-ky-khai-sinh", "giay-chung-sinh", "giay-to-tuy-than")
    }
    sub = services.Submission(version=version, delivery="online", files=files)
    return services.submit(sub, ctx=Context(by=citizen))


def test_a_supplement_round_trip(demo, page_at, tmp_path):
    dossier = _filed_online()
    desk = page_at(DESKTOP)
    sign_in(desk, "motcua", then="/mot-cua/")
    open_from_queue(desk, "Chờ tiếp nhận", dossier.code)

    def missing(panel):
        panel.get_by_label("Giấy chứng sinh", exact=False).check()
        panel.locator("[name='reason_giay-chung-sinh']").fill("Bản chụp bị mờ, không đọc được")

    act(desk, "request-supplement", missing)
    snap(desk, "journey-supplement-1-requested")

    citizen = page_at(DESKTOP)
    sign_in(citizen, "congdan", then=f"/ho-so/{dossier.code}/")
    assert "Bản chụp bị mờ" in citizen.locator(".due-box").inner_text()
    snap(citizen, "journey-supplement-2-citizen-asked")
    scan = tmp_path / "giay-chung-sinh-ro.pdf"
    scan.write_bytes(pdf())
    citizen.locator("#sup-giay-chung-sinh").set_input_files(str(scan))
    with citizen.expect_navigation():
        citizen.get_by_role("button", name="Gửi bổ sung").click()
    assert "Đã gửi hồ sơ bổ sung." in citizen.content()

    open_from_queue(desk, "Đã bổ sung", dossier.code)
    assert "Bổ sung lần 1" in desk.content()
    # The new scan opens in the browser's own PDF viewer, framed by the dossier's page.
    desk.get_by_role("link", name="Xem: giay-chung-sinh-ro.pdf").click()
    assert _pdf_viewer_opened(desk), [frame.url for frame in desk.frames]
    snap(desk, "journey-supplement-viewer")
    desk.go_back()
    act(desk, "receive")
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED
    citizen.goto(f"/ho-so/{dossier.code}/")
    dates = citizen.locator("dl.dates").inner_text()
    assert "Yêu cầu bổ sung" in dates and "Đã bổ sung" in dates
    snap(citizen, "journey-supplement-3-citizen-received")


def test_an_inter_agency_transfer(demo, page_at):
    dossier = _filed_online()
    desk = page_at(DESKTOP)
    sign_in(desk, "motcua", then="/mot-cua/")
    open_from_queue(desk, "Chờ tiếp nhận", dossier.code)
    act(desk, "receive")
    act(desk, "route")

    specialist = page_at(DESKTOP)
    sign_in(specialist, "chuyenvien", then="/mot-cua/")
    open_from_queue(specialist, "Việc của tôi", dossier.code)

    def to_justice(panel):
        choice = panel.locator("#transfer-agency option", has_text="Sở Tư pháp").first
        panel.get_by_label("Chuyển đến cơ quan").select_option(choice.get_attribute("value"))
        panel.get_by_label(re.compile("^Ghi chú")).fill("Cần Sở Tư pháp thẩm định thêm")

    act(specialist, "transfer", to_justice)
    dossier.refresh_from_db()
    assert dossier.current_agency.name.startswith("Sở Tư pháp")
    # chuyenvien also works at the department: the step is now theirs to take there.
    open_from_queue(specialist, "Việc của tôi", dossier.code)
    snap(specialist, "journey-transfer-1-at-department")

    citizen = page_at(DESKTOP)
    sign_in(citizen, "congdan", then=f"/ho-so/{dossier.code}/")
    status = citizen.locator(".status-box").inner_text()
    assert "Đang thẩm định hồ sơ tại Sở Tư pháp" in status
    snap(citizen, "journey-transfer-2-citizen")


def test_an_apology_with_a_new_date(demo, page_at):
    dossier = _filed_online()
    desk = page_at(DESKTOP)
    sign_in(desk, "motcua", then="/mot-cua/")
    open_from_queue(desk, "Chờ tiếp nhận", dossier.code)
    act(desk, "receive")
    dossier.refresh_from_db()
    old_due = dossier.due_at

    def apology(panel):
        panel.get_by_label(re.compile("^Lý do chậm trễ")).fill("Chờ xác minh thông tin cư trú")
        panel.get_by_label(re.compile("^Gia hạn thêm")).fill("2")

    act(desk, "apologise", apology)
    dossier.refresh_from_db()
    assert dossier.apologised and dossier.due_at > old_due
    snap(desk, "journey-apology-1-office")

    citizen = page_at(DESKTOP)
    sign_in(citizen, "congdan", then=f"/ho-so/{dossier.code}/")
    dates = citizen.locator("dl.dates").inner_text()
    assert "Chờ xác minh thông tin cư trú" in dates
    assert f"{dossier.due_at.astimezone(services.clock.now().tzinfo):%d/%m/%Y}" in dates
    form = citizen.get_by_role("link", name=re.compile("Mẫu 04"))
    printed = citizen.request.get(form.get_attribute("href"))
    assert printed.headers["content-type"] == "application/pdf"
    assert "Chờ xác minh thông tin cư trú" in _pdf_text(printed.body())
    snap(citizen, "journey-apology-2-citizen")
