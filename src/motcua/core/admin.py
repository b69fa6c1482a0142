from django.contrib import admin

from motcua.core.models import CalendarOverride

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
