"""Payment gateways behind one contract (DESIGN: Plugins behind a registry).

A gateway starts a payment (the address to send the payer's browser to), reads the
browser's return (display only: it never changes state), answers the gateway's server
notification and queries an attempt's status (reconciliation). ``payments.services`` is the
only caller and the only writer; a gateway only speaks its protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from motcua.core.plugins import Registry

if TYPE_CHECKING:
    from motcua.payments.models import Payment


class GatewayUnavailable(Exception):
    """The gateway did not answer, or answered something unusable: try again later."""


@dataclass(frozen=True)
class Outcome:
    """What the gateway says happened to one attempt, its signature checked."""

    reference: str  # our attempt's reference (vnp_TxnRef)
    amount: int  # đồng
    paid: bool
    final: bool = True  # False: still pending at the gateway
    transaction: str = ""  # the gateway's own transaction number
    bank_code: str = ""
    response_code: str = ""
    paid_at: datetime | None = None
    raw: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    """A server-to-server notification as received: the answer to send back is decided by
    ``payments.services.handle_notification`` with the gateway's help."""

    params: Mapping[str, str]
    ip: str


class Gateway(Protocol):
    name: str
    label: str  # what the payer sees on the pay button

    @property
    def configured(self) -> bool:
        """Whether its settings are filled in (a gateway left empty is not offered)."""

    def start_payment(self, payment: Payment, *, return_url: str, ip: str, locale: str) -> str:
        """The signed address of the gateway's payment page for this attempt."""

    def read_return(self, params: Mapping[str, str]) -> Outcome | None:
        """The browser's return, for display; None when the signature is wrong."""

    def answer_notification(
        self, notification: Notification, record: Callable[[Outcome], str]
    ) -> dict:
        """Check the notification in the protocol's order and call ``record`` (which returns
        one of "00" recorded, "01" unknown, "02" already settled, "04" amount differs) when
        it is genuine; the body to answer with."""

    def query(self, payment: Payment) -> Outcome | None:
        """Ask the gateway about an attempt; None if it has no such transaction. Raises
        ``GatewayUnavailable``."""


REGISTRY: Registry[Gateway] = Registry(
    "payment gateway", "motcua.payments.gateways.vnpay", "motcua.payments.gateways.paygov"
)
register, get, names = REGISTRY.register, REGISTRY.get, REGISTRY.names


def available() -> list[Gateway]:
    """The gateways a payer may choose, VNPAY first (the default)."""
    found = [gateway for name in names() if (gateway := get(name)).configured]
    return sorted(found, key=lambda gateway: gateway.name != "vnpay")
