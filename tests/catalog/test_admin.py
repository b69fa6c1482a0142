"""Operators manage the catalog in the Django admin: lists, the publish action, JSON import and
export (issue 2 §4)."""

import io
import json

import pytest
from django.contrib.auth import get_user_model

from motcua.catalog.models import Procedure, ProcedureVersion, VersionStatus
from tests.factories import catalog_document, catalog_procedure, make_agency, make_procedure


@pytest.fixture
def operator_client(client, db):
    operator = get_user_model().objects.create_superuser("quantri", "q@example.invalid", "x")
    client.force_login(operator)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/quan-tri/catalog/procedure/",
        "/quan-tri/catalog/procedure/?q=khai+sinh",
        "/quan-tri/catalog/procedureversion/",
        "/quan-tri/catalog/agency/",
        "/quan-tri/catalog/administrativeunit/",
        "/quan-tri/catalog/field/",
        "/quan-tri/core/calendaroverride/",
        "/quan-tri/catalog/procedure/import/",
    ],
)
def test_operator_pages_open(operator_client, url):
    make_procedure(name="Thủ tục đăng ký khai sinh")
    assert operator_client.get(url).status_code == 200


def test_published_versions_are_read_only_in_the_admin(operator_client):
    version = make_procedure(name="Thủ tục đăng ký khai sinh")
    page = operator_client.get(f"/quan-tri/catalog/procedureversion/{version.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_the_publish_action_publishes_a_draft_and_retires_the_old_version(operator_client):
    from motcua.catalog import services

    v1 = make_procedure(name="Thủ tục đăng ký khai sinh")
    v2 = services.draft_next_version(v1)
    response = operator_client.post(
        "/quan-tri/catalog/procedureversion/",
        {"action": "publish", "_selected_action": [v2.pk]},
    )
    assert response.status_code == 302
    assert ProcedureVersion.objects.get(pk=v2.pk).status == VersionStatus.PUBLISHED
    assert ProcedureVersion.objects.get(pk=v1.pk).status == VersionStatus.RETIRED


def test_export_downloads_the_catalog_as_json(operator_client):
    make_procedure(code="1.001193", name="Thủ tục đăng ký khai sinh")
    response = operator_client.get("/quan-tri/catalog/procedure/export/")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["format"] == "motcua-catalog/1"
    assert [p["code"] for p in data["procedures"]] == ["1.001193"]


def test_import_page_loads_a_file_and_reports_what_it_did(operator_client):
    make_agency(kind="service_centre", receives=True)
    document = catalog_document(procedures=[catalog_procedure(code="1.000894")])
    upload = io.BytesIO(json.dumps(document, ensure_ascii=False).encode())
    upload.name = "catalog.json"
    response = operator_client.post(
        "/quan-tri/catalog/procedure/import/", {"file": upload}, follow=True
    )
    assert "Đã nhập" in response.content.decode()
    assert Procedure.objects.get(code="1.000894").current_version is not None


def test_a_broken_import_file_changes_nothing_and_says_why(operator_client):
    upload = io.BytesIO(b"{not json")
    upload.name = "catalog.json"
    response = operator_client.post("/quan-tri/catalog/procedure/import/", {"file": upload})
    assert "Tệp không phải JSON hợp lệ." in response.content.decode()
    assert not Procedure.objects.exists()
