from django.urls import path

from . import counter, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("hang-doi/<slug:slug>/", views.queue, name="queue"),
    path("tiep-nhan-tai-quay/", counter.counter, name="counter"),
    path("so-theo-doi/", views.register, name="register"),
    path("ho-so/<str:code>/", views.dossier, name="dossier"),
    path("ho-so/<str:code>/so-dinh-danh/", views.reveal, name="reveal"),
    path("ho-so/<str:code>/thu-tien-mat/", views.cash, name="cash"),
    path(
        "ho-so/<str:code>/thanh-toan/<str:reference>.pdf",
        views.payment_confirmation,
        name="payment_confirmation",
    ),
    path("ho-so/<str:code>/tai-lieu/<uuid:file_id>/", views.document, name="document"),
    path("ho-so/<str:code>/<slug:action>/", views.act, name="act"),
]
