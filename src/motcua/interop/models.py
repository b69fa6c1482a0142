"""The national portal sync (issue 6; docs/national-sync.md): dossiers that came in, the
status snapshots that go out, and the nonces that keep a signed request from being replayed.

Only ``interop.services`` and ``interop.status`` write these tables. Rows carry
``province_code`` like the dossiers they belong to (DESIGN: Scale).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from motcua.documents.models import StoredFile
from motcua.dossiers.models import Dossier


class InboundState(models.TextChoices):
    FETCHING = "fetching", "Đang tải giấy tờ từ Cổng quốc gia"
    FILED = "filed", "Đã nộp vào hệ thống"
    REJECTED = "rejected", "Không nộp được"


class NationalInbound(models.Model):
    """One dossier as the national portal sent it, once: the same national code twice is
    this row, and at most one dossier."""

    province_code = models.PositiveSmallIntegerField()
    partner = models.CharField("bên gửi", max_length=40)
    national_code = models.CharField("mã hồ sơ quốc gia", max_length=40)
    # SHA-256 of the request as sent, canonical JSON: a resend must be the same dossier.
    digest = models.CharField(max_length=64)
    # The request without the inline files' bytes (those are stored files).
    payload = models.JSONField()
    state = models.CharField(
        "trạng thái", max_length=10, choices=InboundState.choices, default=InboundState.FETCHING
    )
    dossier = models.OneToOneField(
        Dossier, null=True, blank=True, on_delete=models.PROTECT, related_name="national_inbound"
    )
    error = models.TextField("lý do không nộp được", blank=True)
    received_at = models.DateTimeField("nhận lúc")
    filed_at = models.DateTimeField("nộp lúc", null=True, blank=True)

    class Meta:
        verbose_name = "hồ sơ từ Cổng quốc gia"
        verbose_name_plural = "hồ sơ từ Cổng quốc gia"
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "partner", "national_code"],
                name="one_inbound_per_national_code",
            )
        ]

    def __str__(self) -> str:
        return f"{self.national_code} ({self.state})"


class InboundFile(models.Model):
    """One document of an inbound dossier: sent inline (stored at once) or by link (fetched
    through the outbox)."""

    inbound = models.ForeignKey(NationalInbound, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField()
    document_key = models.CharField(max_length=100)
    name = models.CharField(max_length=255)
    url = models.URLField(max_length=1000, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    stored_file = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["inbound", "position"], name="one_inbound_file_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_key} #{self.position}"


class SyncState(models.Model):
    """Where one dossier's sync stands: the last snapshot captured and the last the national
    side acknowledged."""

    province_code = models.PositiveSmallIntegerField()
    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="sync")
    last_seq = models.PositiveIntegerField(default=0)
    acked_seq = models.PositiveIntegerField(default=0)
    # The last snapshot's content without its sequence and time: an unchanged dossier adds none.
    last_digest = models.CharField(max_length=64, blank=True)
    pending = models.BooleanField(default=False)  # acked_seq < last_seq
    changed_at = models.DateTimeField()
    acked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # One pusher per dossier at a time (a lease, not a lock held across the HTTP call).
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "đồng bộ hồ sơ"
        verbose_name_plural = "đồng bộ hồ sơ"
        indexes = [
            models.Index(fields=["changed_at"], condition=Q(pending=True), name="sync_pending"),
            models.Index(fields=["changed_at", "id"], name="sync_by_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.acked_seq}/{self.last_seq}"


class StatusSnapshot(models.Model):
    """One full snapshot of a dossier as the national portal sees it, in sequence."""

    province_code = models.PositiveSmallIntegerField()
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="snapshots")
    seq = models.PositiveIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField()
    acked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "trạng thái gửi Cổng quốc gia"
        verbose_name_plural = "trạng thái gửi Cổng quốc gia"
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="one_snapshot_per_seq")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} #{self.seq}: {self.body.get('status')}"


class SeenNonce(models.Model):
    """A signed request's nonce, kept for the signature window: the same one again is a
    replay."""

    partner = models.CharField(max_length=40)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "nonce"], name="one_nonce_per_partner")
        ]

    def __str__(self) -> str:
        return f"{self.partner}:{self.nonce}"
