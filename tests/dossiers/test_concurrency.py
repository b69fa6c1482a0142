"""Concurrency (issue 3 §8): real threads, each with its own database connection, on
PostgreSQL and on a file SQLite database (DESIGN: SQLite; the test profile gives SQLite a
file test database, so threads share it).

On SQLite, ``transaction_mode: IMMEDIATE`` and the 20 s busy timeout make writers queue
instead of failing; on PostgreSQL the serial counter's upsert and ``SELECT … FOR UPDATE``
serialise them.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client

from motcua.accounts import services as accounts
from motcua.accounts.models import Role
from motcua.dossiers import services
from motcua.dossiers.errors import ConcurrentUpdate, InvalidTransition
from motcua.dossiers.events import Context, verify_chain
from motcua.dossiers.models import DailySerial, Dossier, DossierEvent, IdempotencyKey, State
from tests.api.conftest import bearer, demo  # noqa: F401 - fixtures used below
from tests.api.test_dossiers_api import BIRTH, birth_files

User = get_user_model()
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("tiers")]

THREADS = 8
EACH = 5


def run_at_once(jobs: list[Callable[[], Any]], *, timeout: float = 120) -> list[Any]:
    """Run ``jobs`` in threads released together; each closes its own connection at the end.
    Returns each job's result or the exception it raised, in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(i: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = job()
        except BaseException as exc:  # reported to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results


def test_the_test_database_is_shared_by_threads():
    """The premise of this module: not SQLite's in-memory default."""
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db()
        assert connection.settings_dict["NAME"].endswith(".sqlite3")


def test_concurrent_submissions_to_one_agency_get_distinct_codes_and_gapless_serials(world):
    total = THREADS * EACH
    # The files are uploaded beforehand: the race under test is the filing itself.
    uploads = [world.upload(world.citizen) for _ in range(total)]

    def files_job(batch: list) -> Callable[[], list[str]]:
        def job() -> list[str]:
            codes = []
            for stored in batch:
                sub = services.Submission(
                    version=world.version,
                    delivery="counter",
                    agency=world.desk_x,
                    files={"to-khai": [stored]},
                )
                codes.append(services.submit(sub, ctx=Context(by=world.citizen)).code)
            return codes

        return job

    results = run_at_once([files_job(uploads[i::THREADS]) for i in range(THREADS)])
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors  # SQLite writers queue on the busy timeout, never fail
    codes = [code for batch in results for code in batch]
    assert len(codes) == total
    assert len(set(codes)) == total

    # <agency>-<YYMMDD>-<NNNN>: per day (a run across midnight starts a new day), 1..n.
    by_day: dict[str, list[int]] = defaultdict(list)
    for code in codes:
        agency, day, serial = code.rsplit("-", 2)
        assert agency == world.desk_x.code
        by_day[day].append(int(serial))
    for serials in by_day.values():
        assert sorted(serials) == list(range(1, len(serials) + 1))
    assert sum(s.last for s in DailySerial.objects.filter(agency=world.desk_x)) == total

    dossiers = Dossier.objects.filter(code__in=codes)
    assert dossiers.count() == total
    events = Counter(
        DossierEvent.objects.filter(dossier__in=dossiers).values_list("dossier_id", flat=True)
    )
    assert set(events.values()) == {1}
    assert len(events) == total
    for dossier in dossiers:
        assert dossier.state == State.SUBMITTED
        assert verify_chain(dossier) == []


def test_two_officers_acting_at_once_on_one_dossier_one_wins(world):
    colleague = User.objects.create_user("motcua-x2", password="mat-khau-2026")
    accounts.grant_role(colleague, Role.ONE_STOP_OFFICER, world.desk_x)
    for _ in range(3):  # a few rounds: the race goes either way
        filed = world.file()
        seen_a = Dossier.objects.get(pk=filed.pk)  # both officers saw the same revision
        seen_b = Dossier.objects.get(pk=filed.pk)
        results = run_at_once(
            [
                lambda a=seen_a: services.receive(a, ctx=world.ctx(world.one_stop)),
                lambda b=seen_b: services.refuse(
                    b, ctx=world.ctx(colleague), reasons="Không thuộc thẩm quyền."
                ),
            ]
        )
        wins = [r for r in results if isinstance(r, Dossier)]
        losses = [r for r in results if not isinstance(r, Dossier)]
        assert len(wins) == 1, results
        assert len(losses) == 1 and isinstance(losses[0], (ConcurrentUpdate, InvalidTransition))

        dossier = Dossier.objects.get(pk=filed.pk)
        assert dossier.state == wins[0].state
        assert dossier.state in (State.RECEIVED, State.REFUSED)
        assert dossier.revision == filed.revision + 1
        actions = list(dossier.events.order_by("seq").values_list("action", flat=True))
        expected = "receive" if dossier.state == State.RECEIVED else "refuse"
        assert actions == ["submit", expected]  # one event added
        assert verify_chain(dossier) == []
        if dossier.state == State.RECEIVED:
            assert dossier.due_at is not None and dossier.finished_at is None
        else:
            assert dossier.due_at is None and dossier.finished_at is not None


def test_the_same_idempotency_key_at_the_same_time_makes_one_dossier(bearer):  # noqa: F811
    headers = {**bearer("congdan"), "Idempotency-Key": "dong-thoi-1"}
    data = json.dumps({"procedure_code": BIRTH, "delivery": "online"})

    def post() -> Any:
        # A client of its own per thread; the same content, a new multipart boundary.
        return Client().post("/api/v1/dossiers", {"data": data, **birth_files()}, headers=headers)

    for round_no in range(3):
        headers["Idempotency-Key"] = f"dong-thoi-{round_no}"
        responses = run_at_once([post, post])
        assert not [r for r in responses if isinstance(r, BaseException)], responses
        statuses = sorted(r.status_code for r in responses)
        codes = {r.json()["code"] for r in responses if r.status_code in (200, 201)}
        assert statuses in ([200, 201], [201, 201], [201, 409]), [
            (r.status_code, r.content[:200]) for r in responses
        ]
        assert len(codes) == 1
        if 409 in statuses:
            (busy,) = [r for r in responses if r.status_code == 409]
            assert "đang được xử lý" in busy.json()["message"]
    assert Dossier.objects.count() == 3
    assert IdempotencyKey.objects.filter(completed_at__isnull=False).count() == 3
