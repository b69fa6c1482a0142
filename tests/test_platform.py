"""The platform around the domain: health probes, NFC input, structured logs, timing headers,
deployment checks and the language of each URL."""

import json
import logging
import os
import secrets
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from motcua.core.logging import JsonFormatter
from tests.factories import make_field, make_procedure

ROOT = Path(__file__).resolve().parents[1]
NFC = "Đăng ký khai sinh"
NFD = unicodedata.normalize("NFD", NFC)


# A view that shows what reached it, through the project's whole middleware stack (the NFC
# tests use this module as their URLconf).
@csrf_exempt
def echo(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "get": {k: request.GET.getlist(k) for k in request.GET},
            "post": {k: request.POST.getlist(k) for k in request.POST},
            "body": request.body.decode() if request.content_type == "application/json" else "",
        }
    )


urlpatterns = [path("echo", echo)]


# --- health probes --------------------------------------------------------------------------


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ok_when_every_migration_is_applied(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_unavailable_while_a_migration_is_pending(client):
    # Forget, inside the test's transaction, that the last catalog migration was applied.
    (last,) = [name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == "catalog"]
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = %s AND name = %s", ["catalog", last]
        )
        assert cursor.rowcount == 1

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "pending_migrations": [f"catalog.{last}"],
    }


# --- every input is NFC ---------------------------------------------------------------------


@pytest.mark.urls("tests.test_platform")
def test_a_decomposed_query_string_reaches_the_view_composed(client):
    body = client.get("/echo", {"q": NFD, NFD: "x"}).json()
    assert body["get"] == {"q": [NFC], NFC: ["x"]}


@pytest.mark.urls("tests.test_platform")
def test_a_decomposed_urlencoded_form_reaches_the_view_composed(client):
    body = client.post(
        "/echo", f"name={NFD}&name=a", content_type="application/x-www-form-urlencoded"
    ).json()
    assert body["post"] == {"name": [NFC, "a"]}


@pytest.mark.urls("tests.test_platform")
def test_a_decomposed_multipart_form_reaches_the_view_composed(client):
    body = client.post("/echo", {"name": NFD}).json()  # the test client's default: multipart
    assert body["post"] == {"name": [NFC]}


@pytest.mark.urls("tests.test_platform")
def test_a_decomposed_json_body_reaches_the_view_composed(client):
    raw = json.dumps({"name": NFD}, ensure_ascii=False).encode()  # as JSON.stringify sends it
    body = client.post("/echo", raw, content_type="application/json").json()
    assert json.loads(body["body"]) == {"name": NFC}
    assert unicodedata.is_normalized("NFC", body["body"])


@pytest.mark.urls("tests.test_platform")
def test_a_decomposed_json_body_with_unicode_escapes_reaches_the_view_composed(client):
    raw = json.dumps({"name": NFD})  # ensure_ascii: "\\u0110a\\u0306ng ..."
    assert raw.isascii()
    body = client.post("/echo", raw, content_type="application/json").json()
    assert json.loads(body["body"]) == {"name": NFC}


@pytest.mark.django_db
def test_a_decomposed_search_finds_the_procedure(client):
    make_procedure(code="1.001193", name="Thủ tục đăng ký khai sinh", field=make_field())
    query = unicodedata.normalize("NFD", "Đăng ký")
    assert not unicodedata.is_normalized("NFC", query)
    body = client.get("/api/v1/procedures", {"q": query}).json()
    assert [item["code"] for item in body["items"]] == ["1.001193"]


# --- logs and timing ------------------------------------------------------------------------


def test_the_json_log_formatter_writes_one_object_with_the_extras():
    logger = logging.getLogger("motcua.tests")
    record = logger.makeRecord(
        "motcua.tests",
        logging.INFO,
        __file__,
        1,
        "hồ sơ %s đã tiếp nhận",
        ("000.00.21.H29-260309-0001",),
        None,
        extra={"dossier": "000.00.21.H29-260309-0001", "duration_ms": 12.5, "path": Path("/x")},
    )
    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "motcua.tests"
    assert entry["message"] == "hồ sơ 000.00.21.H29-260309-0001 đã tiếp nhận"
    assert entry["dossier"] == "000.00.21.H29-260309-0001"
    assert entry["duration_ms"] == 12.5
    assert entry["path"] == "/x"  # not JSON-native: written as text
    assert entry["time"].endswith("+00:00")
    assert "args" not in entry and "msg" not in entry
    assert "hồ sơ" in line  # Vietnamese stays readable (ensure_ascii=False)


def test_the_json_log_formatter_includes_the_exception():
    try:
        raise RuntimeError("hỏng")
    except RuntimeError:
        record = logging.getLogger("motcua.tests").makeRecord(
            "motcua.tests", logging.ERROR, __file__, 1, "lỗi", (), sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert "RuntimeError: hỏng" in entry["exception"]


def test_every_response_has_a_server_timing_header(client):
    response = client.get("/healthz")
    name, _, duration = response["Server-Timing"].partition(";dur=")
    assert name == "app"
    assert float(duration) >= 0


# --- production settings --------------------------------------------------------------------


def test_check_deploy_is_clean_with_the_production_profile(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "MOTCUA_PROFILE": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "dichvucong.example.vn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "MOTCUA_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_production_profile_refuses_to_start_without_a_secret_key(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "MOTCUA_PROFILE": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "MOTCUA_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


# --- languages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_portal_is_vietnamese_without_a_prefix_and_english_under_en(client):
    vietnamese = client.get("/")
    assert vietnamese.status_code == 200
    assert b'<html lang="vi"' in vietnamese.content

    english = client.get("/en/")
    assert english.status_code == 200
    assert b'<html lang="en"' in english.content


@pytest.mark.django_db
def test_the_api_is_outside_the_language_prefixes(client):
    assert client.get("/api/v1/procedures").status_code == 200
    assert client.get("/en/api/v1/procedures").status_code == 404


def test_a_forged_client_address_never_breaks_an_audit_row(rf):
    from motcua.core.http import client_ip

    assert client_ip(rf.get("/", HTTP_X_REAL_IP="not-an-ip", REMOTE_ADDR="10.1.2.3")) == "10.1.2.3"
    assert client_ip(rf.get("/", HTTP_X_REAL_IP="2001:db8::1")) == "2001:db8::1"
    assert client_ip(rf.get("/", REMOTE_ADDR="")) == ""
