import json

import pytest

from motcua.accounts.demo import DEMO_PASSWORD, load_demo_users
from motcua.catalog.demo import CATALOG_FILE, load_demo_agencies
from motcua.catalog.interchange import import_catalog
from tests.factories import make_demo_units

DEMO_CODES = ("1.001193", "2.000815")


@pytest.fixture
def demo(db):
    """HCMC's demo agencies, the demo sign-ins and two real procedures of the demo catalog."""
    make_demo_units()
    load_demo_agencies()
    with CATALOG_FILE.open(encoding="utf-8") as handle:
        catalog = json.load(handle)
    catalog["procedures"] = [p for p in catalog["procedures"] if p["code"] in DEMO_CODES]
    import_catalog(catalog)
    load_demo_users()


@pytest.fixture
def bearer(client, demo):
    def token(username: str) -> dict[str, str]:
        response = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": DEMO_PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return token
