"""Stored files and who looked at them (DESIGN: Citizens' documents are private).

A ``StoredFile`` is immutable: its bytes live under ``MOTCUA_DOCUMENTS["ROOT"]`` under a
random name (``storage_name``), never under the uploaded name, with their SHA-256. Rows are
written only by ``documents.services``; the purge deletes the bytes and keeps the row,
marked ``deleted_at``, so events and access logs that point at it stay whole.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class MediaType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "Ảnh JPEG"
    PNG = "image/png", "Ảnh PNG"


class StoredFile(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="chủ sở hữu",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stored_files",
        help_text="Công dân sở hữu tệp; trống với tệp cán bộ số hóa chưa gắn với ai.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người tải lên",
        on_delete=models.PROTECT,
        related_name="uploaded_files",
    )
    original_name = models.CharField("tên tệp gốc", max_length=255)
    content_type = models.CharField("loại tệp", max_length=40, choices=MediaType.choices)
    size = models.PositiveBigIntegerField("dung lượng (byte)")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    storage_name = models.CharField("tên lưu trữ", max_length=80, unique=True, editable=False)
    digitized = models.BooleanField(
        "số hóa", default=False, help_text="Quét, chụp tại bộ phận một cửa (số hóa)."
    )
    pages = models.PositiveIntegerField("số trang", null=True, blank=True)
    created_at = models.DateTimeField("tải lên lúc", default=timezone.now, db_index=True)
    deleted_at = models.DateTimeField("đã xóa nội dung lúc", null=True, blank=True)

    class Meta:
        verbose_name = "tệp lưu trữ"
        verbose_name_plural = "tệp lưu trữ"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="storedfile_owner_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=MediaType.values), name="storedfile_known_type"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="storedfile_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_image(self) -> bool:
        return self.content_type in (MediaType.JPEG, MediaType.PNG)


class FileAccess(models.Model):
    """One view or download of a file by someone other than its owner (an audit row)."""

    class Action(models.TextChoices):
        VIEW = "view", "Xem"
        DOWNLOAD = "download", "Tải về"

    file = models.ForeignKey(
        StoredFile, verbose_name="tệp", on_delete=models.PROTECT, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người truy cập",
        on_delete=models.PROTECT,
        related_name="file_accesses",
    )
    action = models.CharField("hành động", max_length=10, choices=Action.choices)
    at = models.DateTimeField("lúc", default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    user_agent = models.CharField("trình duyệt", max_length=200, blank=True)

    class Meta:
        verbose_name = "lượt truy cập tệp"
        verbose_name_plural = "lượt truy cập tệp"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_action_display()} — {self.file}"
