from django.urls import path

from motcua.documents import views

app_name = "documents"
urlpatterns = [
    path("tai-lieu/<uuid:file_id>/", views.download, name="download"),
]
