"""Statuses out (issue 6 §2): every change the national portal would show is one snapshot with
the next sequence number, written in the change's own transaction with its push queued;
nothing when the sync is off or nothing it shows has changed. Counter dossiers too. And
deployment model 2 closes our sign-up and online filing, not the catalog or the look-up."""

import pytest
from django.db import transaction

from motcua.core.models import OutboxMessage
from motcua.dossiers import services
from motcua.dossiers.errors import OnlineFilingClosed
from motcua.interop import status as national_status
from motcua.interop.models import StatusSnapshot, SyncState

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(settings):
    settings.MOTCUA = {
        **settings.MOTCUA,
        "NATIONAL": {**settings.MOTCUA["NATIONAL"], "API_URL": "http://127.0.0.1:9/x"},
    }


def statuses(dossier):
    return list(
        StatusSnapshot.objects.filter(dossier=dossier)
        .order_by("seq")
        .values_list("seq", "body__status")
    )


def test_each_change_is_one_snapshot_in_sequence(world, national):
    dossier = services.receive(world.file(), ctx=world.ctx(world.one_stop))
    dossier = services.route(dossier, ctx=world.ctx(world.one_stop))
    assert statuses(dossier) == [(1, 1), (2, 2), (3, 4)]
    last = StatusSnapshot.objects.get(dossier=dossier, seq=3).body
    assert last["code"] == dossier.code and last["national_code"] is None
    assert last["channel"] == 2 and last["current_agency"] == world.department.code
    assert last["dates"]["received_at"].endswith("+07:00") and last["action"] == "route"
    state = SyncState.objects.get(dossier=dossier)
    assert (state.last_seq, state.acked_seq, state.pending) == (3, 0, True)
    keys = set(OutboxMessage.objects.filter(kind="interop.push").values_list("key", flat=True))
    assert keys == {f"interop:push:{dossier.pk}:{n}" for n in (1, 2, 3)}


def test_a_change_the_national_portal_does_not_see_adds_no_snapshot(world, national):
    dossier = services.receive(world.file(), ctx=world.ctx(world.one_stop))
    before = statuses(dossier)
    dossier.refresh_from_db()
    with transaction.atomic():
        assert national_status.capture(dossier) is None  # saved again, nothing new to show
    assert statuses(dossier) == before


def test_an_apology_changes_the_dates_and_is_pushed(world, national):
    dossier = services.receive(world.file(), ctx=world.ctx(world.one_stop))
    dossier = services.route(dossier, ctx=world.ctx(world.one_stop))
    services.apologise(
        dossier, ctx=world.ctx(world.one_stop), reason="Chờ xác minh", extra_working_days=2
    )
    snap = StatusSnapshot.objects.filter(dossier=dossier).order_by("-seq").first()
    assert snap.body["status"] == 4 and snap.body["action"] == "apologise"
    assert snap.body["dates"]["due_at"] != snap.body["dates"]["original_due_at"]


def test_nothing_is_captured_when_the_sync_is_off(world):
    services.receive(world.file(), ctx=world.ctx(world.one_stop))
    assert not StatusSnapshot.objects.exists() and not SyncState.objects.exists()
    assert not OutboxMessage.objects.filter(kind="interop.push").exists()


def test_model_2_closes_online_filing_and_sign_up_but_not_the_look_up(world, settings, client):
    settings.MOTCUA = {**settings.MOTCUA, "DEPLOYMENT_MODEL": 2}
    with pytest.raises(OnlineFilingClosed):
        world.file()
    code = world.version.procedure.code
    client.force_login(world.citizen)
    page = client.get(f"/thu-tuc/{code}/nop-ho-so/")
    assert page.status_code == 403 and "Cổng Dịch vụ công quốc gia" in page.content.decode()
    assert "dichvucong.gov.vn" in client.get(f"/thu-tuc/{code}/").content.decode()
    client.logout()
    assert client.get("/dang-ky/").status_code == 403
    assert client.post("/dang-ky/", {"full_name": "X", "phone": "0901111222"}).status_code == 403
    assert "/dang-ky/" not in client.get("/dang-nhap/").content.decode()
    assert client.get("/tra-cuu/").status_code == 200
