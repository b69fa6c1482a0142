"""Catalog services: the one write path for procedure versions, and the questions citizens ask
of the catalog (what is the limit here, when would I get the result, what does it cost)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    F,
    Prefetch,
    QuerySet,
)
from django.utils import timezone

from motcua.core.calendar import DueDate, Limit, LimitKind, OfficeHours, compute_due

from . import search
from .models import (
    Agency,
    Field,
    Procedure,
    ProcedureAgency,
    ProcedureFee,
    ProcedureVersion,
    ProcessStep,
    VersionStatus,
)
from .search import ProcedureSummary

# --- publishing ---------------------------------------------------------------------------


def check_publishable(version: ProcedureVersion) -> list[str]:
    """What stops a version from being published, in Vietnamese; empty when it can be."""
    problems = []
    if not version.documents.exists():
        problems.append("Chưa có thành phần hồ sơ.")
    if not version.tiers.exists():
        problems.append("Chưa chọn cấp thực hiện.")
    if (
        version.effective_to
        and version.effective_from
        and version.effective_to < version.effective_from
    ):
        problems.append("Ngày hết hiệu lực đứng trước ngày có hiệu lực.")
    budgets = sum(s.budget_hours for s in version.steps.all() if s.agency_id is None)
    try:
        limit = version.limit
    except ValueError as exc:
        return [*problems, str(exc)]
    if limit and budgets > limit_in_hours(limit):
        problems.append(
            f"Tổng thời gian các bước ({budgets} giờ) vượt thời hạn giải quyết "
            f"({limit_in_hours(limit)} giờ làm việc)."
        )
    return problems


def limit_in_hours(limit: Limit, hours_per_day: int = 8) -> int:
    """Working hours a limit allows for the internal steps (a same-day limit: one day)."""
    if limit.kind == LimitKind.WORKING_HOURS:
        return limit.value
    if limit.kind == LimitKind.WORKING_DAYS:
        return limit.value * hours_per_day
    return hours_per_day


def publish_version(version: ProcedureVersion) -> ProcedureVersion:
    """Publish a draft: the previous published version retires; dossiers keep theirs."""
    with transaction.atomic():
        version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != VersionStatus.DRAFT:
            raise ValidationError("Chỉ công bố được phiên bản đang ở trạng thái dự thảo.")
        problems = check_publishable(version)
        if problems:
            raise ValidationError(problems)
        procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
        ProcedureVersion.objects.filter(procedure=procedure, status=VersionStatus.PUBLISHED).update(
            status=VersionStatus.RETIRED
        )
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.save(update_fields=["status", "published_at", "updated_at"])
        procedure.current_version = version
        procedure.save(update_fields=["current_version", "search_text", "updated_at"])
    return version


def retire_version(version: ProcedureVersion) -> ProcedureVersion:
    """Withdraw a published version: the procedure leaves the public catalog."""
    with transaction.atomic():
        version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != VersionStatus.PUBLISHED:
            raise ValidationError("Chỉ thu hồi được phiên bản đang công bố.")
        version.status = VersionStatus.RETIRED
        version.save(update_fields=["status", "updated_at"])
        procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
        procedure.current_version = None
        procedure.save(update_fields=["current_version", "search_text", "updated_at"])
    return version


def draft_next_version(version: ProcedureVersion) -> ProcedureVersion:
    """A new draft copied from ``version``: documents keep their keys across versions."""
    with transaction.atomic():
        last = (
            ProcedureVersion.objects.select_for_update()
            .filter(procedure_id=version.procedure_id)
            .order_by("-number")
            .first()
        )
        tiers = list(version.tiers.all())
        documents = list(version.documents.all())
        fees = list(version.fees.all())
        steps = list(version.steps.all())
        links = list(version.agency_links.all())
        draft = ProcedureVersion.objects.get(pk=version.pk)
        draft.pk = None
        draft.number = last.number + 1
        draft.status = VersionStatus.DRAFT
        draft.published_at = None
        draft.save()
        draft.tiers.set(tiers)
        for collection in (documents, fees, steps, links):
            for item in collection:
                item.pk = None
                item.version = draft
                item.save()
    return draft


# --- limits, processes and expected dates -------------------------------------------------


def agency_link(version: ProcedureVersion, agency: Agency) -> ProcedureAgency | None:
    for link in version.agency_links.all():
        if link.agency_id == agency.pk:
            return link
    return None


def limit_at(version: ProcedureVersion, agency: Agency | None) -> Limit | None:
    """The limit in force at ``agency``: its own shorter limit when it set one."""
    if agency is not None:
        link = agency_link(version, agency)
        if link is not None and link.limit is not None:
            return link.limit
    return version.limit


def steps_at(version: ProcedureVersion, agency: Agency | None) -> list[ProcessStep]:
    """The agency's own approved process where it has one, else the template."""
    steps = list(version.steps.all())
    if agency is not None:
        own = [s for s in steps if s.agency_id == agency.pk]
        if own:
            return sorted(own, key=lambda s: s.order)
    return sorted((s for s in steps if s.agency_id is None), key=lambda s: s.order)


def default_receiver(version: ProcedureVersion) -> Agency | None:
    links = list(version.agency_links.all())
    for link in links:
        if link.is_default_receiver:
            return link.agency
    return links[0].agency if links else None


def expected_due(
    version: ProcedureVersion, agency: Agency | None, received_at: datetime | None = None
) -> DueDate | None:
    """When a dossier received now at ``agency``'s counter would be due, or None if the limit
    is not published."""
    limit = limit_at(version, agency)
    if limit is None:
        return None
    hours = agency.office_hours() if agency is not None else OfficeHours.default()
    return compute_due(received_at or timezone.now(), limit, hours)


# --- fees -----------------------------------------------------------------------------------


def fee_amount(fee: ProcedureFee, *, quantity: int = 1, online: bool = False) -> int:
    """The amount of one fee line for ``quantity`` units (pages, copies or 1 dossier).

    Tiered per-page fees (certified copy: 2,000 đ a page, 1,000 đ from page 3, at most
    200,000 đ a copy) use ``subsequent_from``/``subsequent_amount``. The cap bounds the line
    computed here: for a per-page fee the caller asks once per copy, with that copy's pages.
    """
    if quantity < 1:
        raise ValidationError("Số lượng phải từ 1 trở lên.")
    unit_price = fee.online_amount if online and fee.online_amount is not None else fee.amount
    if (
        fee.subsequent_from
        and fee.subsequent_amount is not None
        and quantity >= fee.subsequent_from
    ):
        first = fee.subsequent_from - 1
        total = first * unit_price + (quantity - first) * fee.subsequent_amount
    else:
        total = quantity * unit_price
    if fee.cap is not None:
        total = min(total, fee.cap)
    return total


# --- search ---------------------------------------------------------------------------------


def published_procedures() -> QuerySet[Procedure]:
    return Procedure.objects.filter(current_version__isnull=False).select_related(
        "field", "current_version"
    )


@dataclass(frozen=True)
class SearchPage:
    count: int
    items: list[ProcedureSummary]


def search_page(
    q: str | None = None,
    *,
    field: str | None = None,
    agency: str | None = None,
    tier: str | None = None,
    level: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Published procedures matching every folded word of ``q`` (diacritics and case ignored)
    and the filters: the whole phrase at the start of the name first, then anywhere in it,
    then the rest; among equals the most viewed, then by code. One page and the total."""
    agency_ids = None
    if agency:
        agency_ids = set(Agency.objects.filter(code=agency).values_list("id", flat=True))
    found = search.current_index().search(
        q, field=field, agency_ids=agency_ids, tier=tier, level=level
    )
    return SearchPage(count=len(found), items=[e.summary for e in found[offset : offset + limit]])


def fields_in_use() -> list[Field]:
    """Fields with published procedures, each with ``n``, its number of them, by name."""
    counts = search.current_index().count_by_field()
    fields = [f for f in Field.objects.filter(code__in=counts).order_by("name")]
    for f in fields:
        f.n = counts[f.code]
    return fields


def search_procedures(q: str | None = None, **filters: str | None) -> list[ProcedureSummary]:
    """Every match of ``search_page``, in order."""
    return search_page(q, **filters, limit=10**9).items


def procedure_for_page(code: str) -> Procedure:
    """A published procedure with everything its page shows, in a fixed number of queries."""
    version_qs = ProcedureVersion.objects.select_related("competent_agency").prefetch_related(
        "documents",
        "fees",
        "tiers",
        "steps",
        Prefetch(
            "agency_links",
            queryset=ProcedureAgency.objects.select_related("agency", "agency__tier").order_by(
                "-is_default_receiver", "agency__code"
            ),
        ),
    )
    return (
        published_procedures()
        .prefetch_related(Prefetch("current_version", queryset=version_qs))
        .get(code=code)
    )


def count_view(procedure: Procedure) -> None:
    Procedure.objects.filter(pk=procedure.pk).update(view_count=F("view_count") + 1)
    search.note_view(procedure.pk)


@dataclass(frozen=True)
class CatalogFigures:
    procedures: int
    by_level: dict[str, int]
    agencies: int
    receiving_agencies: int


def catalog_figures() -> CatalogFigures:
    """The figures on the portal's home page: published procedures by online level, agencies."""
    by_level = dict(
        Procedure.objects.filter(current_version__isnull=False)
        .values_list("current_version__online_level")
        .annotate(n=Count("id"))
        .order_by()
    )
    agencies = Agency.objects.filter(is_active=True)
    return CatalogFigures(
        procedures=sum(by_level.values()),
        by_level=by_level,
        agencies=agencies.count(),
        receiving_agencies=agencies.filter(receives_dossiers=True).count(),
    )
