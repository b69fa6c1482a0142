"""Stored files and their access log are read-only in the admin."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from motcua.documents import services
from motcua.documents.models import FileAccess
from tests.documents import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = get_user_model().objects.create_superuser(
        "quan-tri", email="quan-tri@example.vn", password="mat-khau-2026"
    )
    client.force_login(operator)
    return client


def test_stored_files_are_listed_and_searchable_by_sha256_and_owner(operator_client, citizen):
    stored = services.store_upload(
        io.BytesIO(samples.pdf()), name="Giấy tờ.pdf", owner=citizen, uploaded_by=citizen
    )
    changelist = reverse("admin:documents_storedfile_changelist")
    for term in (stored.sha256, citizen.username):
        response = operator_client.get(changelist, {"q": term})
        assert response.status_code == 200
        assert "Giấy tờ.pdf" in response.content.decode()
    assert "Giấy tờ.pdf" not in operator_client.get(changelist, {"q": "0" * 64}).content.decode()
    detail = operator_client.get(reverse("admin:documents_storedfile_change", args=[stored.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()


def test_nothing_can_be_added_changed_or_deleted(operator_client, citizen):
    stored = services.store_upload(
        io.BytesIO(samples.pdf()), name="a.pdf", owner=citizen, uploaded_by=citizen
    )
    assert operator_client.get(reverse("admin:documents_storedfile_add")).status_code == 403
    delete = reverse("admin:documents_storedfile_delete", args=[stored.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert operator_client.get(reverse("admin:documents_fileaccess_add")).status_code == 403
    response = operator_client.get(reverse("admin:documents_fileaccess_changelist"))
    assert response.status_code == 200
    assert not FileAccess.objects.exists()
