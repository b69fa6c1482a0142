"""The transactional outbox (issue 3 §5; DESIGN: Transactional outbox, one queue).

The handlers below are real handlers registered for test kinds; the worker, the claims and
the database are the real ones. Time passing is simulated by moving a row's
``next_attempt_at`` / ``claimed_at`` / ``next_run_at`` back, as a clock would.
"""

import logging
import os
import signal
import threading
import time
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test import override_settings
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import CalendarOverride, OutboxMessage, PeriodicJob

State = OutboxMessage.State

DELIVERED: list[tuple[str, str]] = []  # (key, worker) of every handler run that succeeded
_delivered_lock = threading.Lock()
REMOTE = {"down": False}  # the far side of "test.remote"
TICKS: list[str] = []  # one entry per run of the periodic job "test.tick"
STOP = threading.Event()


@outbox.handler("test.record")
def record(payload: dict, message: OutboxMessage) -> None:
    if payload.get("sleep"):
        time.sleep(payload["sleep"])
    with _delivered_lock:
        DELIVERED.append((message.key, message.claimed_by))


@outbox.handler("test.flaky")
def flaky(payload: dict, message: OutboxMessage) -> None:
    """Fails its first ``fail_times`` attempts, as a remote service that is briefly down."""
    if message.attempts <= payload["fail_times"]:
        raise ConnectionError(f"dịch vụ tạm thời không trả lời (lần {message.attempts})")
    record(payload, message)


@outbox.handler("test.remote")
def remote(payload: dict, message: OutboxMessage) -> None:
    if REMOTE["down"]:
        raise ConnectionError("máy chủ đối tác không trả lời")
    record(payload, message)


@outbox.handler("test.refused")
def refused(payload: dict, message: OutboxMessage) -> None:
    raise outbox.PermanentError("địa chỉ nhận không tồn tại")


@outbox.handler("test.stop")
def stop_after_this(payload: dict, message: OutboxMessage) -> None:
    record(payload, message)
    STOP.set()


@outbox.handler("test.sigterm")
def sigterm_after_this(payload: dict, message: OutboxMessage) -> None:
    record(payload, message)
    os.kill(os.getpid(), signal.SIGTERM)


@outbox.periodic("test.tick", every=timedelta(minutes=5))
def tick() -> None:
    TICKS.append(threading.current_thread().name)


@pytest.fixture(autouse=True)
def _fresh_test_state():
    DELIVERED.clear()
    TICKS.clear()
    REMOTE["down"] = False
    STOP.clear()
    yield


def put(kind: str = "test.record", key: str = "k1", **payload) -> OutboxMessage:
    with transaction.atomic():
        return outbox.enqueue(kind, key=key, payload=payload)


def make_due(message: OutboxMessage) -> None:
    """The clock reaches the message's next attempt."""
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def expire_lease(message: OutboxMessage) -> None:
    """The lease of the worker holding the message runs out (it died)."""
    lease = timedelta(seconds=outbox.setting("LEASE_SECONDS") + 1)
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - lease)


def fresh(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


# ------------------------------------------------ enqueue: nothing lost, nothing twice


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_business_change_leaves_no_message():
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarOverride.objects.create(date=date(2026, 5, 4), kind="day_off", name="Nghỉ bù")
        outbox.enqueue("test.record", key="holiday:2026-05-04", payload={})
        raise RuntimeError("the business rule refused")
    assert not CalendarOverride.objects.exists()
    assert not OutboxMessage.objects.exists()

    with transaction.atomic():
        CalendarOverride.objects.create(date=date(2026, 5, 4), kind="day_off", name="Nghỉ bù")
        outbox.enqueue("test.record", key="holiday:2026-05-04", payload={})
    assert CalendarOverride.objects.count() == 1
    assert OutboxMessage.objects.get().state == State.PENDING


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(TransactionManagementError):
        outbox.enqueue("test.record", key="k1", payload={})
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_same_key_twice_is_one_message():
    first = put(key="1.001193:receipt", n=1)
    second = put(key="1.001193:receipt", n=2)
    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert fresh(first).payload == {"n": 1}


@pytest.mark.django_db
def test_enqueue_defaults_come_from_settings():
    with override_settings(MOTCUA_OUTBOX={"MAX_ATTEMPTS": 3}):
        message = put()
    assert message.max_attempts == 3
    assert message.attempts == 0
    assert message.state == State.PENDING
    with transaction.atomic():
        custom = outbox.enqueue("test.record", key="k2", payload={}, max_attempts=5)
    assert custom.max_attempts == 5
    with pytest.raises(ValueError), transaction.atomic():
        outbox.enqueue("test.record", key="x" * 201, payload={})


# ---------------------------------------------------------------- delivery


@pytest.mark.django_db
def test_the_worker_delivers_due_messages_and_marks_them_done(caplog):
    messages = [put(key=f"k{i}") for i in range(3)]
    with caplog.at_level(logging.INFO, logger="motcua.outbox"):
        run = outbox.run_worker(once=True, batch=2, worker_id="w1")
    assert run.done == 3
    assert sorted(key for key, _worker in DELIVERED) == ["k0", "k1", "k2"]
    for message in messages:
        message = fresh(message)
        assert message.state == State.DONE
        assert message.attempts == 1
        assert message.done_at is not None
        assert message.claimed_by == "w1"
    logged = [r for r in caplog.records if r.name == "motcua.outbox" and hasattr(r, "key")]
    assert {r.key for r in logged} == {"k0", "k1", "k2"}
    for entry in logged:
        assert entry.kind == "test.record"
        assert entry.state == State.DONE
        assert entry.attempts == 1
        assert isinstance(entry.duration_ms, int)


@pytest.mark.django_db
def test_messages_not_yet_due_wait():
    later = timezone.now() + timedelta(hours=1)
    with transaction.atomic():
        message = outbox.enqueue("test.record", key="reminder", payload={}, run_at=later)
    assert outbox.run_worker(once=True).handled == 0
    assert fresh(message).state == State.PENDING
    assert DELIVERED == []

    make_due(message)
    assert outbox.run_worker(once=True).done == 1
    assert fresh(message).state == State.DONE


@pytest.mark.django_db
@override_settings(MOTCUA_OUTBOX={"BACKOFF_BASE_SECONDS": 10, "BACKOFF_MAX_SECONDS": 3600})
def test_a_transient_failure_retries_with_growing_backoff_then_succeeds():
    message = put("test.flaky", fail_times=3)
    waits = []
    for attempt in (1, 2, 3):
        before = timezone.now()
        run = outbox.run_worker(once=True)
        assert run.retried == 1
        message = fresh(message)
        assert message.state == State.PENDING
        assert message.attempts == attempt
        assert f"lần {attempt}" in message.last_error
        waits.append((message.next_attempt_at - before).total_seconds())
        make_due(message)
    # 10 · 2^(n-1) seconds, jittered into its upper half.
    assert 5 <= waits[0] <= 10.5
    assert 10 <= waits[1] <= 20.5
    assert 20 <= waits[2] <= 40.5
    assert waits[0] <= waits[1] <= waits[2]

    assert outbox.run_worker(once=True).done == 1
    message = fresh(message)
    assert message.state == State.DONE
    assert message.attempts == 4
    assert message.last_error == ""


@override_settings(MOTCUA_OUTBOX={"BACKOFF_BASE_SECONDS": 10, "BACKOFF_MAX_SECONDS": 60})
def test_backoff_doubles_with_jitter_and_stops_at_the_cap():
    for attempts, (low, high) in {1: (5, 10), 2: (10, 20), 3: (20, 40), 9: (30, 60)}.items():
        samples = [outbox.backoff_seconds(attempts) for _ in range(200)]
        assert all(low <= s <= high for s in samples), attempts
        assert len(set(samples)) > 1  # jitter: workers that failed together spread out


@pytest.mark.django_db
def test_a_permanent_error_fails_the_message_at_once():
    message = put("test.refused")
    run = outbox.run_worker(once=True)
    assert run.failed == 1
    message = fresh(message)
    assert message.state == State.FAILED
    assert message.attempts == 1
    assert "PermanentError: địa chỉ nhận không tồn tại" in message.last_error


@pytest.mark.django_db
def test_a_handler_missing_in_this_worker_is_retried_not_lost():
    message = put("test.no_such_handler")
    assert outbox.run_worker(once=True).retried == 1
    message = fresh(message)
    assert message.state == State.PENDING
    assert "no outbox handler" in message.last_error


@pytest.mark.django_db
def test_after_max_attempts_the_message_fails_and_an_operator_can_retry_it():
    REMOTE["down"] = True
    with transaction.atomic():
        message = outbox.enqueue("test.remote", key="k1", payload={}, max_attempts=2)
    outbox.run_worker(once=True)
    make_due(message)
    assert outbox.run_worker(once=True).failed == 1
    message = fresh(message)
    assert message.state == State.FAILED
    assert message.attempts == 2
    make_due(message)
    assert outbox.run_worker(once=True).handled == 0  # failed is final until an operator acts

    REMOTE["down"] = False
    assert outbox.retry(message) is True
    assert message.state == State.PENDING
    assert message.attempts == 0
    assert message.next_attempt_at <= timezone.now()
    assert outbox.retry(message) is False  # only failed messages go back

    assert outbox.run_worker(once=True).done == 1
    assert fresh(message).state == State.DONE


# ---------------------------------------------------------------- crashes, leases, several workers


@pytest.mark.django_db
def test_a_message_held_by_a_dead_worker_is_taken_again_after_its_lease():
    message = put()
    (held,) = outbox.claim_due(worker_id="A")
    assert held.state == State.RUNNING
    assert held.claimed_by == "A"
    assert held.attempts == 1
    # Worker A dies here. While its lease runs, nobody else takes the message.
    assert outbox.run_worker(once=True, worker_id="B").handled == 0

    expire_lease(message)
    assert outbox.run_worker(once=True, worker_id="B").done == 1
    message = fresh(message)
    assert message.state == State.DONE
    assert message.attempts == 2  # the lost attempt counts
    assert message.claimed_by == "B"
    assert DELIVERED == [("k1", "B")]

    # A was only slow, not dead: its late outcome is not recorded over B's.
    assert outbox.deliver(held, worker_id="A") == State.DONE
    assert fresh(message).claimed_by == "B"
    assert fresh(message).attempts == 2


@pytest.mark.django_db
def test_a_message_lost_on_its_last_attempt_fails_instead_of_looping():
    with transaction.atomic():
        message = outbox.enqueue("test.record", key="k1", payload={}, max_attempts=1)
    outbox.claim_due(worker_id="A")
    expire_lease(message)
    assert outbox.run_worker(once=True, worker_id="B").handled == 0
    message = fresh(message)
    assert message.state == State.FAILED
    assert "hết hạn giữ" in message.last_error
    assert DELIVERED == []


@pytest.mark.django_db
def test_two_workers_claim_disjoint_messages():
    for i in range(6):
        put(key=f"k{i}")
    a = outbox.claim_due(batch=3, worker_id="A")
    b = outbox.claim_due(batch=3, worker_id="B")
    assert len(a) == len(b) == 3
    assert not {m.pk for m in a} & {m.pk for m in b}
    assert outbox.claim_due(batch=3, worker_id="C") == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_in_parallel_never_deliver_a_message_twice():
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip(
            "SQLite runs a single outbox worker (DESIGN: SQLite); parallel workers need "
            "PostgreSQL's SELECT … FOR UPDATE SKIP LOCKED"
        )
    with transaction.atomic():
        for i in range(40):
            outbox.enqueue("test.record", key=f"k{i:02}", payload={"sleep": 0.01})
    start = threading.Barrier(2)
    errors = []

    def work(name: str) -> None:
        try:
            start.wait()
            outbox.run_worker(once=True, batch=4, worker_id=name)
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    keys = [key for key, _worker in DELIVERED]
    assert len(keys) == 40
    assert len(set(keys)) == 40, "a message was delivered twice"
    assert {worker for _key, worker in DELIVERED} == {"A", "B"}
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.DONE}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_a_stopping_worker_finishes_the_message_in_hand_and_gives_back_the_rest():
    put("test.stop", key="k0")
    put(key="k1")
    put(key="k2")
    run = outbox.run_worker(batch=3, worker_id="A", stop_event=STOP)
    assert run.done == 1
    assert DELIVERED == [("k0", "A")]
    for key in ("k1", "k2"):
        message = OutboxMessage.objects.get(key=key)
        assert message.state == State.PENDING
        assert message.attempts == 0  # given back unused


@pytest.mark.django_db
def test_the_command_delivers_and_stops_on_sigterm(capsys):
    put(key="k0")
    call_command("run_outbox_worker", "--once", "--worker-id", "cli")
    assert "done 1" in capsys.readouterr().out
    assert DELIVERED == [("k0", "cli")]

    put("test.sigterm", key="k1")
    put(key="k2")
    call_command("run_outbox_worker", "--batch", "1", "--worker-id", "cli")  # returns on SIGTERM
    assert OutboxMessage.objects.get(key="k1").state == State.DONE
    assert OutboxMessage.objects.get(key="k2").state == State.PENDING


# ---------------------------------------------------------------- periodic jobs


@pytest.mark.django_db
def test_a_periodic_job_runs_once_per_period_even_with_two_workers():
    first = outbox.run_worker(once=True, worker_id="A")
    second = outbox.run_worker(once=True, worker_id="B")
    assert "test.tick" in first.jobs
    assert "test.tick" not in second.jobs
    assert len(TICKS) == 1
    job = PeriodicJob.objects.get(name="test.tick")
    assert job.last_run_at is not None
    assert job.running_until is None
    assert timedelta(minutes=4) < job.next_run_at - timezone.now() <= timedelta(minutes=5)

    PeriodicJob.objects.filter(pk=job.pk).update(next_run_at=timezone.now())  # 5 minutes pass
    outbox.run_worker(once=True, worker_id="B")
    outbox.run_worker(once=True, worker_id="A")
    assert len(TICKS) == 2


@pytest.mark.django_db
def test_a_periodic_job_still_running_elsewhere_is_not_started_again():
    outbox.run_worker(once=True)
    PeriodicJob.objects.filter(name="test.tick").update(
        next_run_at=timezone.now(), running_until=timezone.now() + timedelta(minutes=1)
    )
    assert "test.tick" not in outbox.run_worker(once=True).jobs
    assert len(TICKS) == 1


@pytest.mark.django_db
@override_settings(MOTCUA_OUTBOX={"KEEP_DONE_DAYS": 30})
def test_cleanup_deletes_done_messages_older_than_the_keep_period():
    old, recent, failed = put(key="old"), put(key="recent"), put(key="failed")
    long_ago = timezone.now() - timedelta(days=31)
    OutboxMessage.objects.filter(pk=old.pk).update(state=State.DONE, done_at=long_ago)
    OutboxMessage.objects.filter(pk=recent.pk).update(
        state=State.DONE, done_at=timezone.now() - timedelta(days=29)
    )
    OutboxMessage.objects.filter(pk=failed.pk).update(state=State.FAILED, created_at=long_ago)

    assert "outbox.cleanup" in outbox.run_worker(once=True).jobs
    assert set(OutboxMessage.objects.values_list("key", flat=True)) == {"recent", "failed"}


# ---------------------------------------------------------------- operators


@pytest.fixture
def operator_client(client, db):
    from django.contrib.auth import get_user_model

    operator = get_user_model().objects.create_superuser("quantri", "q@example.invalid", "x")
    client.force_login(operator)
    return client


@pytest.mark.django_db
def test_operators_see_the_queue_and_retry_failed_messages(operator_client):
    failed = put("test.refused", key="hs-001:receipt")
    done = put(key="hs-002:receipt")
    outbox.run_worker(once=True)
    assert fresh(failed).state == State.FAILED

    for url in (
        "/quan-tri/core/outboxmessage/",
        "/quan-tri/core/outboxmessage/?state__exact=failed&kind=test.refused",
        "/quan-tri/core/outboxmessage/?q=hs-001",
        f"/quan-tri/core/outboxmessage/{failed.pk}/change/",
        "/quan-tri/core/periodicjob/",
    ):
        page = operator_client.get(url)
        assert page.status_code == 200, url
    detail = operator_client.get(f"/quan-tri/core/outboxmessage/{failed.pk}/change/")
    assert b'name="_save"' not in detail.content
    assert "địa chỉ nhận không tồn tại" in detail.content.decode()

    response = operator_client.post(
        "/quan-tri/core/outboxmessage/",
        {"action": "retry_failed", "_selected_action": [failed.pk, done.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Đã đưa 1 tin về hàng đợi gửi." in text
    assert "Bỏ qua 1 tin" in text
    failed = fresh(failed)
    assert failed.state == State.PENDING
    assert failed.attempts == 0
