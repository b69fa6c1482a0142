"""Operators manage units, agencies, fields and procedures here (DESIGN: operator)."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from . import interchange, services
from .models import (
    AdministrativeUnit,
    Agency,
    Field,
    Procedure,
    ProcedureAgency,
    ProcedureDocument,
    ProcedureFee,
    ProcedureVersion,
    ProcessStep,
    Tier,
    VersionStatus,
)


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type", "level", "system", "parent", "data_version"]
    list_filter = ["system", "level", "division_type"]
    search_fields = ["name", "name_folded", "=code"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "order"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "tier", "receives_dossiers", "is_active"]
    list_filter = ["kind", "tier", "receives_dossiers", "is_active"]
    search_fields = ["code", "name", "name_folded", "short_name"]
    autocomplete_fields = ["parent", "unit"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "name",
                    "short_name",
                    "kind",
                    "tier",
                    "parent",
                    "unit",
                    "function",
                    "receives_dossiers",
                    "is_active",
                ]
            },
        ),
        (
            "Giờ làm việc",
            {
                "fields": [
                    "morning_open",
                    "morning_close",
                    "afternoon_open",
                    "afternoon_close",
                    "same_day_cutoff",
                    "saturday_reception",
                ]
            },
        ),
        ("Liên hệ", {"fields": ["address", "phone", "email", "website"]}),
    ]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_folded"]


class DocumentInline(admin.TabularInline):
    model = ProcedureDocument
    extra = 0
    fields = [
        "order",
        "key",
        "name",
        "kind",
        "copies",
        "required",
        "blank_form_name",
        "blank_form_reference",
        "data_store",
    ]


class FeeInline(admin.TabularInline):
    model = ProcedureFee
    extra = 0
    fields = [
        "order",
        "kind",
        "name",
        "amount",
        "online_amount",
        "unit",
        "subsequent_from",
        "subsequent_amount",
        "cap",
        "exemptions",
    ]


class StepInline(admin.TabularInline):
    model = ProcessStep
    extra = 0
    fields = ["agency", "order", "name", "agency_role", "officer_role", "budget_hours"]
    autocomplete_fields = ["agency"]


class AgencyLinkInline(admin.TabularInline):
    model = ProcedureAgency
    extra = 0
    fields = ["agency", "is_default_receiver", "limit_kind", "limit_value"]
    autocomplete_fields = ["agency"]


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = [
        "procedure",
        "number",
        "status",
        "online_level",
        "limit_kind",
        "limit_value",
        "verified",
        "published_at",
    ]
    list_filter = ["status", "online_level", "verified", "tiers", "procedure__field"]
    search_fields = ["procedure__code", "procedure__search_text"]
    list_select_related = ["procedure"]
    autocomplete_fields = ["procedure", "competent_agency"]
    readonly_fields = ["status", "published_at"]
    filter_horizontal = ["tiers"]
    inlines = [DocumentInline, FeeInline, StepInline, AgencyLinkInline]
    actions = ["publish", "draft_next"]

    def has_change_permission(self, request, obj=None):
        # Published and retired versions are immutable: a dossier keeps its version.
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    @admin.action(description="Công bố các phiên bản dự thảo đã chọn")
    def publish(self, request: HttpRequest, queryset) -> None:
        for version in queryset:
            try:
                services.publish_version(version)
            except ValidationError as exc:
                self.message_user(request, f"{version}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Đã công bố {version}.", messages.SUCCESS)

    @admin.action(description="Tạo dự thảo phiên bản mới từ phiên bản đã chọn")
    def draft_next(self, request: HttpRequest, queryset) -> None:
        for version in queryset:
            draft = services.draft_next_version(version)
            self.message_user(request, f"Đã tạo {draft}.", messages.SUCCESS)


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ["number", "status", "online_level", "verified", "published_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ImportForm(forms.Form):
    file = forms.FileField(label="Tệp danh mục (JSON, định dạng motcua-catalog/1)")


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "current_version", "view_count"]
    list_filter = ["field", "current_version__online_level", "current_version__verified"]
    search_fields = ["code", "name", "search_text"]
    list_select_related = ["field", "current_version"]
    inlines = [VersionInline]
    actions = ["export_selected"]
    change_list_template = "admin/catalog/procedure/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="catalog_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="catalog_export"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        return _json_download(interchange.export_catalog())

    @admin.action(description="Xuất JSON các thủ tục đã chọn")
    def export_selected(self, request: HttpRequest, queryset) -> HttpResponse:
        codes = set(queryset.values_list("code", flat=True))
        data = interchange.export_catalog()
        data["procedures"] = [p for p in data["procedures"] if p["code"] in codes]
        return _json_download(data)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return redirect("admin:catalog_procedure_changelist")
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                data = json.load(form.cleaned_data["file"])
                report = interchange.import_catalog(data)
            except (ValueError, UnicodeDecodeError):
                form.add_error("file", "Tệp không phải JSON hợp lệ.")
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                self.message_user(request, f"Đã nhập: {report.summary()}.", messages.SUCCESS)
                return redirect("admin:catalog_procedure_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Nhập danh mục thủ tục",
            "opts": self.model._meta,
        }
        return render(request, "admin/catalog/procedure/import.html", context)


def _json_download(data: dict) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="motcua-catalog-{stamp}.json"'
    return response
