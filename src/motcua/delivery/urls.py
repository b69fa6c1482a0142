from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    path("callback/<slug:carrier>", views.callback, name="callback"),
]
