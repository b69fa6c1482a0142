"""The demo: Ho Chi Minh City's agency tree (after the July 2025 merger with Bình Dương and
Bà Rịa–Vũng Tàu) and the demo catalog.

Only ``000.00.00.H29`` (HCMC People's Committee) is a real electronic identifier code; the other
codes follow the structure of Decision 20/2020/QĐ-TTg but are illustrative. Departments are
those the seed articles name, under their 2025 names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from django.db import transaction

from .interchange import ImportReport, ensure_tiers, import_catalog
from .models import AdministrativeUnit, Agency, AgencyKind, Tier, UnitLevel, UnitSystem

CATALOG_FILE = Path(__file__).parent / "data" / "catalog.json"
HCMC = 79


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name: str
    short_name: str
    kind: str
    function: str = ""
    receives: bool = False
    address: str = ""
    phone: str = ""


CITY = DemoAgency(
    "000.00.00.H29",
    "Ủy ban nhân dân Thành phố Hồ Chí Minh",
    "UBND Thành phố",
    AgencyKind.PEOPLES_COMMITTEE,
    "people_committee",
    address="86 Lê Thánh Tôn, Phường Sài Gòn",
)
SERVICE_CENTRE = DemoAgency(
    "000.00.21.H29",
    "Trung tâm Phục vụ hành chính công Thành phố Hồ Chí Minh",
    "Trung tâm Phục vụ hành chính công",
    AgencyKind.SERVICE_CENTRE,
    "service_centre",
    True,
    "Phường Sài Gòn, Thành phố Hồ Chí Minh",
    "028 1022",
)
DEPARTMENTS = [
    DemoAgency(
        "000.00.01.H29", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT", AgencyKind.DEPARTMENT, "education"
    ),
    DemoAgency(
        "000.00.02.H29", "Sở Công Thương", "Sở Công Thương", AgencyKind.DEPARTMENT, "industry_trade"
    ),
    DemoAgency(
        "000.00.03.H29", "Sở Xây dựng", "Sở Xây dựng", AgencyKind.DEPARTMENT, "construction"
    ),
    DemoAgency("000.00.04.H29", "Sở Tài chính", "Sở Tài chính", AgencyKind.DEPARTMENT, "finance"),
    DemoAgency(
        "000.00.05.H29",
        "Sở Khoa học và Công nghệ",
        "Sở KH&CN",
        AgencyKind.DEPARTMENT,
        "science_technology",
    ),
    DemoAgency("000.00.06.H29", "Sở Y tế", "Sở Y tế", AgencyKind.DEPARTMENT, "health"),
    DemoAgency(
        "000.00.07.H29",
        "Sở Văn hóa và Thể thao",
        "Sở VH&TT",
        AgencyKind.DEPARTMENT,
        "culture_sports",
    ),
    DemoAgency("000.00.08.H29", "Sở Nội vụ", "Sở Nội vụ", AgencyKind.DEPARTMENT, "home_affairs"),
    DemoAgency("000.00.09.H29", "Sở Tư pháp", "Sở Tư pháp", AgencyKind.DEPARTMENT, "justice"),
    DemoAgency(
        "000.00.10.H29",
        "Sở Nông nghiệp và Môi trường",
        "Sở NN&MT",
        AgencyKind.DEPARTMENT,
        "agriculture_environment",
    ),
    DemoAgency(
        "000.00.11.H29",
        "Sở Quy hoạch – Kiến trúc",
        "Sở QH-KT",
        AgencyKind.DEPARTMENT,
        "planning_architecture",
    ),
    DemoAgency("000.00.12.H29", "Sở Du lịch", "Sở Du lịch", AgencyKind.DEPARTMENT, "tourism"),
]
VERTICAL = [
    DemoAgency(
        "000.00.31.H29",
        "Công an Thành phố Hồ Chí Minh",
        "Công an Thành phố",
        AgencyKind.VERTICAL,
        "police",
        True,
    ),
    DemoAgency(
        "000.00.32.H29",
        "Thuế Thành phố Hồ Chí Minh",
        "Thuế Thành phố",
        AgencyKind.VERTICAL,
        "tax",
        True,
    ),
    DemoAgency(
        "000.00.33.H29",
        "Bảo hiểm xã hội Thành phố Hồ Chí Minh",
        "BHXH Thành phố",
        AgencyKind.VERTICAL,
        "social_insurance",
        True,
    ),
]
# Wards, communes and the special zone of Côn Đảo, by statistics office code.
COMMUNES = [
    26740,
    26743,
    26737,
    26758,
    27154,
    27139,
    27343,
    26824,
    26884,
    26929,
    27004,
    27073,
    26968,
    27316,
    26800,
    25747,
    25942,
    26506,
    26526,
    27553,
    27559,
    27637,
    27655,
    27664,
    26732,
]


def _office_hours(agency: Agency, *, saturday: bool) -> None:
    agency.morning_open, agency.morning_close = time(7, 30), time(11, 30)
    agency.afternoon_open, agency.afternoon_close = time(13, 0), time(17, 0)
    agency.same_day_cutoff = time(15, 0)
    agency.saturday_reception = saturday


def load_demo_agencies() -> int:
    """Upsert the HCMC agency tree by identifier code; returns the number of agencies."""
    ensure_tiers()
    tiers = {t.code: t for t in Tier.objects.all()}
    units = AdministrativeUnit.objects.filter(system=UnitSystem.CURRENT)
    city_unit = units.get(level=UnitLevel.PROVINCE, code=HCMC)
    communes = {u.code: u for u in units.filter(level=UnitLevel.COMMUNE, code__in=COMMUNES)}
    count = 0

    def put(
        spec: DemoAgency,
        tier: str,
        parent: Agency | None,
        unit: AdministrativeUnit,
        saturday: bool = False,
    ) -> Agency:
        nonlocal count
        agency = Agency.objects.filter(code=spec.code).first() or Agency(code=spec.code)
        agency.name, agency.short_name, agency.kind = spec.name, spec.short_name, spec.kind
        agency.function, agency.receives_dossiers = spec.function, spec.receives
        agency.tier, agency.parent, agency.unit = tiers[tier], parent, unit
        agency.address, agency.phone = spec.address, spec.phone
        _office_hours(agency, saturday=saturday)
        agency.save()
        count += 1
        return agency

    with transaction.atomic():
        city = put(CITY, "province", None, city_unit)
        put(SERVICE_CENTRE, "province", city, city_unit, saturday=True)
        for spec in DEPARTMENTS:
            put(spec, "province", city, city_unit)
        for spec in VERTICAL:
            put(spec, "province", None, city_unit)
        for i, code in enumerate(COMMUNES, start=51):
            unit = communes[code]
            committee = put(
                DemoAgency(
                    f"000.00.{i:02d}.H29",
                    f"Ủy ban nhân dân {unit.name}",
                    f"UBND {unit.name}",
                    AgencyKind.PEOPLES_COMMITTEE,
                    "commune_committee",
                    address=f"{unit.name}, Thành phố Hồ Chí Minh",
                ),
                "commune",
                city,
                unit,
            )
            put(
                DemoAgency(
                    f"000.01.{i:02d}.H29",
                    f"Bộ phận Một cửa {unit.name}",
                    f"Một cửa {unit.name}",
                    AgencyKind.ONE_STOP_DESK,
                    "",
                    True,
                    address=f"Trụ sở UBND {unit.name}",
                ),
                "commune",
                committee,
                unit,
                saturday=True,
            )
    return count


def load_demo_catalog() -> ImportReport:
    with CATALOG_FILE.open(encoding="utf-8") as handle:
        return import_catalog(json.load(handle))
