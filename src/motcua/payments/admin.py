"""Fees and payments are read-only in the admin: only ``payments.services`` writes them."""

from django.contrib import admin

from motcua.dossiers.admin import ReadOnly

from .models import Assessment, Payment


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ["reference", "dossier", "provider", "amount", "state", "created_at", "paid_at"]
    list_filter = ["provider", "state"]
    search_fields = ["reference", "dossier__code", "gateway_transaction"]
    list_select_related = ["dossier"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnly):
    list_display = ["dossier", "total", "payment_due", "assessed_at"]
    search_fields = ["dossier__code"]
    list_select_related = ["dossier"]
