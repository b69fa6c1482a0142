"""Steps the office journeys share: sign in as a demo user, take an action from the dossier
page, and keep screenshots at desktop and phone width (issue 4 §3)."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe

from motcua.accounts.demo import DEMO_PASSWORD
from tests.documents.samples import pdf

from .conftest import DESKTOP, PHONE, screenshot

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

BIRTH_DECLARATION = {
    "Họ, chữ đệm và tên người được khai sinh": "Nguyễn Văn Bình",
    "Ngày, tháng, năm sinh": "2026-11-20",
    "Nơi sinh": "Bệnh viện Từ Dũ, Thành phố Hồ Chí Minh",
    "Dân tộc": "Kinh",
    "Quốc tịch": "Việt Nam",
    "Họ, chữ đệm và tên người mẹ": "Trần Thị Bình",
    "Họ, chữ đệm và tên người yêu cầu": "Nguyễn Văn An",
    "Số định danh cá nhân của người yêu cầu": "079090001234",
}


def sign_in(page, login: str, then: str = "/") -> None:
    page.goto(f"/dang-nhap/?next={then}")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(login)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)


def file_birth_registration(page, tmp_path) -> None:
    """On the signed-in citizen's page: the e-form of 1.001193 filled and submitted."""
    page.goto("/thu-tuc/1.001193/nop-ho-so/")
    for label, value in BIRTH_DECLARATION.items():
        page.get_by_label(label, exact=False).first.fill(value)
    page.get_by_label("Giới tính").select_option("Nam")
    page.locator("[name=form-quan_he_voi_nguoi_duoc_khai_sinh]").fill("Cha")
    scan = tmp_path / "giay-to.pdf"
    scan.write_bytes(pdf())
    for key in ("to-khai-dang-ky-khai-sinh", "giay-chung-sinh", "giay-to-tuy-than"):
        page.locator(f"#document_{key}").set_input_files(str(scan))
    page.get_by_label("Trực tuyến").check()
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    page.wait_for_url(re.compile(r"/ho-so/[^/]+/$"))


def open_from_queue(page, queue_title: str, code: str) -> None:
    """From the back office, through the named queue, to the dossier."""
    page.goto("/mot-cua/")
    page.get_by_role("navigation", name="Hàng đợi công việc").get_by_role(
        "link", name=re.compile("^" + re.escape(queue_title))
    ).click()
    page.get_by_role("link", name=code).click()
    page.wait_for_url(re.compile(rf"/mot-cua/ho-so/{re.escape(code)}/$"))


def act(page, slug: str, fill=None, button: str | None = None) -> None:
    """Open the action's panel on the dossier page, fill it, submit; wait for the result."""
    panel = page.locator(f"#action-{slug}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    if fill is not None:
        fill(panel)
    submit = panel.get_by_role("button", name=button) if button else panel.locator("button").first
    with page.expect_navigation():
        submit.click()
    errors = page.locator(".error-summary")
    assert errors.count() == 0, errors.first.inner_text()


def snap(page, name: str) -> None:
    """The page as it is now, at desktop width and at 360 px (same session), with no
    sideways scrolling on the phone."""
    screenshot(page, f"{name}-desktop")
    context = page.context.browser.new_context(
        viewport=PHONE,
        storage_state=page.context.storage_state(),
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    try:
        phone = context.new_page()
        phone.goto(page.url)
        screenshot(phone, f"{name}-phone")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name}: {width} px wide on a 360 px phone"
    finally:
        context.close()


def serious_violations(page) -> list[str]:
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return [
        f"{page.url}: {v['id']} {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def handle_to_the_end(page_at, code: str, shot=None):
    """The demo's officers take a dossier from reception to its returned result, each from
    their own pages: ``motcua`` receives and routes, ``lanhdao`` assigns ``chuyenvien``, who
    completes the first step, ``lanhdao`` completes the second and marks the result ready,
    ``motcua`` returns it. ``shot(page, stage)`` is called at "queue", "dossier" and
    "specialist" for screenshots. The desk's page, for what the journey checks next."""
    shot = shot or (lambda page, stage: None)
    desk = page_at(DESKTOP)
    sign_in(desk, "motcua", then="/mot-cua/hang-doi/cho-tiep-nhan/")
    shot(desk, "queue")
    open_from_queue(desk, "Chờ tiếp nhận", code)
    shot(desk, "dossier")
    act(desk, "receive")
    act(desk, "route")

    leader = page_at(DESKTOP)
    sign_in(leader, "lanhdao", then="/mot-cua/")
    open_from_queue(leader, "Chờ phân công", code)
    act(
        leader,
        "assign",
        lambda p: p.get_by_label(re.compile("Giao cho")).select_option(label="Hoàng Quốc Em"),
    )

    specialist = page_at(DESKTOP)
    sign_in(specialist, "chuyenvien", then="/mot-cua/")
    open_from_queue(specialist, "Việc của tôi", code)
    shot(specialist, "specialist")
    act(specialist, "complete-step", lambda p: p.get_by_label("Ghi chú").fill("Hồ sơ hợp lệ"))

    open_from_queue(leader, "Việc của tôi", code)
    act(leader, "complete-step")
    open_from_queue(leader, "Chờ duyệt kết quả", code)
    act(leader, "result-ready")

    open_from_queue(desk, "Chờ trả kết quả", code)
    act(desk, "return-result")
    return desk
