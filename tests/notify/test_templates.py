"""Message templates (issue 5 §4): versions, strict placeholders, unaccented SMS and the
segments they cost, and who hears what on which channel."""

import pytest

from motcua.accounts.models import User
from motcua.core.models import OutboxMessage
from motcua.dossiers import services
from motcua.notify import render
from motcua.notify import services as notify
from motcua.notify.defaults import REQUIRED, TEMPLATES
from motcua.notify.models import Message, MessageTemplate, Preference
from tests.dossiers.conftest import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_a_missing_placeholder_is_an_error_not_a_blank():
    with pytest.raises(render.MissingPlaceholder) as caught:
        render.fill("Hồ sơ {code}: {reason}", {"code": "X-1", "reason": ""})
    assert caught.value.names == {"reason"}
    assert render.fill("Hồ sơ {code}", {"code": "X-1"}) == "Hồ sơ X-1"


def test_segments_follow_gsm7_and_ucs2():
    assert render.segments("a" * 160) == 1 and render.segments("a" * 161) == 2
    assert render.segments("a" * 306) == 2 and render.segments("a" * 307) == 3
    assert render.segments("€" * 80) == 1 and render.segments("€" * 81) == 2  # two each
    assert render.segments("ă" * 70) == 1 and render.segments("ă" * 71) == 2
    assert render.segments("ă" * 134) == 2 and render.segments("ă" * 135) == 3


def every_value():
    return {
        name: f"<{name}>"
        for text in (t for trio in TEMPLATES.values() for t in trio)
        for name in render.placeholders(text)
    }


def test_every_template_has_both_channels_and_an_unaccented_sms_that_fits():
    values = every_value()
    for key in TEMPLATES:
        email = notify.template(key, "email")
        sms = notify.template(key, "sms")
        assert render.fill(email.subject, values) and render.fill(email.body, values)
        plain = render.fill(sms.body_unaccented, values)
        assert plain.isascii(), key
        assert render.segments(plain) <= render.segments(render.fill(sms.body, values))
    assert REQUIRED <= set(TEMPLATES)


def test_a_new_version_is_used_and_each_message_says_which(world):  # noqa: F811
    world.citizen.email = ""
    world.citizen.save()
    newer = MessageTemplate.objects.create(
        key="received", channel="sms", version=2, body="Da nhan ho so {code}, hen {due}."
    )
    dossier = services.receive(world.file(), ctx=world.ctx(world.one_stop))
    sms = Message.objects.get(dossier=dossier, channel="sms")
    assert sms.template == newer
    assert sms.text.startswith(f"Da nhan ho so {dossier.code}, hen ")
    assert sms.unaccented and sms.segments == 1


def test_the_sms_is_unaccented_unless_the_citizen_asks(world):  # noqa: F811
    Preference.objects.create(user=world.citizen, channels="sms", unaccented_sms=False)
    dossier = services.receive(world.file(), ctx=world.ctx(world.one_stop))
    sms = Message.objects.get(dossier=dossier, channel="sms")
    assert "đã tiếp nhận" in sms.text and not sms.unaccented
    assert not Message.objects.filter(dossier=dossier, channel="email").exists()


def test_a_required_notice_cannot_be_switched_off_only_moved(world):  # noqa: F811
    # SMS only, but no phone on the dossier: the law's notice goes by e-mail instead.
    Preference.objects.create(user=world.citizen, channels="sms", optional=False)
    dossier = world.file()
    dossier.owner_phone = dossier.submitter_phone = ""
    dossier.save(update_fields=["owner_phone", "submitter_phone"])
    dossier = services.receive(dossier, ctx=world.ctx(world.one_stop))
    assert list(Message.objects.filter(dossier=dossier).values_list("channel", "required")) == [
        ("email", True)
    ]


def test_an_optional_notice_follows_the_preference(world):  # noqa: F811
    Preference.objects.create(user=world.citizen, channels="both", optional=False)
    dossier = world.file()
    sent = notify.notify_dossier(
        dossier, "payment_received", event_seq=99, amount="52.000 đ", reference="R1"
    )
    assert sent == []
    Preference.objects.filter(user=world.citizen).update(optional=True)
    sent = notify.notify_dossier(
        dossier, "payment_received", event_seq=99, amount="52.000 đ", reference="R1"
    )
    assert {m.channel for m in sent} == {"email", "sms"}
    assert OutboxMessage.objects.filter(kind="sms.send").count() == 1


def test_officers_hear_of_dossiers_due_soon_and_overdue_once_a_day(world):  # noqa: F811
    from datetime import timedelta

    world.one_stop.email = "motcua@example.vn"
    world.one_stop.save()
    dossier = services.receive(world.file(), ctx=world.ctx(world.one_stop))
    before = dossier.due_at - timedelta(hours=2)
    assert notify.remind_officers(before) == 1
    assert notify.remind_officers(before) == 0  # the same day: nothing twice
    late = dossier.due_at + timedelta(days=1)
    assert notify.remind_officers(late) == 1
    subjects = list(
        Message.objects.filter(user=world.one_stop).order_by("pk").values_list("subject", flat=True)
    )
    assert subjects[0].startswith(f"Hồ sơ {dossier.code} sắp đến hạn")
    assert subjects[1].startswith(f"Hồ sơ {dossier.code} đã quá hạn")


def test_the_citizen_chooses_the_channel_on_the_portal(world, client):  # noqa: F811
    client.force_login(world.citizen)
    page = client.get("/thong-bao/").content.decode()
    assert "luôn được gửi" in page and 'value="both" checked' in page
    bad = client.post("/thong-bao/", {"channels": "fax"})
    assert bad.status_code == 422 and "không hợp lệ" in bad.content.decode()
    done = client.post("/thong-bao/", {"channels": "sms", "unaccented_sms": "1"})
    assert done.status_code == 302
    chosen = Preference.objects.get(user=world.citizen)
    assert (chosen.channels, chosen.optional, chosen.unaccented_sms) == ("sms", False, True)


def test_the_agency_asked_for_an_opinion_hears_of_it(world):  # noqa: F811
    from motcua.accounts import services as accounts
    from motcua.accounts.models import Role
    from tests.factories import make_agency

    tax = make_agency(name="Thuế cơ sở", receives=False)
    officer = User.objects.create_user("canbothue", email="thue@example.vn", password="x-2026-x")
    accounts.grant_role(officer, Role.SPECIALIST, tax)
    dossier = services.receive(world.file(), ctx=world.ctx(world.one_stop))
    dossier = services.route(dossier, ctx=world.ctx(world.one_stop))
    services.consult(
        dossier, ctx=world.ctx(world.specialist), agency=tax, question="Nợ thuế?", working_days=2
    )
    told = Message.objects.get(user=officer)
    assert told.subject == f"Xin ý kiến về hồ sơ {dossier.code}"
    assert "xin ý kiến Thuế cơ sở" in told.text and "Nợ thuế?" in told.text
