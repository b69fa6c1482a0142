"""The OpenAPI 3.1 description of /api/v1 and its committed copy, docs/api/openapi.json."""

import json
from pathlib import Path

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def dump(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def test_the_schema_is_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["version"] == "1"
    assert {
        "/api/v1/procedures",
        "/api/v1/procedures/{code}",
        "/api/v1/agencies",
        "/api/v1/fields",
        "/api/v1/calendar/due-date",
    } <= set(schema["paths"])


def test_the_docs_page_answers(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_the_committed_schema_matches_the_live_one(client):
    live = dump(client.get("/api/v1/openapi.json").json())
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert committed == live, (
        "docs/api/openapi.json differs from the live schema of /api/v1/openapi.json. "
        "If the API change is intended, regenerate it with `make openapi` and commit it."
    )
