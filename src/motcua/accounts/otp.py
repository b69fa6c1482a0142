"""One-time codes that prove a phone number or an e-mail address (issue 5 §4).

Six digits from ``secrets``, sent by SMS or e-mail through ``notify`` (so the outbox delivers
them), valid 10 minutes. Only an HMAC of the code (keyed with ``SECRET_KEY`` and a salt per
code) is stored; five wrong tries end a code; a new code may be asked a minute after the last,
at most five an hour. Errors are Vietnamese ``ValidationError``s.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from motcua.core import clock

from .models import OneTimeCode, User

CODE_TTL = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
PER_HOUR = 5
MAX_ATTEMPTS = 5
CHANNELS = {"sms": "phone", "email": "email"}


def _digest(salt: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def destination(user: User, channel: str) -> str:
    if channel not in CHANNELS:
        raise ValidationError("Kênh xác minh không hợp lệ.")
    return getattr(user, CHANNELS[channel]) or ""


def is_verified(user: User, channel: str) -> bool:
    return getattr(user, f"{CHANNELS[channel]}_verified_at") is not None


def send(user: User, channel: str) -> OneTimeCode:
    """A new code to the user's phone or e-mail; the earlier open one stops working."""
    to = destination(user, channel)
    if not to:
        raise ValidationError("Tài khoản chưa có địa chỉ để gửi mã.")
    if is_verified(user, channel):
        raise ValidationError("Địa chỉ này đã được xác minh.")
    now = clock.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one sender at a time
        recent = OneTimeCode.objects.filter(
            user=user, channel=channel, created_at__gt=now - timedelta(hours=1)
        )
        last = recent.order_by("-created_at").first()
        if last is not None and now - last.created_at < RESEND_AFTER:
            raise ValidationError("Vui lòng đợi một phút trước khi lấy mã mới.")
        if recent.count() >= PER_HOUR:
            raise ValidationError("Đã gửi quá nhiều mã trong một giờ; vui lòng thử lại sau.")
        recent.filter(used_at__isnull=True).update(expires_at=now)
        code = f"{secrets.randbelow(10**6):06d}"
        salt = secrets.token_hex(8)
        row = OneTimeCode.objects.create(
            user=user,
            channel=channel,
            destination=to,
            salt=salt,
            code_hash=_digest(salt, code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        from motcua.notify import services as notify

        values = {"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)}
        if channel == "sms":
            notify.send_sms("otp", values, to=to, key=f"otp:{row.pk}", user=user)
        else:
            notify.send_email("otp", values, to=to, key=f"otp:{row.pk}", user=user)
    return row


def verify(user: User, channel: str, code: str) -> None:
    """Mark the address proven when ``code`` is the latest open one's."""
    destination(user, channel)
    now = clock.now()
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(user=user, channel=channel, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.expires_at <= now:
            raise ValidationError("Mã đã hết hạn hoặc chưa được gửi; vui lòng lấy mã mới.")
        if row.attempts >= MAX_ATTEMPTS:
            raise ValidationError("Đã nhập sai quá số lần cho phép; vui lòng lấy mã mới.")
        given = "".join(ch for ch in (code or "") if ch.isdigit())
        if not hmac.compare_digest(_digest(row.salt, given), row.code_hash):
            # Counted, and kept: the error is raised after this transaction commits.
            OneTimeCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
            wrong = MAX_ATTEMPTS - row.attempts - 1
        else:
            wrong = None
            row.used_at = now
            row.save(update_fields=["used_at"])
            field = f"{CHANNELS[channel]}_verified_at"
            setattr(user, field, now)
            User.objects.filter(pk=user.pk).update(**{field: now})
    if wrong is not None:
        raise ValidationError(f"Mã không đúng; còn {wrong} lần thử.")
