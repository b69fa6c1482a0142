"""The dossier world (tests/dossiers/conftest.py) with an internal process: a People's
Committee above the department, a commune office and a tax branch for transfer and
consultation, and a clock that stands still until a test moves it."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from motcua.accounts import services as accounts
from motcua.accounts.models import Role
from motcua.catalog.models import AgencyKind
from motcua.core.calendar import Limit, LimitKind
from motcua.dossiers import services
from tests.dossiers.conftest import World, world  # noqa: F401
from tests.factories import make_agency, make_procedure, step

User = get_user_model()
HCM = ZoneInfo("Asia/Ho_Chi_Minh")

# The procedure's template: reception, appraisal at the competent department, approval by
# the People's Committee, hand-over of the result at the counter.
TEMPLATE = [
    step(1, 2, name="Tiếp nhận hồ sơ", agency_role="receiving", officer_role="one_stop_officer"),
    step(2, 16, name="Thẩm định hồ sơ"),
    step(3, 8, name="Phê duyệt", agency_role="people_committee", officer_role="leader"),
    step(4, 1, name="Trả kết quả", agency_role="receiving", officer_role="one_stop_officer"),
]


@dataclass
class Clock:
    now: datetime

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, *args) -> datetime:
        self.now = datetime(*args, tzinfo=HCM)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Monday 9/3/2026 08:00 in Hồ Chí Minh City, a working day."""
    clock = Clock(datetime(2026, 3, 9, 8, 0, tzinfo=HCM))
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@dataclass
class Flow:
    world: World
    committee: object  # the People's Committee above the department
    commune_office: object  # a commune-tier office, for transfers across tiers
    tax: object  # a vertical agency asked for opinions
    specialist_2: object  # another specialist of the department
    chairman: object  # leader at the committee
    commune_specialist: object
    commune_leader: object
    tax_officer: object

    def __getattr__(self, name):
        return getattr(self.world, name)

    def ctx(self, user):
        return self.world.ctx(user)

    def routed(self, **filing):
        dossier = self.world.file(**filing)
        dossier = services.receive(dossier, ctx=self.ctx(self.one_stop))
        return services.route(dossier, ctx=self.ctx(self.one_stop))


@pytest.fixture
def flow(clock, world):  # noqa: F811 - the fixture imported above
    committee = make_agency(kind=AgencyKind.PEOPLES_COMMITTEE, receives=False, name="UBND tỉnh")
    world.department.parent = committee
    world.department.save()
    commune_office = make_agency(
        kind=AgencyKind.DEPARTMENT, tier="commune", receives=False, name="Phòng Kinh tế xã"
    )
    tax = make_agency(kind=AgencyKind.VERTICAL, receives=False, name="Thuế cơ sở")
    world.version = make_procedure(
        procedure=world.version.procedure,
        number=2,
        limit=Limit(LimitKind.WORKING_DAYS, 5),
        receivers=[world.desk_x, world.desk_y],
        competent_agency=world.department,
        steps=TEMPLATE,
    )

    def officer(username, role, agency):
        user = User.objects.create_user(username, password="mat-khau-2026", full_name=username)
        accounts.grant_role(user, role, agency)
        return user

    return Flow(
        world=world,
        committee=committee,
        commune_office=commune_office,
        tax=tax,
        specialist_2=officer("chuyenvien2", Role.SPECIALIST, world.department),
        chairman=officer("chutich", Role.LEADER, committee),
        commune_specialist=officer("chuyenvienxa", Role.SPECIALIST, commune_office),
        commune_leader=officer("lanhdaoxa", Role.LEADER, commune_office),
        tax_officer=officer("canbothue", Role.SPECIALIST, tax),
    )
