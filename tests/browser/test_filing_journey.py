"""A citizen signs in, files a birth registration with uploads through the web form, and
sees it submitted with its code (issue 3 §8)."""

import re

from motcua.accounts.demo import DEMO_PASSWORD
from motcua.dossiers.models import Dossier
from tests.documents.samples import pdf

from .conftest import PHONE, screenshot

DECLARATION = {
    "Họ, chữ đệm và tên người được khai sinh": "Nguyễn Văn Bình",
    "Ngày, tháng, năm sinh": "2026-11-20",
    "Nơi sinh": "Bệnh viện Từ Dũ, Thành phố Hồ Chí Minh",
    "Dân tộc": "Kinh",
    "Quốc tịch": "Việt Nam",
    "Họ, chữ đệm và tên người mẹ": "Trần Thị Bình",
    "Họ, chữ đệm và tên người yêu cầu": "Nguyễn Văn An",
    "Số định danh cá nhân của người yêu cầu": "079090001234",
}


def test_a_citizen_files_a_birth_registration_on_a_phone(demo, page_at, tmp_path):
    page = page_at(PHONE)
    page.goto("/dang-nhap/?next=/thu-tuc/1.001193/")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill("0901234567")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/thu-tuc/1\.001193/$"))
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url(re.compile(r"/nop-ho-so/$"))

    for label, value in DECLARATION.items():
        page.get_by_label(label, exact=False).first.fill(value)
    page.get_by_label("Giới tính").select_option("Nam")
    page.locator("[name=form-quan_he_voi_nguoi_duoc_khai_sinh]").fill("Cha")
    scan = tmp_path / "giay-to.pdf"
    scan.write_bytes(pdf())
    for key in ("to-khai-dang-ky-khai-sinh", "giay-chung-sinh", "giay-to-tuy-than"):
        page.locator(f"#document_{key}").set_input_files(str(scan))
    page.get_by_label("Trực tuyến").check()
    screenshot(page, "filing-form-phone")
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()

    page.wait_for_url(re.compile(r"/ho-so/"))
    dossier = Dossier.objects.get()
    assert dossier.code in page.get_by_role("heading", level=1).inner_text()
    assert "Đã nộp, đang chờ cán bộ tiếp nhận" in page.locator(".status-box").inner_text()
    assert dossier.documents.count() == 3
    assert dossier.form_data["ho_ten"] == "Nguyễn Văn Bình"
    screenshot(page, "filing-done-phone")


def test_the_filing_form_and_the_dossier_page_have_no_serious_accessibility_violation(
    demo, page_at
):
    from axe_playwright_python.sync_playwright import Axe

    from .test_accessibility import WCAG_21_AA

    page = page_at(PHONE)
    page.goto("/dang-nhap/")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill("congdan")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/thu-tuc/1.001193/nop-ho-so/")
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()  # the self-check
    page.get_by_role("alert").first.wait_for()
    axe = Axe()
    failures = []
    result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    failures += [
        v["id"] for v in result.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    screenshot(page, "filing-self-check-phone")
    assert not failures, failures
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
