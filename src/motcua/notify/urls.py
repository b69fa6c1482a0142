from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [path("sms/report", views.sms_report, name="sms_report")]
