"""/api/v1/dossiers and /api/v1/lookup (issue 3 §7): handlers parse, call one service, render."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Form, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field as PField
from pydantic import ValidationError as PydanticError

from motcua.accounts.identity import normalise_phone
from motcua.accounts.models import User
from motcua.catalog.models import Agency, Procedure
from motcua.core.http import client_ip
from motcua.core.throttle import lookup_allowed
from motcua.core.validation import describe_errors
from motcua.documents import services as documents
from motcua.documents.errors import DocumentRejected
from motcua.documents.models import StoredFile
from motcua.dossiers import forms, services
from motcua.dossiers.errors import ConcurrentUpdate, DossierError, InvalidInput, NotVisible
from motcua.dossiers.events import Context
from motcua.dossiers.models import Dossier, IdempotencyKey, State
from motcua.dossiers.transitions import Action, allowed_from

from .auth import signed_in
from .errors import error_body

router = Router(tags=["Hồ sơ"])
SUBMIT_ENDPOINT = "POST /api/v1/dossiers"
IDEMPOTENCY_LEASE = timedelta(minutes=10)


# --- schemas ----------------------------------------------------------------------------------


class ApplicantIn(Schema):
    full_name: str = PField(min_length=1, max_length=300)
    id_number: str = PField("", max_length=20)
    phone: str = PField("", max_length=20)
    email: str = PField("", max_length=254)
    address: str = PField("", max_length=300)
    tax_code: str = PField("", max_length=14)  # an organisation owns the dossier


class DossierIn(Schema):
    procedure_code: str = PField(pattern=r"^\d\.\d{6}$")
    delivery: Literal["counter", "online", "post"]
    post_address: str = PField("", max_length=300)
    agency: str | None = None
    applicant: ApplicantIn | None = None
    # Left out: the declaration is the uploaded form; given: checked against the schema.
    form: dict[str, Any] | None = None
    # Files from the citizen's own earlier dossiers, by document id (the data store's seed).
    reuse: dict[str, list[uuid.UUID]] = {}


class AgencyRef(Schema):
    code: str
    name: str


class DocumentOut(Schema):
    id: str
    file: uuid.UUID
    name: str
    content_type: str
    size: int
    sha256: str
    round: int
    reused: bool
    url: str


class EventOut(Schema):
    seq: int
    action: str
    from_state: str
    to_state: str
    at: datetime
    agency: str | None
    note: str


class DossierOut(Schema):
    code: str
    state: str
    state_label: str
    national_status: int | None
    procedure: AgencyRef
    version: int
    channel: str
    delivery: str
    post_address: str
    receiving_agency: AgencyRef
    current_agency: AgencyRef
    owner_name: str
    submitter_name: str
    on_behalf: bool
    form: dict[str, Any]
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    original_due_at: datetime | None
    supplement_requested_at: datetime | None
    result_ready_at: datetime | None
    returned_at: datetime | None
    timeliness: str
    agency_fault: bool
    revision: int
    allowed_actions: list[str]
    documents: list[DocumentOut]
    events: list[EventOut]


class LookupOut(Schema):
    code: str
    procedure: str
    state: str
    state_label: str
    national_status: int | None
    submitted_at: datetime | None
    received_at: datetime | None
    supplement_requested_at: datetime | None
    due_at: datetime | None
    result_ready_at: datetime | None
    returned_at: datetime | None


class ErrorOut(Schema):
    message: str
    detail: str
    problems: dict[str, list[str]] = {}


# --- rendering --------------------------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    """Times go out in Asia/Ho_Chi_Minh (+07:00), as the calendar API gives them."""
    return timezone.localtime(moment) if moment is not None else None


def _ref(obj) -> dict:
    return {"code": obj.code, "name": obj.name}


def render_dossier(dossier: Dossier, user) -> dict:
    files = dossier.documents.select_related("stored_file").all()
    return {
        "code": dossier.code,
        "state": dossier.state,
        "state_label": dossier.get_state_display(),
        "national_status": dossier.national_status,
        "procedure": _ref(dossier.procedure),
        "version": dossier.version.number,
        "channel": dossier.channel,
        "delivery": dossier.delivery,
        "post_address": dossier.post_address,
        "receiving_agency": _ref(dossier.receiving_agency),
        "current_agency": _ref(dossier.current_agency),
        "owner_name": dossier.owner_name,
        "submitter_name": dossier.submitter_name,
        "on_behalf": dossier.on_behalf,
        "form": dossier.form_data,
        "submitted_at": _local(dossier.submitted_at),
        "received_at": _local(dossier.received_at),
        "due_at": _local(dossier.due_at),
        "original_due_at": _local(dossier.original_due_at),
        "supplement_requested_at": _local(dossier.supplement_requested_at),
        "result_ready_at": _local(dossier.result_ready_at),
        "returned_at": _local(dossier.returned_at),
        "timeliness": dossier.timeliness,
        "agency_fault": dossier.agency_fault,
        "revision": dossier.revision,
        "allowed_actions": [str(a) for a in allowed_from(State(dossier.state))],
        "documents": [
            {
                "id": d.document_key,
                "file": d.stored_file_id,
                "name": d.stored_file.original_name,
                "content_type": d.stored_file.content_type,
                "size": d.stored_file.size,
                "sha256": d.stored_file.sha256,
                "round": d.round,
                "reused": d.reused,
                "url": f"/tai-lieu/{d.stored_file_id}/",
            }
            for d in files
        ],
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "at": _local(e.at),
                "agency": e.actor_agency.code if e.actor_agency else None,
                "note": e.note,
            }
            for e in dossier.events.select_related("actor_agency").order_by("seq")
        ],
    }


# --- submission -------------------------------------------------------------------------------


def _file_digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _request_hash(data: DossierIn, request: HttpRequest) -> str:
    """The content of a submission: the canonical ``data`` plus the SHA-256 of each file —
    not the raw multipart bytes, whose boundary changes on every retry."""
    files = sorted(
        (name, _file_digest(upload))
        for name in request.FILES
        for upload in request.FILES.getlist(name)
    )
    canonical = json.dumps(
        {"data": data.model_dump(mode="json"), "files": files},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(user, key: str, request_hash: str) -> tuple[IdempotencyKey | None, Dossier | None]:
    """(our claim, or the dossier an earlier identical request made). Raises 409 while the
    first request is in flight and 422 when the same key came with other content."""
    now = timezone.now()
    try:
        with transaction.atomic():
            claim = IdempotencyKey.objects.create(
                user=user,
                endpoint=SUBMIT_ENDPOINT,
                key=key,
                request_hash=request_hash,
                claimed_at=now,
            )
        return claim, None
    except IntegrityError:
        pass
    existing = IdempotencyKey.objects.select_related("dossier").get(
        user=user, endpoint=SUBMIT_ENDPOINT, key=key
    )
    if existing.request_hash != request_hash:
        raise HttpError(422, "Idempotency-Key này đã dùng cho một yêu cầu có nội dung khác.")
    if existing.completed_at is not None:
        return None, existing.dossier
    if now - existing.claimed_at < IDEMPOTENCY_LEASE:
        raise HttpError(409, "Yêu cầu với Idempotency-Key này đang được xử lý; vui lòng đợi.")
    # A crashed first attempt: take the key over.
    taken = IdempotencyKey.objects.filter(pk=existing.pk, claimed_at=existing.claimed_at).update(
        claimed_at=now
    )
    if not taken:
        raise HttpError(409, "Yêu cầu với Idempotency-Key này đang được xử lý; vui lòng đợi.")
    existing.claimed_at = now
    return existing, None


def _store_files(
    request: HttpRequest, reuse: dict[str, list[uuid.UUID]], user
) -> tuple[dict, frozenset[str]]:
    files: dict[str, list[StoredFile]] = {}
    sizes = []
    for name in request.FILES:
        if not name.startswith("document_"):
            raise InvalidInput(
                "Tệp phải gửi trong phần tên document_<id>.", {name: ["Tên phần không hợp lệ."]}
            )
        key = name.removeprefix("document_")
        for upload in request.FILES.getlist(name):
            sizes.append(upload.size or 0)
            try:
                stored = documents.store_upload(
                    upload, name=upload.name, owner=user, uploaded_by=user
                )
            except DocumentRejected as exc:
                raise InvalidInput(exc.messages[0], {name: exc.messages}) from None
            files.setdefault(key, []).append(stored)
    reused = set()
    for key, ids in reuse.items():
        for file_id in ids:
            stored = StoredFile.objects.filter(pk=file_id).first()
            try:
                if stored is None:
                    raise DocumentRejected("Không tìm thấy tệp để dùng lại.")
                stored = documents.reuse(stored, by=user)
            except DocumentRejected as exc:
                raise InvalidInput(exc.messages[0], {f"reuse.{key}": exc.messages}) from None
            sizes.append(stored.size)
            files.setdefault(key, []).append(stored)
            reused.add(key)
    try:
        documents.check_dossier_total(sizes)
    except DocumentRejected as exc:
        raise InvalidInput(exc.messages[0]) from None
    return files, frozenset(reused)


def _parse(raw: str) -> DossierIn:
    try:
        return DossierIn.model_validate_json(raw)
    except PydanticError as exc:
        problems: dict[str, list[str]] = {}
        for line in describe_errors(exc.errors()):
            path, _, message = line.partition(": ")
            problems.setdefault(path, []).append(message)
        raise InvalidInput("Dữ liệu hồ sơ không hợp lệ.", problems) from None


SUBMIT_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "data": {
                            "type": "string",
                            "description": "JSON: procedure_code, delivery (counter|online|post), "
                            "post_address?, agency?, applicant?, form?, reuse?",
                        },
                    },
                    "additionalProperties": {
                        "type": "string",
                        "format": "binary",
                        "description": "document_<id>: one part per file of a document",
                    },
                }
            }
        },
        "required": True,
    }
}


@router.post(
    "/dossiers",
    auth=signed_in,
    response={
        200: DossierOut,
        201: DossierOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Nộp hồ sơ trực tuyến",
    openapi_extra=SUBMIT_BODY,
)
def submit_dossier(request: HttpRequest, data: Form[str]):
    """Nộp hồ sơ: phần `data` (JSON) và mỗi tệp một phần `document_<id>` theo `id` giấy tờ
    của thủ tục. Gửi kèm `Idempotency-Key` để thử lại an toàn: cùng khóa, cùng nội dung →
    cùng hồ sơ; khác nội dung → 422; yêu cầu đầu đang xử lý → 409."""
    parsed = _parse(data)
    user = request.user
    key = request.headers.get("Idempotency-Key", "").strip()[:200]
    claim = None
    if key:
        claim, earlier = _claim(user, key, _request_hash(parsed, request))
        if earlier is not None:
            return Status(200, render_dossier(earlier, user))
    try:
        dossier = _submit(request, parsed, claim)
    except BaseException:
        if claim is not None:
            IdempotencyKey.objects.filter(pk=claim.pk, completed_at__isnull=True).delete()
        raise
    return Status(201, render_dossier(dossier, user))


def _submit(request: HttpRequest, parsed: DossierIn, claim: IdempotencyKey | None) -> Dossier:
    user = request.user
    procedure = (
        Procedure.objects.select_related("current_version")
        .filter(code=parsed.procedure_code)
        .first()
    )
    if procedure is None or procedure.current_version is None:
        raise InvalidInput(
            "Không có thủ tục đang công bố với mã này.",
            {"procedure_code": ["Không tìm thấy thủ tục."]},
        )
    agency = None
    if parsed.agency:
        agency = Agency.objects.filter(code=parsed.agency).first()
        if agency is None:
            raise InvalidInput("Không tìm thấy nơi tiếp nhận.", {"agency": ["Không tìm thấy."]})
    files, reused = _store_files(request, parsed.reuse, user)
    applicant = None
    if parsed.applicant is not None:
        phone = parsed.applicant.phone
        if phone:
            try:
                phone = normalise_phone(phone)
            except ValidationError as exc:
                raise InvalidInput(exc.messages[0], {"applicant.phone": exc.messages}) from None
        applicant = services.Applicant(**{**parsed.applicant.model_dump(), "phone": phone})
    submission = services.Submission(
        version=procedure.current_version,
        delivery=parsed.delivery,
        agency=agency,
        post_address=parsed.post_address,
        applicant=applicant,
        form=parsed.form,
        files=files,
        reused=reused,
    )

    def complete_claim(dossier: Dossier) -> None:
        if claim is not None:
            IdempotencyKey.objects.filter(pk=claim.pk).update(
                dossier=dossier, completed_at=timezone.now()
            )

    return services.submit(submission, ctx=Context.of(request), on_created=complete_claim)


# --- reading and acting -----------------------------------------------------------------------


@router.get(
    "/dossiers/{code}",
    auth=signed_in,
    response={200: DossierOut, 404: ErrorOut},
    summary="Xem hồ sơ",
)
def get_dossier(request: HttpRequest, code: str):
    return render_dossier(services.get_visible(request.user, code), request.user)


@router.get(
    "/dossiers/{code}/forms/{number}",
    auth=signed_in,
    response={200: None, 404: ErrorOut, 409: ErrorOut},
    summary="Mẫu 01–06 của hồ sơ (PDF)",
    openapi_extra={"responses": {200: {"description": "PDF", "content": {"application/pdf": {}}}}},
)
def dossier_form(
    request: HttpRequest, code: str, number: Literal["01", "02", "03", "04", "05", "06"]
):
    """Giấy tiếp nhận và hẹn trả (01), phiếu yêu cầu bổ sung (02), phiếu từ chối (03),
    phiếu xin lỗi và hẹn lại (04), thông báo dừng giải quyết (05), phiếu kiểm soát quá trình
    giải quyết (06, chỉ cán bộ); 409 khi mẫu chưa áp dụng cho hồ sơ ở trạng thái hiện tại
    hoặc cho người xem."""
    dossier = services.get_visible(request.user, code)
    try:
        pdf = forms.render_for(dossier, number, viewer=request.user)
    except forms.FormNotApplicable as exc:
        raise HttpError(409, str(exc)) from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="mau-{number}-{dossier.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


class MissingIn(Schema):
    name: str = PField(min_length=1)
    reason: str = PField(min_length=1)
    document_id: str = ""


class ActionIn(Schema):
    """Fields used by the actions; each action reads its own (see the action list)."""

    revision: int | None = None
    note: str = ""
    reason: str = ""
    reasons: str = ""
    missing: list[MissingIn] = []
    amount: int | None = None
    extra_working_days: int | None = None
    new_due_at: datetime | None = None
    to_agency: str | None = None
    reuse: dict[str, list[uuid.UUID]] = {}
    assignee: str | None = None  # username of the officer the step is assigned to
    send_back: bool = False
    agency: str | None = None  # the agency asked for its opinion
    question: str = ""
    working_days: int | None = None
    consultation: int | None = None
    answer: str = ""


def _agency(code: str | None) -> Agency | None:
    if not code:
        return None
    found = Agency.objects.filter(code=code).first()
    if found is None:
        raise InvalidInput("Không tìm thấy cơ quan.", {"to_agency": ["Không tìm thấy."]})
    return found


def _officer(username: str | None):
    found = User.objects.filter(username=username or "", is_active=True).first()
    if found is None:
        raise InvalidInput("Không tìm thấy người được giao.", {"assignee": ["Không tìm thấy."]})
    return found


def _consultation(dossier: Dossier, pk: int | None):
    found = dossier.consultations.filter(pk=pk).first() if pk else None
    if found is None:
        raise InvalidInput(
            "Không tìm thấy yêu cầu xin ý kiến.", {"consultation": ["Không tìm thấy."]}
        )
    return found


def _supplement_files(request: HttpRequest, body: ActionIn) -> dict:
    files, _ = _store_files(request, body.reuse, request.user)
    return files


ACTIONS = {
    "receive": lambda d, c, b, r: services.receive(d, ctx=c, note=b.note),
    "request-supplement": lambda d, c, b, r: services.request_supplement(
        d,
        ctx=c,
        note=b.note,
        missing=[services.MissingItem(m.name, m.reason, m.document_id) for m in b.missing],
    ),
    "supplement": lambda d, c, b, r: services.supplement(
        d, ctx=c, note=b.note, files=_supplement_files(r, b)
    ),
    "refuse": lambda d, c, b, r: services.refuse(d, ctx=c, reasons=b.reasons or b.reason),
    "route": lambda d, c, b, r: services.route(
        d, ctx=c, to_agency=_agency(b.to_agency), note=b.note
    ),
    "request-payment": lambda d, c, b, r: services.request_payment(
        d, ctx=c, amount=b.amount, note=b.note
    ),
    "confirm-payment": lambda d, c, b, r: services.confirm_payment(d, ctx=c, note=b.note),
    "stop": lambda d, c, b, r: services.stop(d, ctx=c, reason=b.reason or b.note),
    "withdraw": lambda d, c, b, r: services.withdraw(d, ctx=c, reason=b.reason or b.note),
    "apologise": lambda d, c, b, r: services.apologise(
        d,
        ctx=c,
        reason=b.reason or b.note,
        extra_working_days=b.extra_working_days,
        new_due_at=b.new_due_at,
    ),
    "result-ready": lambda d, c, b, r: services.result_ready(d, ctx=c, note=b.note),
    "assign": lambda d, c, b, r: services.assign(
        d, ctx=c, assignee=_officer(b.assignee), note=b.note
    ),
    "complete-step": lambda d, c, b, r: services.complete_step(
        d, ctx=c, note=b.note, send_back=b.send_back
    ),
    "transfer": lambda d, c, b, r: services.transfer(
        d, ctx=c, to_agency=_agency(b.to_agency), note=b.note or b.reason
    ),
    "consult": lambda d, c, b, r: services.consult(
        d,
        ctx=c,
        agency=_agency(b.agency),
        question=b.question,
        working_days=b.working_days if b.working_days is not None else 0,
    ),
    "answer-consultation": lambda d, c, b, r: services.answer_consultation(
        d, ctx=c, consultation=_consultation(d, b.consultation), answer=b.answer
    ),
    "return-result": lambda d, c, b, r: services.return_result(d, ctx=c, note=b.note),
}


def _action_body(request: HttpRequest) -> ActionIn:
    if request.content_type == "multipart/form-data":
        raw = request.POST.get("data", "") or "{}"
    else:
        raw = request.body.decode("utf-8") if request.body else "{}"
    try:
        return ActionIn.model_validate_json(raw or "{}")
    except PydanticError as exc:
        problems: dict[str, list[str]] = {}
        for line in describe_errors(exc.errors()):
            path, _, message = line.partition(": ")
            problems.setdefault(path, []).append(message)
        raise InvalidInput("Dữ liệu không hợp lệ.", problems) from None


@router.post(
    "/dossiers/{code}/actions/{action}",
    auth=signed_in,
    response={
        200: DossierOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Thực hiện thao tác trên hồ sơ",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": ActionIn.model_json_schema()}},
            "required": False,
        }
    },
)
def act(request: HttpRequest, code: str, action: str):
    """Thao tác: receive, request-supplement, supplement, refuse, route, assign, transfer,
    consult, answer-consultation, complete-step, request-payment, confirm-payment, stop,
    withdraw, apologise, result-ready, return-result. Gửi `revision` đã thấy để tránh ghi đè
    thay đổi của người khác (409)."""
    dossier = services.get_visible(request.user, code)
    call = ACTIONS.get(action)
    if call is None:
        raise NotVisible(f"Không có thao tác “{action}”.")
    # Who and when before what: 404, 403, 409, then 422 (docs/api/dossiers.md).
    services.precheck(dossier, Action(action), by=request.user)
    body = _action_body(request)
    if body.revision is not None and body.revision != dossier.revision:
        raise ConcurrentUpdate()
    dossier = call(dossier, Context.of(request), body, request)
    dossier.refresh_from_db()
    return render_dossier(dossier, request.user)


# --- public look-up ---------------------------------------------------------------------------


@router.get(
    "/lookup",
    auth=None,
    response={200: LookupOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Tra cứu hồ sơ (không cần đăng nhập)",
)
def lookup(request: HttpRequest, code: str, phone: str = "", id_number: str = ""):
    """Mã hồ sơ cùng số điện thoại hoặc số định danh của chủ hồ sơ → trạng thái và các mốc
    thời gian. Mã sai hay số điện thoại sai đều trả cùng một câu trả lời 404."""
    if not lookup_allowed(client_ip(request)):
        raise HttpError(429, "Tra cứu quá nhiều lần; vui lòng thử lại sau một phút.")
    dossier = services.lookup(code, phone=phone, id_number=id_number)
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "state": dossier.state,
        "state_label": dossier.get_state_display(),
        "national_status": dossier.national_status,
        "submitted_at": _local(dossier.submitted_at),
        "received_at": _local(dossier.received_at),
        "supplement_requested_at": _local(dossier.supplement_requested_at),
        "due_at": _local(dossier.due_at),
        "result_ready_at": _local(dossier.result_ready_at),
        "returned_at": _local(dossier.returned_at),
    }


def dossier_error_response(api, request: HttpRequest, exc: DossierError):
    body = error_body(exc.message)
    if isinstance(exc, InvalidInput):
        body["problems"] = exc.problems
    return api.create_response(request, body, status=exc.status)
