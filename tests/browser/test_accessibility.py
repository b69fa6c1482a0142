"""WCAG 2.1 AA: no serious or critical axe violation on the public pages, desktop and phone."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import DESKTOP, PHONE, screenshot

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = {
    "home": "/",
    "search": "/thu-tuc/?q=khai+sinh",
    "procedure": "/thu-tuc/1.001193/",
    "procedure-en": "/en/thu-tuc/2.000815/",
    "agency": "/co-quan/000.00.21.H29/",
    "sign-in": "/dang-nhap/",
    "sign-up": "/dang-ky/",
}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_public_pages_have_no_serious_accessibility_violation(demo, page_at, viewport):
    axe = Axe()
    page = page_at(viewport)
    failures = []
    for name, path in PAGES.items():
        page.goto(path)
        result = axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
            },
        )
        serious = [
            v for v in result.response["violations"] if v["impact"] in ("serious", "critical")
        ]
        failures += [
            f"{path}: {v['id']} ({v['impact']}) {v['help']} — {[n['target'] for n in v['nodes']]}"
            for v in serious
        ]
        screenshot(page, f"a11y-{name}-{viewport['width']}")
    assert not failures, "\n".join(failures)
