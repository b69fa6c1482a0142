"""The demo generator (issue 4 §3): realistic dossiers made through the real services only,
replayed at their own dates, with work waiting in every demo sign-in's queues."""

from __future__ import annotations

import io
import sys
from collections import Counter
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from jsonschema import Draft202012Validator, FormatChecker

from motcua.accounts.demo import COMMUNE_X_DESK, COMMUNE_Y_DESK, load_demo_users
from motcua.accounts.identity import check_id_number, check_tax_code, normalise_phone
from motcua.accounts.models import OfficerRole, Role, User
from motcua.catalog.demo import load_demo_agencies, load_demo_catalog
from motcua.core.calendar import get_calendar
from motcua.documents.services import store_upload
from motcua.dossiers import demo
from motcua.dossiers.events import verify_chain
from motcua.dossiers.models import Channel, Dossier, DossierDocument, DossierEvent, State
from motcua.dossiers.transitions import Action
from motcua.workflow.models import Consultation, ConsultationState, DossierStep, StepState
from tests.factories import make_demo_units

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# Friday 20/3/2026 10:00: the 60 days before it run across Tết (16–20/2/2026).
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=HCM)
OFFICER_ACTIONS = {a.value for a in Action} - {Action.SUBMIT, Action.SUPPLEMENT, Action.WITHDRAW}


def load_demo():
    make_demo_units()
    load_demo_agencies()
    load_demo_catalog()
    load_demo_users()


@pytest.fixture
def demo_world(db):
    load_demo()


@pytest.fixture(scope="class")
def generated(django_db_setup, django_db_blocker):
    """Forty dossiers shared by the tests of a class, rolled back after the last one."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            load_demo()
            report = demo.generate(40, seed=5, now=NOW)
        except BaseException:
            block.__exit__(*sys.exc_info())
            raise
    yield report
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        block.__exit__(None, None, None)


def agencies_of(username: str, role: str | None = None) -> set[int]:
    rows = OfficerRole.objects.filter(user__username=username, active=True)
    if role:
        rows = rows.filter(role=role)
    return set(rows.values_list("agency_id", flat=True))


def desks_of(username):
    from motcua.catalog.models import Agency

    return Agency.objects.filter(pk__in=agencies_of(username, Role.ONE_STOP_OFFICER))


@pytest.mark.usefixtures("generated")
class TestFortyDossiers:
    """One run of forty dossiers (seed 5), looked at from every side."""

    def test_forty_dossiers_cover_every_state_channel_and_lateness(self, generated, db):
        assert generated.failed == 0, generated.errors
        assert generated.count == 40 and generated.cut_short == 0
        dossiers = list(Dossier.objects.all())
        assert len(dossiers) == 40
        assert {d.state for d in dossiers} == set(State.values) - {State.DRAFT}
        assert {d.channel for d in dossiers} == set(Channel.values)
        assert {d.timeliness for d in dossiers if d.timeliness} == {"early", "on_time", "late"}
        assert any(d.apologised for d in dossiers)
        # Supplements asked at reception and during processing, one of each answered.
        asked = DossierEvent.objects.filter(action=Action.REQUEST_SUPPLEMENT)
        assert {e.data["at_reception"] for e in asked} == {True, False}
        assert DossierEvent.objects.filter(action=Action.SUPPLEMENT).exists()
        assert DossierEvent.objects.filter(action=Action.TRANSFER).exists()
        assert DossierEvent.objects.filter(action=Action.ANSWER_CONSULTATION).exists()
        # Made through the services: every event chain is whole.
        for dossier in dossiers:
            assert verify_chain(dossier) == [], dossier.code

    def test_every_demo_sign_in_finds_work_waiting(self, generated, db):
        dossiers = Dossier.objects.all()
        active = DossierStep.objects.filter(state=StepState.ACTIVE)
        desks = {
            "motcua": agencies_of("motcua", Role.ONE_STOP_OFFICER),
            "motcua2": agencies_of("motcua2", Role.ONE_STOP_OFFICER),
        }
        for desk in desks.values():
            at_desk = dossiers.filter(receiving_agency__in=desk)
            assert at_desk.filter(state=State.SUBMITTED).exclude(last_action=Action.SUPPLEMENT)
            assert at_desk.filter(state=State.RECEIVED).exists()  # to route
            assert at_desk.filter(state=State.RESULT_READY).exists()  # to return
        assert dossiers.filter(
            state=State.SUBMITTED,
            last_action=Action.SUPPLEMENT,
            receiving_agency__in=desks["motcua"],
        ).exists()
        assert {a.code for a in desks_of("motcua")} >= {COMMUNE_X_DESK}
        assert {a.code for a in desks_of("motcua2")} == {COMMUNE_Y_DESK}

        specialist = User.objects.get(username="chuyenvien")
        handling = agencies_of("chuyenvien")
        assert active.filter(assignee=specialist, dossier__state=State.IN_PROCESS).exists()
        assert Consultation.objects.filter(state=ConsultationState.OPEN, agency__in=handling)
        assert dossiers.filter(
            state=State.IN_PROCESS, last_action=Action.SUPPLEMENT, current_agency__in=handling
        ).exists()

        led = agencies_of("lanhdao", Role.LEADER)
        assert active.filter(assignee=None, agency__in=led).exclude(officer_role=Role.LEADER)
        assert active.filter(officer_role=Role.LEADER, agency__in=led).exists()
        assert (
            dossiers.filter(state=State.IN_PROCESS, current_agency__in=led)
            .exclude(pk__in=active.values("dossier_id"))
            .exists()
        )  # every step done: the leader marks the result ready
        running = dossiers.filter(state__in=[State.RECEIVED, State.IN_PROCESS])
        soon = datetime.combine(
            get_calendar().add_working_days(NOW.date(), 2) + timedelta(days=1),
            datetime.min.time(),
            HCM,
        )
        assert running.filter(due_at__lt=NOW, current_agency__in=led).exists()  # overdue
        assert running.filter(due_at__gte=NOW, due_at__lt=soon).exists()  # due soon

        for username, states in (("congdan", 5), ("congdan2", 4)):
            user = User.objects.get(username=username)
            own = dossiers.filter(account=user) | dossiers.filter(owner=user)
            assert len(set(own.values_list("state", flat=True))) >= states, username

    def test_people_forms_and_files_look_real_and_stay_private(self, generated, db):
        for dossier in Dossier.objects.select_related("version", "account", "owner"):
            words = dossier.owner_name.split()
            assert len(words) >= 3, dossier.owner_name
            if dossier.owner_id_number:
                if len(dossier.owner_id_number) == 12:
                    check_id_number(dossier.owner_id_number)
                else:
                    check_tax_code(dossier.owner_id_number)
            assert normalise_phone(dossier.owner_phone) == dossier.owner_phone
            if dossier.on_behalf and dossier.submitter_phone:
                normalise_phone(dossier.submitter_phone)
            assert dossier.owner_address
            schema = dossier.version.form_schema
            if schema and dossier.form_data:
                validator = Draft202012Validator(schema, format_checker=FormatChecker())
                assert list(validator.iter_errors(dossier.form_data)) == []
            parties = {dossier.account_id, dossier.owner_id} - {None}
            officers = set(
                OfficerRole.objects.filter(agency=dossier.receiving_agency).values_list(
                    "user_id", flat=True
                )
            )
            for document in DossierDocument.objects.filter(dossier=dossier).select_related(
                "stored_file"
            ):
                stored = document.stored_file
                # A citizen's own file, or a scan the desk's officer made for this dossier.
                assert stored.owner_id in parties | {None}
                assert stored.uploaded_by_id in parties | officers
                assert stored.content_type == "application/pdf" and stored.pages == 1
                if stored.owner_id is None:
                    assert stored.dossier_uses.count() == 1
        # A file used twice is its owner's, reused from the data store for another dossier.
        for document in DossierDocument.objects.filter(reused=True).select_related("stored_file"):
            assert document.stored_file.owner_id == document.dossier.account_id

    def test_dates_fall_in_the_window_and_officers_act_in_office_hours(self, generated, db):
        calendar = get_calendar()
        events = DossierEvent.objects.select_related("actor_agency").order_by("dossier_id", "seq")
        previous = {}
        outside = 0
        for event in events:
            assert event.at <= NOW
            assert event.at >= NOW - timedelta(days=demo.DAYS + 40)
            assert previous.get(event.dossier_id, event.at) <= event.at
            previous[event.dossier_id] = event.at
            if event.action in OFFICER_ACTIONS and event.actor_agency is not None:
                local = event.at.astimezone(HCM)
                hours = event.actor_agency.office_hours()
                inside = calendar.is_working_day(local.date()) and any(
                    start <= local.time() <= end for start, end in hours.periods
                )
                outside += not inside
        assert outside <= events.count() // 50  # a squeezed history now and then
        submitted = Dossier.objects.values_list("submitted_at", flat=True)
        assert min(submitted) < NOW - timedelta(days=30) and max(submitted) > NOW - timedelta(
            days=3
        )
        weekdays = Counter(s.astimezone(HCM).weekday() < 5 for s in submitted)
        assert weekdays[True] > 3 * weekdays[False]


def fingerprint() -> list[tuple]:
    rows = []
    for dossier in Dossier.objects.order_by("code"):
        events = tuple(
            dossier.events.order_by("seq").values_list("action", "at", "actor__username", "note")
        )
        rows.append(
            (
                dossier.code,
                dossier.state,
                dossier.channel,
                dossier.owner_name,
                dossier.owner_id_number,
                dossier.form_data,
                dossier.due_at,
                dossier.timeliness,
                events,
            )
        )
    return rows


def generate_and_forget(count: int, seed: int) -> list[tuple]:
    with transaction.atomic():
        demo.generate(count, seed=seed, now=NOW)
        result = fingerprint()
        transaction.set_rollback(True)
    return result


def test_the_same_seed_gives_the_same_dossiers(demo_world):
    first = generate_and_forget(12, seed=9)
    assert len(first) == 12
    assert generate_and_forget(12, seed=9) == first
    assert generate_and_forget(12, seed=10) != first


def test_the_command_shows_progress_and_runs_once_when_asked(demo_world, capsys):
    out = StringIO()
    now = NOW.isoformat()
    call_command("generate_dossiers", count=6, seed=3, now=now, if_empty=True, stdout=out)
    assert "6 hồ sơ" in out.getvalue()
    assert "6/6" in capsys.readouterr().err  # the tqdm bar
    call_command("generate_dossiers", count=6, seed=3, now=now, if_empty=True, stdout=out)
    assert "đã có hồ sơ, giữ nguyên" in out.getvalue()
    assert Dossier.objects.count() == 6


def test_seed_demo_adds_the_dossiers_once(demo_world, monkeypatch):
    from motcua.catalog.management.commands import seed_demo

    monkeypatch.setattr(seed_demo, "load_units", lambda: 0)  # the demo's units are there
    call_command("seed_demo", dossiers=5, stdout=StringIO())
    call_command("seed_demo", dossiers=5, stdout=StringIO())
    assert Dossier.objects.count() == 5


def test_sqlite_takes_one_worker(demo_world):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with pytest.raises(ValueError):
        demo.generate(4, seed=1, now=NOW, workers=2)


@pytest.mark.django_db(transaction=True)
def test_workers_replay_in_parallel_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("parallel workers need PostgreSQL")
    load_demo()
    report = demo.generate(24, seed=4, now=NOW, workers=3)
    assert report.failed == 0, report.errors
    assert report.count == Dossier.objects.count() == 24
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(set(codes)) == 24
    for dossier in Dossier.objects.all():
        assert verify_chain(dossier) == []


def test_a_demo_pdf_is_accepted_like_an_upload(demo_world):
    user = User.objects.get(username="congdan")
    pdf = demo.tiny_pdf("Giấy khai sinh (bản sao)", ["Nguyễn Văn An", "Phường (Sài Gòn)"])
    assert len(pdf) < 2000
    stored = store_upload(io.BytesIO(pdf), name="khai-sinh.pdf", owner=user, uploaded_by=user)
    assert stored.pages == 1 and stored.content_type == "application/pdf"


def test_the_demo_desk_hands_results_due_by_post_to_the_post(demo_world):
    from motcua.delivery.models import Shipment

    demo.generate(60, seed=5, now=NOW)
    eligible = Dossier.objects.filter(state=State.RESULT_READY, delivery="post").count()
    posted = demo.post_some_results(limit=2)
    assert posted == min(2, eligible) and Shipment.objects.count() == posted
    if not eligible:
        pytest.skip("this seed has no result waiting for the post")
    assert Shipment.objects.get(pk=Shipment.objects.first().pk).direction == "deliver"
