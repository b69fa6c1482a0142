"""Demo sign-ins (issue 3 §7: a contract other systems and checks use). Only `seed_demo`
creates them; never in production. Password for all: ``demo12345``.

Commune X is Phường Sài Gòn, commune Y Phường Tân Định (HCMC demo agencies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from motcua.catalog.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel, UnitSystem

from .models import OfficerRole, Role, User

DEMO_PASSWORD = "demo12345"  # noqa: S105 - the published demo password
COMMUNE_X = 26740  # Phường Sài Gòn
COMMUNE_X_COMMITTEE, COMMUNE_X_DESK = "000.00.51.H29", "000.01.51.H29"
COMMUNE_Y_DESK = "000.01.53.H29"  # Phường Tân Định
SERVICE_CENTRE = "000.00.21.H29"
CITY = "000.00.00.H29"


@dataclass(frozen=True)
class DemoUser:
    username: str
    description: str
    full_name: str
    phone: str | None = None
    email: str | None = None
    date_of_birth: date | None = None
    id_number: str | None = None
    roles: tuple[tuple[str, str], ...] = ()  # (role, agency code); "*competent": see below
    operator: bool = False
    extra: dict = field(default_factory=dict)


COMPETENT = "*competent"  # every agency that handles a demo procedure's steps

DEMO_USERS = [
    DemoUser(
        "congdan",
        "Công dân ở Phường Sài Gòn",
        "Nguyễn Văn An",
        "+84901234567",
        "congdan@demo.motcua.invalid",
        date(1990, 5, 12),
        "079090001234",
    ),
    DemoUser(
        "congdan2",
        "Công dân ở Phường Sài Gòn",
        "Trần Thị Bình",
        "+84912345678",
        "congdan2@demo.motcua.invalid",
        date(1985, 8, 20),
        "079185004321",
    ),
    DemoUser(
        "motcua",
        "Cán bộ một cửa, Trung tâm Phục vụ hành chính công và Phường Sài Gòn",
        "Lê Minh Châu",
        roles=((Role.ONE_STOP_OFFICER, SERVICE_CENTRE), (Role.ONE_STOP_OFFICER, COMMUNE_X_DESK)),
    ),
    DemoUser(
        "motcua2",
        "Cán bộ một cửa, Phường Tân Định",
        "Phạm Thu Dung",
        roles=((Role.ONE_STOP_OFFICER, COMMUNE_Y_DESK),),
    ),
    DemoUser(
        "chuyenvien",
        "Chuyên viên, UBND Phường Sài Gòn và các sở",
        "Hoàng Quốc Em",
        roles=((Role.SPECIALIST, COMMUNE_X_COMMITTEE), (Role.SPECIALIST, COMPETENT)),
    ),
    DemoUser(
        "lanhdao",
        "Lãnh đạo, UBND Phường Sài Gòn và các sở",
        "Võ Thanh Giang",
        roles=((Role.LEADER, COMMUNE_X_COMMITTEE), (Role.LEADER, COMPETENT)),
    ),
    DemoUser(
        "quantri",
        "Quản trị hệ thống — /quan-tri/",
        "Quản trị viên",
        roles=((Role.OPERATOR, CITY),),
        operator=True,
    ),
]


def _competent_agencies() -> list[Agency]:
    kinds = [AgencyKind.DEPARTMENT, AgencyKind.VERTICAL, AgencyKind.PEOPLES_COMMITTEE]
    return list(Agency.objects.filter(kind__in=kinds, tier__code="province"))


def load_demo_users() -> int:
    """Create or refresh the demo sign-ins; returns how many."""
    commune_x = AdministrativeUnit.objects.get(
        system=UnitSystem.CURRENT, level=UnitLevel.COMMUNE, code=COMMUNE_X
    )
    agencies = {a.code: a for a in Agency.objects.all()}
    competent = _competent_agencies()
    with transaction.atomic():
        for spec in DEMO_USERS:
            user = User.objects.filter(username=spec.username).first() or User(
                username=spec.username
            )
            user.full_name = spec.full_name
            user.phone, user.email = spec.phone, spec.email
            user.date_of_birth, user.id_number = spec.date_of_birth, spec.id_number
            if spec.id_number:
                user.address_unit, user.address_line = commune_x, "12 Lê Lợi"
            user.is_staff = user.is_superuser = spec.operator
            user.set_password(DEMO_PASSWORD)
            user.save()
            for role, code in spec.roles:
                targets = competent if code == COMPETENT else [agencies[code]]
                for agency in targets:
                    OfficerRole.objects.update_or_create(
                        user=user, agency=agency, role=role, defaults={"active": True}
                    )
    return len(DEMO_USERS)
