"""A dossier's dates across Tết and weekends, with the clock standing still (DESIGN: Deadlines)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from motcua.core.calendar import Limit, LimitKind
from motcua.dossiers import services
from tests.factories import make_procedure

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def at(monkeypatch):
    moment = {"now": None}

    def set_now(*args):
        moment["now"] = datetime(*args, tzinfo=HCM)

    monkeypatch.setattr(timezone, "now", lambda: moment["now"])
    return set_now


def test_received_before_tet_three_working_days_are_due_after_it(world, at):
    at(2026, 2, 12, 10, 0)  # Thursday; Tết off Monday 16 to Friday 20/2/2026
    dossier = services.receive(world.file(), ctx=world.ctx(world.one_stop))
    assert dossier.due_at == datetime(2026, 2, 24, 17, 0, tzinfo=HCM)  # 13/2, 23/2, 24/2


def test_received_on_a_saturday_one_day_is_due_monday(world, at):
    at(2026, 3, 7, 9, 0)  # Saturday morning counter
    world.version = make_procedure(
        code="1.000002", limit=Limit(LimitKind.WORKING_DAYS, 1), receivers=[world.desk_x]
    )
    dossier = services.receive(world.file(), ctx=world.ctx(world.one_stop))
    assert dossier.due_at == datetime(2026, 3, 9, 17, 0, tzinfo=HCM)


def test_a_supplement_during_processing_restarts_the_limit_after_tet(world, at):
    at(2026, 2, 11, 9, 0)
    dossier = services.route(
        services.receive(world.file(), ctx=world.ctx(world.one_stop)), ctx=world.ctx(world.one_stop)
    )
    at(2026, 2, 12, 9, 0)  # asked within 3 working days: not the agency's fault
    dossier = services.request_supplement(
        dossier, ctx=world.ctx(world.specialist), missing=[services.MissingItem("A", "B")]
    )
    at(2026, 2, 13, 16, 0)  # the complete dossier arrives on the Friday before Tết
    dossier = services.supplement(dossier, ctx=world.ctx(world.citizen), files={}, note="x")
    assert not dossier.agency_fault
    assert dossier.due_at == datetime(2026, 2, 25, 17, 0, tzinfo=HCM)  # 23, 24, 25/2
