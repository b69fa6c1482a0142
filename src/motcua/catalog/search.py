"""The catalog search index: the published catalog's folded search column held in each worker
process (ADR 0004), so a search costs one cheap freshness query instead of a scan with joins.

Matching is the same as the database's would be: every folded query word must occur in the
folded ``Procedure.search_text`` (DESIGN: Search). The index is rebuilt when the catalog
changes — any publish or retire moves ``Procedure.updated_at`` — and at least every
``POPULARITY_SECONDS`` so the most-viewed order follows other workers' page views; views in
this process count at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max

from motcua.core.calendar import Limit, LimitKind
from motcua.core.text import fold, search_terms

from .models import Procedure, ProcedureAgency, ProcedureVersion

POPULARITY_SECONDS = 60


@dataclass(frozen=True)
class ProcedureSummary:
    """What a result list shows of a procedure."""

    code: str
    name: str
    field_code: str
    field_name: str
    field_name_en: str
    level: str
    legacy_level: int | None
    limit: Limit | None
    limit_note: str
    tiers: tuple[str, ...]

    @classmethod
    def of(cls, procedure: Procedure) -> ProcedureSummary:
        """From a procedure loaded with its field, current version and its tiers."""
        version = procedure.current_version
        return cls(
            code=procedure.code,
            name=procedure.name,
            field_code=procedure.field.code,
            field_name=procedure.field.name,
            field_name_en=procedure.field.name_en,
            level=version.online_level,
            legacy_level=version.legacy_level,
            limit=version.limit,
            limit_note=version.limit_note,
            tiers=tuple(t.code for t in sorted(version.tiers.all(), key=lambda t: t.order)),
        )


@dataclass(frozen=True)
class _Entry:
    id: int
    text: str
    summary: ProcedureSummary
    agency_ids: frozenset[int]


@dataclass
class CatalogIndex:
    stamp: tuple[int, int | None, datetime | None]
    entries: list[_Entry]
    views: dict[int, int]
    built_at: float = field(default_factory=time.monotonic)

    def search(
        self,
        q: str | None,
        *,
        field: str | None,
        agency_ids: set[int] | None,
        tier: str | None,
        level: str | None,
    ) -> list[_Entry]:
        terms = search_terms(q)
        phrase = fold(q)
        found = self.entries
        # One pass per word and per filter: each narrows the list for the next.
        for term in terms:
            found = [e for e in found if term in e.text]
        if field:
            found = [e for e in found if e.summary.field_code == field]
        if agency_ids is not None:
            found = [e for e in found if e.agency_ids & agency_ids]
        if tier:
            found = [e for e in found if tier in e.summary.tiers]
        if level:
            found = [e for e in found if e.summary.level == level]
        found = list(found)

        def rank(e: _Entry) -> tuple:
            closeness = 2
            if terms:
                closeness = 0 if e.text.startswith(phrase) else 1 if phrase in e.text else 2
            return (closeness, -self.views.get(e.id, 0), e.summary.code)

        found.sort(key=rank)
        return found

    def count_by_field(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.entries:
            counts[e.summary.field_code] = counts.get(e.summary.field_code, 0) + 1
        return counts


_lock = threading.Lock()
_index: CatalogIndex | None = None


def catalog_stamp() -> tuple[int, int | None, datetime | None]:
    """Changes whenever a procedure is added, removed, published, retired or renamed."""
    row = Procedure.objects.aggregate(n=Count("id"), last=Max("id"), changed=Max("updated_at"))
    return row["n"], row["last"], row["changed"]


def _build(stamp: tuple) -> CatalogIndex:
    rows = Procedure.objects.filter(current_version__isnull=False).values_list(
        "id",
        "search_text",
        "view_count",
        "current_version_id",
        "current_version__competent_agency_id",
        "code",
        "name",
        "field__code",
        "field__name",
        "field__name_en",
        "current_version__online_level",
        "current_version__legacy_level",
        "current_version__limit_kind",
        "current_version__limit_value",
        "current_version__limit_note",
    )
    rows = list(rows)
    version_ids = [row[3] for row in rows]
    tiers: dict[int, list[str]] = {}
    through = ProcedureVersion.tiers.through.objects.filter(procedureversion_id__in=version_ids)
    for version_id, code in through.order_by("tier__order").values_list(
        "procedureversion_id", "tier__code"
    ):
        tiers.setdefault(version_id, []).append(code)
    agencies: dict[int, set[int]] = {}
    links = ProcedureAgency.objects.filter(version_id__in=version_ids)
    for version_id, agency_id in links.values_list("version_id", "agency_id"):
        agencies.setdefault(version_id, set()).add(agency_id)
    entries = []
    views = {}
    for (
        pk,
        text,
        view_count,
        version_id,
        competent_id,
        code,
        name,
        field_code,
        field_name,
        field_name_en,
        level,
        legacy_level,
        limit_kind,
        limit_value,
        limit_note,
    ) in rows:
        views[pk] = view_count
        linked = agencies.get(version_id, set())
        if competent_id:
            linked = linked | {competent_id}
        summary = ProcedureSummary(
            code=code,
            name=name,
            field_code=field_code,
            field_name=field_name,
            field_name_en=field_name_en,
            level=level,
            legacy_level=legacy_level,
            limit=Limit(LimitKind(limit_kind), limit_value) if limit_kind else None,
            limit_note=limit_note,
            tiers=tuple(tiers.get(version_id, ())),
        )
        entries.append(_Entry(pk, text, summary, frozenset(linked)))
    return CatalogIndex(stamp=stamp, entries=entries, views=views)


def current_index() -> CatalogIndex:
    """The index for the catalog as it is now (one aggregate query when nothing changed)."""
    global _index
    stamp = catalog_stamp()
    index = _index
    if (
        index is None
        or index.stamp != stamp
        or (time.monotonic() - index.built_at > POPULARITY_SECONDS)
    ):
        with _lock:
            if _index is None or _index is index:
                _index = _build(stamp)
            index = _index
    return index


def note_view(procedure_id: int) -> None:
    """This process's index counts a page view at once; other workers within a minute."""
    index = _index
    if index is not None and procedure_id in index.views:
        index.views[procedure_id] += 1
