"""The operator's view of notices: templates are edited by adding a version (the old ones
stay, so every message keeps the text it came from), messages and preferences are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Max

from . import render
from .models import Message, MessageTemplate, Preference

# Placeholders a dossier notice always has (``services.dossier_values``).
COMMON = frozenset({"owner_name", "code", "procedure", "agency", "due", "due_time", "delivery"})


class NewVersionForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["key", "channel", "subject", "body", "body_unaccented", "active"]

    def clean(self):
        data = super().clean()
        key, channel = data.get("key"), data.get("channel")
        previous = (
            MessageTemplate.objects.filter(key=key, channel=channel).order_by("-version").first()
        )
        if previous is None:
            raise forms.ValidationError(
                "Chỉ thêm phiên bản mới cho loại thông báo đã có (loại và kênh của một mẫu có sẵn)."
            )
        # A placeholder the notice is never given would make every send fail: refuse it now.
        known = COMMON | render.placeholders(previous.subject + previous.body)
        used = set()
        for name in ("subject", "body", "body_unaccented"):
            try:
                used |= render.placeholders(data.get(name) or "")
            except ValueError:
                self.add_error(name, "Dấu ngoặc nhọn { } không khớp.")
        unknown = used - known
        if unknown:
            raise forms.ValidationError(
                "Trường không có trong thông báo này: "
                + ", ".join("{" + name + "}" for name in sorted(unknown))
                + ". Được dùng: "
                + ", ".join("{" + name + "}" for name in sorted(known))
                + "."
            )
        if data.get("body_unaccented") and not render.is_gsm7(data["body_unaccented"]):
            self.add_error("body_unaccented", "Nội dung không dấu còn ký tự có dấu.")
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["key", "channel", "version", "active", "created_at"]
    list_filter = ["channel", "active", "key"]
    search_fields = ["key", "body"]
    form = NewVersionForm

    def get_readonly_fields(self, request, obj=None):
        # A version once saved is history: only whether it is in use may change.
        if obj is None:
            return []
        return ["key", "channel", "version", "subject", "body", "body_unaccented", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["active"])
            return
        with transaction.atomic():
            top = MessageTemplate.objects.select_for_update().filter(
                key=obj.key, channel=obj.channel
            )
            obj.version = (top.aggregate(n=Max("version"))["n"] or 0) + 1
            obj.save()


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "to", "dossier", "segments", "required", "status"]
    list_filter = ["channel", "status", "required", "unaccented"]
    search_fields = ["key", "to", "dossier__code"]
    date_hierarchy = "created_at"
    list_select_related = ["dossier"]
    raw_id_fields = ["dossier", "user", "template"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "channels", "optional", "unaccented_sms"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return False  # the citizen's own choice, made on /thong-bao/
