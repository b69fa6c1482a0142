"""What a dossier owes: the procedure version's fees and charges for its channel, declared
quantities and claimed exemptions (issue 5 §1). Pure: no writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError

from motcua.catalog.models import FeeUnit, ProcedureVersion
from motcua.catalog.services import fee_amount


@dataclass(frozen=True)
class FeeLine:
    fee_id: int
    name: str
    kind: str  # "phi" or "le_phi"
    unit: str
    quantity: int
    amount: int  # đồng, after the online price, tiers and cap
    exempt_reason: str = ""  # claimed by the applicant; the amount is then 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Assessed:
    lines: tuple[FeeLine, ...]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


def assess(
    version: ProcedureVersion,
    *,
    online: bool,
    quantities: Mapping[str, int] | None = None,
    exemptions: Mapping[str, str] | None = None,
) -> Assessed:
    """Each fee of ``version`` for this dossier. ``quantities``: pages or copies per fee id
    (default 1; a per-dossier fee is always 1). ``exemptions``: fee id → the applicant's
    reason (e.g. "Người có công với cách mạng"), which the officer checks at reception.

    Raises ``ValidationError`` (Vietnamese) for a quantity below 1 or a fee id that is not
    one of this version's."""
    quantities = dict(quantities or {})
    exemptions = {k: v.strip() for k, v in (exemptions or {}).items() if v and v.strip()}
    fees = list(version.fees.all())
    known = {str(f.pk) for f in fees}
    unknown = (set(quantities) | set(exemptions)) - known
    if unknown:
        raise ValidationError(f"Khoản phí không thuộc thủ tục này: {', '.join(sorted(unknown))}.")
    lines = []
    for fee in fees:
        key = str(fee.pk)
        quantity = 1 if fee.unit == FeeUnit.DOSSIER else int(quantities.get(key, 1))
        if quantity < 1:
            raise ValidationError(f"Số lượng của “{fee.name}” phải từ 1 trở lên.")
        reason = exemptions.get(key, "")
        amount = 0 if reason else fee_amount(fee, quantity=quantity, online=online)
        lines.append(
            FeeLine(fee.pk, fee.name, fee.kind, fee.unit, quantity, amount, exempt_reason=reason)
        )
    return Assessed(tuple(lines))
