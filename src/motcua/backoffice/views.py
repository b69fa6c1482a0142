"""The officer's pages (issue 4 §1): work queues, the dossier page with exactly the actions
allowed now, counter reception, the register. Views parse, call one service, render."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from functools import cached_property, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from motcua.accounts.identity import mask_id_number
from motcua.accounts.models import Role, User
from motcua.catalog.models import Agency, Field
from motcua.core.calendar import VN_TZ
from motcua.delivery import services as delivery
from motcua.delivery.models import Direction
from motcua.dossiers import forms, queues, services
from motcua.dossiers.errors import DossierError, NotVisible
from motcua.dossiers.events import Context
from motcua.dossiers.models import Channel, Delivery, Dossier, State
from motcua.dossiers.transitions import Action
from motcua.payments import services as payments
from motcua.payments import views as payment_views
from motcua.workflow import steps as workflow
from motcua.workflow.models import ConsultationState

from . import actions, presenting

PAGE_SIZE = 25


class CappedPaginator(Paginator):
    """Pages through the first ``queues.COUNT_CAP`` rows of a queue: counting a whole
    province's list for a page number costs seconds; past the cap, filters narrow it."""

    def __init__(self, rows, per_page: int, *, in_order: bool = False) -> None:
        super().__init__(rows, per_page)
        self.in_order = in_order

    @cached_property
    def counted(self) -> int:
        return queues.capped_count(self.object_list, in_order=self.in_order)

    @cached_property
    def count(self) -> int:
        return min(self.counted, queues.COUNT_CAP)

    @cached_property
    def truncated(self) -> bool:
        return self.counted > queues.COUNT_CAP


def officer_required(view):
    """Signed in and holding an officer role somewhere; others get 404 (the back office's
    existence is no secret, but its pages are nobody else's business)."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs):
        scope = queues.Scope.of(request.user)
        if not scope.agencies(Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER):
            raise Http404
        request.scope = scope
        return view(request, *args, **kwargs)

    return wrapped


def _date(raw: str | None) -> date | None:
    if not raw:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _filters(request: HttpRequest) -> queues.Filters:
    get = request.GET
    field = get.get("field", "")
    return queues.Filters(
        q=get.get("q", "")[:100],
        procedure=get.get("procedure", "").strip()[:20],
        field=int(field) if field.isdigit() else None,
        channel=get.get("channel", ""),
        state=get.get("state", ""),
        submitted_from=_date(get.get("from")),
        submitted_to=_date(get.get("to")),
    )


@require_safe
@officer_required
def home(request: HttpRequest) -> HttpResponse:
    visible = queues.queues_for(request.scope)
    counts = queues.counts(request.scope)
    first = next((q for q in visible if counts.get(q.slug) and q.slug != "tat-ca"), visible[0])
    return redirect("backoffice:queue", slug=first.slug)


@require_safe
@officer_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    scope: queues.Scope = request.scope
    chosen = queues.BY_SLUG.get(slug)
    visible = queues.queues_for(scope)
    if chosen is None or chosen not in visible:
        raise Http404
    filters = _filters(request)
    # The page is chosen on the dossiers' ids alone, then its 25 rows are read whole:
    # joining the procedure and agencies before sorting a queue of thousands cost 20 ms.
    ids = queues.rows(chosen, scope, filters).values_list("pk", flat=True)
    menu = _queue_menu(scope)
    paginator = CappedPaginator(ids, PAGE_SIZE, in_order=chosen.slug in queues.COUNTED_IN_ORDER)
    if filters == queues.Filters():  # the menu has just counted this very list
        known = dict((q.slug, n) for q, n in menu).get(chosen.slug)
        if known is not None and known <= queues.MENU_CAP:
            paginator.__dict__["truncated"] = False
            paginator.__dict__["count"] = known
    page = paginator.get_page(request.GET.get("page"))
    shown = list(page.object_list)
    found = Dossier.objects.select_related(
        "procedure", "current_agency", "receiving_agency"
    ).in_bulk(shown)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/queue.html",
        {
            "queue": chosen,
            "queues": menu,
            "page": page,
            "rows": presenting.rows([found[pk] for pk in shown if pk in found], scope.now),
            "filters": filters,
            "query": query.urlencode(),
            "truncated": paginator.truncated,
            "fields": Field.objects.filter(procedures__isnull=False).distinct().order_by("name"),
            "channels": Channel.choices,
            "states": [(s, label) for s, label in State.choices if s != State.DRAFT],
        },
    )


def _dossier_or_404(request: HttpRequest, code: str) -> Dossier:
    try:
        return services.get_visible(request.user, code)
    except NotVisible:
        raise Http404 from None


def _dossier_page(
    request: HttpRequest,
    dossier: Dossier,
    *,
    error: DossierError | None = None,
    failed: Action | None = None,
    revealed: str = "",
) -> HttpResponse:
    scope: queues.Scope = request.scope
    allowed = [
        a
        for a in services.available_actions(dossier, request.user)
        if a in actions.HANDLERS or a == Action.SUPPLEMENT
    ]
    step = workflow.active_step(dossier) if dossier.state == State.IN_PROCESS else None
    following = (
        workflow.next_step(dossier, step) if step and Action.COMPLETE_STEP in allowed else None
    )
    shipments = delivery.shipments_of(dossier)
    if dossier.delivery == Delivery.POST and Action.RETURN_RESULT in allowed:
        if any(s.direction == Direction.DELIVER and not s.final for s in shipments):
            allowed.remove(Action.RETURN_RESULT)  # with the post already
    context = {
        "dossier": dossier,
        "shipments": shipments,
        "fees": payments.summary(dossier),
        "confirm_route": "backoffice:payment_confirmation",
        "takes_cash": dossier.receiving_agency_id in scope.agencies(Role.ONE_STOP_OFFICER),
        "view": presenting.dossier_view(dossier, scope.now),
        "owner_id": revealed or mask_id_number(dossier.owner_id_number),
        "revealed": bool(revealed),
        "form_values": presenting.form_values(dossier),
        "documents": presenting.documents(dossier),
        "steps": list(dossier.steps.select_related("agency", "assignee").order_by("order")),
        "active_step": step,
        "consultations": list(
            dossier.consultations.select_related("agency", "asking_agency", "answered_by")
        ),
        "open_consultations": list(
            dossier.consultations.filter(
                state=ConsultationState.OPEN, agency_id__in=scope.agencies()
            ).select_related("agency")
        ),
        "timeline": presenting.timeline(dossier),
        "actions": [(a, actions.label(dossier, a)) for a in allowed],
        "allowed": {str(a) for a in allowed},
        "error": error,
        "failed": str(failed) if failed else "",
        "post": request.POST if error else {},
        "forms": presenting.printable_forms(dossier, officer=True),
        "assignees": _assignees(step, dossier) if Action.ASSIGN in allowed else [],
        "next_step": following,
        "next_candidates": _candidates(following, dossier) if following else [],
        "supplement_documents": list(dossier.version.documents.all())
        if Action.SUPPLEMENT in allowed
        else [],
        "agencies": Agency.objects.filter(is_active=True).order_by("tier__order", "name")
        if {Action.ROUTE, Action.TRANSFER, Action.CONSULT} & set(allowed)
        else [],
        "apology": presenting.apology_proposal(dossier, scope.now)
        if Action.APOLOGISE in allowed
        else None,
        "missing_documents": list(dossier.version.documents.all())
        if Action.REQUEST_SUPPLEMENT in allowed
        else [],
    }
    context["queues"] = _queue_menu(scope)
    status = error.status if error else 200
    return render(request, "backoffice/dossier.html", context, status=status)


def _assignees(step, dossier: Dossier) -> list[User]:
    if step is None:
        return []
    return _candidates(step, dossier, agency=dossier.current_agency)


def _candidates(step, dossier: Dossier, agency: Agency | None = None) -> list[User]:
    """Officers holding the step's role where it will be carried."""
    agency = agency or workflow.carrier(step, dossier)
    return list(
        User.objects.filter(
            officer_roles__agency=agency,
            officer_roles__role=step.officer_role,
            officer_roles__active=True,
            is_active=True,
        )
        .distinct()
        .order_by("full_name")
    )


@require_safe
@officer_required
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    return _dossier_page(request, _dossier_or_404(request, code))


@require_POST
@officer_required
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    found = _dossier_or_404(request, code)
    try:
        chosen = Action(action)
    except ValueError:
        raise Http404 from None
    if chosen not in actions.HANDLERS and chosen != Action.SUPPLEMENT:
        raise Http404
    try:
        updated = actions.perform(request, found, chosen)
    except DossierError as exc:
        found.refresh_from_db()
        return _dossier_page(request, found, error=exc, failed=chosen)
    messages.success(
        request, _("Đã thực hiện: %(action)s.") % {"action": _(actions.label(found, chosen))}
    )
    if not services.visible_to(request.user).filter(pk=updated.pk).exists():
        # Handed to an agency this officer does not belong to: back to the queue.
        return redirect("backoffice:home")
    return redirect("backoffice:dossier", code=updated.code)


@require_safe
@officer_required
def payment_confirmation(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    return payment_views.confirmation_response(_dossier_or_404(request, code), reference)


@require_POST
@officer_required
def cash(request: HttpRequest, code: str) -> HttpResponse:
    """The desk records fees paid in cash (issue 5 §1)."""
    found = _dossier_or_404(request, code)
    raw = request.POST.get("amount", "").replace(".", "").replace(",", "").strip()
    try:
        payments.record_cash(
            found,
            ctx=Context.of(request),
            amount=int(raw) if raw.isdigit() else 0,
            note=request.POST.get("note", "")[:300],
        )
    except DossierError as exc:
        found.refresh_from_db()
        return _dossier_page(request, found, error=exc, failed="cash")
    messages.success(request, _("Đã ghi nhận tiền mặt."))
    return redirect("backoffice:dossier", code=found.code)


@require_POST
@officer_required
def reveal(request: HttpRequest, code: str) -> HttpResponse:
    found = _dossier_or_404(request, code)
    number = services.reveal_id_number(found, ctx=Context.of(request))
    return _dossier_page(request, found, revealed=number or "—")


@require_safe
@officer_required
def document(request: HttpRequest, code: str, file_id: uuid.UUID) -> HttpResponse:
    """The in-browser viewer: the file through the access-checked view, in a frame."""
    found = _dossier_or_404(request, code)
    item = (
        found.documents.select_related("stored_file")
        .filter(stored_file_id=file_id, stored_file__deleted_at__isnull=True)
        .first()
    )
    if item is None:
        raise Http404
    return render(
        request,
        "backoffice/document.html",
        {
            "dossier": found,
            "item": item,
            "name": presenting.document_names(found).get(item.document_key, item.document_key),
            "src": reverse("documents:download", args=[item.stored_file_id]) + "?inline=1",
        },
    )


@require_safe
@officer_required
def register(request: HttpRequest) -> HttpResponse:
    """Form 07, the register of dossiers per receiving agency and period, as PDF or XLSX."""
    scope: queues.Scope = request.scope
    agencies = list(Agency.objects.filter(pk__in=scope.agencies()).order_by("name"))
    today = scope.now.astimezone(VN_TZ).date()
    start = _date(request.GET.get("from")) or today.replace(day=1)
    end = _date(request.GET.get("to")) or today
    chosen = next((a for a in agencies if a.code == request.GET.get("agency")), None)
    kind = request.GET.get("format", "")
    error = ""
    if chosen is not None and kind in ("pdf", "xlsx"):
        rows = Dossier.objects.filter(
            receiving_agency=chosen,
            submitted_at__gte=datetime.combine(start, time(0), tzinfo=VN_TZ),
            submitted_at__lt=datetime.combine(end + timedelta(days=1), time(0), tzinfo=VN_TZ),
        )
        if end < start or (end - start).days > 366:
            error = _("Khoảng thời gian phải từ 1 ngày đến 1 năm, ngày đầu trước ngày cuối.")
        elif kind == "pdf" and rows.count() > REGISTER_PDF_MAX_ROWS:
            # A PDF of thousands of rows takes minutes to lay out; the spreadsheet does not.
            error = _(
                "Kỳ này có hơn %(n)s hồ sơ, quá dài để in PDF; vui lòng tải bảng tính XLSX "
                "hoặc chọn kỳ ngắn hơn."
            ) % {"n": f"{REGISTER_PDF_MAX_ROWS:,}".replace(",", ".")}
        else:
            render_file = forms.render_register_pdf if kind == "pdf" else forms.render_register_xlsx
            content = render_file(chosen, start, end)
            name = f"so-theo-doi-{chosen.code}-{start:%Y%m%d}-{end:%Y%m%d}.{kind}"
            response = HttpResponse(content, content_type=REGISTER_TYPES[kind])
            disposition = "inline" if kind == "pdf" else "attachment"
            response["Content-Disposition"] = f'{disposition}; filename="{name}"'
            response["Cache-Control"] = "private, no-store"
            return response
    return render(
        request,
        "backoffice/register.html",
        {
            "agencies": agencies,
            "chosen": chosen,
            "start": start,
            "end": end,
            "error": error,
            "queues": _queue_menu(scope),
        },
        status=422 if error else 200,
    )


REGISTER_PDF_MAX_ROWS = 2000
REGISTER_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _queue_menu(scope: queues.Scope) -> list:
    counts = queues.counts(scope)
    return [(q, counts.get(q.slug)) for q in queues.queues_for(scope)]
