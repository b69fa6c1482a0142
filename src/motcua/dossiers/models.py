"""The dossier aggregate (DESIGN: Lifecycle). Only ``dossiers.services`` writes these tables.

Every dossier-owned table carries ``province_code`` and has it in its unique keys, so a
national deployment can distribute the tables by province (DESIGN: Scale).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Agency, Procedure, ProcedureVersion


class State(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Mới nộp")
    RECEIVED = "received", _("Đã tiếp nhận")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    IN_PROCESS = "in_process", _("Đang giải quyết")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Đã rút hồ sơ")
    STOPPED = "stopped", _("Dừng giải quyết")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")


# Status codes of the national portal sync (REFERENCE: national status codes).
NATIONAL_STATUS = {
    State.SUBMITTED: 1,
    State.RECEIVED: 2,
    State.REFUSED: 3,
    State.IN_PROCESS: 4,
    State.SUPPLEMENT_REQUESTED: 5,
    State.AWAITING_PAYMENT: 6,
    State.WITHDRAWN: 7,
    State.STOPPED: 8,
    State.RESULT_READY: 9,
    State.RETURNED: 10,
}
TERMINAL = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED, State.RETURNED})


class Channel(models.TextChoices):
    COUNTER = "counter", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POST = "post", _("Bưu chính công ích")


class Delivery(models.TextChoices):
    COUNTER = "counter", _("Nhận tại bộ phận một cửa")
    ONLINE = "online", _("Nhận trực tuyến")
    POST = "post", _("Nhận qua bưu chính công ích")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Dossier(models.Model):
    province_code = models.PositiveSmallIntegerField("mã tỉnh", db_index=True)
    code = models.CharField("mã hồ sơ", max_length=40, null=True, blank=True)
    # The national portal's code of a dossier filed there (docs/national-sync.md: kept beside
    # ours, never used to make ours).
    national_code = models.CharField(
        "mã hồ sơ trên Cổng DVC quốc gia", max_length=40, null=True, blank=True
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name="thủ tục", on_delete=models.PROTECT, related_name="dossiers"
    )
    version = models.ForeignKey(
        ProcedureVersion,
        verbose_name="phiên bản thủ tục",
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    receiving_agency = models.ForeignKey(
        Agency,
        verbose_name="nơi tiếp nhận",
        on_delete=models.PROTECT,
        related_name="received_dossiers",
    )
    current_agency = models.ForeignKey(
        Agency,
        verbose_name="cơ quan đang xử lý",
        on_delete=models.PROTECT,
        related_name="current_dossiers",
    )
    state = models.CharField(
        "trạng thái", max_length=24, choices=State.choices, default=State.DRAFT, db_index=True
    )
    channel = models.CharField("kênh nộp", max_length=10, choices=Channel.choices)
    delivery = models.CharField("hình thức nhận kết quả", max_length=10, choices=Delivery.choices)
    post_address = models.CharField("địa chỉ nhận qua bưu chính", max_length=300, blank=True)
    # Who: the account that files, the owner (chủ hồ sơ) and the person submitting.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản nộp",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filed_dossiers",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="chủ hồ sơ (tài khoản)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_dossiers",
    )
    owner_organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    owner_name = models.CharField("chủ hồ sơ", max_length=300)
    owner_id_number = models.CharField("số định danh / mã số thuế", max_length=20, blank=True)
    owner_phone = models.CharField("điện thoại", max_length=20, blank=True)
    owner_email = models.EmailField("thư điện tử", blank=True)
    owner_address = models.CharField("địa chỉ", max_length=300, blank=True)
    submitter_name = models.CharField("người nộp", max_length=200)
    submitter_phone = models.CharField("điện thoại người nộp", max_length=20, blank=True)
    on_behalf = models.BooleanField("nộp thay", default=False)
    form_data = models.JSONField("tờ khai", default=dict, blank=True)
    # Dates (DESIGN: Deadlines, Clock); times are stored in UTC.
    submitted_at = models.DateTimeField("ngày nộp", null=True, blank=True)
    received_at = models.DateTimeField("ngày tiếp nhận", null=True, blank=True)
    clock_started_at = models.DateTimeField("bắt đầu tính hạn", null=True, blank=True)
    # No index of its own: one on due_at alone lured PostgreSQL into walking every dossier
    # to the NULLs of the unreceived (BENCHMARKS.md); the queue indexes below carry it.
    due_at = models.DateTimeField("hạn trả kết quả", null=True, blank=True)
    original_due_at = models.DateTimeField("hạn ban đầu", null=True, blank=True)
    paused_at = models.DateTimeField("tạm dừng tính hạn từ", null=True, blank=True)
    supplement_requested_at = models.DateTimeField(null=True, blank=True)
    supplement_count = models.PositiveSmallIntegerField("số lần yêu cầu bổ sung", default=0)
    apologised = models.BooleanField("đã xin lỗi, hẹn lại", default=False)
    agency_fault = models.BooleanField(
        "lỗi của cơ quan",
        default=False,
        help_text="Yêu cầu bổ sung sau 3 ngày làm việc, lần thứ hai, hoặc xin lỗi quá hạn.",
    )
    result_ready_at = models.DateTimeField("ngày có kết quả", null=True, blank=True)
    returned_at = models.DateTimeField("ngày trả kết quả", null=True, blank=True)
    finished_at = models.DateTimeField("ngày kết thúc", null=True, blank=True)
    timeliness = models.CharField("tiến độ", max_length=8, choices=Timeliness.choices, blank=True)
    # The officer's search (code, names, phones, ID number), folded like every search.
    search_text = models.TextField(blank=True, editable=False)
    # The last action taken (set with each event): the "supplement answered" queue and the
    # lists' "last activity" read it without touching the event log.
    last_action = models.CharField(max_length=32, blank=True, db_index=True)
    last_action_at = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency: every change increments it (services.lock_for_action).
    revision = models.PositiveIntegerField(default=0)
    # Head of the event chain: a deleted last event shows as a mismatch (verify_events).
    event_seq = models.PositiveIntegerField(default=0)
    event_head = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "hồ sơ"
        verbose_name_plural = "hồ sơ"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "code"],
                condition=Q(code__isnull=False),
                name="dossier_code_unique_per_province",
            ),
            models.UniqueConstraint(
                fields=["province_code", "national_code"],
                condition=Q(national_code__isnull=False),
                name="dossier_national_code_unique_per_province",
            ),
        ]
        # The officers' queues (dossiers.queues), measured at 1 M dossiers in BENCHMARKS.md:
        # each queue is one state at the desk or the handling agency, in due-date order.
        indexes = [
            models.Index(
                fields=["current_agency", "state", "due_at", "submitted_at", "id"],
                name="dossier_held_by_due",
            ),
            models.Index(
                fields=["receiving_agency", "state", "due_at", "submitted_at", "id"],
                name="dossier_received_by_due",
            ),
            # Due soon and overdue: the running dossiers walked in due-date order.
            models.Index(
                fields=["due_at", "submitted_at", "id"],
                condition=Q(state__in=["received", "in_process"]),
                name="dossier_running_by_due",
            ),
            # Every dossier of the agencies, newest first.
            models.Index(fields=["submitted_at", "id"], name="dossier_by_submitted"),
            models.Index(fields=["account", "-created_at"]),
            models.Index(fields=["owner", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.code or f"Bản nháp #{self.pk}"

    @property
    def national_status(self) -> int | None:
        return NATIONAL_STATUS.get(State(self.state))


class DossierDocument(models.Model):
    """A file given for one of the procedure's documents, in a round (0 = at submission,
    n = the n-th supplement)."""

    province_code = models.PositiveSmallIntegerField()
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    document_key = models.SlugField("giấy tờ", max_length=80)
    stored_file = models.ForeignKey(
        "documents.StoredFile", on_delete=models.PROTECT, related_name="dossier_uses"
    )
    reused = models.BooleanField("dùng lại từ kho dữ liệu", default=False)
    round = models.PositiveSmallIntegerField("lần nộp", default=0)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "giấy tờ trong hồ sơ"
        verbose_name_plural = "giấy tờ trong hồ sơ"
        ordering = ["round", "document_key", "id"]

    def __str__(self) -> str:
        return f"{self.document_key} (lần {self.round})"


class DailySerial(models.Model):
    """The last serial given per receiving agency and local day (DESIGN: Dossier code).
    Taken with one atomic upsert inside the dossier's transaction: never repeats, never
    skips."""

    province_code = models.PositiveSmallIntegerField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "agency", "day"], name="one_serial_counter_per_agency_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class PersonalDataAccess(models.Model):
    """An officer revealed a masked personal number of a dossier (Personal Data Protection
    Law 2025: minimal display, access logs)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="data_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=40)
    at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "truy cập dữ liệu cá nhân"
        verbose_name_plural = "nhật ký truy cập dữ liệu cá nhân"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} xem {self.field} của {self.dossier_id}"


class DossierEvent(models.Model):
    """An immutable, hash-chained record of one action on a dossier."""

    province_code = models.PositiveSmallIntegerField()
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "sự kiện hồ sơ"
        verbose_name_plural = "nhật ký hồ sơ"
        ordering = ["dossier_id", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "dossier", "seq"], name="one_event_per_seq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action}"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` per user and endpoint (issue 3 §7): the first request
    claims it, the dossier's own transaction completes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=100)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    claimed_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "endpoint", "key"], name="idempotency_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"
