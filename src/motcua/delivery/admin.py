"""Shipments are read-only in the admin: only ``delivery.services`` writes them."""

from django.contrib import admin

from motcua.dossiers.admin import ReadOnly

from .models import Shipment, ShipmentEvent


class ShipmentEventInline(admin.TabularInline):
    model = ShipmentEvent
    extra = 0
    can_delete = False
    fields = ["at", "status", "location", "note", "source", "event_id", "received_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shipment)
class ShipmentAdmin(ReadOnly):
    list_display = [
        "reference",
        "dossier",
        "direction",
        "carrier",
        "tracking_number",
        "state",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["direction", "carrier", "state"]
    search_fields = ["reference", "tracking_number", "dossier__code"]
    list_select_related = ["dossier"]
    inlines = [ShipmentEventInline]
