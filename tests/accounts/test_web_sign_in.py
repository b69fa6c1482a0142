import pytest
from django.test import override_settings

from motcua.accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_citizen_signs_up_on_the_portal_and_is_signed_in(client):
    response = client.post(
        "/dang-ky/",
        {
            "full_name": "Nguyễn Văn An",
            "phone": "0901234567",
            "email": "",
            "date_of_birth": "12/05/1990",
            "id_number": "079090001234",
            "password": "mat-khau-du-dai-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(phone="+84901234567")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_up_errors_are_shown_next_to_their_fields_in_vietnamese(client):
    response = client.post(
        "/dang-ky/",
        {
            "full_name": "An",
            "phone": "123",
            "date_of_birth": "12/05/1990",
            "id_number": "079290001234",
            "password": "mat-khau-du-dai-2026",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Số điện thoại không hợp lệ." in page
    assert "năm sinh 2090" in page
    assert not User.objects.exists()


def test_sign_in_with_phone_then_sign_out(client):
    User.objects.create_user("+84901234567", phone="+84901234567", password="mat-khau-2026")
    response = client.post(
        "/dang-nhap/",
        {"identifier": "0901 234 567", "password": "mat-khau-2026", "next": "/thu-tuc/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/thu-tuc/"
    assert client.post("/dang-xuat/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_sign_in_never_redirects_to_another_site(client):
    User.objects.create_user("an", password="mat-khau-2026")
    response = client.post(
        "/dang-nhap/",
        {"identifier": "an", "password": "mat-khau-2026", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


@override_settings(
    MOTCUA={
        "SIGNIN_FREE_ATTEMPTS": 1,
        "SIGNIN_BASE_DELAY_SECONDS": 30,
        "SIGNIN_MAX_DELAY_SECONDS": 60,
        "API_TOKEN_HOURS": 24,
    }
)
def test_the_web_sign_in_is_throttled_like_the_api(client):
    User.objects.create_user("an", password="mat-khau-2026")
    assert client.post("/dang-nhap/", {"identifier": "an", "password": "sai"}).status_code == 401
    response = client.post("/dang-nhap/", {"identifier": "an", "password": "mat-khau-2026"})
    assert response.status_code == 429
    assert "thử lại sau" in response.content.decode()
