"""The catalog as JSON (format ``motcua-catalog/1``, docs/catalog-format.md): export, and an
import that validates everything first and then writes in one transaction.

Published versions are immutable (a dossier keeps the version it was filed under): an import
never changes them. A version number that is new is created; one that exists as a draft is
replaced; one that exists published or retired is left as it is and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PField
from pydantic import ValidationError as PydanticError

from motcua.core.calendar import MAX_LIMIT_DAYS, MAX_LIMIT_HOURS, Limit, LimitKind
from motcua.core.text import nfc_tree
from motcua.core.validation import describe_errors

from . import services
from .models import (
    TIERS,
    Agency,
    AgencyKind,
    Field,
    Procedure,
    ProcedureAgency,
    ProcedureDocument,
    ProcedureFee,
    ProcedureVersion,
    ProcessStep,
    Tier,
    VersionStatus,
    agency_code_validator,
)

FORMAT = "motcua-catalog/1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LimitIn(_Strict):
    kind: Literal["working_days", "working_hours", "same_day"]
    value: int = PField(ge=0, le=MAX_LIMIT_HOURS)
    note: str = ""

    @model_validator(mode="after")
    def value_fits_kind(self) -> LimitIn:
        if self.kind != "same_day":
            Limit(LimitKind(self.kind), self.value)  # raises ValueError in Vietnamese
        if self.kind == "working_days" and self.value > MAX_LIMIT_DAYS:
            raise ValueError(f"thời hạn tối đa {MAX_LIMIT_DAYS} ngày làm việc")
        return self


class BlankFormIn(_Strict):
    name: str
    reference: str = ""
    url: str = ""


class DocumentIn(_Strict):
    key: str = PField(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)
    name: str
    kind: Literal["original", "certified_copy", "copy", "presented"]
    copies: int = PField(ge=0, default=1)
    required: bool = True
    blank_form: BlankFormIn | None = None
    data_store: bool = False
    note: str = ""


class FeeIn(_Strict):
    kind: Literal["phi", "le_phi"]
    name: str
    amount: int = PField(ge=0)
    online_amount: int | None = PField(ge=0, default=None)
    unit: Literal["dossier", "page", "copy"] = "dossier"
    subsequent_from: int | None = PField(ge=2, default=None)
    subsequent_amount: int | None = PField(ge=0, default=None)
    cap: int | None = PField(ge=0, default=None)
    exemptions: str = ""


class StepIn(_Strict):
    order: int = PField(ge=1)
    name: str
    agency_role: Literal["receiving", "competent", "people_committee", "consulted"]
    officer_role: Literal["one_stop_officer", "specialist", "leader"]
    budget_hours: int = PField(ge=0)
    description: str = ""
    agency: str | None = None


class ReceiverIn(_Strict):
    agency: str
    default: bool = False
    limit: LimitIn | None = None


class VersionIn(_Strict):
    number: int = PField(ge=1)
    status: Literal["draft", "published", "retired"] = "published"
    tiers: list[str] = PField(min_length=1)
    competent_agency: str | None = None
    competent_authority: str = ""
    online_level: Literal["full", "partial", "info"]
    legacy_level: int | None = PField(ge=1, le=4, default=None)
    limit: LimitIn | None = None
    how_to_apply: str = ""
    requirements: str = ""
    result: str = ""
    legal_basis: list[str] = []
    announcing_decision: str = ""
    effective_from: date | None = None
    effective_to: date | None = None
    verified: bool = False
    source: str = ""
    notes: str = ""
    documents: list[DocumentIn] = []
    fees: list[FeeIn] = []
    # Which step waits for the fees (catalog.PaymentDue).
    payment_due: Literal["none", "processing", "return"] = "none"
    steps: list[StepIn] = []
    form_schema: dict[str, Any] | None = None
    receiving_agencies: list[ReceiverIn] | None = None


class ProcedureIn(_Strict):
    code: str = PField(pattern=r"^\d\.\d{6}$")
    name: str
    field: str
    versions: list[VersionIn] = PField(min_length=1)


class FieldIn(_Strict):
    code: str
    name: str
    name_en: str = ""


class CatalogIn(_Strict):
    format: Literal["motcua-catalog/1"]
    province: int | None = None  # the exporting province (statistics office code)
    fields: list[FieldIn] = []
    procedures: list[ProcedureIn] = []


@dataclass
class ImportReport:
    fields: int = 0
    procedures_created: int = 0
    versions_created: int = 0
    drafts_replaced: int = 0
    versions_kept: list[str] = field(default_factory=list)
    published: int = 0

    def summary(self) -> str:
        return (
            f"{self.fields} lĩnh vực, {self.procedures_created} thủ tục mới, "
            f"{self.versions_created} phiên bản mới, {self.drafts_replaced} dự thảo thay thế, "
            f"{len(self.versions_kept)} phiên bản đã công bố giữ nguyên, "
            f"{self.published} phiên bản được công bố"
        )


def parse_catalog(data: Any) -> CatalogIn:
    """Validate a catalog document; errors in Vietnamese with the path of each problem."""
    try:
        catalog = CatalogIn.model_validate(nfc_tree(data))
    except PydanticError as exc:
        problems = describe_errors(exc.errors())
        raise ValidationError(["Tệp danh mục không hợp lệ:", *problems]) from exc
    codes = [p.code for p in catalog.procedures]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValidationError(f"Mã thủ tục lặp lại: {', '.join(duplicates)}")
    declared = {f.code for f in catalog.fields}
    for procedure in catalog.procedures:
        if (
            procedure.field not in declared
            and not Field.objects.filter(code=procedure.field).exists()
        ):
            raise ValidationError(
                f"Thủ tục {procedure.code}: lĩnh vực “{procedure.field}” chưa khai báo."
            )
        for version in procedure.versions:
            keys = [d.key for d in version.documents]
            if len(keys) != len(set(keys)):
                raise ValidationError(f"Thủ tục {procedure.code}: mã giấy tờ lặp lại.")
    return catalog


class _AgencyResolver:
    """Turns ``competent_agency`` (an identifier code or a function key) into agencies."""

    def __init__(self) -> None:
        self.by_code = {a.code: a for a in Agency.objects.select_related("tier")}
        self.by_function: dict[str, Agency] = {}
        for agency in self.by_code.values():
            if agency.function and agency.function not in self.by_function:
                self.by_function[agency.function] = agency
        self.tiers = {t.code: t for t in Tier.objects.all()}

    def agency(self, ref: str | None, where: str) -> Agency | None:
        if not ref:
            return None
        try:
            agency_code_validator(ref)
        except ValidationError:
            found = self.by_function.get(ref)
        else:
            found = self.by_code.get(ref)
        if found is None:
            raise ValidationError(f"{where}: không tìm thấy cơ quan “{ref}”.")
        return found

    def default_receivers(self, version: VersionIn) -> list[tuple[Agency, bool]]:
        """Counters of the province that receive this version when the file names none:
        the provincial service centre for provincial procedures, every commune's desk for
        commune procedures (DESIGN: any counter of the province may receive)."""
        result: list[tuple[Agency, bool]] = []
        receivers = [a for a in self.by_code.values() if a.receives_dossiers and a.is_active]
        if "province" in version.tiers or "central" in version.tiers:
            centres = [a for a in receivers if a.kind == AgencyKind.SERVICE_CENTRE]
            result += [(a, i == 0) for i, a in enumerate(sorted(centres, key=lambda a: a.code))]
        if "commune" in version.tiers or "district" in version.tiers:
            wanted = {"commune", "district"} & set(version.tiers)
            desks = sorted(
                (
                    a
                    for a in receivers
                    if a.tier.code in wanted and a.kind != AgencyKind.SERVICE_CENTRE
                ),
                key=lambda a: a.code,
            )
            has_default = bool(result)
            result += [(a, not has_default and i == 0) for i, a in enumerate(desks)]
        return result


def ensure_tiers() -> None:
    """The tiers rows (a migration adds them; a test database flush removes them)."""
    for code, name, name_en, order in TIERS:
        Tier.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )


def import_catalog(data: Any, *, publish: bool = True) -> ImportReport:
    catalog = parse_catalog(data)
    report = ImportReport()
    with transaction.atomic():
        ensure_tiers()
        resolver = _AgencyResolver()
        for f in catalog.fields:
            Field.objects.update_or_create(
                code=f.code, defaults={"name": f.name, "name_en": f.name_en}
            )
            report.fields += 1
        fields = {f.code: f for f in Field.objects.all()}
        for item in catalog.procedures:
            procedure = Procedure.objects.filter(code=item.code).first()
            if procedure is None:
                procedure = Procedure(code=item.code)
                report.procedures_created += 1
            procedure.name = item.name
            procedure.field = fields[item.field]
            procedure.save()
            existing = {v.number: v for v in procedure.versions.all()}
            to_retire = []
            for version_in in sorted(item.versions, key=lambda v: v.number):
                where = f"Thủ tục {item.code} phiên bản {version_in.number}"
                current = existing.get(version_in.number)
                if current is not None and current.status != VersionStatus.DRAFT:
                    report.versions_kept.append(f"{item.code} v{version_in.number}")
                    continue
                if current is not None:
                    current.delete()
                    report.drafts_replaced += 1
                else:
                    report.versions_created += 1
                version = _create_version(procedure, version_in, resolver, where)
                if publish and version_in.status in ("published", "retired"):
                    # Publishing in number order retires the earlier ones as it goes.
                    services.publish_version(version)
                    report.published += version_in.status == "published"
                    if version_in.status == "retired":
                        to_retire.append(version)
            for version in to_retire:
                version.refresh_from_db()
                if version.status == VersionStatus.PUBLISHED:
                    services.retire_version(version)
    return report


def _create_version(
    procedure: Procedure, data: VersionIn, resolver: _AgencyResolver, where: str
) -> ProcedureVersion:
    limit = data.limit
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=data.number,
        competent_authority=data.competent_authority,
        competent_agency=resolver.agency(data.competent_agency, where),
        online_level=data.online_level,
        legacy_level=data.legacy_level,
        payment_due=data.payment_due,
        limit_kind=LimitKind(limit.kind) if limit else None,
        limit_value=limit.value if limit else 0,
        limit_note=limit.note if limit else "",
        how_to_apply=data.how_to_apply,
        requirements=data.requirements,
        result=data.result,
        legal_basis=data.legal_basis,
        announcing_decision=data.announcing_decision,
        effective_from=data.effective_from,
        effective_to=data.effective_to,
        verified=data.verified,
        source=data.source,
        notes=data.notes,
        form_schema=data.form_schema,
    )
    unknown = [t for t in data.tiers if t not in resolver.tiers]
    if unknown:
        raise ValidationError(f"{where}: cấp “{', '.join(unknown)}” không tồn tại.")
    version.tiers.set([resolver.tiers[t] for t in data.tiers])
    ProcedureDocument.objects.bulk_create(
        ProcedureDocument(
            version=version,
            order=i,
            key=d.key,
            name=d.name,
            kind=d.kind,
            copies=d.copies,
            required=d.required,
            blank_form_name=d.blank_form.name if d.blank_form else "",
            blank_form_reference=d.blank_form.reference if d.blank_form else "",
            blank_form_url=d.blank_form.url if d.blank_form else "",
            data_store=d.data_store,
            note=d.note,
        )
        for i, d in enumerate(data.documents)
    )
    ProcedureFee.objects.bulk_create(
        ProcedureFee(version=version, order=i, **f.model_dump()) for i, f in enumerate(data.fees)
    )
    ProcessStep.objects.bulk_create(
        ProcessStep(
            version=version,
            agency=resolver.agency(s.agency, where),
            order=s.order,
            name=s.name,
            agency_role=s.agency_role,
            officer_role=s.officer_role,
            budget_hours=s.budget_hours,
            description=s.description,
        )
        for s in data.steps
    )
    if data.receiving_agencies is not None:
        receivers = [
            (resolver.agency(r.agency, where), r.default, r.limit) for r in data.receiving_agencies
        ]
    else:
        receivers = [(a, default, None) for a, default in resolver.default_receivers(data)]
    ProcedureAgency.objects.bulk_create(
        ProcedureAgency(
            version=version,
            agency=agency,
            is_default_receiver=default,
            limit_kind=limit.kind if limit else None,
            limit_value=limit.value if limit else None,
        )
        for agency, default, limit in receivers
    )
    return version


def export_catalog() -> dict[str, Any]:
    """Every field and procedure with all its versions, in the import format."""
    procedures = Procedure.objects.select_related("field").prefetch_related(
        "versions__documents",
        "versions__fees",
        "versions__steps__agency",
        "versions__tiers",
        "versions__agency_links__agency",
        "versions__competent_agency",
    )
    return {
        "format": FORMAT,
        "province": settings.MOTCUA["PROVINCE_CODE"],
        "fields": [
            {"code": f.code, "name": f.name, "name_en": f.name_en} for f in Field.objects.all()
        ],
        "procedures": [
            {
                "code": p.code,
                "name": p.name,
                "field": p.field.code,
                "versions": [
                    _export_version(v) for v in sorted(p.versions.all(), key=lambda v: v.number)
                ],
            }
            for p in procedures
        ],
    }


def _export_version(v: ProcedureVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "status": v.status,
        "tiers": [t.code for t in v.tiers.all()],
        "competent_agency": v.competent_agency.code if v.competent_agency else None,
        "competent_authority": v.competent_authority,
        "online_level": v.online_level,
        "legacy_level": v.legacy_level,
        "payment_due": v.payment_due,
        "limit": (
            {"kind": v.limit_kind, "value": v.limit_value, "note": v.limit_note}
            if v.limit_kind
            else None
        ),
        "how_to_apply": v.how_to_apply,
        "requirements": v.requirements,
        "result": v.result,
        "legal_basis": v.legal_basis,
        "announcing_decision": v.announcing_decision,
        "effective_from": v.effective_from.isoformat() if v.effective_from else None,
        "effective_to": v.effective_to.isoformat() if v.effective_to else None,
        "verified": v.verified,
        "source": v.source,
        "notes": v.notes,
        "documents": [document_out(d) for d in v.documents.all()],
        "fees": [fee_out(f) for f in v.fees.all()],
        "steps": [step_out(s) for s in v.steps.all()],
        "form_schema": v.form_schema,
        "receiving_agencies": [
            {
                "agency": link.agency.code,
                "default": link.is_default_receiver,
                "limit": (
                    {"kind": link.limit_kind, "value": link.limit_value or 0, "note": ""}
                    if link.limit_kind
                    else None
                ),
            }
            for link in v.agency_links.all()
        ],
    }


def document_out(d: ProcedureDocument) -> dict[str, Any]:
    return {
        "key": d.key,
        "name": d.name,
        "kind": d.kind,
        "copies": d.copies,
        "required": d.required,
        "blank_form": (
            {
                "name": d.blank_form_name,
                "reference": d.blank_form_reference,
                "url": d.blank_form_url,
            }
            if d.blank_form_name
            else None
        ),
        "data_store": d.data_store,
        "note": d.note,
    }


def fee_out(f: ProcedureFee) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "name": f.name,
        "amount": f.amount,
        "online_amount": f.online_amount,
        "unit": f.unit,
        "subsequent_from": f.subsequent_from,
        "subsequent_amount": f.subsequent_amount,
        "cap": f.cap,
        "exemptions": f.exemptions,
    }


def step_out(s: ProcessStep) -> dict[str, Any]:
    return {
        "order": s.order,
        "name": s.name,
        "agency_role": s.agency_role,
        "officer_role": s.officer_role,
        "budget_hours": s.budget_hours,
        "description": s.description,
        "agency": s.agency.code if s.agency else None,
    }
