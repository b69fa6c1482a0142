"""A small world for dossier tests: a commune desk X receiving, a department handling, a
desk Y elsewhere, two citizens and officers with roles — all through the real services."""

import io
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from motcua.accounts import services as accounts
from motcua.accounts.models import Role
from motcua.catalog.models import AgencyKind
from motcua.core.calendar import Limit, LimitKind
from motcua.documents.services import store_upload
from motcua.dossiers import services
from motcua.dossiers.events import Context
from tests.documents.samples import pdf
from tests.factories import make_agency, make_procedure

User = get_user_model()


@dataclass
class World:
    desk_x: object
    desk_y: object
    department: object
    version: object
    citizen: object
    other_citizen: object
    one_stop: object
    one_stop_y: object
    specialist: object
    leader: object

    def upload(self, owner, name="to-khai.pdf"):
        return store_upload(io.BytesIO(pdf()), name=name, owner=owner, uploaded_by=owner)

    def file(self, citizen=None, **overrides):
        citizen = citizen or self.citizen
        sub = services.Submission(
            version=self.version,
            delivery=overrides.pop("delivery", "counter"),
            agency=overrides.pop("agency", self.desk_x),
            files=overrides.pop("files", {"to-khai": [self.upload(citizen)]}),
            **overrides,
        )
        return services.submit(sub, ctx=Context(by=citizen))

    def ctx(self, user):
        return Context(by=user, ip="127.0.0.1", request_id="test")


@pytest.fixture
def world(db):
    desk_x = make_agency(kind=AgencyKind.ONE_STOP_DESK, tier="commune", name="Một cửa X")
    desk_y = make_agency(kind=AgencyKind.ONE_STOP_DESK, tier="commune", name="Một cửa Y")
    department = make_agency(kind=AgencyKind.DEPARTMENT, receives=False, name="Sở thử")
    version = make_procedure(
        code="1.000001",
        name="Thủ tục thử",
        limit=Limit(LimitKind.WORKING_DAYS, 3),
        receivers=[desk_x, desk_y],
        competent_agency=department,
    )

    def person(username, **extra):
        return User.objects.create_user(username, password="mat-khau-2026", **extra)

    world = World(
        desk_x=desk_x,
        desk_y=desk_y,
        department=department,
        version=version,
        citizen=person(
            "an", full_name="Nguyễn Văn An", email="an@example.vn", phone="+84901234567"
        ),
        other_citizen=person("binh", full_name="Trần Thị Bình"),
        one_stop=person("motcua"),
        one_stop_y=person("motcua2"),
        specialist=person("chuyenvien"),
        leader=person("lanhdao"),
    )
    accounts.grant_role(world.one_stop, Role.ONE_STOP_OFFICER, desk_x)
    accounts.grant_role(world.one_stop_y, Role.ONE_STOP_OFFICER, desk_y)
    accounts.grant_role(world.specialist, Role.SPECIALIST, department)
    accounts.grant_role(world.leader, Role.LEADER, department)
    return world
