import json

from django.contrib import admin, messages
from django.utils.html import format_html

from motcua.core import outbox
from motcua.core.models import CalendarOverride, OutboxMessage, PeriodicJob

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "updated_at"]
    list_display_links = ["date", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name", "note"]
    ordering = ["-date"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["date", "kind", "name", "note", "created_at", "updated_at"]

    @admin.display(description="thứ", ordering="date")
    def weekday(self, obj: CalendarOverride) -> str:
        return _WEEKDAYS[obj.date.weekday()]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Operators watch the queue and put failed messages back; nothing else is editable."""

    list_display = [
        "key",
        "kind",
        "state",
        "attempts_display",
        "next_attempt_at",
        "created_at",
        "done_at",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["key"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    actions = ["retry_failed"]
    fields = [
        "key",
        "kind",
        "state",
        "attempts",
        "max_attempts",
        "next_attempt_at",
        "claimed_by",
        "claimed_at",
        "last_error",
        "payload_display",
        "created_at",
        "done_at",
    ]
    readonly_fields = fields

    @admin.display(description="số lần thử", ordering="attempts")
    def attempts_display(self, obj: OutboxMessage) -> str:
        return f"{obj.attempts}/{obj.max_attempts}"

    @admin.display(description="nội dung")
    def payload_display(self, obj: OutboxMessage) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, ensure_ascii=False, indent=2))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Workers own these rows: a form save would overwrite a concurrent outcome.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description="Thử gửi lại", permissions=["retry"])
    def retry_failed(self, request, queryset) -> None:
        moved = sum(outbox.retry(message) for message in queryset)
        skipped = queryset.count() - moved
        self.message_user(request, f"Đã đưa {moved} tin về hàng đợi gửi.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Bỏ qua {skipped} tin không ở trạng thái “Thất bại”.",
                messages.WARNING,
            )


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin):
    """Read-only: the schedule is code (``@outbox.periodic``); the workers write these rows."""

    list_display = ["name", "next_run_at", "last_run_at", "running_until", "has_error"]
    fields = ["name", "next_run_at", "last_run_at", "running_until", "last_error"]
    readonly_fields = fields

    @admin.display(description="lỗi", boolean=True)
    def has_error(self, obj: PeriodicJob) -> bool:
        return bool(obj.last_error)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
