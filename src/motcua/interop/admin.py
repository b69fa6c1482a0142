"""The operator sees what came from the national portal and how each dossier's sync stands;
all read-only (only interop's services write these)."""

from django.contrib import admin

from .models import InboundFile, NationalInbound, StatusSnapshot, SyncState


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InboundFileInline(admin.TabularInline):
    model = InboundFile
    fields = ["position", "document_key", "name", "url", "stored_file", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(NationalInbound)
class NationalInboundAdmin(ReadOnly):
    list_display = ["national_code", "partner", "state", "dossier", "received_at", "filed_at"]
    list_filter = ["state", "partner"]
    search_fields = ["national_code", "dossier__code"]
    raw_id_fields = ["dossier"]
    inlines = [InboundFileInline]


@admin.register(SyncState)
class SyncStateAdmin(ReadOnly):
    list_display = ["dossier", "last_seq", "acked_seq", "pending", "changed_at", "acked_at"]
    list_filter = ["pending"]
    search_fields = ["dossier__code", "dossier__national_code"]
    raw_id_fields = ["dossier"]


@admin.register(StatusSnapshot)
class StatusSnapshotAdmin(ReadOnly):
    list_display = ["dossier", "seq", "created_at", "acked_at"]
    search_fields = ["dossier__code"]
    raw_id_fields = ["dossier"]
