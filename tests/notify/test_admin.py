"""The operator edits a notice by adding a version in the admin; a placeholder the notice is
never given is refused there, not discovered when every send fails (issue 5 §4)."""

import pytest
from django.contrib.auth import get_user_model

from motcua.notify import services as notify
from motcua.notify.models import MessageTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = get_user_model().objects.create_superuser("quantri", "q@example.invalid", "x")
    client.force_login(operator)
    return client


def new_version(client, **fields):
    data = {
        "key": "received",
        "channel": "sms",
        "subject": "",
        "body_unaccented": "",
        "active": "on",
    }
    data.update(fields)
    return client.post("/quan-tri/notify/messagetemplate/add/", data)


def test_a_new_version_gets_the_next_number_and_is_used(operator_client):
    before = notify.template("received", "sms")
    answer = new_version(operator_client, body="Hồ sơ {code} đã được tiếp nhận, hẹn {due}.")
    assert answer.status_code == 302
    now = notify.template("received", "sms")
    assert now.version == before.version + 1 and "hẹn {due}" in now.body
    assert MessageTemplate.objects.filter(pk=before.pk, body=before.body).exists()


def test_an_unknown_placeholder_or_an_accented_unaccented_text_is_refused(operator_client):
    notify.template("received", "sms")
    count = MessageTemplate.objects.count()
    answer = new_version(operator_client, body="Hồ sơ {code} của {ten_nguoi_nop}.")
    assert answer.status_code == 200 and "{ten_nguoi_nop}" in answer.content.decode()
    answer = new_version(operator_client, body="Hồ sơ {code}.", body_unaccented="Hồ sơ {code}.")
    assert "còn ký tự có dấu" in answer.content.decode()
    answer = new_version(operator_client, key="khong-co", body="x")
    assert "loại thông báo đã có" in answer.content.decode()
    assert MessageTemplate.objects.count() == count


def test_a_saved_version_is_history_only_its_use_can_change(operator_client):
    template = notify.template("received", "sms")
    page = operator_client.get(f"/quan-tri/notify/messagetemplate/{template.pk}/change/")
    assert page.status_code == 200 and 'name="body"' not in page.content.decode()
    for url in ["/quan-tri/notify/message/", "/quan-tri/notify/preference/"]:
        assert operator_client.get(url).status_code == 200
    assert operator_client.get("/quan-tri/sandbox/smsmessage/").status_code == 200
