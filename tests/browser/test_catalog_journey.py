import re

from django.utils import timezone

from motcua.catalog import services
from motcua.core.templatetags.motcua import dmy

from .conftest import DESKTOP, PHONE, screenshot


def expected_date_text(code: str) -> str:
    procedure = services.procedure_for_page(code)
    version = procedure.current_version
    due = services.expected_due(version, services.default_receiver(version), timezone.now())
    return dmy(due.due_at)


def test_citizen_searches_without_diacritics_and_prepares_a_birth_registration(demo, page_at):
    page = page_at(PHONE)
    page.goto("/")
    page.get_by_label("Tìm thủ tục hành chính").fill("dang ky khai sinh")
    page.get_by_role("button", name="Tìm").click()
    page.wait_for_url(re.compile(r"/thu-tuc/\?q="))
    screenshot(page, "search-phone")
    page.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True).click()

    page.wait_for_url(re.compile(r"/thu-tuc/1\.001193/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Thủ tục đăng ký khai sinh"
    assert page.get_by_role("heading", name="Thành phần hồ sơ").is_visible()
    assert page.get_by_role("table").get_by_text("Tờ khai đăng ký khai sinh").first.is_visible()
    assert page.get_by_role("heading", name="Phí, lệ phí").is_visible()
    expected = page.locator(".expected").inner_text()
    assert expected == f"Nộp hôm nay, dự kiến trả kết quả ngày {expected_date_text('1.001193')}"
    screenshot(page, "procedure-phone")

    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/en/thu-tuc/1\.001193/"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Required documents").is_visible()
    assert "expected result on" in page.locator(".expected").inner_text()
    screenshot(page, "procedure-english-phone")


def test_uppercase_search_with_diacritics_finds_the_same_procedure(demo, page_at):
    page = page_at(DESKTOP)
    page.goto("/thu-tuc/?q=%C4%90%C4%82NG+K%C3%9D+KHAI+SINH")
    assert page.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True).is_visible()
    page.get_by_label("Lĩnh vực").select_option(label="Hộ tịch")
    page.get_by_role("button", name="Tìm").click()
    assert page.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True).is_visible()
    screenshot(page, "search-desktop")


def test_pages_fit_a_360_px_phone_without_sideways_scrolling(demo, page_at):
    page = page_at(PHONE)
    for path in ["/", "/thu-tuc/", "/thu-tuc/1.001193/", "/thu-tuc/2.000815/", "/co-quan/"]:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide"


def test_api_documentation_renders_in_the_browser(demo, page_at):
    page = page_at(DESKTOP)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/api/v1/docs")
    page.get_by_text("/api/v1/calendar/due-date").first.wait_for()
    screenshot(page, "api-docs")
    assert not [e for e in errors if "Content Security Policy" in e], errors
