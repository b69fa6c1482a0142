from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("vnpay/ipn", views.vnpay_ipn, name="vnpay_ipn"),
    path("vnpay/return", views.vnpay_return, name="vnpay_return"),
    path("paygov/notify", views.paygov_notify, name="paygov_notify"),
    path("paygov/return", views.paygov_return, name="paygov_return"),
]
