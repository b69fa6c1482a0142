"""Response schemas of /api/v1 (amounts in integer đồng, times ISO 8601 with +07:00)."""

from datetime import date, datetime
from typing import Any

from ninja import Schema


class FieldRef(Schema):
    code: str
    name: str


class LimitOut(Schema):
    kind: str
    value: int
    text: str
    note: str = ""


class ProcedureItem(Schema):
    code: str
    name: str
    field: FieldRef
    level: str
    level_label: str
    legacy_level: int | None
    tiers: list[str]
    limit: LimitOut | None
    url: str


class ProcedurePage(Schema):
    items: list[ProcedureItem]
    count: int


class DocumentOut(Schema):
    id: str
    name: str
    kind: str
    kind_label: str
    copies: int
    required: bool
    blank_form: dict[str, str] | None
    data_store: bool
    note: str


class FeeOut(Schema):
    kind: str
    name: str
    amount: int
    online_amount: int | None
    unit: str
    subsequent_from: int | None
    subsequent_amount: int | None
    cap: int | None
    exemptions: str


class StepOut(Schema):
    order: int
    name: str
    agency_role: str
    officer_role: str
    budget_hours: int
    description: str


class AgencyRef(Schema):
    code: str
    name: str


class ReceivingAgencyOut(AgencyRef):
    default: bool
    limit: LimitOut | None


class ExpectedOut(Schema):
    agency: AgencyRef | None
    counted_from: datetime
    due_at: datetime


class ProcedureDetail(Schema):
    code: str
    name: str
    field: FieldRef
    version: int
    published_at: datetime | None
    level: str
    level_label: str
    legacy_level: int | None
    tiers: list[str]
    competent_authority: str
    competent_agency: AgencyRef | None
    limit: LimitOut | None
    how_to_apply: str
    requirements: str
    result: str
    documents: list[DocumentOut]
    fees: list[FeeOut]
    steps: list[StepOut]
    form_schema: dict[str, Any] | None
    legal_basis: list[str]
    announcing_decision: str
    effective_from: date | None
    effective_to: date | None
    receiving_agencies: list[ReceivingAgencyOut]
    expected_if_received_now: ExpectedOut | None
    verified: bool
    source: str


class UnitOut(Schema):
    code: int
    name: str


class OfficeHoursOut(Schema):
    periods: list[list[str]]
    same_day_cutoff: str
    saturday_reception: bool


class AgencyOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    tier: str
    parent: str | None
    unit: UnitOut | None
    receives_dossiers: bool
    office_hours: OfficeHoursOut
    address: str
    phone: str


class FieldOut(Schema):
    code: str
    name: str
    name_en: str
    procedures: int


class DueDateOut(Schema):
    counted_from: datetime
    due_at: datetime


class ErrorOut(Schema):
    message: str
    detail: str
