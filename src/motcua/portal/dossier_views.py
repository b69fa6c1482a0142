"""Filing a dossier on the portal: the e-form, drafts and the self-check (issue 3 §3).
The rules live in dossiers.services; this only turns the page into a Submission."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.backoffice import presenting
from motcua.catalog import services as catalog
from motcua.catalog.models import Agency, FeeUnit, Procedure
from motcua.core.http import client_ip
from motcua.core.throttle import lookup_allowed
from motcua.delivery import services as delivery
from motcua.documents import services as documents
from motcua.documents.errors import DocumentRejected
from motcua.documents.models import StoredFile
from motcua.dossiers import forms, services
from motcua.dossiers.errors import DossierError, InvalidInput, NotVisible
from motcua.dossiers.events import Context
from motcua.dossiers.models import Dossier, State
from motcua.dossiers.transitions import Action
from motcua.payments import fees
from motcua.payments import gateways as payment_gateways
from motcua.payments import services as payments
from motcua.payments import views as payment_views
from motcua.workflow import steps as workflow

from . import eform


def _collect_files(request: HttpRequest, version, draft: Dossier | None):
    """Files per document: new uploads, chosen reuses, else what the draft already holds."""
    user = request.user
    files: dict[str, list[StoredFile]] = {}
    reused: set[str] = set()
    problems: dict[str, list[str]] = {}
    held: dict[str, list[StoredFile]] = {}
    if draft is not None:
        for item in draft.documents.select_related("stored_file"):
            held.setdefault(item.document_key, []).append(item.stored_file)
    for document in version.documents.all():
        key = document.key
        for upload in request.FILES.getlist(f"document_{key}"):
            try:
                stored = documents.store_upload(
                    upload, name=upload.name, owner=user, uploaded_by=user
                )
            except DocumentRejected as exc:
                problems[f"document_{key}"] = exc.messages
            else:
                files.setdefault(key, []).append(stored)
        for file_id in request.POST.getlist(f"reuse_{key}"):
            stored = StoredFile.objects.filter(pk=file_id).first()
            try:
                if stored is None:
                    raise DocumentRejected(_("Không tìm thấy tệp để dùng lại."))
                files.setdefault(key, []).append(documents.reuse(stored, by=user))
                reused.add(key)
            except DocumentRejected as exc:
                problems[f"document_{key}"] = exc.messages
        if key not in files and key in held and not request.POST.get(f"clear_{key}"):
            files[key] = held[key]
    return files, frozenset(reused), problems


@login_required
@require_http_methods(["GET", "POST"])
def file_dossier(request: HttpRequest, code: str, draft_id: int | None = None) -> HttpResponse:
    try:
        procedure = catalog.procedure_for_page(code)
    except Procedure.DoesNotExist:
        raise Http404 from None
    if settings.MOTCUA.get("DEPLOYMENT_MODEL", 1) == 2:  # citizens file on the national portal
        return render(
            request,
            "portal/file_on_national.html",
            {"heading": _("Nộp hồ sơ trực tuyến"), "procedure": procedure},
            status=403,
        )
    version = procedure.current_version
    draft = None
    if draft_id is not None:
        draft = Dossier.objects.filter(
            pk=draft_id, account=request.user, state=State.DRAFT, procedure=procedure
        ).first()
        if draft is None:
            raise Http404
    problems: dict[str, list[str]] = {}
    post = request.POST
    if request.method == "POST":
        files, reused, problems = _collect_files(request, version, draft)
        applicant = None
        if post.get("on_behalf"):
            applicant = services.Applicant(
                full_name=post.get("applicant_name", "").strip(),
                id_number=post.get("applicant_id_number", "").strip(),
                phone=post.get("applicant_phone", "").strip(),
            )
        agency = Agency.objects.filter(code=post.get("agency", ""), receives_dossiers=True).first()
        submission = services.Submission(
            version=version,
            delivery=post.get("delivery", ""),
            agency=agency,
            post_address=post.get("post_address", ""),
            applicant=applicant,
            form=eform.values_from(version.form_schema, post),
            files=files,
            reused=reused,
        )
        ctx = Context.of(request)
        if "submit" in post and not problems:
            try:
                dossier = services.submit(submission, ctx=ctx, draft=draft)
            except InvalidInput as exc:
                problems = exc.problems
            else:
                return redirect("portal:dossier", code=dossier.code)
        draft = services.save_draft(submission, ctx=ctx, draft=draft)
        if not problems:
            messages.success(request, _("Đã lưu bản nháp. Bạn có thể quay lại nộp tiếp."))
            return redirect("portal:draft", code=code, draft_id=draft.pk)
    values = draft.form_data if draft is not None else {}
    if request.method == "POST":
        values = eform.values_from(version.form_schema, post) or {}
    held = {}
    if draft is not None:
        for item in draft.documents.select_related("stored_file"):
            held.setdefault(item.document_key, []).append(item.stored_file)
    reusable = list(documents.reusable_files(request.user)[:50])
    receivers = Agency.objects.filter(receives_dossiers=True, is_active=True).order_by(
        "tier__order", "name"
    )
    default = draft.receiving_agency if draft else services.default_agency(version, request.user)
    return render(
        request,
        "portal/file_dossier.html",
        {
            "procedure": procedure,
            "version": version,
            "draft": draft,
            "problems": problems,
            "problem_list": [m for messages_ in problems.values() for m in messages_],
            "form_fields": eform.fields_of(version.form_schema, values, problems),
            "documents": [
                {
                    "document": d,
                    "held": held.get(d.key, []),
                    "error": " ".join(problems.get(f"document_{d.key}", [])),
                }
                for d in version.documents.all()
            ],
            "reusable": reusable,
            "receivers": receivers,
            "fees": fee_preview(version),
            "selected_agency": (
                post.get("agency") if request.method == "POST" else default.code if default else ""
            ),
            "delivery": post.get("delivery") or (draft.delivery if draft else "counter"),
            "post_address": post.get("post_address") or (draft.post_address if draft else ""),
        },
        status=422 if problems else 200,
    )


MY_PAGE_SIZE = 20


@login_required
@require_safe
def my_dossiers(request: HttpRequest) -> HttpResponse:
    """The citizen's dossiers (filed or owned), newest first, states in plain words."""
    rows = (
        Dossier.objects.filter(Q(account=request.user) | Q(owner=request.user))
        .select_related("procedure", "current_agency")
        # Drafts first, then by the date filed (not the row's creation: counter dossiers and
        # imported ones are filed at their own dates).
        .order_by(F("submitted_at").desc(nulls_first=True), "-created_at", "-pk")
    )
    page = Paginator(rows, MY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/my_dossiers.html",
        {
            "page": page,
            "rows": [(d, presenting.PLAIN_STATE[State(d.state)]) for d in page.object_list],
        },
    )


def _visible_or_404(request: HttpRequest, code: str) -> Dossier:
    try:
        return services.get_visible(request.user, code)
    except NotVisible:
        raise Http404 from None


@dataclass(frozen=True)
class _FeeRow:
    name: str
    amount: int
    unit: str
    unit_label: str


@dataclass(frozen=True)
class _FeePreview:
    lines: list[_FeeRow]
    total: int


def fee_preview(version) -> _FeePreview:
    """The fees shown before submitting: online prices, one unit of each."""
    assessed = fees.assess(version, online=True)
    labels = dict(FeeUnit.choices)
    rows = [_FeeRow(x.name, x.amount, x.unit, labels.get(x.unit, x.unit)) for x in assessed.lines]
    return _FeePreview([r for r in rows if r.amount], assessed.total)


def _citizen_page(
    request: HttpRequest, dossier: Dossier, *, error: DossierError | None = None
) -> HttpResponse:
    allowed = set(services.available_actions(dossier, request.user))
    step = workflow.active_step(dossier) if dossier.state == State.IN_PROCESS else None
    request_event = (
        dossier.events.filter(action=Action.REQUEST_SUPPLEMENT).order_by("-seq").first()
        if dossier.state == State.SUPPLEMENT_REQUESTED
        else None
    )
    apology = dossier.events.filter(action=Action.APOLOGISE).order_by("-seq").first()
    return render(
        request,
        "portal/dossier.html",
        {
            "dossier": dossier,
            "plain_state": presenting.PLAIN_STATE[State(dossier.state)],
            "current_step": step,
            "documents": presenting.documents(dossier),
            "timeline": presenting.timeline(dossier, for_citizen=True),
            "forms": presenting.printable_forms(dossier, officer=False),
            "may_supplement": Action.SUPPLEMENT in allowed,
            "may_withdraw": Action.WITHDRAW in allowed,
            "missing": request_event.data.get("missing", []) if request_event else [],
            "supplement_documents": list(dossier.version.documents.all())
            if Action.SUPPLEMENT in allowed
            else [],
            "apology": apology,
            "answered_at": dossier.events.filter(action=Action.SUPPLEMENT)
            .order_by("-seq")
            .values_list("at", flat=True)
            .first(),
            "fees": payments.summary(dossier),
            "gateways": payment_gateways.available(),
            "confirm_route": "portal:payment_confirmation",
            "shipments": delivery.shipments_of(dossier),
            "may_ask_collection": delivery.may_ask_collection(dossier, request.user),
            "post_fee": delivery.setting("CITIZEN_FEE"),
            "error": error,
        },
        status=error.status if error else 200,
    )


@login_required
@require_POST
def pay_dossier(request: HttpRequest, code: str) -> HttpResponse:
    """The citizen pays online through the gateway chosen (VNPAY unless another is asked
    for): an attempt is opened and the browser goes to the gateway."""
    dossier = _visible_or_404(request, code)
    provider = request.POST.get("provider") or "vnpay"
    try:
        started = payments.start_online(
            dossier,
            by=request.user,
            provider=provider,
            return_url=payment_views.return_url(request, provider),
            ip=client_ip(request),
            locale="en" if (get_language() or "").startswith("en") else "vi",
        )
    except DossierError as exc:
        dossier.refresh_from_db()
        return _citizen_page(request, dossier, error=exc)
    return redirect(started.url)


@login_required
@require_safe
def payment_confirmation(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    """The payer's confirmation of a paid fee, as a PDF."""
    dossier = _visible_or_404(request, code)
    return payment_views.confirmation_response(dossier, reference)


@login_required
@require_safe
def dossier_page(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _visible_or_404(request, code)
    return _citizen_page(request, dossier)


@login_required
@require_POST
def supplement_dossier(request: HttpRequest, code: str) -> HttpResponse:
    """The citizen answers Form 02 by uploading what was asked."""
    dossier = _visible_or_404(request, code)
    files: dict[str, list[StoredFile]] = {}
    try:
        for document in dossier.version.documents.all():
            for upload in request.FILES.getlist(f"document_{document.key}"):
                try:
                    stored = documents.store_upload(
                        upload, name=upload.name, owner=request.user, uploaded_by=request.user
                    )
                except DocumentRejected as exc:
                    raise InvalidInput(exc.messages[0], {document.key: exc.messages}) from None
                files.setdefault(document.key, []).append(stored)
        services.supplement(
            dossier, ctx=Context.of(request), files=files, note=request.POST.get("note", "")
        )
    except DossierError as exc:
        dossier.refresh_from_db()
        return _citizen_page(request, dossier, error=exc)
    messages.success(request, _("Đã gửi hồ sơ bổ sung."))
    return redirect("portal:dossier", code=dossier.code)


@login_required
@require_POST
def ask_collection(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant asks the post to collect the dossier's papers from an address."""
    dossier = _visible_or_404(request, code)
    try:
        delivery.create_collection(
            dossier,
            ctx=Context.of(request),
            address=request.POST.get("address", ""),
            phone=request.POST.get("phone", "").strip(),
        )
    except DossierError as exc:
        dossier.refresh_from_db()
        return _citizen_page(request, dossier, error=exc)
    messages.success(request, _("Đã gửi yêu cầu; bưu điện sẽ liên hệ trước khi đến nhận hồ sơ."))
    return redirect("portal:dossier", code=dossier.code)


@login_required
@require_POST
def withdraw_dossier(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _visible_or_404(request, code)
    try:
        services.withdraw(dossier, ctx=Context.of(request), reason=request.POST.get("reason", ""))
    except DossierError as exc:
        dossier.refresh_from_db()
        return _citizen_page(request, dossier, error=exc)
    messages.success(request, _("Đã rút hồ sơ."))
    return redirect("portal:dossier", code=dossier.code)


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """The public look-up: code with the owner's phone or ID number, the same rules (and the
    same per-address limit) as ``GET /api/v1/lookup``. POST keeps the phone out of URLs and
    logs."""
    found = None
    error = ""
    status = 200
    data = request.POST
    if request.method == "POST":
        if not lookup_allowed(client_ip(request)):
            error, status = _("Tra cứu quá nhiều lần; vui lòng thử lại sau một phút."), 429
        else:
            try:
                found = services.lookup(
                    data.get("code", ""),
                    phone=data.get("phone", ""),
                    id_number=data.get("id_number", ""),
                )
            except DossierError as exc:
                error, status = exc.message, exc.status
    return render(
        request,
        "portal/lookup.html",
        {
            "found": found,
            "plain_state": presenting.PLAIN_STATE[State(found.state)] if found else "",
            "error": error,
            "code": data.get("code", ""),
        },
        status=status,
    )


@login_required
def dossier_form(request: HttpRequest, code: str, number: str) -> HttpResponse:
    """Forms 01–06 of a dossier as PDF, for its citizen and its officers (06 for officers
    only)."""
    try:
        dossier = services.get_visible(request.user, code)
        pdf = forms.render_for(dossier, number, viewer=request.user)
    except (NotVisible, forms.FormNotApplicable):
        raise Http404 from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="mau-{number}-{dossier.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
