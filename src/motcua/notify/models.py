"""Message templates (versioned), the citizens' channel preferences and every message sent
(issue 5 §4). Only ``notify.services`` writes messages; operators edit templates by adding a
new version in the admin."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class MessageTemplate(models.Model):
    """One version of one message for one channel. Placeholders are ``{name}``; rendering
    with a placeholder missing is an error, never a blank. The newest active version is
    used; older ones stay, so every message says which version it came from."""

    key = models.CharField("loại thông báo", max_length=60)
    channel = models.CharField("kênh", max_length=5, choices=Channel.choices)
    version = models.PositiveIntegerField("phiên bản")
    subject = models.CharField("tiêu đề (thư)", max_length=200, blank=True)
    body = models.TextField("nội dung")
    body_unaccented = models.TextField(
        "nội dung không dấu (SMS)",
        blank=True,
        help_text="Để trống: bỏ dấu tự động từ nội dung.",
    )
    active = models.BooleanField("đang dùng", default=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        verbose_name = "mẫu thông báo"
        verbose_name_plural = "mẫu thông báo"
        ordering = ["key", "channel", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel", "version"], name="one_template_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.channel}) v{self.version}"


class Preference(models.Model):
    """How a citizen wants to hear: the channel. Notices the law requires are always sent
    (on the chosen channel, or the other when it cannot reach them); the optional ones
    (payment received, post updates) only when ``optional`` is on."""

    class Choice(models.TextChoices):
        BOTH = "both", _("Cả thư điện tử và SMS")
        EMAIL = "email", _("Chỉ thư điện tử")
        SMS = "sms", _("Chỉ SMS")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference"
    )
    channels = models.CharField("kênh", max_length=5, choices=Choice.choices, default=Choice.BOTH)
    optional = models.BooleanField("nhận cả thông báo không bắt buộc", default=True)
    unaccented_sms = models.BooleanField("SMS không dấu (ít tin hơn)", default=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.channels}"


class Message(models.Model):
    """One message to one address, with its delivery status."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        DELIVERED = "delivered", _("Đã đến")
        FAILED = "failed", _("Không gửi được")

    key = models.CharField("khóa", max_length=200, unique=True)  # the outbox key
    channel = models.CharField("kênh", max_length=5, choices=Channel.choices)
    to = models.CharField("đến", max_length=254)
    dossier = models.ForeignKey(
        "dossiers.Dossier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField("tiêu đề", max_length=200, blank=True)
    text = models.TextField("nội dung")
    unaccented = models.BooleanField("không dấu", default=False)
    segments = models.PositiveSmallIntegerField("số tin", default=1)
    required = models.BooleanField("bắt buộc theo quy định", default=False)
    status = models.CharField(
        "trạng thái", max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    gateway_id = models.CharField("mã tại cổng", max_length=60, blank=True)
    error = models.TextField("lỗi", blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    status_at = models.DateTimeField("trạng thái lúc", null=True, blank=True)

    class Meta:
        verbose_name = "tin đã gửi"
        verbose_name_plural = "tin đã gửi"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["gateway_id"], condition=~Q(gateway_id=""), name="message_gw")
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}: {self.status}"
