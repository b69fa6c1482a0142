"""Plain factory functions that build valid catalog objects for the tests.

Procedure versions are published through ``catalog.services.publish_version``, never by
setting their status by hand (DESIGN: one write path).
"""

from __future__ import annotations

import copy
import itertools
from datetime import time
from typing import Any

from motcua.catalog import services
from motcua.catalog.models import (
    AdministrativeUnit,
    Agency,
    AgencyKind,
    Field,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureDocument,
    ProcedureFee,
    ProcedureVersion,
    ProcessStep,
    Tier,
    UnitLevel,
    UnitSystem,
)
from motcua.core.calendar import Limit, LimitKind

_serial = itertools.count(1)


def _next() -> int:
    return next(_serial)


def make_tier(code: str = "province") -> Tier:
    """One of the tiers that migration catalog 0002 created: central, province, district,
    commune."""
    return Tier.objects.get(code=code)


def make_unit(
    *,
    code: int | None = None,
    name: str | None = None,
    level: int = UnitLevel.PROVINCE,
    system: str = UnitSystem.CURRENT,
    parent: AdministrativeUnit | None = None,
    division_type: str = "Thành phố Trung ương",
) -> AdministrativeUnit:
    n = _next()
    code = code if code is not None else 90000 + n
    return AdministrativeUnit.objects.create(
        system=system,
        level=level,
        code=code,
        name=name or f"Đơn vị thử {n}",
        division_type=division_type,
        codename=f"don_vi_thu_{n}",
        parent=parent,
        data_version="tests",
    )


def make_demo_units() -> None:
    """HCMC and the demo's communes, named as vietnam-provinces names them: enough for
    ``load_demo_agencies`` without loading all 14,000 units."""
    from vietnam_provinces import Province, Ward

    from motcua.catalog.demo import COMMUNES, HCMC

    city_data = Province.from_code(HCMC)
    city = make_unit(code=HCMC, name=city_data.name, level=UnitLevel.PROVINCE)
    for ward in Ward.iter_by_province(HCMC):
        if int(ward.code) in COMMUNES:
            make_unit(
                code=int(ward.code),
                name=ward.name,
                level=UnitLevel.COMMUNE,
                parent=city,
                division_type=str(ward.division_type),
            )


def agency_code(n: int | None = None) -> str:
    """A valid identifier code ``XXX.XX.XX.XXX`` (Decision 20/2020/QĐ-TTg), unique per call."""
    n = _next() if n is None else n
    return f"T{n // 10000 % 100:02d}.{n // 100 % 100:02d}.{n % 100:02d}.T99"


def make_agency(
    code: str | None = None,
    *,
    name: str | None = None,
    short_name: str = "",
    kind: str = AgencyKind.SERVICE_CENTRE,
    tier: str | Tier = "province",
    receives: bool = True,
    function: str = "",
    parent: Agency | None = None,
    unit: AdministrativeUnit | None = None,
    hours: tuple[tuple[time, time], tuple[time, time]] | None = None,
    cutoff: time | None = None,
    is_active: bool = True,
    **extra: Any,
) -> Agency:
    code = code or agency_code()
    tier_obj = tier if isinstance(tier, Tier) else make_tier(tier)
    agency = Agency(
        code=code,
        name=name or f"Cơ quan thử {code}",
        short_name=short_name,
        kind=kind,
        tier=tier_obj,
        receives_dossiers=receives,
        function=function,
        parent=parent,
        unit=unit,
        is_active=is_active,
        **extra,
    )
    if hours is not None:
        (
            (agency.morning_open, agency.morning_close),
            (
                agency.afternoon_open,
                agency.afternoon_close,
            ),
        ) = hours
    if cutoff is not None:
        agency.same_day_cutoff = cutoff
    agency.full_clean()
    agency.save()
    return agency


def make_field(code: str | None = None, *, name: str | None = None, name_en: str = "") -> Field:
    n = _next()
    return Field.objects.create(
        code=code or f"linh-vuc-{n}", name=name or f"Lĩnh vực thử {n}", name_en=name_en
    )


_procedure_serial = itertools.count(1)


def procedure_code() -> str:
    """A valid national code ``d.dddddd`` in a range no real procedure of the demo uses."""
    return f"9.{900000 + next(_procedure_serial):06d}"


DEFAULT_DOCUMENT = {
    "key": "to-khai",
    "name": "Tờ khai theo mẫu",
    "kind": "original",
    "copies": 1,
    "required": True,
}


def make_procedure(
    code: str | None = None,
    *,
    name: str | None = None,
    field: Field | None = None,
    limit: Limit | None = None,
    documents: list[dict[str, Any]] | None = None,
    fees: list[dict[str, Any]] | None = None,
    steps: list[dict[str, Any]] | None = None,
    receivers: list[Agency | dict[str, Any]] | None = None,
    tiers: list[str] | None = None,
    publish: bool = True,
    online_level: str = OnlineLevel.PARTIAL,
    competent_agency: Agency | None = None,
    number: int = 1,
    procedure: Procedure | None = None,
    **version_fields: Any,
) -> ProcedureVersion:
    """A procedure with one version (or a new version of ``procedure``), published through
    ``publish_version`` unless ``publish=False``. Returns the version.

    ``documents``/``fees``/``steps`` are lists of model field dicts (a sensible document is
    added when ``documents`` is None; pass ``[]`` for none). ``receivers`` are agencies or
    dicts ``{"agency": a, "default": True, "limit": Limit(...)}``; the first agency given as
    a bare agency is the default receiver.
    """
    if procedure is None:
        procedure = Procedure(
            code=code or procedure_code(),
            name=name or "Thủ tục thử nghiệm",
            field=field or make_field(),
        )
        procedure.full_clean(exclude=["current_version"])
        procedure.save()
    limit = limit if limit is not None else Limit(LimitKind.WORKING_DAYS, 5)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        online_level=online_level,
        limit_kind=limit.kind,
        limit_value=limit.value,
        competent_agency=competent_agency,
        **version_fields,
    )
    version.tiers.set([make_tier(t) for t in (tiers or ["province"])])
    for i, doc in enumerate([DEFAULT_DOCUMENT] if documents is None else documents):
        ProcedureDocument.objects.create(version=version, order=i, **copy.deepcopy(doc))
    for i, fee in enumerate(fees or []):
        ProcedureFee.objects.create(version=version, order=i, **fee)
    for step in steps or []:
        ProcessStep.objects.create(version=version, **step)
    for i, receiver in enumerate(receivers or []):
        spec = receiver if isinstance(receiver, dict) else {"agency": receiver, "default": i == 0}
        own = spec.get("limit")
        ProcedureAgency.objects.create(
            version=version,
            agency=spec["agency"],
            is_default_receiver=spec.get("default", False),
            limit_kind=own.kind if own else None,
            limit_value=own.value if own else None,
        )
    if publish:
        version = services.publish_version(version)
    return version


def step(order: int, budget_hours: int, **fields: Any) -> dict[str, Any]:
    """A process step dict for ``make_procedure(steps=[...])``."""
    return {
        "order": order,
        "name": fields.pop("name", f"Bước {order}"),
        "agency_role": fields.pop("agency_role", "competent"),
        "officer_role": fields.pop("officer_role", "specialist"),
        "budget_hours": budget_hours,
        **fields,
    }


CERTIFIED_COPY_FEE = {
    "kind": "le_phi",
    "name": "Phí chứng thực bản sao từ bản chính",
    "amount": 2000,
    "unit": "page",
    "subsequent_from": 3,
    "subsequent_amount": 1000,
    "cap": 200000,
    "exemptions": "",
}


# --- catalog documents (format motcua-catalog/1) -------------------------------------------


def catalog_version(number: int = 1, **overrides: Any) -> dict[str, Any]:
    version: dict[str, Any] = {
        "number": number,
        "status": "published",
        "tiers": ["province"],
        "online_level": "partial",
        "limit": {"kind": "working_days", "value": 5, "note": ""},
        "documents": [
            {"key": "to-khai", "name": "Tờ khai theo mẫu", "kind": "original", "copies": 1},
            {
                "key": "giay-to-tuy-than",
                "name": "Giấy tờ tùy thân",
                "kind": "presented",
                "copies": 1,
            },
        ],
        "fees": [
            {"kind": "le_phi", "name": "Lệ phí", "amount": 50000, "online_amount": 25000},
        ],
        "steps": [
            {
                "order": 1,
                "name": "Tiếp nhận hồ sơ",
                "agency_role": "receiving",
                "officer_role": "one_stop_officer",
                "budget_hours": 4,
            },
            {
                "order": 2,
                "name": "Thẩm định",
                "agency_role": "competent",
                "officer_role": "specialist",
                "budget_hours": 24,
            },
        ],
    }
    version.update(overrides)
    return version


def catalog_procedure(
    code: str = "1.000001",
    name: str = "Thủ tục thử nghiệm",
    field: str = "ho-tich",
    versions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {"code": code, "name": name, "field": field, "versions": versions or [catalog_version()]}


def catalog_document(
    procedures: list[dict[str, Any]] | None = None,
    fields: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A valid ``motcua-catalog/1`` document: the field ``ho-tich`` and one procedure unless
    told otherwise."""
    return {
        "format": "motcua-catalog/1",
        "fields": (
            fields
            if fields is not None
            else [{"code": "ho-tich", "name": "Hộ tịch", "name_en": "Civil status"}]
        ),
        "procedures": procedures if procedures is not None else [catalog_procedure()],
    }
