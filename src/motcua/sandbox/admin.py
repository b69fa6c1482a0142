"""Set a sandbox party's fault by hand (issue 5 §6) and see what the sandbox gateway took."""

from django.contrib import admin

from .models import Fault, VnpayTransaction


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    list_display = ["party", "mode", "until", "delay_seconds"]


@admin.register(VnpayTransaction)
class VnpayTransactionAdmin(admin.ModelAdmin):
    list_display = ["txn_ref", "tmn_code", "amount", "response_code", "transaction_no", "pay_date"]
    readonly_fields = [f.name for f in VnpayTransaction._meta.fields]
