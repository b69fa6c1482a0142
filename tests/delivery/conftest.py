"""Dossiers whose result is received by post, on the dossier tests' small world, and the
carrier contract's signing written here on its own (docs/post.md), so a mistake shows."""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

import pytest

from motcua.dossiers import services
from motcua.dossiers.events import Context
from tests.dossiers.conftest import world  # noqa: F401 - the fixture

SECRET = "MOTCUADEMOPOSTSECRET2026"
CUSTOMER = "MOTCUA-DEMO"
CALLBACK = "/post/callback/http"


def spec_headers(body: bytes, *, path: str = CALLBACK, secret: str = SECRET, at=None) -> dict:
    """docs/post.md: hex HMAC-SHA256 over timestamp, method, path and body joined by LF."""
    timestamp = str(int(time.time() if at is None else at))
    text = f"{timestamp}\nPOST\n{path}\n".encode() + body
    return {
        "HTTP_X_POST_TIMESTAMP": timestamp,
        "HTTP_X_POST_SIGNATURE": hmac.new(secret.encode(), text, hashlib.sha256).hexdigest(),
    }


def callback_body(tracking, event_id, status, at="2026-11-24T10:00:00+07:00", reference=""):
    return json.dumps(
        {
            "tracking_number": tracking,
            "reference": reference,
            "event": {"id": event_id, "status": status, "at": at, "location": "Bưu cục"},
        }
    ).encode()


@dataclass
class Posting:
    world: object

    def file(self, *, delivery="post", post_address="12 Lê Lợi, phường Bến Thành, TP.HCM"):
        return self.world.file(delivery=delivery, post_address=post_address)

    def result_ready(self, **kwargs):
        w = self.world
        dossier = self.file(**kwargs)
        dossier = services.receive(dossier, ctx=w.ctx(w.one_stop))
        dossier = services.route(dossier, ctx=w.ctx(w.one_stop))
        return services.result_ready(dossier, ctx=w.ctx(w.leader))

    def ctx(self, user):
        return Context(by=user, ip="127.0.0.1", request_id="test")


@pytest.fixture
def posting(world, settings):  # noqa: F811
    settings.MOTCUA = {
        **settings.MOTCUA,
        "POST": {
            **settings.MOTCUA["POST"],
            "CARRIER": "http",
            "CUSTOMER_CODE": CUSTOMER,
            "SECRET": SECRET,
            "API_URL": "http://post.test/v1",
            "CITIZEN_FEE": 10_000,
            "LIST_PRICE": 26_000,
        },
    }
    return Posting(world)
