"""What the stand-ins of the other side remember (DESIGN: sandbox): never in production."""

from __future__ import annotations

from django.db import models


class Fault(models.Model):
    """A party told to misbehave until a moment: fail (HTTP 503), time out (hang longer than
    any client waits) or answer slowly. Tests and the demo's operator set these."""

    class Mode(models.TextChoices):
        FAIL = "fail", "Lỗi 503"
        TIMEOUT = "timeout", "Không trả lời"
        SLOW = "slow", "Trả lời chậm"

    party = models.CharField(max_length=20, unique=True)  # "vnpay", "sms", "post", "dvcqg"
    mode = models.CharField(max_length=10, choices=Mode.choices)
    until = models.DateTimeField()
    delay_seconds = models.FloatField(default=2.0)

    def __str__(self) -> str:
        return f"{self.party}: {self.mode} until {self.until:%H:%M:%S}"


class VnpayTransaction(models.Model):
    """A payment the sandbox gateway took (its side of vnp_TxnRef)."""

    tmn_code = models.CharField(max_length=20)
    txn_ref = models.CharField(max_length=100)
    amount = models.PositiveBigIntegerField()  # × 100, as VNPAY counts
    order_info = models.CharField(max_length=255)
    create_date = models.CharField(max_length=14)
    return_url = models.URLField(max_length=500)
    transaction_no = models.CharField(max_length=20, blank=True)
    response_code = models.CharField(max_length=4, blank=True)
    transaction_status = models.CharField(max_length=4, blank=True)
    bank_code = models.CharField(max_length=20, blank=True)
    pay_date = models.CharField(max_length=14, blank=True)
    ipn_answers = models.JSONField(default=list, blank=True)  # what the merchant answered
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tmn_code", "txn_ref"], name="sandbox_vnpay_one_txn")
        ]

    def __str__(self) -> str:
        return f"{self.tmn_code}/{self.txn_ref}"


class SmsMessage(models.Model):
    """A text the sandbox SMS gateway accepted (its side of our SMS plugin)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Đã nhận"
        DELIVERED = "delivered", "Đã đến máy"
        FAILED = "failed", "Không đến được"

    gateway_id = models.CharField(max_length=40, unique=True)  # the gateway's message id
    client_ref = models.CharField(max_length=200, unique=True)  # ours: deduplicates resends
    to = models.CharField(max_length=20)
    brandname = models.CharField(max_length=11)
    text = models.TextField()
    segments = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    callback_url = models.URLField(max_length=500, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.to}: {self.text[:40]}"


class PostOrder(models.Model):
    """A shipment the sandbox carrier took (its side of our carrier contract, docs/post.md)."""

    customer_code = models.CharField(max_length=40)
    reference = models.CharField(max_length=60)  # the customer's: deduplicates a repeat
    order_number = models.CharField(max_length=60)  # the dossier code
    tracking_number = models.CharField(max_length=20, unique=True)
    direction = models.CharField(max_length=10, blank=True)
    sender = models.JSONField(default=dict)
    receiver = models.JSONField(default=dict)
    cod_amount = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, default="accepted")
    events = models.JSONField(default=list)  # [{id, status, at, location, note}]
    callback_answers = models.JSONField(default=list, blank=True)  # what the customer answered
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer_code", "reference"], name="sandbox_post_one_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} ({self.order_number}, {self.status})"


class PaygovTransaction(models.Model):
    """A payment the sandbox national payment platform took (its side of our PayGov format,
    docs/payments.md): opened by INIT, ended on its payment page."""

    partner_code = models.CharField(max_length=40)
    reference_code = models.CharField(max_length=40)  # the partner's: one payment each
    token = models.CharField(max_length=40, unique=True)  # in the payment page's address
    amount = models.PositiveBigIntegerField()  # đồng
    dossier_code = models.CharField(max_length=40)
    procedure_code = models.CharField(max_length=20, blank=True)
    agency_code = models.CharField(max_length=20, blank=True)
    agency_name = models.CharField(max_length=255, blank=True)
    payer_name = models.CharField(max_length=300, blank=True)
    description = models.CharField(max_length=500, blank=True)
    items = models.JSONField(default=list)  # the receipt's fee lines
    return_url = models.URLField(max_length=500)
    expire_time = models.CharField(max_length=14)  # yyyyMMddHHmmss, GMT+7
    # Set when the payer ends it: 00 paid, 10 cancelled, 11 expired.
    code = models.CharField(max_length=4, blank=True)
    transaction_id = models.CharField(max_length=20, blank=True)
    bank_code = models.CharField(max_length=20, blank=True)
    pay_date = models.CharField(max_length=14, blank=True)
    notify_answers = models.JSONField(default=list, blank=True)  # what the partner answered
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner_code", "reference_code"], name="sandbox_paygov_one_payment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_code}/{self.reference_code}"


class EReceipt(models.Model):
    """A receipt the sandbox e-receipt provider issued (its side of our contract,
    docs/payments.md: Biên lai điện tử). Numbered 0000001, 0000002, … per template and symbol."""

    reference = models.CharField(max_length=60, unique=True)  # the customer's: deduplicates
    template = models.CharField(max_length=20)  # ký hiệu mẫu biên lai
    symbol = models.CharField(max_length=20)  # ký hiệu biên lai
    number = models.CharField(max_length=7)
    lookup_code = models.CharField(max_length=20, unique=True)
    collector = models.JSONField(default=dict)  # {name, tax_code}
    payer = models.JSONField(default=dict)  # {name, address, id_number, tax_code}
    items = models.JSONField(default=list)  # [{name, kind, amount}]
    total = models.PositiveBigIntegerField()
    payment_method = models.CharField(max_length=5)
    paid_at = models.CharField(max_length=40)
    note = models.CharField(max_length=300, blank=True)
    asked = models.PositiveIntegerField(default=1)  # how many times this reference was asked
    issued_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["template", "symbol", "number"], name="sandbox_receipt_one_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} {self.symbol} {self.number}"


class DvcqgDossier(models.Model):
    """A dossier as the sandbox national public service portal holds it (its side of
    docs/national-sync.md): one it sent to the province, or one the province reported (model
    1 reports every dossier). Keyed, as the contract says, by (partner, the province's code);
    a dossier sent from here also by its national code."""

    class Sending(models.TextChoices):
        NONE = "", "Không gửi từ đây"
        QUEUED = "queued", "Đang gửi"
        ACCEPTED = "accepted", "Tỉnh đã nhận"
        REFUSED = "refused", "Tỉnh từ chối"

    partner = models.CharField(max_length=40)  # the province's system code (X-Partner)
    national_code = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40, blank=True)  # the province's code, once known
    procedure_code = models.CharField(max_length=20, blank=True)
    procedure_name = models.CharField(max_length=500, blank=True)
    owner_name = models.CharField(max_length=300, blank=True)
    # The request as sent, resent byte for byte (the same dossier twice is one dossier).
    request_body = models.TextField(blank=True)
    sending = models.CharField(max_length=10, choices=Sending.choices, blank=True, default="")
    answers = models.JSONField(default=list, blank=True)  # [{status, body, at}] of each send
    held_seq = models.PositiveIntegerField(default=0)  # the highest sequence held
    snapshot = models.JSONField(null=True, blank=True)  # the snapshot of that sequence
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "hồ sơ trên Cổng DVC quốc gia (thử nghiệm)"
        verbose_name_plural = "hồ sơ trên Cổng DVC quốc gia (thử nghiệm)"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_code"],
                condition=~models.Q(national_code=""),
                name="sandbox_dvcqg_one_national_code",
            ),
            models.UniqueConstraint(
                fields=["partner", "code"],
                condition=~models.Q(code=""),
                name="sandbox_dvcqg_one_code",
            ),
        ]

    def __str__(self) -> str:
        return self.national_code or f"{self.partner}/{self.code}"


class DvcqgFile(models.Model):
    """A PDF of a dossier the sandbox national portal sent: inline, or served by link to the
    province's signed GET."""

    dossier = models.ForeignKey(DvcqgDossier, on_delete=models.CASCADE, related_name="files")
    token = models.CharField(max_length=40, unique=True)  # in the link's address
    key = models.CharField(max_length=100)
    name = models.CharField(max_length=255)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    inline = models.BooleanField(default=False)
    fetched = models.PositiveIntegerField(default=0)  # times the province fetched it

    def __str__(self) -> str:
        return f"{self.dossier}: {self.name}"


class DvcqgStatus(models.Model):
    """One status push the sandbox national portal accepted, in the order it came; ``kept``
    when its sequence was higher than the one held (an older one is acknowledged, not kept)."""

    dossier = models.ForeignKey(DvcqgDossier, on_delete=models.CASCADE, related_name="statuses")
    seq = models.PositiveIntegerField()
    status = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=30, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)  # the snapshot's
    note = models.TextField(blank=True)  # e.g. why it was not received (status 3)
    received_at = models.DateTimeField(auto_now_add=True)
    kept = models.BooleanField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.dossier} #{self.seq}: {self.status}"


class DvcqgNonce(models.Model):
    """A nonce of a signed request to the sandbox national portal, kept for the window: the
    same one again is a replay."""

    partner = models.CharField(max_length=40)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "nonce"], name="sandbox_dvcqg_one_nonce")
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.nonce}"
