"""E-mail through the outbox (issue 3 §5): a real SMTP server on the loopback, real sockets.

The server is aiosmtpd's ``Controller`` on 127.0.0.1 with a free port; the default mailer
points at it with ``override_settings(MAILERS=...)`` (the test profile's default is locmem).
"""

import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from motcua.core import email as email_channel
from motcua.core import outbox
from motcua.core.email import enqueue_email, message_id
from motcua.core.models import OutboxMessage

State = OutboxMessage.State
FROM = "Trung tâm Phục vụ hành chính công <no-reply@motcua.example.vn>"
SUBJECT = "Hồ sơ 000.00.00.H29-260309-0001 đã được tiếp nhận"
BODY = (
    "Kính gửi ông Nguyễn Văn Đức,\n\n"
    "Trung tâm đã tiếp nhận hồ sơ “Đăng ký khai sinh” của ông.\n"
    "Ngày hẹn trả kết quả: 09/03/2026, 17:00.\n"
)
HTML = "<p>Kính gửi ông <strong>Nguyễn Văn Đức</strong>,</p>"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """An SMTP server's mailbox: 550 for ``khong-ton-tai@…``, 450 for ``ban@…``."""

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("khong-ton-tai@"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("ban@"):
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server_on(port: int):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@contextmanager
def mailer_at(port: int):
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    with override_settings(MAILERS=mailers, DEFAULT_FROM_EMAIL=FROM):
        yield


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port):
    with smtp_server_on(smtp_port) as server_inbox, mailer_at(smtp_port):
        yield server_inbox


def queue(key: str = "hs-0001:receipt", to: tuple[str, ...] = ("duc@example.vn",), **kwargs):
    fields = {"subject": SUBJECT, "body": BODY} | kwargs
    with transaction.atomic():
        return enqueue_email(key=key, to=list(to), **fields)


def fresh(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


def make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


@pytest.mark.django_db
def test_an_email_arrives_with_its_vietnamese_subject_and_body_intact(inbox):
    message = queue(html=HTML)
    assert message.key == "email:hs-0001:receipt"
    assert message.kind == "email.send"

    assert outbox.run_worker(once=True).done == 1
    assert fresh(message).state == State.DONE
    (got,) = inbox.received
    assert got.rcpt_tos == ["duc@example.vn"]
    assert got.mail_from == "no-reply@motcua.example.vn"
    mail = got.message
    assert mail["Subject"] == SUBJECT
    assert mail["To"] == "duc@example.vn"
    assert mail["From"] == FROM
    assert mail["Message-ID"] == message_id("email:hs-0001:receipt")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert text.replace("\r\n", "\n") == BODY  # lines end in CRLF on the wire
    assert mail.get_body(preferencelist=("html",)).get_content().strip() == HTML


@pytest.mark.django_db
def test_text_is_nfc_normalised_when_queued():
    decomposed = "Hồ sơ".replace("ồ", "o\u0302\u0300")
    message = queue(subject=decomposed, body=decomposed)
    assert message.payload["subject"] == "Hồ sơ"
    assert message.payload["body"] == "Hồ sơ"
    assert message.payload["html"] is None


@pytest.mark.django_db
def test_the_same_email_key_twice_is_one_email(inbox):
    queue()
    queue()
    outbox.run_worker(once=True)
    assert OutboxMessage.objects.count() == 1
    assert len(inbox.received) == 1


@pytest.mark.django_db
def test_enqueue_email_refuses_what_could_never_be_sent():
    with pytest.raises(ValueError):
        queue(to=())
    with pytest.raises(ValueError):
        queue(subject="Dòng một\nBcc: ai-do@example.vn")
    assert not OutboxMessage.objects.exists()


@override_settings(DEFAULT_FROM_EMAIL=FROM)
def test_the_message_id_is_stable_and_derived_from_the_outbox_key():
    first = message_id("email:hs-0001:receipt")
    assert first == message_id("email:hs-0001:receipt")
    assert first != message_id("email:hs-0002:receipt")
    local, _, domain = first.strip("<>").partition("@")
    assert len(local) == 32
    assert int(local, 16) >= 0
    assert domain == "motcua.example.vn"
    with override_settings(MOTCUA_OUTBOX={"MESSAGE_ID_DOMAIN": "mail.hochiminhcity.gov.vn"}):
        assert message_id("email:x").endswith("@mail.hochiminhcity.gov.vn>")


@pytest.mark.django_db
def test_a_worker_killed_mid_delivery_is_replaced_and_both_copies_share_the_message_id(inbox):
    message = queue()
    (held,) = outbox.claim_due(worker_id="A")
    # Worker A hands the e-mail to the SMTP server, then dies before recording it.
    email_channel.send_email(held.payload, held)
    assert len(inbox.received) == 1
    assert fresh(message).state == State.RUNNING

    lease = timezone.timedelta(seconds=outbox.setting("LEASE_SECONDS") + 1)
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - lease)
    assert outbox.run_worker(once=True, worker_id="B").done == 1

    message = fresh(message)
    assert message.state == State.DONE
    assert message.attempts == 2
    assert message.claimed_by == "B"
    assert len(inbox.received) == 2  # at least once …
    ids = {got.message["Message-ID"] for got in inbox.received}
    assert ids == {message_id(message.key)}  # … and deduplicated by Message-ID


@pytest.mark.django_db
def test_smtp_server_down_retries_then_delivers_when_it_comes_back(smtp_port):
    with mailer_at(smtp_port):  # nothing listens on the port
        message = queue()
        for attempt in (1, 2):
            assert outbox.run_worker(once=True).retried == 1
            message = fresh(message)
            assert message.state == State.PENDING
            assert message.attempts == attempt
            assert "ConnectionRefusedError" in message.last_error
            assert message.next_attempt_at > timezone.now()
            make_due(message)

        with smtp_server_on(smtp_port) as server_inbox:
            assert outbox.run_worker(once=True).done == 1
        (got,) = server_inbox.received
        assert got.message["Message-ID"] == message_id(message.key)
    assert fresh(message).state == State.DONE
    assert fresh(message).last_error == ""


@pytest.mark.django_db
def test_a_recipient_refused_for_good_fails_at_once(inbox):
    message = queue(to=("khong-ton-tai@example.vn",))
    assert outbox.run_worker(once=True).failed == 1
    message = fresh(message)
    assert message.state == State.FAILED
    assert message.attempts == 1
    assert "PermanentError" in message.last_error
    assert "550" in message.last_error
    assert inbox.received == []


@pytest.mark.django_db
def test_a_temporary_refusal_is_retried(inbox):
    message = queue(to=("ban@example.vn",))
    assert outbox.run_worker(once=True).retried == 1
    message = fresh(message)
    assert message.state == State.PENDING
    assert "450" in message.last_error


@pytest.mark.django_db
def test_one_refused_recipient_does_not_stop_the_others(inbox):
    message = queue(to=("duc@example.vn", "khong-ton-tai@example.vn"))
    assert outbox.run_worker(once=True).done == 1
    assert fresh(message).state == State.DONE
    (got,) = inbox.received
    assert got.rcpt_tos == ["duc@example.vn"]
