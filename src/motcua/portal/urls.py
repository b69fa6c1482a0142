from django.urls import path

from motcua.portal import accounts_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.search, name="search"),
    path("thu-tuc/<str:code>/", views.procedure, name="procedure"),
    path("co-quan/", views.agencies, name="agencies"),
    path("co-quan/<str:code>/", views.agency, name="agency"),
    path("dang-nhap/", accounts_views.sign_in, name="sign_in"),
    path("dang-ky/", accounts_views.sign_up, name="sign_up"),
    path("dang-xuat/", accounts_views.sign_out, name="sign_out"),
]
