from django.urls import path

from motcua.portal import accounts_views, dossier_views, notify_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.search, name="search"),
    path("thu-tuc/<str:code>/", views.procedure, name="procedure"),
    path("co-quan/", views.agencies, name="agencies"),
    path("co-quan/<str:code>/", views.agency, name="agency"),
    path("thu-tuc/<str:code>/nop-ho-so/", dossier_views.file_dossier, name="file_dossier"),
    path("thu-tuc/<str:code>/nop-ho-so/<int:draft_id>/", dossier_views.file_dossier, name="draft"),
    path("ho-so-cua-toi/", dossier_views.my_dossiers, name="my_dossiers"),
    path("thong-bao/", notify_views.preferences, name="notify_preferences"),
    path("tra-cuu/", dossier_views.lookup, name="lookup"),
    path("ho-so/<str:code>/", dossier_views.dossier_page, name="dossier"),
    path("ho-so/<str:code>/thanh-toan/", dossier_views.pay_dossier, name="pay"),
    path(
        "ho-so/<str:code>/thanh-toan/<str:reference>.pdf",
        dossier_views.payment_confirmation,
        name="payment_confirmation",
    ),
    path("ho-so/<str:code>/bo-sung/", dossier_views.supplement_dossier, name="supplement"),
    path("ho-so/<str:code>/rut/", dossier_views.withdraw_dossier, name="withdraw"),
    path("ho-so/<str:code>/thu-gom/", dossier_views.ask_collection, name="ask_collection"),
    path("ho-so/<str:code>/mau-<str:number>.pdf", dossier_views.dossier_form, name="dossier_form"),
    path("dang-nhap/", accounts_views.sign_in, name="sign_in"),
    path("dang-ky/", accounts_views.sign_up, name="sign_up"),
    path("xac-minh/", accounts_views.verify_contacts, name="verify"),
    path("dang-xuat/", accounts_views.sign_out, name="sign_out"),
]
