"""Stored files and their access log are read-only: only ``documents.services`` writes them."""

from django.contrib import admin

from motcua.documents.models import FileAccess, StoredFile


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "content_type",
        "size",
        "pages",
        "owner",
        "uploaded_by",
        "digitized",
        "created_at",
        "deleted_at",
    ]
    list_filter = ["content_type", "digitized", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = [
        "=sha256",
        "owner__username",
        "owner__full_name",
        "owner__phone",
        "owner__email",
    ]
    list_select_related = ["owner", "uploaded_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    show_full_result_count = False


@admin.register(FileAccess)
class FileAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "file", "ip"]
    list_filter = ["action"]
    search_fields = ["=file__sha256", "user__username", "user__full_name"]
    list_select_related = ["user", "file"]
    date_hierarchy = "at"
    ordering = ["-at"]
    show_full_result_count = False
