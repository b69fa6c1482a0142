"""The workflow world (tests/workflow/conftest.py) seen through the officers' pages."""

import pytest
from django.test import Client

from tests.workflow.conftest import clock, flow, world  # noqa: F401


@pytest.fixture
def client_for(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
