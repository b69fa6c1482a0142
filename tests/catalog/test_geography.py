"""Administrative units copied from ``vietnam-provinces`` (DESIGN: Geography, Stack)."""

import pytest

from motcua.catalog.geography import data_version, load_units
from motcua.catalog.models import AdministrativeUnit, UnitLevel, UnitSystem


@pytest.mark.django_db
def test_load_units_copies_the_current_and_legacy_units_once_with_their_version():
    written = load_units()

    units = AdministrativeUnit.objects
    current = units.filter(system=UnitSystem.CURRENT)
    legacy = units.filter(system=UnitSystem.LEGACY)
    assert current.filter(level=UnitLevel.PROVINCE).count() == 34
    assert current.filter(level=UnitLevel.COMMUNE).count() == 3321
    assert current.filter(level=UnitLevel.DISTRICT).count() == 0
    assert legacy.filter(level=UnitLevel.PROVINCE).count() == 63
    assert legacy.filter(level=UnitLevel.DISTRICT).exists()
    assert written == units.count()

    version = data_version()
    assert version.startswith("vietnam-provinces ")
    assert set(units.values_list("data_version", flat=True)) == {version}

    # Every current commune hangs under a current province; HCMC (79) is one of them.
    assert not current.filter(level=UnitLevel.COMMUNE, parent__isnull=True).exists()
    assert not current.filter(level=UnitLevel.COMMUNE, parent__system=UnitSystem.LEGACY).exists()
    hcmc = current.get(level=UnitLevel.PROVINCE, code=79)
    assert hcmc.name_folded == "thanh pho ho chi minh"
    assert hcmc.children.count() > 100

    assert load_units() == 0
    assert units.count() == written
