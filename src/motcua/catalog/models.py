"""The catalog: geography, agencies, fields and administrative procedures (DESIGN: catalog).

Geography (administrative units with the statistics office's codes) and organisations
(agencies with their electronic identifier codes) are separate trees.
"""

from __future__ import annotations

from datetime import time

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from motcua.core.calendar import Limit, LimitKind, OfficeHours
from motcua.core.text import fold


class UnitSystem(models.TextChoices):
    CURRENT = "2025", "Hai cấp (từ 01/07/2025)"
    LEGACY = "legacy", "Ba cấp (trước 01/07/2025)"


class UnitLevel(models.IntegerChoices):
    PROVINCE = 1, "Cấp tỉnh"
    DISTRICT = 2, "Cấp huyện"
    COMMUNE = 3, "Cấp xã"


class AdministrativeUnit(models.Model):
    """A province, (legacy) district or commune from ``vietnam-provinces``, with its version."""

    system = models.CharField("hệ thống đơn vị", max_length=8, choices=UnitSystem.choices)
    level = models.PositiveSmallIntegerField("cấp", choices=UnitLevel.choices)
    code = models.PositiveIntegerField("mã đơn vị hành chính")
    name = models.CharField("tên", max_length=120)
    division_type = models.CharField("loại", max_length=40)
    codename = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name="thuộc",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    data_version = models.CharField("phiên bản dữ liệu", max_length=40)
    name_folded = models.CharField(max_length=120, editable=False, db_index=True)

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["system", "level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "level", "code"], name="unit_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


TIERS = [
    # (code, name, English name, order)
    ("central", "Trung ương", "Central", 0),
    ("province", "Cấp tỉnh", "Province", 1),
    ("district", "Cấp huyện (trước 01/07/2025)", "District (before 1 July 2025)", 2),
    ("commune", "Cấp xã", "Commune", 3),
]


class Tier(models.Model):
    """A tier of government (central, province, district before 2025, commune): data."""

    code = models.SlugField("mã", max_length=20, unique=True)
    name = models.CharField("tên", max_length=60)
    name_en = models.CharField("tên tiếng Anh", max_length=60, blank=True)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "cấp hành chính"
        verbose_name_plural = "cấp hành chính"
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


agency_code_validator = RegexValidator(
    r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[0-9A-Z]{3}$",
    "Mã định danh điện tử phải có dạng XXX.XX.XX.XXX (Quyết định 20/2020/QĐ-TTg), "
    "ví dụ 000.00.00.H29.",
)


class AgencyKind(models.TextChoices):
    PEOPLES_COMMITTEE = "peoples_committee", "Ủy ban nhân dân"
    DEPARTMENT = "department", "Sở, ban, ngành"
    SERVICE_CENTRE = "service_centre", "Trung tâm phục vụ hành chính công"
    ONE_STOP_DESK = "one_stop_desk", "Bộ phận một cửa"
    VERTICAL = "vertical", "Cơ quan ngành dọc"
    OTHER = "other", "Khác"


class Agency(models.Model):
    """People's Committee, department, service centre, one-stop desk or vertical agency."""

    code = models.CharField(
        "mã định danh điện tử", max_length=13, unique=True, validators=[agency_code_validator]
    )
    name = models.CharField("tên", max_length=255)
    short_name = models.CharField("tên ngắn", max_length=120, blank=True)
    kind = models.CharField("loại cơ quan", max_length=24, choices=AgencyKind.choices)
    tier = models.ForeignKey(Tier, verbose_name="cấp", on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self",
        verbose_name="cơ quan cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name="địa bàn phục vụ",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    function = models.SlugField(
        "khóa chức năng",
        max_length=40,
        blank=True,
        help_text="Dùng khi nhập danh mục để gắn thủ tục với cơ quan (ví dụ justice, health).",
    )
    receives_dossiers = models.BooleanField("có bộ phận tiếp nhận hồ sơ", default=False)
    # Office hours (DESIGN: Working calendar): two periods a day and the same-day cut-off.
    morning_open = models.TimeField("giờ mở cửa sáng", default=time(7, 0))
    morning_close = models.TimeField("giờ nghỉ trưa", default=time(11, 30))
    afternoon_open = models.TimeField("giờ làm việc chiều", default=time(13, 30))
    afternoon_close = models.TimeField("giờ đóng cửa", default=time(17, 0))
    same_day_cutoff = models.TimeField("giờ chốt nhận trong ngày", default=time(15, 0))
    saturday_reception = models.BooleanField(
        "tiếp nhận sáng thứ Bảy",
        default=False,
        help_text="Lịch tiếp nhận; không làm thứ Bảy thành ngày làm việc khi tính thời hạn.",
    )
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    phone = models.CharField("điện thoại", max_length=40, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    website = models.URLField("trang thông tin", blank=True)
    is_active = models.BooleanField("đang hoạt động", default=True)
    name_folded = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        verbose_name = "cơ quan"
        verbose_name_plural = "cơ quan"
        ordering = ["tier__order", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(f"{self.name} {self.short_name}")
        super().save(*args, **kwargs)

    def office_hours(self) -> OfficeHours:
        return OfficeHours(
            periods=(
                (self.morning_open, self.morning_close),
                (self.afternoon_open, self.afternoon_close),
            ),
            same_day_cutoff=self.same_day_cutoff,
        )


class Field(models.Model):
    """A field of procedures (*lĩnh vực*), e.g. Hộ tịch."""

    code = models.SlugField("mã", max_length=60, unique=True)
    name = models.CharField("tên", max_length=200)
    name_en = models.CharField("tên tiếng Anh", max_length=200, blank=True)
    name_folded = models.CharField(max_length=200, editable=False)

    class Meta:
        verbose_name = "lĩnh vực"
        verbose_name_plural = "lĩnh vực"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)
        # The field's name is part of each procedure's search text.
        for procedure in self.procedures.all():
            procedure.field = self
            procedure.save(update_fields=["search_text", "updated_at"])


procedure_code_validator = RegexValidator(
    r"^\d\.\d{6}$", "Mã thủ tục quốc gia có dạng d.dddddd, ví dụ 1.001193."
)


class Procedure(models.Model):
    """An administrative procedure (*thủ tục hành chính*) with its national code.

    Its content lives in versions; ``current_version`` is the published one, kept by
    ``catalog.services.publish_version`` (the only writer).
    """

    code = models.CharField(
        "mã thủ tục", max_length=8, unique=True, validators=[procedure_code_validator]
    )
    name = models.CharField("tên thủ tục", max_length=500)
    field = models.ForeignKey(
        Field, verbose_name="lĩnh vực", on_delete=models.PROTECT, related_name="procedures"
    )
    current_version = models.OneToOneField(
        "ProcedureVersion",
        verbose_name="phiên bản đang công bố",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    view_count = models.PositiveBigIntegerField("lượt xem", default=0, editable=False)
    # Folded code + name + field: the search column (DESIGN: Search). PostgreSQL adds a
    # trigram index on it (migration 0002).
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed: the search index's freshness check reads its maximum on every search.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "thủ tục hành chính"
        verbose_name_plural = "thủ tục hành chính"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.search_text = build_search_text(self.code, self.name, self.field.name)
        super().save(*args, **kwargs)


def build_search_text(code: str, name: str, field_name: str) -> str:
    return fold(f"{name} | {field_name} | {code}")


class OnlineLevel(models.TextChoices):
    FULL = "full", "Toàn trình"
    PARTIAL = "partial", "Một phần"
    INFO = "info", "Cung cấp thông tin"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Dự thảo"
    PUBLISHED = "published", "Đang công bố"
    RETIRED = "retired", "Hết hiệu lực"


class PaymentDue(models.TextChoices):
    """Which transition waits for the fees (DESIGN: Payment)."""

    NONE = "none", "Không chờ nộp phí"
    PROCESSING = "processing", "Nộp phí trước khi giải quyết"
    RETURN = "return", "Nộp phí trước khi trả kết quả"


class ProcedureVersion(models.Model):
    """One version of a procedure's content; a dossier keeps the version it was filed under."""

    procedure = models.ForeignKey(
        Procedure, verbose_name="thủ tục", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("phiên bản", validators=[MinValueValidator(1)])
    status = models.CharField(
        "trạng thái",
        max_length=10,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
        editable=False,
    )
    published_at = models.DateTimeField("ngày công bố", null=True, blank=True, editable=False)
    tiers = models.ManyToManyField(Tier, verbose_name="cấp thực hiện", related_name="+")
    competent_authority = models.CharField("cơ quan có thẩm quyền", max_length=500, blank=True)
    competent_agency = models.ForeignKey(
        Agency,
        verbose_name="cơ quan giải quyết mặc định",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    online_level = models.CharField(
        "mức độ dịch vụ trực tuyến",
        max_length=10,
        choices=OnlineLevel.choices,
        default=OnlineLevel.INFO,
    )
    legacy_level = models.PositiveSmallIntegerField(
        "mức độ (theo Nghị định 43/2011)",
        null=True,
        blank=True,
        choices=[(1, "Mức độ 1"), (2, "Mức độ 2"), (3, "Mức độ 3"), (4, "Mức độ 4")],
    )
    limit_kind = models.CharField(
        "loại thời hạn",
        max_length=16,
        choices=LimitKind.choices,
        null=True,
        blank=True,
        help_text="Để trống nếu chưa công bố.",
    )
    limit_value = models.PositiveIntegerField("thời hạn", default=0)
    limit_note = models.CharField("ghi chú thời hạn", max_length=500, blank=True)
    how_to_apply = models.TextField("cách thức thực hiện", blank=True)
    requirements = models.TextField("yêu cầu, điều kiện", blank=True)
    result = models.TextField("kết quả thực hiện", blank=True)
    legal_basis = models.JSONField("căn cứ pháp lý", default=list, blank=True)
    announcing_decision = models.CharField("quyết định công bố", max_length=500, blank=True)
    effective_from = models.DateField("hiệu lực từ", null=True, blank=True)
    effective_to = models.DateField("hiệu lực đến", null=True, blank=True)
    verified = models.BooleanField("đã đối chiếu nguồn", default=False)
    source = models.TextField("nguồn", blank=True)
    notes = models.TextField("ghi chú biên tập", blank=True)
    payment_due = models.CharField(
        "thời điểm nộp phí",
        max_length=12,
        choices=PaymentDue.choices,
        default=PaymentDue.NONE,
        help_text="Có thể nộp ngay khi nộp hồ sơ; đây là bước phải chờ nộp đủ phí.",
    )
    form_schema = models.JSONField(
        "tờ khai điện tử (JSON Schema)",
        null=True,
        blank=True,
        help_text="Các trường người nộp khai ngoài giấy tờ đính kèm.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "phiên bản thủ tục"
        verbose_name_plural = "phiên bản thủ tục"
        ordering = ["procedure__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="published"),
                name="one_published_version_per_procedure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number} ({self.get_status_display()})"

    @property
    def limit(self) -> Limit | None:
        if not self.limit_kind:
            return None
        return Limit(LimitKind(self.limit_kind), self.limit_value)


class DocumentKind(models.TextChoices):
    ORIGINAL = "original", "Bản chính"
    CERTIFIED_COPY = "certified_copy", "Bản sao có chứng thực"
    COPY = "copy", "Bản sao"
    PRESENTED = "presented", "Xuất trình"


class ProcedureDocument(models.Model):
    """A document of the dossier; ``key`` stays the same across versions."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="documents"
    )
    key = models.SlugField("mã giấy tờ", max_length=80)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    name = models.CharField("tên giấy tờ", max_length=500)
    kind = models.CharField(
        "loại", max_length=16, choices=DocumentKind.choices, default=DocumentKind.ORIGINAL
    )
    copies = models.PositiveSmallIntegerField("số lượng", default=1)
    required = models.BooleanField("bắt buộc", default=True)
    blank_form_name = models.CharField("mẫu đơn, tờ khai", max_length=300, blank=True)
    blank_form_reference = models.CharField("văn bản ban hành mẫu", max_length=300, blank=True)
    blank_form_url = models.URLField("tải mẫu", blank=True)
    data_store = models.BooleanField(
        "lấy được từ kho dữ liệu",
        default=False,
        help_text="Kho dữ liệu của công dân hoặc cơ sở dữ liệu quốc gia có thể cung cấp.",
    )
    note = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "thành phần hồ sơ"
        verbose_name_plural = "thành phần hồ sơ"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="document_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


class FeeKind(models.TextChoices):
    FEE = "phi", "Phí"
    CHARGE = "le_phi", "Lệ phí"


class FeeUnit(models.TextChoices):
    DOSSIER = "dossier", "hồ sơ"
    PAGE = "page", "trang"
    COPY = "copy", "bản"


class ProcedureFee(models.Model):
    """A fee (*phí*) or charge (*lệ phí*) in integer đồng."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fees")
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    kind = models.CharField("loại", max_length=8, choices=FeeKind.choices)
    name = models.CharField("tên", max_length=300)
    amount = models.PositiveBigIntegerField("mức thu (đồng)")
    online_amount = models.PositiveBigIntegerField(
        "mức thu khi nộp trực tuyến (đồng)",
        null=True,
        blank=True,
    )
    unit = models.CharField(
        "đơn vị tính", max_length=8, choices=FeeUnit.choices, default=FeeUnit.DOSSIER
    )
    subsequent_from = models.PositiveSmallIntegerField(
        "mức sau áp dụng từ đơn vị thứ",
        null=True,
        blank=True,
        help_text="Ví dụ chứng thực bản sao: từ trang thứ 3.",
    )
    subsequent_amount = models.PositiveBigIntegerField(
        "mức thu từ đơn vị đó (đồng)", null=True, blank=True
    )
    cap = models.PositiveBigIntegerField(
        "mức tối đa (đồng)",
        null=True,
        blank=True,
        help_text="Tính theo phí trang: tối đa cho mỗi bản; theo hồ sơ: tối đa cho hồ sơ.",
    )
    exemptions = models.TextField("miễn, giảm", blank=True)

    class Meta:
        verbose_name = "phí, lệ phí"
        verbose_name_plural = "phí, lệ phí"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class AgencyRole(models.TextChoices):
    RECEIVING = "receiving", "Bộ phận tiếp nhận"
    COMPETENT = "competent", "Cơ quan giải quyết"
    PEOPLES_COMMITTEE = "people_committee", "Ủy ban nhân dân"
    CONSULTED = "consulted", "Cơ quan phối hợp"


class OfficerRole(models.TextChoices):
    ONE_STOP_OFFICER = "one_stop_officer", "Cán bộ một cửa"
    SPECIALIST = "specialist", "Chuyên viên"
    LEADER = "leader", "Lãnh đạo"


class ProcessStep(models.Model):
    """A step of the internal process. Steps without an agency are the template; an agency
    that approved its own process has steps of its own, which replace the template there."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    agency = models.ForeignKey(
        Agency,
        verbose_name="quy trình riêng của cơ quan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField("bước")
    name = models.CharField("tên bước", max_length=300)
    agency_role = models.CharField("cơ quan thực hiện", max_length=20, choices=AgencyRole.choices)
    officer_role = models.CharField("người thực hiện", max_length=20, choices=OfficerRole.choices)
    budget_hours = models.PositiveIntegerField("thời gian (giờ làm việc)")
    description = models.TextField("mô tả", blank=True)

    class Meta:
        verbose_name = "bước xử lý"
        verbose_name_plural = "quy trình nội bộ"
        ordering = ["agency_id", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "order"],
                condition=Q(agency__isnull=True),
                name="template_step_order_unique",
            ),
            models.UniqueConstraint(
                fields=["version", "agency", "order"],
                condition=Q(agency__isnull=False),
                name="agency_step_order_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class ProcedureAgency(models.Model):
    """Where a version is filed and handled; an agency may shorten its limit (DESIGN)."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="agency_links"
    )
    agency = models.ForeignKey(
        Agency, verbose_name="cơ quan", on_delete=models.CASCADE, related_name="procedure_links"
    )
    is_default_receiver = models.BooleanField("nơi tiếp nhận mặc định", default=False)
    limit_kind = models.CharField(
        "thời hạn riêng: loại", max_length=16, choices=LimitKind.choices, null=True, blank=True
    )
    limit_value = models.PositiveIntegerField("thời hạn riêng", null=True, blank=True)

    class Meta:
        verbose_name = "cơ quan tiếp nhận"
        verbose_name_plural = "cơ quan tiếp nhận"
        constraints = [
            models.UniqueConstraint(fields=["version", "agency"], name="version_agency_unique"),
            models.UniqueConstraint(
                fields=["version"],
                condition=Q(is_default_receiver=True),
                name="one_default_receiver_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} @ {self.agency.code}"

    @property
    def limit(self) -> Limit | None:
        if not self.limit_kind or (not self.limit_value and self.limit_kind != LimitKind.SAME_DAY):
            return None
        return Limit(LimitKind(self.limit_kind), self.limit_value or 0)
