"""/api/v1 (django-ninja, OpenAPI 3.1). Handlers parse, call one service, render."""

import re
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import get_language
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI, Query, Router, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.renderers import JSONRenderer

from motcua.catalog import services
from motcua.catalog.interchange import document_out, fee_out, step_out
from motcua.catalog.models import Agency, Field, OnlineLevel, Procedure
from motcua.catalog.search import ProcedureSummary
from motcua.core.calendar import (
    MAX_LIMIT_DAYS,
    MAX_LIMIT_HOURS,
    Limit,
    LimitKind,
    OfficeHours,
    compute_due,
)
from motcua.core.text import search_terms
from motcua.core.validation import describe_errors
from motcua.dossiers.errors import DossierError

from . import accounts, dossiers, payments, schemas
from .errors import error_body


class Utf8JsonRenderer(JSONRenderer):
    """Vietnamese stays readable in responses (UTF-8, not \\u escapes)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JsonRenderer(),
    title="motcua API",
    version="1",
    description=(
        "Cổng dịch vụ công và Hệ thống một cửa điện tử — API công khai v1. "
        "Số tiền tính bằng đồng (số nguyên); thời điểm theo ISO 8601, múi giờ +07:00."
    ),
    urls_namespace="api",
    # Swagger UI sets inline styles; the rest of the site keeps the strict policy.
    docs_decorator=csp_override(
        {
            **settings.SECURE_CSP,
            "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
            "img-src": [CSP.SELF, "data:"],
        }
    ),
)


@api.exception_handler(NinjaValidationError)
def invalid_input(request: HttpRequest, exc: NinjaValidationError):
    problems = "; ".join(describe_errors(exc.errors, skip=1))
    return api.create_response(
        request, error_body(f"Tham số không hợp lệ — {problems}"), status=400
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(request, error_body(str(exc)), status=exc.status_code)


@api.exception_handler(AuthenticationError)
def not_signed_in(request: HttpRequest, exc: AuthenticationError):
    response = api.create_response(
        request,
        error_body("Chưa đăng nhập hoặc khóa API không hợp lệ, đã hết hạn hay đã bị thu hồi."),
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="motcua"'
    return response


# --- procedures -----------------------------------------------------------------------------

procedures = Router(tags=["Thủ tục hành chính"])


def _limit_out(limit: Limit | None, note: str = "") -> dict | None:
    if limit is None:
        return None
    return {"kind": str(limit.kind), "value": limit.value, "text": str(limit), "note": note}


def procedure_url(code: str) -> str:
    # One reverse() per process: a page of results would otherwise resolve the pattern 20 times.
    return _procedure_url_pattern(get_language()).replace("0.000000", code)


@cache
def _procedure_url_pattern(language: str) -> str:
    return reverse("portal:procedure", args=["0.000000"])


@procedures.get("/procedures", response=schemas.ProcedurePage, summary="Tìm thủ tục")
def list_procedures(
    request: HttpRequest,
    q: str | None = None,
    field: str | None = None,
    agency: str | None = None,
    tier: str | None = None,
    level: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
):
    """Tìm như trên cổng: không phân biệt dấu và hoa thường; lọc theo lĩnh vực, cơ quan, cấp,
    mức độ (`full`, `partial`, `info`). Phân trang bằng `limit` (1–1000, mặc định 100) và
    `offset`, như phân trang limit/offset của django-ninja."""
    page = services.search_page(
        q, field=field, agency=agency, tier=tier, level=level, limit=limit, offset=offset
    )
    return {"items": [_summary_item(p) for p in page.items], "count": page.count}


def _summary_item(p: ProcedureSummary) -> dict:
    return {
        "code": p.code,
        "name": p.name,
        "field": {"code": p.field_code, "name": p.field_name},
        "level": p.level,
        "level_label": OnlineLevel(p.level).label,
        "legacy_level": p.legacy_level,
        "tiers": list(p.tiers),
        "limit": _limit_out(p.limit, p.limit_note),
        "url": procedure_url(p.code),
    }


@procedures.get(
    "/procedures/{code}",
    response={200: schemas.ProcedureDetail, 404: schemas.ErrorOut},
    summary="Chi tiết thủ tục (phiên bản đang công bố)",
)
def get_procedure(request: HttpRequest, code: str):
    try:
        p = services.procedure_for_page(code)
    except Procedure.DoesNotExist:
        return Status(404, error_body(f"Không tìm thấy thủ tục đang công bố có mã {code}."))
    v = p.current_version
    receiver = services.default_receiver(v)
    due = services.expected_due(v, receiver)
    return {
        **_summary_item(ProcedureSummary.of(p)),
        "version": v.number,
        "published_at": v.published_at,
        "competent_authority": v.competent_authority,
        "competent_agency": (
            {"code": v.competent_agency.code, "name": v.competent_agency.name}
            if v.competent_agency
            else None
        ),
        "how_to_apply": v.how_to_apply,
        "requirements": v.requirements,
        "result": v.result,
        "documents": [
            {"id": d.key, "kind_label": d.get_kind_display(), **document_out(d)}
            for d in v.documents.all()
        ],
        "fees": [fee_out(f) for f in v.fees.all()],
        "steps": [step_out(s) for s in services.steps_at(v, None)],
        "form_schema": v.form_schema,
        "legal_basis": v.legal_basis,
        "announcing_decision": v.announcing_decision,
        "effective_from": v.effective_from,
        "effective_to": v.effective_to,
        "receiving_agencies": [
            {
                "code": link.agency.code,
                "name": link.agency.name,
                "default": link.is_default_receiver,
                "limit": _limit_out(link.limit),
            }
            for link in v.agency_links.all()
        ],
        "expected_if_received_now": (
            {
                "agency": {"code": receiver.code, "name": receiver.name} if receiver else None,
                "counted_from": due.counted_from,
                "due_at": due.due_at,
            }
            if due
            else None
        ),
        "verified": v.verified,
        "source": v.source,
    }


# --- agencies and fields --------------------------------------------------------------------

organisations = Router(tags=["Cơ quan, lĩnh vực"])


def _hm(t) -> str:
    return t.strftime("%H:%M")


def _agency(a: Agency) -> dict:
    return {
        "code": a.code,
        "name": a.name,
        "short_name": a.short_name,
        "kind": a.kind,
        "tier": a.tier.code,
        "parent": a.parent.code if a.parent else None,
        "unit": {"code": a.unit.code, "name": a.unit.name} if a.unit else None,
        "receives_dossiers": a.receives_dossiers,
        "office_hours": {
            "periods": [
                [_hm(a.morning_open), _hm(a.morning_close)],
                [_hm(a.afternoon_open), _hm(a.afternoon_close)],
            ],
            "same_day_cutoff": _hm(a.same_day_cutoff),
            "saturday_reception": a.saturday_reception,
        },
        "address": a.address,
        "phone": a.phone,
    }


@organisations.get("/agencies", response=list[schemas.AgencyOut], summary="Danh sách cơ quan")
@paginate(LimitOffsetPagination)
def list_agencies(
    request: HttpRequest,
    q: str | None = None,
    tier: str | None = None,
    kind: str | None = None,
    receives_dossiers: bool | None = None,
):
    qs = Agency.objects.filter(is_active=True).select_related("tier", "parent", "unit")
    for term in search_terms(q):
        qs = qs.filter(Q(name_folded__contains=term) | Q(code__contains=term))
    if tier:
        qs = qs.filter(tier__code=tier)
    if kind:
        qs = qs.filter(kind=kind)
    if receives_dossiers is not None:
        qs = qs.filter(receives_dossiers=receives_dossiers)
    return _Mapped(qs.order_by("tier__order", "code"), _agency)


class _Mapped:
    """A queryset the paginator counts and slices, rendered only for the page shown."""

    def __init__(self, queryset, render):
        self.queryset = queryset
        self.render = render

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice):
        return [self.render(x) for x in self.queryset[page]]


@organisations.get("/fields", response=list[schemas.FieldOut], summary="Danh sách lĩnh vực")
def list_fields(request: HttpRequest):
    fields = Field.objects.annotate(
        n=Count("procedures", filter=Q(procedures__current_version__isnull=False))
    ).order_by("name")
    return [
        {"code": f.code, "name": f.name, "name_en": f.name_en, "procedures": f.n} for f in fields
    ]


# --- calendar -------------------------------------------------------------------------------

calendar = Router(tags=["Lịch làm việc"])
_SPACED_OFFSET = re.compile(r"^(.*\d) (\d{2}(?::?\d{2})?)$")


def parse_received_at(raw: str | None) -> datetime:
    """ISO 8601 with an offset. A space where the ``+`` of the offset was (an unencoded query
    string turns ``+`` into a space) is read as ``+``."""
    if not raw or not raw.strip():
        raise HttpError(
            400, "Thiếu tham số received_at (thời điểm tiếp nhận, ISO 8601 có múi giờ)."
        )
    text = raw.strip()
    text = _SPACED_OFFSET.sub(r"\1+\2", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise HttpError(
            400,
            f"received_at “{raw}” không đúng định dạng ISO 8601 (ví dụ 2026-03-07T10:00:00+07:00).",
        ) from None
    if timezone.is_naive(moment):
        raise HttpError(400, "received_at phải có múi giờ (ví dụ +07:00).")
    return moment


_DIGITS = re.compile(r"[0-9]{1,7}")


def _positive(name: str, raw: str, maximum: int) -> int:
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise HttpError(400, f"{name} phải là số nguyên dương, tối đa {maximum}.")
    return int(raw)


@calendar.get(
    "/calendar/due-date",
    response={200: schemas.DueDateOut, 400: schemas.ErrorOut},
    summary="Tính hạn giải quyết",
)
def due_date(
    request: HttpRequest,
    received_at: str | None = None,
    working_days: str | None = None,
    working_hours: str | None = None,
    same_day: str | None = None,
    agency: str | None = None,
):
    """Hạn trả kết quả theo lịch làm việc (ngày nghỉ lễ, nghỉ bù, ngày làm bù) và giờ làm việc
    của cơ quan. Truyền đúng một trong `working_days=N`, `working_hours=N`, `same_day=1`."""
    moment = parse_received_at(received_at)
    given = {
        k: v
        for k, v in {
            "working_days": working_days,
            "working_hours": working_hours,
            "same_day": same_day,
        }.items()
        if v is not None
    }
    if len(given) != 1:
        raise HttpError(
            400, "Cần đúng một trong các tham số working_days=N, working_hours=N hoặc same_day=1."
        )
    ((name, raw),) = given.items()
    if name == "same_day":
        if raw != "1":
            raise HttpError(400, "same_day chỉ nhận giá trị 1.")
        limit = Limit(LimitKind.SAME_DAY)
    else:
        maximum = MAX_LIMIT_DAYS if name == "working_days" else MAX_LIMIT_HOURS
        limit = Limit(LimitKind(name), _positive(name, raw, maximum))
    hours = OfficeHours.default()
    if agency:
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            raise HttpError(400, f"Không tìm thấy cơ quan có mã định danh {agency}.")
        hours = found.office_hours()
    due = compute_due(moment, limit, hours)
    return {"counted_from": due.counted_from, "due_at": due.due_at}


api.add_router("/", procedures)
api.add_router("/", organisations)
api.add_router("/", calendar)
api.add_router("/", accounts.router)
api.add_router("/", dossiers.router)
api.add_router("/", payments.router)


@api.exception_handler(DossierError)
def dossier_error(request: HttpRequest, exc: DossierError):
    return dossiers.dossier_error_response(api, request, exc)
