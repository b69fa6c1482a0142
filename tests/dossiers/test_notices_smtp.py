"""The legally required notices reach a real SMTP server (issue 3 §8; DESIGN: Notifications):
aiosmtpd on 127.0.0.1 with a free port, the default mailer pointed at it, the outbox
worker delivering what the dossier's own transaction queued — and nothing when that
transaction is rolled back."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, State
from tests.core.test_email import FROM, free_port, mailer_at, smtp_server_on

CITIZEN_EMAIL = "an@example.vn"  # the world's citizen, Nguyễn Văn An


@pytest.fixture
def inbox():
    port = free_port()
    with smtp_server_on(port) as server_inbox, mailer_at(port):
        yield server_inbox


def deliver(inbox, expected: int = 1):
    """Run the worker once; the mails the server received, as (subject, plain text)."""
    run = outbox.run_worker(once=True)
    assert run.done == expected, (run, list(OutboxMessage.objects.values("state", "last_error")))
    assert len(inbox.received) == expected
    mails = []
    for got in inbox.received:
        assert got.rcpt_tos == [CITIZEN_EMAIL]
        assert got.message["To"] == CITIZEN_EMAIL
        assert got.message["From"] == FROM
        plain = got.message.get_body(preferencelist=("plain",))
        assert plain.get_content_charset() == "utf-8"
        text = plain.get_content().replace("\r\n", "\n")
        assert text.startswith("Kính gửi Nguyễn Văn An,")  # Vietnamese, intact
        mails.append((str(got.message["Subject"]), text))
    inbox.received.clear()
    return mails


def received(world) -> Dossier:
    return services.receive(world.file(), ctx=world.ctx(world.one_stop))


def test_the_receipt_reaches_the_citizen_with_the_code_and_the_appointment_date(world, inbox):
    dossier = received(world)
    ((subject, text),) = deliver(inbox)
    assert subject == f"Đã tiếp nhận hồ sơ {dossier.code}"
    appointment = timezone.localtime(dossier.due_at).strftime("%d/%m/%Y")
    assert f"Ngày hẹn trả kết quả: {appointment}." in text
    assert "Thủ tục thử" in text and "Một cửa X" in text


def test_a_supplement_request_lists_every_missing_item(world, inbox):
    dossier = received(world)
    deliver(inbox)  # the receipt
    missing = [
        services.MissingItem("Tờ khai", "Thiếu chữ ký của người yêu cầu", "to-khai"),
        services.MissingItem("Giấy chứng sinh", "Ảnh chụp mờ, không đọc được số"),
    ]
    dossier = services.request_supplement(dossier, ctx=world.ctx(world.one_stop), missing=missing)
    ((subject, text),) = deliver(inbox)
    assert subject == f"Yêu cầu bổ sung hồ sơ {dossier.code}"
    assert "- Tờ khai: Thiếu chữ ký của người yêu cầu" in text
    assert "- Giấy chứng sinh: Ảnh chụp mờ, không đọc được số" in text


def test_a_refusal_gives_the_reasons(world, inbox):
    dossier = world.file()
    reasons = "Hồ sơ không thuộc thẩm quyền giải quyết của Ủy ban nhân dân phường."
    dossier = services.refuse(dossier, ctx=world.ctx(world.one_stop), reasons=reasons)
    ((subject, text),) = deliver(inbox)
    assert subject == f"Từ chối tiếp nhận hồ sơ {dossier.code}"
    assert reasons in text


def test_result_ready_tells_how_the_result_is_received(world, inbox):
    dossier = services.route(received(world), ctx=world.ctx(world.one_stop))
    deliver(inbox)  # the receipt
    dossier = services.result_ready(dossier, ctx=world.ctx(world.leader))
    ((subject, text),) = deliver(inbox)
    assert subject == f"Đã có kết quả hồ sơ {dossier.code}"
    assert "Hình thức nhận: Nhận tại bộ phận một cửa." in text


def test_an_apology_gives_the_new_date(world, inbox):
    dossier = services.route(received(world), ctx=world.ctx(world.one_stop))
    deliver(inbox)
    dossier = services.apologise(
        dossier, ctx=world.ctx(world.leader), reason="Chờ xác minh", extra_working_days=2
    )
    ((subject, text),) = deliver(inbox)
    assert dossier.code in subject
    assert timezone.localtime(dossier.due_at).strftime("%d/%m/%Y") in text
    assert "Chờ xác minh" in text


def test_no_notice_is_sent_when_the_change_is_rolled_back(world, inbox):
    dossier = world.file()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.receive(dossier, ctx=world.ctx(world.one_stop))
        raise RuntimeError("something after the service failed")
    assert outbox.run_worker(once=True).done == 0
    assert inbox.received == []
    assert not OutboxMessage.objects.exists()
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUBMITTED
