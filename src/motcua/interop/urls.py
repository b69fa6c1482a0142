from django.urls import path

from . import views

app_name = "interop"
urlpatterns = [
    path("national/v1/dossiers", views.inbound_dossier, name="inbound_dossier"),
]
