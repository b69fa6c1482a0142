"""Legal e-receipts for fees and charges (*biên lai thu phí, lệ phí điện tử*, Decree 123/2020
and Circular 78/2021) behind one contract (DESIGN: Payment; Plugins behind a registry).

Our own paper is only a payment confirmation (``payments.confirmation``); the legal receipt is
issued by a provider registered with the tax authority, through a plugin. An issuer takes a
request for one paid payment (``ReceiptRequest``: template and symbol, collecting agency,
payer, fee lines, total, payment method, our reference) and answers the receipt it issued
(``IssuedReceipt``: number, symbol, issue date, lookup code and address). It deduplicates on
our reference, so asking again answers the same receipt. ``payments.receipts.services`` is the
only caller and the only writer of ``payments.Receipt``; an issuer only speaks its protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from motcua.core.plugins import Registry


class IssuerUnavailable(Exception):
    """The provider did not answer, or answered something unusable: try again later."""


class IssuerRefused(Exception):
    """The provider refused the receipt for good (a wrong signature, an unregistered symbol,
    the same reference with another content): an operator has to look."""


@dataclass(frozen=True)
class FeeItem:
    name: str
    kind: Literal["phi", "le_phi"]  # phí (a fee) or lệ phí (a charge)
    amount: int  # đồng


@dataclass(frozen=True)
class Collector:
    """The collecting organisation (*tổ chức thu phí, lệ phí*) as registered with the tax
    authority and the provider."""

    name: str
    tax_code: str


@dataclass(frozen=True)
class Payer:
    name: str
    address: str = ""
    id_number: str = ""  # a person's 12-digit personal identification number
    tax_code: str = ""  # an organisation's tax code


@dataclass(frozen=True)
class ReceiptRequest:
    reference: str  # ours (Payment.reference): the provider deduplicates on it
    template: str  # ký hiệu mẫu biên lai, e.g. "01BLP0-001"
    symbol: str  # ký hiệu biên lai, e.g. "AA-26E"
    collector: Collector
    payer: Payer
    items: tuple[FeeItem, ...]
    total: int  # đồng; the sum of the items
    method: Literal["TM", "CK"]  # tiền mặt (cash) or chuyển khoản (transfer, online)
    paid_at: datetime
    note: str = ""  # e.g. "Hồ sơ 000.00.00.H29-260311-0001"


@dataclass(frozen=True)
class IssuedReceipt:
    reference: str
    template: str
    symbol: str
    number: str  # 7 digits, sequential per template and symbol
    issued_at: datetime
    lookup_code: str  # what the payer types on the provider's look-up page
    lookup_url: str
    pdf_url: str = ""


class ReceiptIssuer(Protocol):
    name: str

    def issue(self, request: ReceiptRequest) -> IssuedReceipt:
        """Issue the receipt of one paid payment; the same ``request.reference`` again answers
        the same receipt. Raises ``IssuerUnavailable`` (retry) or ``IssuerRefused``."""

    def lookup(self, reference: str) -> IssuedReceipt | None:
        """The receipt issued for our ``reference``, or None if the provider has none.
        Raises ``IssuerUnavailable``."""


REGISTRY: Registry[ReceiptIssuer] = Registry("e-receipt issuer", "motcua.payments.receipts.http")
register, get, names = REGISTRY.register, REGISTRY.get, REGISTRY.names
