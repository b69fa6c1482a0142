"""Administrative units copied from ``vietnam-provinces`` (GPL-3 data) into our own tables with
the data version, so agencies and addresses point at rows we control (DESIGN: Stack)."""

from __future__ import annotations

from django.db import transaction

from motcua.core.text import fold

from .models import AdministrativeUnit, UnitLevel, UnitSystem


def data_version() -> str:
    import vietnam_provinces

    return (
        f"vietnam-provinces {vietnam_provinces.__version__} ({vietnam_provinces.__data_version__})"
    )


def _unit(
    system: str,
    level: int,
    code: int,
    name: str,
    division_type: str,
    codename: str,
    parent: AdministrativeUnit | None,
    version: str,
) -> AdministrativeUnit:
    return AdministrativeUnit(
        system=system,
        level=level,
        code=code,
        name=name,
        division_type=str(division_type),
        codename=codename,
        parent=parent,
        data_version=version,
        name_folded=fold(name),
    )


def load_units(*, force: bool = False) -> int:
    """Load the 34 provinces and 3,321 communes (two-tier, current) and the 63 provinces,
    districts and wards of the three-tier model kept for older data. Returns the rows written;
    0 when this data version is already loaded."""
    from vietnam_provinces import Province, Ward
    from vietnam_provinces.legacy.base import District as LegacyDistrict
    from vietnam_provinces.legacy.base import Province as LegacyProvince
    from vietnam_provinces.legacy.base import Ward as LegacyWard

    version = data_version()
    loaded = AdministrativeUnit.objects.filter(data_version=version)
    if not force and loaded.exists():
        return 0
    with transaction.atomic():
        # Units are referenced by agencies: update in place by natural key, never delete.
        existing = {(u.system, u.level, u.code): u for u in AdministrativeUnit.objects.all()}
        written = 0

        def upsert(batch: list[AdministrativeUnit]) -> dict[int, AdministrativeUnit]:
            nonlocal written
            new, changed = [], []
            for unit in batch:
                old = existing.get((unit.system, unit.level, unit.code))
                if old is None:
                    new.append(unit)
                else:
                    for attr in (
                        "name",
                        "division_type",
                        "codename",
                        "parent",
                        "data_version",
                        "name_folded",
                    ):
                        setattr(old, attr, getattr(unit, attr))
                    changed.append(old)
            AdministrativeUnit.objects.bulk_create(new, batch_size=1000)
            AdministrativeUnit.objects.bulk_update(
                changed,
                ["name", "division_type", "codename", "parent", "data_version", "name_folded"],
                batch_size=1000,
            )
            written += len(new) + len(changed)
            system, level = batch[0].system, batch[0].level
            return {
                u.code: u for u in AdministrativeUnit.objects.filter(system=system, level=level)
            }

        current, legacy = UnitSystem.CURRENT, UnitSystem.LEGACY
        provinces = upsert(
            [
                _unit(
                    current,
                    UnitLevel.PROVINCE,
                    int(p.code),
                    p.name,
                    p.division_type,
                    p.codename,
                    None,
                    version,
                )
                for p in Province.iter_all()
            ]
        )
        upsert(
            [
                _unit(
                    current,
                    UnitLevel.COMMUNE,
                    int(w.code),
                    w.name,
                    w.division_type,
                    w.codename,
                    provinces[int(w.province_code)],
                    version,
                )
                for w in Ward.iter_all()
            ]
        )
        old_provinces = upsert(
            [
                _unit(
                    legacy,
                    UnitLevel.PROVINCE,
                    int(p.code),
                    p.name,
                    p.division_type,
                    p.codename,
                    None,
                    version,
                )
                for p in LegacyProvince.iter_all()
            ]
        )
        districts = upsert(
            [
                _unit(
                    legacy,
                    UnitLevel.DISTRICT,
                    int(d.code),
                    d.name,
                    d.division_type,
                    d.codename,
                    old_provinces[int(d.province_code)],
                    version,
                )
                for d in LegacyDistrict.iter_all()
            ]
        )
        upsert(
            [
                _unit(
                    legacy,
                    UnitLevel.COMMUNE,
                    int(w.code),
                    w.name,
                    w.division_type,
                    w.codename,
                    districts[int(w.district_code)],
                    version,
                )
                for w in LegacyWard.iter_all()
            ]
        )
    return written
