"""The officer's actions as HTML forms: each parses its POST fields and calls its one
service (issue 4 §1). Rules and messages come from ``dossiers.services``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_noop

from motcua.accounts.models import User
from motcua.catalog.models import Agency
from motcua.core.calendar import VN_TZ
from motcua.delivery import services as delivery
from motcua.documents import services as documents
from motcua.documents.errors import DocumentRejected
from motcua.documents.models import StoredFile
from motcua.dossiers import services
from motcua.dossiers.errors import ConcurrentUpdate, InvalidInput
from motcua.dossiers.events import Context
from motcua.dossiers.models import Delivery, Dossier
from motcua.dossiers.transitions import Action

# What the officer sees on each action's button, in Vietnamese.
LABELS: dict[Action, str] = {
    Action.RECEIVE: gettext_noop("Tiếp nhận"),
    Action.REQUEST_SUPPLEMENT: gettext_noop("Yêu cầu bổ sung"),
    Action.REFUSE: gettext_noop("Từ chối tiếp nhận"),
    Action.ROUTE: gettext_noop("Chuyển xử lý"),
    Action.ASSIGN: gettext_noop("Phân công"),
    Action.COMPLETE_STEP: gettext_noop("Hoàn thành bước"),
    Action.TRANSFER: gettext_noop("Chuyển cơ quan khác (liên thông)"),
    Action.CONSULT: gettext_noop("Xin ý kiến"),
    Action.ANSWER_CONSULTATION: gettext_noop("Trả lời xin ý kiến"),
    Action.REQUEST_PAYMENT: gettext_noop("Yêu cầu thực hiện nghĩa vụ tài chính"),
    Action.CONFIRM_PAYMENT: gettext_noop("Xác nhận đã nộp tiền"),
    Action.APOLOGISE: gettext_noop("Xin lỗi, hẹn lại ngày trả"),
    Action.STOP: gettext_noop("Dừng giải quyết"),
    Action.RESULT_READY: gettext_noop("Duyệt kết quả"),
    Action.RETURN_RESULT: gettext_noop("Trả kết quả"),
    Action.SUBMIT: gettext_noop("Nộp hồ sơ"),
    Action.SUPPLEMENT: gettext_noop("Nhận bổ sung tại quầy"),
    Action.WITHDRAW: gettext_noop("Rút hồ sơ"),
}
# A result received by post is handed to the post; it is returned when delivered.
POST_RETURN_LABEL = gettext_noop("Gửi kết quả qua bưu chính")


def label(dossier: Dossier, action: Action) -> str:
    if action == Action.RETURN_RESULT and dossier.delivery == Delivery.POST:
        return POST_RETURN_LABEL
    return LABELS[action]


def _text(post: QueryDict, name: str) -> str:
    return post.get(name, "").strip()


def _agency(post: QueryDict, name: str, *, required: bool) -> Agency | None:
    code = _text(post, name)
    if not code:
        if required:
            raise InvalidInput("Cần chọn cơ quan.", {name: ["Cần chọn cơ quan."]})
        return None
    found = Agency.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise InvalidInput("Không tìm thấy cơ quan.", {name: ["Không tìm thấy cơ quan."]})
    return found


def _int(post: QueryDict, name: str, label: str) -> int:
    raw = _text(post, name).replace(".", "").replace(" ", "")
    if not raw.isdigit():
        raise InvalidInput(f"{label} phải là số nguyên.", {name: [f"{label} phải là số nguyên."]})
    return int(raw)


def _missing(post: QueryDict, dossier: Dossier) -> list[services.MissingItem]:
    """Form 02's lines: the documents ticked, each with its reason, and a free line."""
    items = []
    names = {d.key: d.name for d in dossier.version.documents.all()}
    for key in post.getlist("missing"):
        if key in names:
            reason = _text(post, f"reason_{key}") or "Chưa có hoặc chưa hợp lệ."
            items.append(services.MissingItem(names[key], reason, key))
    other = _text(post, "other_missing")
    if other:
        items.append(services.MissingItem(other, _text(post, "other_reason") or "Cần bổ sung."))
    return items


def _new_due(post: QueryDict) -> datetime | None:
    raw = _text(post, "new_due_date")
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("Ngày hẹn mới không hợp lệ.", {"new_due_date": ["dd/mm/yyyy"]}) from None
    return datetime.combine(day, time(17, 0), tzinfo=VN_TZ)


def _assignee(post: QueryDict) -> User:
    found = User.objects.filter(pk=_text(post, "assignee") or 0, is_active=True).first()
    if found is None:
        raise InvalidInput("Cần chọn người được giao.", {"assignee": ["Cần chọn người được giao."]})
    return found


def _next_assignee(post: QueryDict) -> User | None:
    chosen = _text(post, "next_assignee")
    if not chosen:
        return None
    return User.objects.filter(pk=chosen if chosen.isdigit() else 0, is_active=True).first()


def _scanned_supplement(request: HttpRequest, dossier: Dossier) -> Dossier:
    """Papers the applicant brought to the desk, scanned in by the one-stop officer."""
    files: dict[str, list[StoredFile]] = {}
    for document in dossier.version.documents.all():
        for upload in request.FILES.getlist(f"document_{document.key}"):
            try:
                stored = documents.store_upload(
                    upload,
                    name=upload.name,
                    owner=dossier.owner,
                    uploaded_by=request.user,
                    digitized=True,
                )
            except DocumentRejected as exc:
                raise InvalidInput(exc.messages[0], {document.key: exc.messages}) from None
            files.setdefault(document.key, []).append(stored)
    return services.supplement(
        dossier, ctx=Context.of(request), files=files, note=_text(request.POST, "note")
    )


Handler = Callable[[Dossier, Context, QueryDict], Dossier]

HANDLERS: dict[Action, Handler] = {
    Action.RECEIVE: lambda d, c, p: services.receive(d, ctx=c, note=_text(p, "note")),
    Action.REQUEST_SUPPLEMENT: lambda d, c, p: services.request_supplement(
        d, ctx=c, missing=_missing(p, d), note=_text(p, "note")
    ),
    Action.REFUSE: lambda d, c, p: services.refuse(d, ctx=c, reasons=_text(p, "reasons")),
    Action.ROUTE: lambda d, c, p: services.route(
        d, ctx=c, to_agency=_agency(p, "to_agency", required=False), note=_text(p, "note")
    ),
    Action.ASSIGN: lambda d, c, p: services.assign(
        d, ctx=c, assignee=_assignee(p), note=_text(p, "note")
    ),
    Action.COMPLETE_STEP: lambda d, c, p: services.complete_step(
        d,
        ctx=c,
        note=_text(p, "note"),
        send_back=p.get("send_back") == "1",
        next_assignee=_next_assignee(p) if p.get("send_back") != "1" else None,
    ),
    Action.TRANSFER: lambda d, c, p: services.transfer(
        d, ctx=c, to_agency=_agency(p, "to_agency", required=True), note=_text(p, "note")
    ),
    Action.CONSULT: lambda d, c, p: services.consult(
        d,
        ctx=c,
        agency=_agency(p, "agency", required=True),
        question=_text(p, "question"),
        working_days=_int(p, "working_days", "Thời hạn trả lời"),
    ),
    Action.ANSWER_CONSULTATION: lambda d, c, p: services.answer_consultation(
        d,
        ctx=c,
        consultation=d.consultations.filter(pk=_text(p, "consultation") or 0).first(),
        answer=_text(p, "answer"),
    ),
    Action.REQUEST_PAYMENT: lambda d, c, p: services.request_payment(
        d, ctx=c, amount=_int(p, "amount", "Số tiền"), note=_text(p, "note")
    ),
    Action.CONFIRM_PAYMENT: lambda d, c, p: services.confirm_payment(
        d, ctx=c, note=_text(p, "note")
    ),
    Action.APOLOGISE: lambda d, c, p: services.apologise(
        d,
        ctx=c,
        reason=_text(p, "reason"),
        new_due_at=_new_due(p),
        extra_working_days=(
            _int(p, "extra_working_days", "Số ngày gia hạn")
            if _text(p, "extra_working_days")
            else None
        ),
    ),
    Action.STOP: lambda d, c, p: services.stop(d, ctx=c, reason=_text(p, "reason")),
    Action.RESULT_READY: lambda d, c, p: services.result_ready(d, ctx=c, note=_text(p, "note")),
    Action.RETURN_RESULT: lambda d, c, p: _return_result(d, c, p),
}


def _return_result(dossier: Dossier, ctx: Context, post: QueryDict) -> Dossier:
    """At the counter or online the result is returned now; a result received by post is
    handed to the post (a shipment, through the outbox), and the dossier is returned when
    the post reports it delivered (docs/post.md)."""
    if dossier.delivery == Delivery.POST:
        delivery.create_delivery(dossier, ctx=ctx)
        return dossier
    return services.return_result(dossier, ctx=ctx, note=_text(post, "note"))


def perform(request: HttpRequest, dossier: Dossier, action: Action) -> Dossier:
    """Run one action for the signed-in officer; the revision the page showed guards against
    a colleague's change in between (409)."""
    seen = request.POST.get("revision", "")
    if seen.isdigit() and int(seen) != dossier.revision:
        raise ConcurrentUpdate()
    if action == Action.SUPPLEMENT:
        return _scanned_supplement(request, dossier)
    return HANDLERS[action](dossier, Context.of(request), request.POST)
