"""Set a sandbox party's fault by hand (issue 5 §6) and see what the sandbox gateway took."""

from django.contrib import admin

from . import carrier, national
from .models import (
    DvcqgDossier,
    DvcqgStatus,
    EReceipt,
    Fault,
    PostOrder,
    SmsMessage,
    VnpayTransaction,
)


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    list_display = ["party", "mode", "until", "delay_seconds"]


@admin.register(VnpayTransaction)
class VnpayTransactionAdmin(admin.ModelAdmin):
    list_display = ["txn_ref", "tmn_code", "amount", "response_code", "transaction_no", "pay_date"]
    readonly_fields = [f.name for f in VnpayTransaction._meta.fields]


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """The texts the sandbox SMS gateway took: the demo's phones."""

    list_display = ["received_at", "to", "text", "segments", "status"]
    list_filter = ["status"]
    search_fields = ["to", "text"]
    readonly_fields = [f.name for f in SmsMessage._meta.fields]


@admin.register(PostOrder)
class PostOrderAdmin(admin.ModelAdmin):
    """The demo's operator moves the sandbox carrier's orders along by hand."""

    list_display = ["tracking_number", "order_number", "direction", "status", "created_at"]
    list_filter = ["status", "direction"]
    search_fields = ["tracking_number", "order_number", "reference"]
    readonly_fields = [f.name for f in PostOrder._meta.fields]
    actions = ["advance_one_step", "delivery_failed", "return_to_sender"]

    @admin.action(description="Chuyển sang trạng thái tiếp theo")
    def advance_one_step(self, request, queryset):
        for order in queryset:
            carrier.advance(order)

    @admin.action(description="Phát không thành công (sẽ phát lại)")
    def delivery_failed(self, request, queryset):
        for order in queryset:
            carrier.advance(order, "failed", note="Người nhận vắng nhà.")

    @admin.action(description="Chuyển hoàn về người gửi")
    def return_to_sender(self, request, queryset):
        for order in queryset:
            carrier.advance(order, "returned", note="Không phát được, chuyển hoàn.")


@admin.register(EReceipt)
class EReceiptAdmin(admin.ModelAdmin):
    list_display = ["template", "symbol", "number", "reference", "total", "asked", "issued_at"]
    search_fields = ["reference", "number", "lookup_code"]
    readonly_fields = [f.name for f in EReceipt._meta.fields]


class DvcqgStatusInline(admin.TabularInline):
    model = DvcqgStatus
    extra = 0
    can_delete = False
    readonly_fields = ["seq", "status", "state", "changed_at", "note", "received_at", "kept"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DvcqgDossier)
class DvcqgDossierAdmin(admin.ModelAdmin):
    """What the sandbox national portal holds; the operator sends a dossier again."""

    list_display = ["national_code", "code", "procedure_code", "sending", "held_seq", "created_at"]
    list_filter = ["sending"]
    search_fields = ["national_code", "code", "owner_name"]
    readonly_fields = [f.name for f in DvcqgDossier._meta.fields]
    inlines = [DvcqgStatusInline]
    actions = ["send_again"]

    @admin.action(description="Gửi lại sang tỉnh (cùng nội dung)")
    def send_again(self, request, queryset):
        for dossier in queryset.exclude(request_body=""):
            national.resend(dossier)
