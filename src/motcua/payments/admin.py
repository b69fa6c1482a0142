"""Fees and payments are read-only in the admin: only ``payments.services`` writes them."""

from django.contrib import admin

from motcua.dossiers.admin import ReadOnly

from .models import Assessment, Payment, Receipt


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


@admin.register(Receipt)
class ReceiptAdmin(ReadOnly):
    """Legal e-receipts: one failed for good is put back from its outbox message."""

    list_display = ["payment", "state", "template", "symbol", "number", "issued_at", "last_error"]
    list_filter = ["state", "issuer"]
    search_fields = ["payment__reference", "payment__dossier__code", "number", "lookup_code"]
    list_select_related = ["payment"]
