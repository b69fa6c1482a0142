"""Fees owed by a dossier and the attempts to pay them (DESIGN: Payment; issue 5 §1–2).

Only ``payments.services`` writes these tables. Every row carries ``province_code`` like the
dossier it belongs to (DESIGN: Scale).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import PaymentDue
from motcua.dossiers.models import Dossier


class Assessment(models.Model):
    """The fees and charges of one dossier, computed when it is filed from its procedure
    version: the lines as they were then (a later catalog change does not alter them)."""

    province_code = models.PositiveSmallIntegerField()
    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="assessment")
    lines = models.JSONField("các khoản", default=list)
    total = models.PositiveBigIntegerField("tổng (đồng)", default=0)
    payment_due = models.CharField(
        "thời điểm nộp phí", max_length=12, choices=PaymentDue.choices, default=PaymentDue.NONE
    )
    assessed_at = models.DateTimeField("tính lúc")

    class Meta:
        verbose_name = "phí, lệ phí của hồ sơ"
        verbose_name_plural = "phí, lệ phí của hồ sơ"

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.total} đ"


class PaymentState(models.TextChoices):
    OPEN = "open", _("Đang chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Không thành công")
    EXPIRED = "expired", _("Hết hạn")


class Payment(models.Model):
    """One attempt to pay (online, each with its own gateway reference) or a cash payment
    recorded at the counter. At most one open attempt per dossier."""

    province_code = models.PositiveSmallIntegerField()
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField("kênh", max_length=20)  # a gateway's name, or "cash"
    reference = models.CharField("mã giao dịch của hệ thống", max_length=40, unique=True)
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    state = models.CharField(
        "trạng thái", max_length=10, choices=PaymentState.choices, default=PaymentState.OPEN
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Cán bộ ghi nhận tiền mặt tại quầy.",
    )
    created_at = models.DateTimeField("tạo lúc")
    expires_at = models.DateTimeField("hết hạn lúc", null=True, blank=True)
    settled_at = models.DateTimeField("kết thúc lúc", null=True, blank=True)
    gateway_transaction = models.CharField("mã giao dịch tại cổng", max_length=40, blank=True)
    bank_code = models.CharField("ngân hàng", max_length=20, blank=True)
    response_code = models.CharField("mã phản hồi", max_length=4, blank=True)
    paid_at = models.DateTimeField("thời điểm thanh toán", null=True, blank=True)
    detail = models.JSONField("dữ liệu cổng thanh toán", default=dict, blank=True)

    class Meta:
        verbose_name = "giao dịch thanh toán"
        verbose_name_plural = "giao dịch thanh toán"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(state="open"), name="one_open_payment_per_dossier"
            )
        ]
        indexes = [
            # The reconciliation job: attempts left open.
            models.Index(fields=["created_at"], condition=Q(state="open"), name="payment_open"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.provider}, {self.amount} đ, {self.state})"


class ReceiptState(models.TextChoices):
    PENDING = "pending", _("Đang phát hành")
    ISSUED = "issued", _("Đã phát hành")
    FAILED = "failed", _("Không phát hành được")


class Receipt(models.Model):
    """The legal e-receipt of one paid payment (Decree 123/2020), issued by the configured
    provider through ``payments.receipts``. Written only by ``payments.receipts.services``:
    created pending with the payment, issued from the outbox."""

    province_code = models.PositiveSmallIntegerField()
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    issuer = models.CharField("nhà cung cấp", max_length=20)
    state = models.CharField(
        "trạng thái", max_length=10, choices=ReceiptState.choices, default=ReceiptState.PENDING
    )
    template = models.CharField("ký hiệu mẫu biên lai", max_length=20)
    symbol = models.CharField("ký hiệu biên lai", max_length=20)
    number = models.CharField("số biên lai", max_length=7, blank=True)
    issued_at = models.DateTimeField("ngày phát hành", null=True, blank=True)
    lookup_code = models.CharField("mã tra cứu", max_length=60, blank=True)
    lookup_url = models.URLField("địa chỉ tra cứu", max_length=500, blank=True)
    pdf_url = models.URLField("bản PDF", max_length=500, blank=True)
    # The fee lines this payment covers, fixed when it was paid: [{name, kind, amount}].
    lines = models.JSONField("các khoản", default=list)
    last_error = models.TextField("lỗi gần nhất", blank=True)
    created_at = models.DateTimeField("tạo lúc")
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "biên lai điện tử"
        verbose_name_plural = "biên lai điện tử"
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "template", "symbol", "number"],
                condition=~Q(number=""),
                name="one_receipt_per_number",
            )
        ]

    def __str__(self) -> str:
        if self.state == ReceiptState.ISSUED:
            return f"{self.template} {self.symbol} số {self.number}"
        return f"{self.payment_id}: {self.state}"
