"""Public pages of the portal. Views parse the request, ask catalog services, render."""

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from motcua.catalog import services
from motcua.catalog.models import Agency, OnlineLevel, Procedure, Tier

PAGE_SIZE = 20


@dataclass(frozen=True)
class ResultPage:
    """One page of search results, with what the pagination links need."""

    number: int
    count: int
    items: list[services.ProcedureSummary]
    size: int = PAGE_SIZE

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10**6 else 1


def _result_page(request: HttpRequest, **filters: str | None) -> ResultPage:
    number = _page_number(request)
    found = services.search_page(**filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    if not found.items and number > 1:  # past the end: show the last page
        number = max(1, -(-found.count // PAGE_SIZE))
        found = services.search_page(**filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return ResultPage(number=number, count=found.count, items=found.items)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "fields": services.fields_in_use(),
            "most_viewed": services.search_page(limit=8).items,
            "figures": services.catalog_figures(),
            "levels": OnlineLevel,
        },
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    params = {
        key: request.GET.get(key, "").strip() for key in ("q", "field", "agency", "tier", "level")
    }
    page = _result_page(request, **{key: value or None for key, value in params.items()})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/search.html",
        {
            "params": params,
            "page": page,
            "query_without_page": query.urlencode(),
            "fields": services.fields_in_use(),
            "agencies": Agency.objects.filter(is_active=True, receives_dossiers=True)
            .select_related("tier")
            .order_by("tier__order", "name"),
            "tiers": Tier.objects.filter(code__in=["province", "commune"]),
            "levels": OnlineLevel.choices,
        },
    )


@require_safe
def procedure(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = services.procedure_for_page(code)
    except Procedure.DoesNotExist:
        raise Http404 from None
    version = found.current_version
    receiver = services.default_receiver(version)
    services.count_view(found)
    links = list(version.agency_links.all())
    return render(
        request,
        "portal/procedure.html",
        {
            "procedure": found,
            "version": version,
            "limit": services.limit_at(version, receiver),
            "receiver": receiver,
            "expected": services.expected_due(version, receiver),
            "today": timezone.localdate(),
            "steps": services.steps_at(version, None),
            "provincial_receivers": [
                link for link in links if link.agency.tier.code in ("province", "central")
            ],
            "commune_receivers": [
                link for link in links if link.agency.tier.code in ("commune", "district")
            ],
        },
    )


@require_safe
def agencies(request: HttpRequest) -> HttpResponse:
    tree = Agency.objects.filter(is_active=True).select_related("tier", "unit", "parent")
    return render(
        request,
        "portal/agencies.html",
        {
            "provincial": [a for a in tree if a.tier.code in ("province", "central")],
            "communes": [
                a for a in tree if a.tier.code == "commune" and a.kind == "peoples_committee"
            ],
        },
    )


@require_safe
def agency(request: HttpRequest, code: str) -> HttpResponse:
    found = get_object_or_404(
        Agency.objects.select_related("tier", "unit", "parent"), code=code, is_active=True
    )
    page = _result_page(request, agency=found.code)
    return render(
        request,
        "portal/agency.html",
        {
            "agency": found,
            "children": found.children.filter(is_active=True).order_by("code"),
            "page": page,
            "query_without_page": "",
        },
    )
