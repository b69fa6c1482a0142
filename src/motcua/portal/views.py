"""Public pages of the portal. Views parse the request, ask catalog services, render."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from motcua.catalog import services
from motcua.catalog.models import Agency, Field, OnlineLevel, Procedure, Tier

PAGE_SIZE = 20


def _fields_with_counts():
    return (
        Field.objects.annotate(
            n=Count("procedures", filter=Q(procedures__current_version__isnull=False))
        )
        .filter(n__gt=0)
        .order_by("name")
    )


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "fields": _fields_with_counts(),
            "most_viewed": services.search_procedures()[:8],
            "figures": services.catalog_figures(),
            "levels": OnlineLevel,
        },
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    params = {
        key: request.GET.get(key, "").strip() for key in ("q", "field", "agency", "tier", "level")
    }
    results = services.search_procedures(
        params["q"],
        field=params["field"] or None,
        agency=params["agency"] or None,
        tier=params["tier"] or None,
        level=params["level"] or None,
    ).prefetch_related("current_version__tiers")
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/search.html",
        {
            "params": params,
            "page": page,
            "query_without_page": query.urlencode(),
            "fields": _fields_with_counts(),
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
    handled = services.search_procedures(agency=found.code).prefetch_related(
        "current_version__tiers"
    )
    page = Paginator(handled, PAGE_SIZE).get_page(request.GET.get("page"))
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
