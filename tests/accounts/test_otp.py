"""One-time codes prove the phone and the e-mail given at sign-up (issue 5 §4)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from motcua.accounts import otp
from motcua.accounts.models import OneTimeCode, User
from motcua.core.models import OutboxMessage
from motcua.notify.models import Message

pytestmark = pytest.mark.django_db


def sign_up(client):
    return client.post(
        "/dang-ky/",
        {
            "full_name": "Nguyễn Văn An",
            "phone": "0901234567",
            "email": "an@example.vn",
            "date_of_birth": "12/05/1990",
            "id_number": "079090001234",
            "password": "mat-khau-du-dai-2026",
        },
    )


def the_code(channel: str) -> str:
    """The code as the citizen reads it in the message sent (stored only as a hash)."""
    text = Message.objects.filter(channel=channel).latest("pk").text
    return next(
        word.strip(".")
        for word in text.split()
        if word.strip(".").isdigit() and len(word.strip(".")) == 6
    )


def test_sign_up_sends_a_code_to_the_phone_and_the_e_mail(client):
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/xac-minh/"
    assert OutboxMessage.objects.filter(kind="sms.send").count() == 1
    assert OutboxMessage.objects.filter(kind="email.send").count() == 1
    code = the_code("sms")
    stored = OneTimeCode.objects.get(channel="sms")
    assert code not in (stored.code_hash, stored.salt)  # never kept in clear
    page = client.get("/xac-minh/").content.decode()
    assert "+84901234567" in page and "an@example.vn" in page


def test_the_right_code_proves_the_address(client):
    sign_up(client)
    answer = client.post(
        "/xac-minh/", {"channel": "sms", "action": "verify", "code": the_code("sms")}
    )
    assert answer.status_code == 302
    user = User.objects.get(phone="+84901234567")
    assert user.phone_verified_at is not None and user.email_verified_at is None


def test_wrong_codes_are_counted_and_end_the_code(client):
    sign_up(client)
    user = User.objects.get(phone="+84901234567")
    right = the_code("sms")
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(ValidationError, match=f"còn {left} lần"):
            otp.verify(user, "sms", wrong)
    with pytest.raises(ValidationError, match="quá số lần"):
        otp.verify(user, "sms", right)


def test_a_code_expires_and_a_new_one_waits_a_minute(client, settings):
    from motcua.core import clock

    sign_up(client)
    user = User.objects.get(phone="+84901234567")
    code = the_code("sms")
    with pytest.raises(ValidationError, match="đợi một phút"):
        otp.send(user, "sms")
    later = clock.now() + timedelta(minutes=11)
    with clock.frozen_at(later), pytest.raises(ValidationError, match="hết hạn"):
        otp.verify(user, "sms", code)
    with clock.frozen_at(later):
        otp.send(user, "sms")
        fresh = the_code("sms")
        with pytest.raises(ValidationError):
            otp.verify(user, "sms", code if code != fresh else "999999")  # the old code is over
        otp.verify(user, "sms", fresh)
    user.refresh_from_db()
    assert user.phone_verified_at is not None
    with pytest.raises(ValidationError, match="đã được xác minh"):
        otp.send(user, "sms")


def test_a_wrong_code_on_the_page_says_so_in_vietnamese(client):
    sign_up(client)
    page = client.post("/xac-minh/", {"channel": "email", "action": "verify", "code": "12"})
    assert page.status_code == 422 and "Mã không đúng" in page.content.decode()
