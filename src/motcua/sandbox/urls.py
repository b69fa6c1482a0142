from django.urls import path

from . import carrier, national, receipts, sms, vnpay
from .paygov import api as paygov_api
from .paygov import payment_page as paygov_page

app_name = "sandbox"
urlpatterns = [
    path("vnpay/paymentv2/vpcpay.html", vnpay.payment_page, name="vnpay_pay"),
    path("vnpay/merchant_webapi/api/transaction", vnpay.merchant_api, name="vnpay_api"),
    path("paygov/api", paygov_api, name="paygov_api"),
    path("paygov/pay/<str:token>", paygov_page, name="paygov_pay"),
    path("sms/messages", sms.send, name="sms_send"),
    path("post/v1/orders", carrier.orders, name="post_orders"),
    path("post/v1/orders/<str:tracking_number>", carrier.order, name="post_order"),
    path("receipts/v1/receipts", receipts.issue, name="receipts_issue"),
    path("receipts/v1/receipts/<str:reference>", receipts.receipt, name="receipts_receipt"),
    path("receipts/tra-cuu/<str:code>/", receipts.page, name="receipt_page"),
    path("dvcqg/", national.page, name="dvcqg"),
    path("dvcqg/ho-so/<int:pk>/", national.detail, name="dvcqg_dossier"),
    path("dvcqg/api/statuses", national.statuses, name="dvcqg_statuses"),
    path("dvcqg/api/statuses/acks", national.acks, name="dvcqg_acks"),
    path("dvcqg/api/files/<str:token>", national.file, name="dvcqg_file"),
]
