from django.urls import path

from . import vnpay

app_name = "sandbox"
urlpatterns = [
    path("vnpay/paymentv2/vpcpay.html", vnpay.payment_page, name="vnpay_pay"),
    path("vnpay/merchant_webapi/api/transaction", vnpay.merchant_api, name="vnpay_api"),
]
