"""Shared models of the bottom layer.

``CalendarOverride`` is the operator-editable correction of the working calendar
(DESIGN: Working calendar): a row wins over the ``holidays`` library for its date.
"""

from django.db import models
from django.utils import timezone


class CalendarOverride(models.Model):
    """One date whose status (day off / working day) the operator sets by hand."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", "Ngày nghỉ"
        WORKING_DAY = "working_day", "Ngày làm việc bù"

    date = models.DateField("ngày", unique=True)
    kind = models.CharField("loại", max_length=20, choices=Kind.choices)
    name = models.CharField(
        "tên", max_length=200, help_text="Ví dụ: “Nghỉ bù Tết”, “Làm bù cho ngày 02/05”."
    )
    note = models.TextField(
        "ghi chú", blank=True, help_text="Căn cứ: số hiệu văn bản thông báo, đơn vị áp dụng…"
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "ngày điều chỉnh lịch làm việc"
        verbose_name_plural = "ngày điều chỉnh lịch làm việc"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.get_kind_display()}: {self.name}"

    @property
    def is_working_day(self) -> bool:
        return self.kind == self.Kind.WORKING_DAY


def default_max_attempts() -> int:
    """``MOTCUA_OUTBOX["MAX_ATTEMPTS"]``, read when a message is created."""
    from django.conf import settings

    return int(getattr(settings, "MOTCUA_OUTBOX", {}).get("MAX_ATTEMPTS", 12))


class OutboxMessage(models.Model):
    """One external call to make, written in the business change's own transaction.

    The row *is* the queue (DESIGN: Transactional outbox, one queue): ``motcua.core.outbox``
    enqueues, claims, delivers and records; nothing else writes these rows.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Chờ gửi"
        RUNNING = "running", "Đang gửi"
        DONE = "done", "Đã gửi"
        FAILED = "failed", "Thất bại"

    key = models.CharField(
        "khóa chống trùng",
        max_length=200,
        unique=True,
        help_text="Cùng một khóa chỉ tạo một tin (idempotency key).",
    )
    kind = models.CharField("loại", max_length=100, help_text="Tên bộ xử lý, ví dụ “email.send”.")
    payload = models.JSONField("nội dung", default=dict, blank=True)
    state = models.CharField(
        "trạng thái", max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField("số lần đã thử", default=0)
    max_attempts = models.PositiveIntegerField("số lần thử tối đa", default=default_max_attempts)
    next_attempt_at = models.DateTimeField("thử lần tới lúc", default=timezone.now)
    claimed_by = models.CharField("tiến trình nhận gần nhất", max_length=200, blank=True)
    claimed_at = models.DateTimeField("nhận lúc", null=True, blank=True)
    last_error = models.TextField("lỗi gần nhất", blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    done_at = models.DateTimeField("gửi xong lúc", null=True, blank=True)

    class Meta:
        verbose_name = "tin chờ gửi (outbox)"
        verbose_name_plural = "tin chờ gửi (outbox)"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="core_outbox_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.get_state_display()})"


class PeriodicJob(models.Model):
    """The schedule and lock of one periodic job (``@outbox.periodic``), one row per job.

    Workers claim a due row under a row lock and move ``next_run_at`` on before running the
    job, so with several workers each job runs once per period; ``running_until`` keeps a
    slow run from overlapping the next one.
    """

    name = models.CharField("tên", max_length=100, unique=True)
    next_run_at = models.DateTimeField("chạy lần tới lúc", default=timezone.now)
    last_run_at = models.DateTimeField("chạy gần nhất lúc", null=True, blank=True)
    last_error = models.TextField("lỗi gần nhất", blank=True)
    running_until = models.DateTimeField(
        "đang chạy, khóa đến", null=True, blank=True, help_text="Trống khi không có ai chạy."
    )

    class Meta:
        verbose_name = "tác vụ định kỳ"
        verbose_name_plural = "tác vụ định kỳ"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RateCount(models.Model):
    """Requests of one address in one bucket during one minute (``core.throttle``): one
    atomic upsert per request, shared by every worker."""

    bucket = models.CharField(max_length=200)
    minute = models.BigIntegerField()  # minutes since the epoch
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "minute"], name="one_rate_count_per_minute")
        ]
        indexes = [models.Index(fields=["minute"])]

    def __str__(self) -> str:
        return f"{self.bucket} @{self.minute}: {self.hits}"
