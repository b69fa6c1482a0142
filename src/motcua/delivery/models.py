"""Postal shipments of dossiers in and results out (DESIGN: delivery; issue 5 §3).

Only ``delivery.services`` writes these tables. Every row carries ``province_code`` like the
dossier it belongs to (DESIGN: Scale).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import Dossier


class Direction(models.TextChoices):
    COLLECT = "collect", _("Thu gom hồ sơ từ người nộp")
    DELIVER = "deliver", _("Phát kết quả đến người nhận")


class ShipmentState(models.TextChoices):
    PENDING = "pending", _("Chờ gửi sang bưu điện")
    ACCEPTED = "accepted", _("Bưu điện đã nhận đơn")
    PICKED_UP = "picked_up", _("Bưu điện đã nhận bưu gửi")
    IN_TRANSIT = "in_transit", _("Đang vận chuyển")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Đang phát")
    FAILED = "failed", _("Phát không thành công, sẽ phát lại")
    DELIVERED = "delivered", _("Đã phát thành công")
    RETURNED = "returned", _("Đã chuyển hoàn về người gửi")


# A shipment in one of these states is over: no status moves it any more.
FINAL = frozenset({ShipmentState.DELIVERED, ShipmentState.RETURNED})
# The carrier's statuses (docs/post.md): every state but our own "pending".
CARRIER_STATUSES = frozenset(ShipmentState.values) - {ShipmentState.PENDING}


class Shipment(models.Model):
    """One postal trip: the dossier collected from the applicant, or the result delivered to
    the receiver. At most one shipment per dossier and direction is under way at a time."""

    province_code = models.PositiveSmallIntegerField()
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="shipments")
    direction = models.CharField("chiều", max_length=10, choices=Direction.choices)
    carrier = models.CharField("đơn vị bưu chính", max_length=20)
    # Ours, unique for ever: the carrier deduplicates a repeated order on it.
    reference = models.CharField("mã đơn của hệ thống", max_length=60, unique=True)
    tracking_number = models.CharField("số hiệu bưu gửi", max_length=40, blank=True)
    state = models.CharField(
        "trạng thái", max_length=20, choices=ShipmentState.choices, default=ShipmentState.PENDING
    )
    citizen_fee = models.PositiveIntegerField("cước người dân trả (đồng)")
    list_price = models.PositiveIntegerField("cước niêm yết (đồng)")
    cod_amount = models.PositiveIntegerField("tiền thu hộ (đồng)", default=0)
    sender_name = models.CharField("người gửi", max_length=300)
    sender_phone = models.CharField("điện thoại người gửi", max_length=40, blank=True)
    sender_address = models.CharField("địa chỉ người gửi", max_length=300)
    receiver_name = models.CharField("người nhận", max_length=300)
    receiver_phone = models.CharField("điện thoại người nhận", max_length=40, blank=True)
    receiver_address = models.CharField("địa chỉ người nhận", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("tạo lúc")
    accepted_at = models.DateTimeField("bưu điện nhận đơn lúc", null=True, blank=True)
    delivered_at = models.DateTimeField("phát thành công lúc", null=True, blank=True)
    last_event_at = models.DateTimeField("trạng thái mới nhất lúc", null=True, blank=True)
    last_error = models.TextField("lỗi gần nhất khi gọi bưu điện", blank=True)

    class Meta:
        verbose_name = "bưu gửi"
        verbose_name_plural = "bưu gửi"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"],
                condition=~Q(tracking_number=""),
                name="shipment_tracking_unique_per_carrier",
            ),
            models.UniqueConstraint(
                fields=["province_code", "dossier", "direction"],
                condition=~Q(state__in=["delivered", "returned"]),
                name="one_running_shipment_per_direction",
            ),
        ]
        indexes = [
            # The tracking poll: shipments still under way.
            models.Index(
                fields=["last_event_at"],
                condition=~Q(state__in=["delivered", "returned"]),
                name="shipment_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.tracking_number or '—'}, {self.state})"

    @property
    def final(self) -> bool:
        return self.state in FINAL


class ShipmentEvent(models.Model):
    """One status the carrier reported (by callback or when asked), once: the carrier's
    event id is unique per shipment, so a repeated or replayed report records nothing."""

    province_code = models.PositiveSmallIntegerField()
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField("mã sự kiện của bưu điện", max_length=80)
    status = models.CharField("trạng thái", max_length=20, choices=ShipmentState.choices)
    at = models.DateTimeField("lúc")
    location = models.CharField("nơi", max_length=200, blank=True)
    note = models.CharField("ghi chú", max_length=300, blank=True)
    source = models.CharField("nguồn", max_length=10)  # "callback", "track" or "create"
    received_at = models.DateTimeField("hệ thống nhận lúc")

    class Meta:
        verbose_name = "trạng thái bưu gửi"
        verbose_name_plural = "trạng thái bưu gửi"
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "shipment", "event_id"], name="one_shipment_event_per_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.status} {self.at:%Y-%m-%d %H:%M}"
