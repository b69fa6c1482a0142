"""Behind the national portal in a real browser (issue 6): a citizen's dossier filed on the
sandbox national public service portal's page reaches the one-stop office over HTTP, the
officers handle it to the end from their pages, and the national portal's page shows every
status the province reported, in order. Screenshots at desktop and 360 px in test-artifacts/.
"""

import re

import pytest

from motcua.core.models import OutboxMessage
from motcua.dossiers.models import Dossier, State
from motcua.sandbox.models import DvcqgDossier
from tests.conftest import run_due_outbox

from .conftest import DESKTOP
from .journeys import handle_to_the_end, serious_violations, snap


@pytest.fixture
def national_here(live_server, settings):
    """The demo's sandbox national portal, on the live server (as deployment model 2 has it)."""
    settings.SITE_URL = live_server.url
    settings.MOTCUA = {
        **settings.MOTCUA,
        "NATIONAL": {
            **settings.MOTCUA["NATIONAL"],
            "API_URL": f"{live_server.url}/sandbox/dvcqg/api",
            "SYSTEM_CODE": "HCM-MOTCUA",
            "SECRET": "MOTCUADEMONATIONALSECRET2026",
            "PARTNERS": {"DVCQG": "DVCQGDEMOPARTNERSECRET2026"},
            "TIMEOUT_SECONDS": 5,
        },
    }


def drain() -> None:
    """The outbox worker's passes until nothing is due: sends, fetches, pushes."""
    for _ in range(10):
        run_due_outbox()
        if not OutboxMessage.objects.filter(state="pending").exists():
            return


def test_a_dossier_filed_on_the_national_portal_is_handled_here_and_every_status_goes_back(
    demo, national_here, page_at
):
    portal = page_at(DESKTOP)
    portal.goto("/sandbox/dvcqg/")
    assert serious_violations(portal) == []
    portal.get_by_label("Thủ tục").select_option("1.001193")
    portal.get_by_label("Nhận kết quả").select_option(label="Nhận kết quả tại bộ phận một cửa")
    with portal.expect_navigation():
        portal.get_by_role("button", name="Nộp hồ sơ").click()
    sent = DvcqgDossier.objects.get()
    assert sent.national_code in portal.get_by_role("status").inner_text()
    snap(portal, "journey-national-1-sent")

    drain()  # the national portal's POST, the linked files, status 1 back
    sent.refresh_from_db()
    assert sent.sending == "accepted", sent.answers
    dossier = Dossier.objects.get(national_code=sent.national_code)
    code = dossier.code
    assert sent.code == code and dossier.channel == "online"

    def shot(page, stage):
        if stage == "dossier":  # the dossier from DVCQG, with its national code, at both widths
            snap(page, "journey-national-2-office")

    handle_to_the_end(page_at, code, shot=shot)
    dossier.refresh_from_db()
    assert dossier.state == State.RETURNED

    drain()  # every status, pushed in order
    portal.goto("/sandbox/dvcqg/")
    held = portal.locator(".dossiers > li").filter(has_text=sent.national_code)
    chain = held.locator(".chain").inner_text()
    assert re.fullmatch(r"1 → 2 → 4 → 9 → 10", chain), chain
    assert code in held.inner_text() and "10 – Đã trả kết quả" in held.inner_text()
    snap(portal, "journey-national-3-statuses")
    assert serious_violations(portal) == []
    portal.get_by_role("link", name=sent.national_code).click()
    listed = portal.locator("ol.statuses li").all_inner_texts()
    codes = [int(text.split(" ", 1)[0]) for text in listed]
    assert [c for i, c in enumerate(codes) if i == 0 or codes[i - 1] != c] == [1, 2, 4, 9, 10]
    snap(portal, "journey-national-4-dossier")
    assert serious_violations(portal) == []
