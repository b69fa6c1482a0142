"""People and access (DESIGN: People, Users).

The account (who signs in), the dossier's owner and the person submitting are three things;
this app holds accounts, their personal profile, organisations they represent, officers'
roles per agency and API tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from motcua.catalog.models import AdministrativeUnit, Agency

from .identity import mask_id_number


class User(AbstractUser):
    """Anyone who signs in: citizen, business representative, officer or operator.

    Citizens sign in with phone or e-mail; ``username`` is also accepted (demo, officers).
    """

    full_name = models.CharField("họ và tên", max_length=200, blank=True)
    phone = models.CharField(
        "điện thoại (E.164)", max_length=20, blank=True, null=True, unique=True
    )
    email = models.EmailField("thư điện tử", blank=True, null=True, unique=True)
    date_of_birth = models.DateField("ngày sinh", null=True, blank=True)
    id_number = models.CharField(
        "số định danh cá nhân", max_length=12, blank=True, null=True, unique=True
    )
    passport_number = models.CharField("số hộ chiếu", max_length=20, blank=True)
    address_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name="xã, phường cư trú",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address_line = models.CharField("địa chỉ (số nhà, đường, thôn)", max_length=255, blank=True)
    # Proven by a one-time code (``accounts.otp``); cleared when the address changes.
    phone_verified_at = models.DateTimeField("xác minh điện thoại lúc", null=True, blank=True)
    email_verified_at = models.DateTimeField("xác minh thư điện tử lúc", null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = "tài khoản"
        verbose_name_plural = "tài khoản"

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        # Unique but optional: an empty value is "none", never a second empty string.
        for name in ("phone", "email", "id_number"):
            if not getattr(self, name):
                setattr(self, name, None)
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class Organisation(models.Model):
    """A business or organisation that owns dossiers, with its legal representative."""

    tax_code = models.CharField("mã số thuế", max_length=14, unique=True)
    name = models.CharField("tên tổ chức", max_length=300)
    address = models.CharField("địa chỉ trụ sở", max_length=300, blank=True)
    legal_representative = models.ForeignKey(
        User,
        verbose_name="người đại diện theo pháp luật",
        on_delete=models.PROTECT,
        related_name="represented_organisations",
    )
    members = models.ManyToManyField(
        User,
        verbose_name="người được nộp hồ sơ thay",
        blank=True,
        related_name="organisations",
    )

    class Meta:
        verbose_name = "tổ chức"
        verbose_name_plural = "tổ chức"

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_code})"


class Role(models.TextChoices):
    ONE_STOP_OFFICER = "one_stop_officer", "Cán bộ một cửa"
    SPECIALIST = "specialist", "Chuyên viên"
    LEADER = "leader", "Lãnh đạo"
    OPERATOR = "operator", "Quản trị"


class OfficerRole(models.Model):
    """An officer holds a role at an agency; one person may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="officer_roles")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="officer_roles")
    role = models.CharField("vai trò", max_length=20, choices=Role.choices)
    active = models.BooleanField("còn hiệu lực", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "vai trò cán bộ"
        verbose_name_plural = "vai trò cán bộ"
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="one_role_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency.code}"


TOKEN_PREFIX = "mc_"  # noqa: S105 - a visible prefix for secret scanners, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """An opaque bearer token; only its SHA-256 is stored, so a database leak leaks no token."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField("ghi chú", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("hết hạn")
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "khóa API"
        verbose_name_plural = "khóa API"
        indexes = [models.Index(fields=["user", "revoked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="token_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%d/%m/%Y})"

    @classmethod
    def issue(cls, user: User, *, lifetime: timedelta, label: str = "") -> tuple[ApiToken, str]:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            key_hash=hash_token(raw),
            label=label,
            expires_at=timezone.now() + lifetime,
        )
        return token, raw


class OneTimeCode(models.Model):
    """A code sent to prove a phone number or an e-mail address (``accounts.otp``). Only its
    keyed hash is kept; it expires, and a few wrong tries end it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_codes")
    channel = models.CharField("kênh", max_length=5)  # "sms" or "email"
    destination = models.CharField("gửi đến", max_length=254)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField("số lần nhập", default=0)
    created_at = models.DateTimeField("tạo lúc")
    expires_at = models.DateTimeField("hết hạn lúc")
    used_at = models.DateTimeField("dùng lúc", null=True, blank=True)

    class Meta:
        verbose_name = "mã xác minh"
        verbose_name_plural = "mã xác minh"
        indexes = [models.Index(fields=["user", "channel", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel} {self.created_at:%H:%M}"
