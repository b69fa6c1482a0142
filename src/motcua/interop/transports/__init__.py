"""How we speak to the national portal (issue 6; docs/national-sync.md): one contract, the
transport a plugin. ``interop.services`` and ``interop.status`` are the only callers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from motcua.core.plugins import Registry


class Unavailable(Exception):
    """No usable answer (down, timed out, a 5xx): try again later."""


class Refused(Exception):
    """The other side refused the call for good (a 4xx): an operator must look."""


class NotAuthenticated(Exception):
    """An inbound request that is not signed by a partner of ours, or is stale or replayed."""


class Transport(Protocol):
    name: str

    def authenticate(
        self, *, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> str:
        """The partner code of a genuine, fresh, first-seen inbound request; raises
        ``NotAuthenticated``."""

    def push_status(self, snapshot: dict) -> int:
        """Send one snapshot; the highest sequence the national side holds for the dossier."""

    def acks(self, codes: list[str]) -> dict[str, int]:
        """The highest sequence the national side holds for each of our codes (0: unknown)."""

    def fetch(self, url: str, *, limit: int) -> bytes:
        """A document linked from an inbound dossier, at most ``limit`` bytes."""


REGISTRY: Registry[Transport] = Registry("national transport", "motcua.interop.transports.http")
register, get, names = REGISTRY.register, REGISTRY.get, REGISTRY.names
