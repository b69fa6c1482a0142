"""Serving files: only to those who may see them, sandboxed, and logged for non-owners."""

import io
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.shortcuts import resolve_url
from django.urls import reverse

from motcua.documents import access, services
from motcua.documents.models import FileAccess, StoredFile
from tests.documents import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen_file(citizen) -> StoredFile:
    return services.store_upload(
        io.BytesIO(samples.pdf()),
        name="Giấy khai sinh.pdf",
        owner=citizen,
        uploaded_by=citizen,
    )


@pytest.fixture
def officer_sees_everything(officer):
    def provider(user, stored_file) -> bool:
        return user.pk == officer.pk

    access.register(provider)
    yield provider
    access.unregister(provider)


def url(stored_file: StoredFile, **query) -> str:
    address = reverse("documents:download", args=[stored_file.pk])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_private_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; frame-ancestors 'self'"
    assert response["Cache-Control"] == "private, no-store"


def test_the_download_address_is_tai_lieu_and_the_uuid(citizen_file):
    assert url(citizen_file) == f"/tai-lieu/{citizen_file.pk}/"


def test_the_owner_downloads_the_file_as_a_sandboxed_attachment(client, citizen, citizen_file):
    client.force_login(citizen)
    response = client.get(url(citizen_file))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(citizen_file.size)
    assert response["Content-Disposition"] == (
        'attachment; filename="Giay khai sinh.pdf"; '
        f"filename*=UTF-8''{quote('Giấy khai sinh.pdf', safe='')}"
    )
    assert_private_headers(response)
    assert body(response) == services.path_of(citizen_file).read_bytes()
    assert not FileAccess.objects.exists()  # the owner's own downloads are not logged


def test_another_citizen_gets_404_as_if_the_file_did_not_exist(client, other_citizen, citizen_file):
    client.force_login(other_citizen)
    assert client.get(url(citizen_file)).status_code == 404
    assert client.get(url(citizen_file, inline=1)).status_code == 404
    assert not FileAccess.objects.exists()


def test_an_unknown_file_is_404(client, citizen):
    client.force_login(citizen)
    assert client.get("/tai-lieu/3f2b8f7e-0000-4000-8000-000000000000/").status_code == 404
    assert client.get("/tai-lieu/khong-phai-uuid/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, citizen_file):
    response = client.get(url(citizen_file))
    assert response.status_code == 302
    assert response.url.startswith(resolve_url(django_settings.LOGIN_URL) + "?next=")


def test_only_get_is_allowed(client, citizen, citizen_file):
    client.force_login(citizen)
    assert client.post(url(citizen_file)).status_code == 405


def test_an_officer_granted_by_a_provider_downloads_and_is_logged(
    client, officer, citizen_file, officer_sees_everything
):
    assert services.can_view(officer, citizen_file)
    client.force_login(officer)
    long_agent = "Mozilla/5.0 " + "x" * 400
    response = client.get(url(citizen_file), HTTP_USER_AGENT=long_agent)

    assert response.status_code == 200
    assert_private_headers(response)
    assert body(response) == services.path_of(citizen_file).read_bytes()
    logged = FileAccess.objects.get()
    assert (logged.file, logged.user, logged.action) == (citizen_file, officer, "download")
    assert logged.ip == "127.0.0.1"
    assert logged.user_agent == long_agent[:200]


def test_viewing_inline_is_sandboxed_and_logged_as_a_view(
    client, officer, citizen_file, officer_sees_everything
):
    client.force_login(officer)
    response = client.get(url(citizen_file, inline=1))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('inline; filename="Giay khai sinh.pdf"')
    assert_private_headers(response)
    assert FileAccess.objects.get().action == "view"


def test_the_logged_address_is_the_client_behind_nginx_when_it_is_an_address(
    client, officer, citizen_file, officer_sees_everything
):
    client.force_login(officer)
    client.get(url(citizen_file), HTTP_X_REAL_IP="203.113.1.9")
    client.get(url(citizen_file), HTTP_X_REAL_IP="<script>")
    assert [a.ip for a in FileAccess.objects.order_by("at", "pk")] == ["203.113.1.9", "127.0.0.1"]


def test_without_the_provider_the_officer_sees_nothing(client, officer, citizen_file):
    assert not services.can_view(officer, citizen_file)
    client.force_login(officer)
    assert client.get(url(citizen_file)).status_code == 404


def test_the_uploader_of_a_scan_may_see_it_and_is_logged(client, officer):
    scan = services.store_upload(
        io.BytesIO(samples.pdf()), name="scan.pdf", owner=None, uploaded_by=officer, digitized=True
    )
    client.force_login(officer)
    assert client.get(url(scan)).status_code == 200
    assert FileAccess.objects.get().user == officer


def test_inactive_users_and_purged_files_are_not_served(client, citizen, citizen_file):
    citizen_file.deleted_at = citizen_file.created_at
    citizen_file.save()
    client.force_login(citizen)
    assert client.get(url(citizen_file)).status_code == 404
    citizen.is_active = False
    assert not services.can_view(citizen, citizen_file)
    assert not services.can_view(None, citizen_file)


def test_in_production_nginx_sends_the_bytes_through_x_accel_redirect(
    client, settings, officer, citizen_file, officer_sees_everything
):
    settings.MOTCUA_DOCUMENTS = {
        **settings.MOTCUA_DOCUMENTS,
        "X_ACCEL_REDIRECT_PREFIX": "/_protected/",
    }
    client.force_login(officer)
    response = client.get(url(citizen_file))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_protected/{citizen_file.storage_name}"
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert_private_headers(response)
    assert FileAccess.objects.get().action == "download"


def test_missing_bytes_are_a_404_not_a_crash(client, citizen, citizen_file):
    services.path_of(citizen_file).unlink()
    client.force_login(citizen)
    assert client.get(url(citizen_file)).status_code == 404


def test_a_provider_is_registered_once_and_can_be_removed(officer, citizen_file):
    def provider(user, stored_file) -> bool:
        return True

    assert access.register(provider) is provider
    access.register(provider)
    try:
        assert access.providers().count(provider) == 1
        assert services.can_view(officer, citizen_file)
    finally:
        access.unregister(provider)
    assert provider not in access.providers()
    assert not services.can_view(officer, citizen_file)
