"""The internal process of a dossier (DESIGN: Architecture, ``workflow``): its steps, who
is assigned, which agency holds each step (inter-agency transfer, *liên thông*), the step
deadlines, and the consultations of other agencies.

Only ``dossiers.services`` writes these tables, inside the dossier's own transaction and
with one event per change (DESIGN: one write path). Like every dossier-owned table they
carry ``province_code`` in their unique keys (DESIGN: Scale).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Agency, AgencyRole
from motcua.catalog.models import OfficerRole as StepRole
from motcua.dossiers.models import Dossier, Timeliness


class StepState(models.TextChoices):
    PENDING = "pending", _("Chưa đến lượt")
    ACTIVE = "active", _("Đang xử lý")
    DONE = "done", _("Đã xong")
    RETURNED = "returned", _("Bị trả lại bước trước")
    CANCELLED = "cancelled", _("Không thực hiện (hồ sơ đã kết thúc)")


class DossierStep(models.Model):
    """One step of a dossier's internal process, copied from the procedure's process
    (``catalog.ProcessStep``) when the dossier is routed, with its agency resolved
    (``workflow.steps.resolve_agency``)."""

    province_code = models.PositiveSmallIntegerField("mã tỉnh")
    dossier = models.ForeignKey(
        Dossier, verbose_name="hồ sơ", on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField("bước")
    name = models.CharField("tên bước", max_length=300)
    agency_role = models.CharField("cơ quan thực hiện", max_length=20, choices=AgencyRole.choices)
    officer_role = models.CharField("người thực hiện", max_length=20, choices=StepRole.choices)
    agency = models.ForeignKey(
        Agency,
        verbose_name="cơ quan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossier_steps",
        help_text="Bước lấy ý kiến: xác định khi hỏi ý kiến cơ quan phối hợp.",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người được giao",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_steps",
    )
    state = models.CharField(
        "trạng thái", max_length=10, choices=StepState.choices, default=StepState.PENDING
    )
    budget_hours = models.PositiveIntegerField("thời gian (giờ làm việc)")
    started_at = models.DateTimeField("bắt đầu", null=True, blank=True)
    due_at = models.DateTimeField("hạn của bước", null=True, blank=True)
    completed_at = models.DateTimeField("hoàn thành", null=True, blank=True)
    timeliness = models.CharField("tiến độ", max_length=8, choices=Timeliness.choices, blank=True)

    class Meta:
        verbose_name = "bước xử lý hồ sơ"
        verbose_name_plural = "bước xử lý hồ sơ"
        ordering = ["dossier_id", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "dossier", "order"], name="one_dossier_step_per_order"
            )
        ]
        # The active step is what the queues ask about (dossiers.queues: my steps, to
        # assign, to approve); partial indexes keep that to the few running dossiers.
        indexes = [
            models.Index(fields=["agency", "state"]),
            models.Index(fields=["assignee", "state"]),
            models.Index(
                fields=["dossier"], condition=Q(state="active"), name="step_active_by_dossier"
            ),
            models.Index(
                fields=["assignee"], condition=Q(state="active"), name="step_active_by_assignee"
            ),
            models.Index(
                fields=["agency", "officer_role"],
                condition=Q(state="active", assignee__isnull=True),
                name="step_unassigned_by_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} bước {self.order}. {self.name}"


class ConsultationState(models.TextChoices):
    OPEN = "open", _("Đang chờ ý kiến")
    ANSWERED = "answered", _("Đã có ý kiến")


class Consultation(models.Model):
    """An opinion asked of another agency, in parallel: the dossier stays where it is and
    the consultation runs inside its step's budget (DESIGN: Clock), with its own due date."""

    province_code = models.PositiveSmallIntegerField("mã tỉnh")
    dossier = models.ForeignKey(
        Dossier, verbose_name="hồ sơ", on_delete=models.CASCADE, related_name="consultations"
    )
    step = models.ForeignKey(
        DossierStep,
        verbose_name="trong bước",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
        help_text="Trống khi thủ tục không có quy trình nội bộ.",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người hỏi",
        on_delete=models.PROTECT,
        related_name="+",
    )
    asking_agency = models.ForeignKey(
        Agency, verbose_name="cơ quan hỏi", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name="cơ quan được hỏi",
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    question = models.TextField("nội dung xin ý kiến")
    asked_at = models.DateTimeField("ngày hỏi")
    due_at = models.DateTimeField("hạn trả lời")
    state = models.CharField(
        "trạng thái",
        max_length=10,
        choices=ConsultationState.choices,
        default=ConsultationState.OPEN,
    )
    answer = models.TextField("ý kiến", blank=True)
    answered_at = models.DateTimeField("ngày trả lời", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người trả lời",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "xin ý kiến"
        verbose_name_plural = "xin ý kiến"
        ordering = ["dossier_id", "asked_at", "id"]
        indexes = [models.Index(fields=["agency", "state", "due_at"])]

    def __str__(self) -> str:
        return f"{self.dossier_id}: hỏi {self.agency_id}"
