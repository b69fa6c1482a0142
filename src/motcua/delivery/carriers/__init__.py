"""Postal carriers behind one contract (DESIGN: Plugins behind a registry; docs/post.md).

A carrier takes an order (customer code, order number = the dossier code, sender, receiver,
COD amount) and returns its tracking number; it tells the statuses of a shipment when asked
(``track``) and by its own callbacks, which ``read_callback`` authenticates. ``delivery.services``
is the only caller and the only writer; a carrier only speaks its protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from motcua.core.plugins import Registry

if TYPE_CHECKING:
    from motcua.delivery.models import Shipment


class CarrierUnavailable(Exception):
    """The carrier did not answer, or answered something unusable: try again later."""


class CarrierRefused(Exception):
    """The carrier refused the order for good (a bad address, an unknown customer)."""


class CallbackRefused(Exception):
    """A callback that is not the carrier's: a wrong signature, or too old (a replay)."""


@dataclass(frozen=True)
class StatusUpdate:
    """One status of one shipment, as the carrier reported it."""

    tracking_number: str
    event_id: str  # the carrier's id of this event: the same event twice is recorded once
    status: str  # one of models.CARRIER_STATUSES
    at: datetime
    location: str = ""
    note: str = ""
    reference: str = ""  # our reference, when the carrier echoes it


class Carrier(Protocol):
    name: str

    def create_shipment(self, shipment: Shipment) -> str:
        """Place the order; its tracking number. Placing the same ``shipment.reference``
        again answers the same tracking number. Raises ``CarrierUnavailable`` (retry) or
        ``CarrierRefused`` (for good)."""

    def track(self, shipment: Shipment) -> list[StatusUpdate]:
        """Every status of the shipment so far. Raises ``CarrierUnavailable``."""

    def read_callback(self, body: bytes, headers: Mapping[str, str], path: str) -> StatusUpdate:
        """A status callback the carrier POSTed to us, authenticated. Raises
        ``CallbackRefused`` when it is not genuine or not fresh, ``ValueError`` when it
        cannot be read."""


REGISTRY: Registry[Carrier] = Registry("postal carrier", "motcua.delivery.carriers.http")
register, get, names = REGISTRY.register, REGISTRY.get, REGISTRY.names
