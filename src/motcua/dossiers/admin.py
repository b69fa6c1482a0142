"""Dossiers and events are read-only in the admin (DESIGN: one write path)."""

from django.contrib import admin

from .models import Dossier, DossierDocument, DossierEvent


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = DossierEvent
    fields = ["seq", "action", "from_state", "to_state", "actor", "actor_agency", "at", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class DocumentInline(admin.TabularInline):
    model = DossierDocument
    fields = ["document_key", "stored_file", "reused", "round", "added_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    from motcua.workflow.models import DossierStep as model

    fields = [
        "order",
        "name",
        "agency",
        "officer_role",
        "assignee",
        "state",
        "started_at",
        "due_at",
        "completed_at",
        "timeliness",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnly):
    list_display = [
        "code",
        "procedure",
        "state",
        "channel",
        "receiving_agency",
        "submitted_at",
        "due_at",
        "timeliness",
    ]
    list_filter = ["state", "channel", "timeliness", "agency_fault"]
    search_fields = ["code", "owner_name"]
    list_select_related = ["procedure", "receiving_agency"]
    inlines = [DocumentInline, StepInline, EventInline]


@admin.register(DossierEvent)
class DossierEventAdmin(ReadOnly):
    list_display = ["dossier", "seq", "action", "from_state", "to_state", "actor", "at"]
    list_filter = ["action"]
    search_fields = ["dossier__code"]
    list_select_related = ["dossier", "actor"]
