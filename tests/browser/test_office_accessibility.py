"""WCAG 2.1 AA on the citizen's pages and the main back-office pages (issue 4 §3): no
serious or critical axe violation, at desktop width and at 360 px."""

import pytest

from motcua.dossiers import services
from motcua.dossiers.events import Context

from .conftest import DESKTOP, PHONE, screenshot
from .journeys import serious_violations, sign_in
from .test_office_journeys import _filed_online


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_citizen_and_office_pages_have_no_serious_accessibility_violation(demo, page_at, viewport):
    dossier = _filed_online()
    services.request_supplement(
        dossier,
        ctx=Context(by=_user("motcua")),
        missing=[services.MissingItem("Giấy chứng sinh", "Bản chụp bị mờ", "giay-chung-sinh")],
    )
    pages = {
        "congdan": [
            "/ho-so-cua-toi/",
            f"/ho-so/{dossier.code}/",
            "/tra-cuu/",
            "/thong-bao/",
            "/xac-minh/",
        ],
        "motcua": [
            "/mot-cua/hang-doi/tat-ca/",
            f"/mot-cua/ho-so/{dossier.code}/",
            "/mot-cua/tiep-nhan-tai-quay/?procedure=1.001193&find=0987654321",
            "/mot-cua/so-theo-doi/",
        ],
    }
    failures = []
    for login, paths in pages.items():
        page = page_at(viewport)
        sign_in(page, login)
        for path in paths:
            page.goto(path)
            page.locator("details").evaluate_all("(all) => all.forEach(d => d.open = true)")
            failures += serious_violations(page)
            name = path.strip("/").replace("/", "-").split("?")[0] or "home"
            screenshot(page, f"a11y-{login}-{name}-{viewport['width']}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{path}: {width} px wide"
    assert not failures, "\n".join(failures)


def _user(username):
    from motcua.accounts.models import User

    return User.objects.get(username=username)
