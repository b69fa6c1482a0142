"""Counter reception (issue 4 §1): a walk-in or postal dossier, recorded for an applicant
found by ID number or phone (or new), its documents scanned, checked against the procedure's
list and received at once — then Form 01 is printed.

Two quick steps for a practised officer: choose the procedure and find the applicant (one
GET form), then fill and scan (one POST). The rules are ``services.receive_at_counter``'s.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from motcua.accounts.identity import normalise_phone
from motcua.accounts.models import Role, User
from motcua.catalog import services as catalog
from motcua.catalog.models import Agency, Procedure
from motcua.documents import services as documents
from motcua.documents.errors import DocumentRejected
from motcua.documents.models import StoredFile
from motcua.dossiers import services
from motcua.dossiers.errors import DossierError, InvalidInput
from motcua.dossiers.events import Context
from motcua.dossiers.models import Channel, Delivery, Dossier

from .views import officer_required


def find_applicant(query: str) -> dict | None:
    """A registered citizen by ID number or phone; else the owner of an earlier dossier (a
    walk-in who came before). Returns the fields to pre-fill, or None."""
    query = query.strip()
    if not query:
        return None
    phone = ""
    try:
        phone = normalise_phone(query)
    except ValidationError:
        pass
    account = User.objects.filter(is_active=True, id_number=query).first()
    if account is None and phone:
        account = User.objects.filter(is_active=True, phone=phone).first()
    if account is not None:
        return {
            "account": account,
            "full_name": account.full_name,
            "id_number": account.id_number or "",
            "phone": account.phone or "",
            "email": account.email or "",
            "address": account.address_line,
        }
    earlier = Dossier.objects.exclude(code__isnull=True).order_by("-submitted_at")
    earlier = earlier.filter(owner_id_number=query).first() or (
        earlier.filter(owner_phone=phone).first() if phone else None
    )
    if earlier is None:
        return None
    return {
        "account": None,
        "full_name": earlier.owner_name,
        "id_number": earlier.owner_id_number,
        "phone": earlier.owner_phone,
        "email": earlier.owner_email,
        "address": earlier.owner_address,
    }


def _procedure(code: str) -> Procedure | None:
    if not code:
        return None
    try:
        procedure = catalog.procedure_for_page(code.strip())
    except Procedure.DoesNotExist:
        return None
    return procedure if procedure.current_version_id else None


def _store_scans(request: HttpRequest, version, owner: User | None):
    files: dict[str, list[StoredFile]] = {}
    problems: dict[str, list[str]] = {}
    for document in version.documents.all():
        for upload in request.FILES.getlist(f"document_{document.key}"):
            try:
                stored = documents.store_upload(
                    upload,
                    name=upload.name,
                    owner=owner,
                    uploaded_by=request.user,
                    digitized=True,
                )
            except DocumentRejected as exc:
                problems[f"document_{document.key}"] = exc.messages
            else:
                files.setdefault(document.key, []).append(stored)
    return files, problems


@require_http_methods(["GET", "POST"])
@officer_required
def counter(request: HttpRequest) -> HttpResponse:
    desks = list(
        Agency.objects.filter(
            officer_roles__user=request.user,
            officer_roles__role=Role.ONE_STOP_OFFICER,
            officer_roles__active=True,
            receives_dossiers=True,
            is_active=True,
        )
        .distinct()
        .order_by("name")
    )
    data = request.POST if request.method == "POST" else request.GET
    procedure = _procedure(data.get("procedure", ""))
    search = data.get("find", "").strip()
    found = find_applicant(search) if search and request.method == "GET" else None
    account = None
    account_id = data.get("account", "")
    if account_id.isdigit():
        account = User.objects.filter(pk=account_id, is_active=True).first()
    elif found:
        account = found["account"]
    problems: dict[str, list[str]] = {}
    error = ""
    if request.method == "POST" and procedure is not None:
        version = procedure.current_version
        files, problems = _store_scans(request, version, account)
        bringer = None
        if data.get("on_behalf"):
            bringer = services.Applicant(
                full_name=data.get("submitter_name", "").strip(),
                phone=data.get("submitter_phone", "").strip(),
            )
        applicant = services.Applicant(
            full_name=data.get("owner_name", "").strip(),
            id_number=data.get("owner_id_number", "").strip(),
            phone=_phone_or_raw(data.get("owner_phone", "")),
            email=data.get("owner_email", "").strip(),
            address=data.get("owner_address", "").strip(),
        )
        desk = next((d for d in desks if d.code == data.get("agency")), None)
        submission = services.Submission(
            version=version,
            delivery=data.get("delivery", Delivery.COUNTER),
            agency=desk,
            post_address=data.get("post_address", ""),
            applicant=applicant,
            files=files,
            channel=data.get("channel", Channel.COUNTER),
            owner_account=account,
            submitter=bringer,
        )
        if not problems:
            try:
                dossier = services.receive_at_counter(
                    submission, ctx=Context.of(request), note=data.get("note", "").strip()
                )
            except InvalidInput as exc:
                problems, error = exc.problems, exc.message
            except DossierError as exc:
                error = exc.message
            else:
                url = reverse("backoffice:dossier", args=[dossier.code])
                return redirect(f"{url}?moi=1")
        error = error or "Hồ sơ chưa đầy đủ hoặc có thông tin không hợp lệ."
    values = {name: data.get(name, "") for name in FIELDS} if request.method == "POST" else {}
    if found and request.method == "GET":
        values.update(
            owner_name=found["full_name"],
            owner_id_number=found["id_number"],
            owner_phone=found["phone"],
            owner_email=found["email"],
            owner_address=found["address"],
        )
    return render(
        request,
        "backoffice/counter.html",
        {
            "desks": desks,
            "procedure": procedure,
            "version": procedure.current_version if procedure else None,
            "search": search,
            "found": found,
            "searched": bool(search) and request.method == "GET",
            "account": account,
            "values": {name: values.get(name, "") for name in FIELDS},
            "problems": problems,
            "problem_list": [m for ms in problems.values() for m in ms],
            "error": error,
            "channels": [(Channel.COUNTER, "Trực tiếp"), (Channel.POST, "Qua bưu chính công ích")],
            "deliveries": Delivery.choices,
        },
        status=422 if error else 200,
    )


FIELDS = (
    "agency",
    "channel",
    "delivery",
    "post_address",
    "owner_name",
    "owner_id_number",
    "owner_phone",
    "owner_email",
    "owner_address",
    "on_behalf",
    "submitter_name",
    "submitter_phone",
    "note",
)


def _phone_or_raw(raw: str) -> str:
    raw = raw.strip()
    if not raw:
        return ""
    try:
        return normalise_phone(raw)
    except ValidationError:
        return raw
