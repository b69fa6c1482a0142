"""Shared models of the bottom layer.

``CalendarOverride`` is the operator-editable correction of the working calendar
(DESIGN: Working calendar): a row wins over the ``holidays`` library for its date.
"""

from django.db import models


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
