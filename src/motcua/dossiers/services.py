"""The one write path of the dossier (DESIGN: one write path; STYLE: Signalen).

Every function checks who acts (404 before 403), the transition against
``transitions.TRANSITIONS`` (409), the revision the caller saw (409, nothing half-written),
then writes the change, appends one hash-chained event and enqueues the notices — in one
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker

from motcua.accounts.models import OfficerRole, User
from motcua.catalog import services as catalog
from motcua.catalog.models import Agency, AgencyKind, ProcedureVersion
from motcua.core import email
from motcua.documents.models import StoredFile

from . import deadlines, notices
from .errors import ConcurrentUpdate, InvalidInput, InvalidTransition, NotPermitted, NotVisible
from .events import Context, record_event
from .models import (
    TERMINAL,
    Channel,
    DailySerial,
    Delivery,
    Dossier,
    DossierDocument,
    State,
)
from .transitions import CITIZEN, RECEIVING, TRANSITIONS, Action, Rule

# --- who sees and who acts ------------------------------------------------------------------


def officer_agency_ids(user: User) -> set[int]:
    return set(
        OfficerRole.objects.filter(user=user, active=True).values_list("agency_id", flat=True)
    )


def visible_to(user: User) -> QuerySet[Dossier]:
    """A citizen sees the dossiers they filed or own; an officer those of their agencies."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    mine = Q(account=user) | Q(owner=user)
    agencies = officer_agency_ids(user)
    if agencies:
        mine |= (Q(receiving_agency_id__in=agencies) | Q(current_agency_id__in=agencies)) & ~Q(
            state=State.DRAFT
        )
    return Dossier.objects.filter(mine)


def get_visible(user: User, code: str) -> Dossier:
    dossier = (
        visible_to(user)
        .select_related("procedure", "version", "receiving_agency", "current_agency")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise NotVisible()
    return dossier


def _is_party(dossier: Dossier, user: User) -> bool:
    return user.pk in (dossier.account_id, dossier.owner_id)


def _acting_agency(dossier: Dossier, rule: Rule, user: User) -> tuple[bool, Agency | None]:
    """(allowed, the agency the officer acts for) under one of the rule's actors."""
    for actor in rule.actors:
        if actor.kind == CITIZEN:
            if _is_party(dossier, user):
                return True, None
            continue
        agency = dossier.receiving_agency if actor.where == RECEIVING else dossier.current_agency
        if OfficerRole.objects.filter(
            user=user, agency=agency, role=actor.role, active=True
        ).exists():
            return True, agency
    return False, None


def lock_for_action(dossier: Dossier, action: Action, *, by: User) -> tuple[Dossier, Agency | None]:
    """Inside a transaction: lock the row, check revision, permission and state."""
    rule = TRANSITIONS[action]
    locked = (
        Dossier.objects.select_for_update()
        .select_related("version", "receiving_agency", "current_agency", "procedure")
        .get(pk=dossier.pk)
    )
    if not (visible_to(by).filter(pk=locked.pk).exists() or _is_party(locked, by)):
        raise NotVisible()
    allowed, agency = _acting_agency(locked, rule, by)
    if not allowed:
        raise NotPermitted("Vai trò của bạn không được thực hiện thao tác này với hồ sơ.")
    if locked.revision != dossier.revision:
        raise ConcurrentUpdate()
    if State(locked.state) not in rule.sources:
        raise InvalidTransition(
            f"Không thể “{action}” khi hồ sơ đang ở trạng thái “{State(locked.state).label}”."
        )
    return locked, agency


def _save(dossier: Dossier, *fields: str) -> None:
    dossier.revision += 1
    dossier.save(update_fields=[*fields, "revision", "event_seq", "event_head", "updated_at"])


# --- codes ------------------------------------------------------------------------------------


def next_serial(agency: Agency, day) -> int:
    """The next daily serial of ``agency``: one atomic upsert in the caller's transaction,
    the same statement on SQLite (3.35+) and PostgreSQL; a rolled-back dossier gives its
    number back, so serials never skip."""
    table = DailySerial._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (province_code, agency_id, day, last) VALUES (%s, %s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (province_code, agency_id, day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [settings.MOTCUA["PROVINCE_CODE"], agency.pk, day],
        )
        return cursor.fetchone()[0]


def dossier_code(agency: Agency, submitted_at: datetime) -> str:
    """``<agency identifier>-<YYMMDD>-<NNNN>``; past 9,999 in a day the serial simply grows
    to five digits (docs/adr/0005)."""
    day = timezone.localdate(submitted_at)
    return f"{agency.code}-{day:%y%m%d}-{next_serial(agency, day):04d}"


# --- submission -------------------------------------------------------------------------------


@dataclass
class Applicant:
    """The dossier's owner when not the signed-in citizen (filing on someone's behalf)."""

    full_name: str
    id_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass
class Submission:
    version: ProcedureVersion
    delivery: str
    agency: Agency | None = None
    post_address: str = ""
    applicant: Applicant | None = None
    form: dict[str, Any] = field(default_factory=dict)
    files: Mapping[str, list[StoredFile]] = field(default_factory=dict)
    reused: frozenset[str] = frozenset()
    channel: str = Channel.ONLINE


def default_agency(version: ProcedureVersion, user: User | None) -> Agency | None:
    """The applicant's commune desk for commune procedures, else the published default."""
    tiers = {t.code for t in version.tiers.all()}
    if user is not None and user.address_unit_id and "commune" in tiers:
        desk = Agency.objects.filter(
            unit_id=user.address_unit_id,
            receives_dossiers=True,
            is_active=True,
            kind=AgencyKind.ONE_STOP_DESK,
        ).first()
        if desk is not None:
            return desk
    return catalog.default_receiver(version)


def _form_problems(schema: dict | None, data: dict) -> dict[str, list[str]]:
    if not schema:
        return {}
    problems: dict[str, list[str]] = {}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for error in validator.iter_errors(data):
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            title = schema.get("properties", {}).get(missing, {}).get("title", missing)
            problems.setdefault(f"form.{missing}", []).append(f"Thiếu “{title}”.")
        else:
            path = ".".join(str(p) for p in error.absolute_path)
            title = schema.get("properties", {}).get(path, {}).get("title", path or "tờ khai")
            problems.setdefault(f"form.{path}", []).append(f"“{title}” không hợp lệ.")
    return problems


def check_submission(sub: Submission, *, by: User) -> dict[str, list[str]]:
    """The self-check: everything missing or wrong, listed at once (empty when complete)."""
    problems: dict[str, list[str]] = {}
    version = sub.version
    if version.procedure.current_version_id != version.pk:
        problems["procedure_code"] = ["Thủ tục này không còn được công bố."]
    if sub.delivery not in Delivery.values:
        problems["delivery"] = ["Hình thức nhận kết quả phải là counter, online hoặc post."]
    elif sub.delivery == Delivery.POST and not sub.post_address.strip():
        problems["post_address"] = ["Cần địa chỉ nhận kết quả qua bưu chính."]
    if sub.agency is None or not sub.agency.receives_dossiers or not sub.agency.is_active:
        problems["agency"] = ["Nơi tiếp nhận không nhận hồ sơ."]
    documents = {d.key: d for d in version.documents.all()}
    for key in sub.files:
        if key not in documents:
            problems[f"document_{key}"] = ["Thủ tục không có giấy tờ này."]
    for key, document in documents.items():
        if document.required and not sub.files.get(key):
            if document.key.startswith("van-ban-uy-quyen") and sub.applicant is None:
                continue  # the authorisation is needed only when filing for someone else
            problems[f"document_{key}"] = [f"Thiếu “{document.name}”."]
    for key, files in sub.files.items():
        for stored in files:
            if stored.owner_id not in (None, by.pk) and stored.uploaded_by_id != by.pk:
                problems[f"document_{key}"] = ["Tệp không thuộc về bạn."]
            elif stored.deleted_at is not None:
                problems[f"document_{key}"] = ["Tệp đã bị xóa khỏi kho lưu trữ."]
    if sub.applicant is not None and not sub.applicant.full_name.strip():
        problems["applicant.full_name"] = ["Cần họ tên chủ hồ sơ."]
    problems.update(_form_problems(version.form_schema, sub.form))
    return problems


def submit(sub: Submission, *, ctx: Context, on_created=None) -> Dossier:
    """File a complete dossier online: it gets its code and is ``submitted`` (national 1).

    ``on_created(dossier)`` runs inside the same transaction (the API completes the
    idempotency key there)."""
    by: User = ctx.by
    sub.agency = sub.agency or default_agency(sub.version, by)
    problems = check_submission(sub, by=by)
    if problems:
        raise InvalidInput("Hồ sơ chưa đầy đủ hoặc có thông tin không hợp lệ.", problems)
    applicant = sub.applicant
    now = timezone.now()
    with transaction.atomic():
        # Lock the files against a purge running at this moment.
        ids = [stored.pk for files in sub.files.values() for stored in files]
        alive = set(
            StoredFile.objects.select_for_update()
            .filter(pk__in=ids, deleted_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if alive != set(ids):
            raise InvalidInput("Có tệp vừa bị xóa khỏi kho lưu trữ; vui lòng tải lên lại.")
        dossier = Dossier(
            province_code=settings.MOTCUA["PROVINCE_CODE"],
            procedure=sub.version.procedure,
            version=sub.version,
            receiving_agency=sub.agency,
            current_agency=sub.agency,
            state=State.DRAFT,
            channel=sub.channel,
            delivery=sub.delivery,
            post_address=sub.post_address.strip(),
            account=by,
            owner=None if applicant else by,
            owner_name=applicant.full_name if applicant else (by.full_name or by.username),
            owner_id_number=applicant.id_number if applicant else (by.id_number or ""),
            owner_phone=applicant.phone if applicant else (by.phone or ""),
            owner_email=applicant.email if applicant else (by.email or ""),
            owner_address=applicant.address if applicant else by.address_line,
            submitter_name=by.full_name or by.username,
            submitter_phone=by.phone or "",
            on_behalf=applicant is not None,
            form_data=sub.form,
        )
        dossier.save()
        dossier.code = dossier_code(sub.agency, now)
        dossier.submitted_at = now
        dossier.state = State.SUBMITTED
        DossierDocument.objects.bulk_create(
            DossierDocument(
                province_code=dossier.province_code,
                dossier=dossier,
                document_key=key,
                stored_file=stored,
                reused=key in sub.reused,
                round=0,
            )
            for key, files in sub.files.items()
            for stored in files
        )
        record_event(
            dossier,
            Action.SUBMIT,
            ctx=ctx,
            from_state=State.DRAFT,
            to_state=State.SUBMITTED,
            at=now,
            data={"channel": sub.channel, "agency": sub.agency.code},
        )
        _save(dossier, "code", "submitted_at", "state")
        if on_created is not None:
            on_created(dossier)
    return dossier


# --- actions ----------------------------------------------------------------------------------


def _notify(dossier: Dossier, kind: str, event_seq: int, **context: Any) -> None:
    """Legally required notices (receipt, supplement, refusal, apology, result) by e-mail
    through the outbox; SMS joins with issue 5."""
    if not dossier.owner_email:
        return
    subject, body = notices.render(kind, dossier, **context)
    email.enqueue_email(
        key=f"{dossier.province_code}:{dossier.code}:{event_seq}:email",
        to=[dossier.owner_email],
        subject=subject,
        body=body,
    )


def receive(dossier: Dossier, *, ctx: Context, note: str = "") -> Dossier:
    """Form 01: the receipt and appointment slip; the clock starts now."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.RECEIVE, by=ctx.by)
        now = timezone.now()
        due = deadlines.due_from(dossier, now)
        dossier.state = State.RECEIVED
        dossier.received_at = dossier.clock_started_at = now
        dossier.due_at = dossier.original_due_at = due.due_at if due else None
        event = record_event(
            dossier,
            Action.RECEIVE,
            ctx=_with_agency(ctx, agency),
            from_state=State.SUBMITTED,
            to_state=State.RECEIVED,
            note=note,
            at=now,
            data={"due_at": dossier.due_at.isoformat() if dossier.due_at else None},
        )
        _save(dossier, "state", "received_at", "clock_started_at", "due_at", "original_due_at")
        _notify(dossier, "received", event.seq)
    return dossier


@dataclass(frozen=True)
class MissingItem:
    """One line of Form 02: what is missing or wrong, and why."""

    name: str
    reason: str
    document_key: str = ""


def request_supplement(
    dossier: Dossier, *, ctx: Context, missing: Iterable[MissingItem], note: str = ""
) -> Dossier:
    """Form 02: everything missing, listed once. At reception the clock never started;
    during processing it stops and restarts in full when the complete dossier arrives; a
    request after 3 working days, or a second one, is flagged as the agency's fault."""
    missing = list(missing)
    if not missing:
        raise InvalidInput("Cần liệt kê ít nhất một giấy tờ hoặc nội dung cần bổ sung.")
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.REQUEST_SUPPLEMENT, by=ctx.by)
        before = State(dossier.state)
        at_reception = before in (State.SUBMITTED, State.RECEIVED)
        role_ok = OfficerRole.objects.filter(
            user=ctx.by,
            agency=agency,
            active=True,
            role="one_stop_officer" if at_reception else "specialist",
        ).exists()
        if not role_ok:
            raise NotPermitted(
                "Yêu cầu bổ sung khi tiếp nhận do cán bộ một cửa; khi đang giải quyết do "
                "chuyên viên thụ lý."
            )
        now = timezone.now()
        flagged = before == State.IN_PROCESS and deadlines.supplement_is_late(dossier, now)
        if before == State.RECEIVED:
            # Asked at reception after all: the clock is as if it never started.
            dossier.clock_started_at = dossier.due_at = dossier.original_due_at = None
        dossier.state = State.SUPPLEMENT_REQUESTED
        dossier.supplement_requested_at = now
        dossier.supplement_count += 1
        dossier.agency_fault = dossier.agency_fault or flagged
        items = [
            {"name": m.name, "reason": m.reason, "document_key": m.document_key} for m in missing
        ]
        event = record_event(
            dossier,
            Action.REQUEST_SUPPLEMENT,
            ctx=_with_agency(ctx, agency),
            from_state=before,
            to_state=State.SUPPLEMENT_REQUESTED,
            note=note,
            at=now,
            data={
                "missing": items,
                "at_reception": before != State.IN_PROCESS,
                "agency_fault": flagged,
                "round": dossier.supplement_count,
            },
        )
        _save(
            dossier,
            "state",
            "supplement_requested_at",
            "supplement_count",
            "agency_fault",
            "clock_started_at",
            "due_at",
            "original_due_at",
        )
        _notify(dossier, "supplement_requested", event.seq, missing=items)
    return dossier


def supplement(
    dossier: Dossier, *, ctx: Context, files: Mapping[str, list[StoredFile]], note: str = ""
) -> Dossier:
    """The citizen answers Form 02; a dossier asked at reception goes back to be received,
    one asked during processing goes on with its full limit counted again from now."""
    if not files and not note.strip():
        raise InvalidInput("Cần gửi giấy tờ hoặc nội dung bổ sung.")
    with transaction.atomic():
        dossier, _ = lock_for_action(dossier, Action.SUPPLEMENT, by=ctx.by)
        request = dossier.events.filter(action=Action.REQUEST_SUPPLEMENT).order_by("-seq").first()
        at_reception = request.data.get("at_reception", True) if request else True
        keys = {d.key for d in dossier.version.documents.all()}
        unknown = [k for k in files if k not in keys]
        if unknown:
            raise InvalidInput(f"Thủ tục không có giấy tờ: {', '.join(unknown)}.")
        now = timezone.now()
        round_no = dossier.supplement_count
        DossierDocument.objects.bulk_create(
            DossierDocument(
                province_code=dossier.province_code,
                dossier=dossier,
                document_key=key,
                stored_file=stored,
                round=round_no,
            )
            for key, stored_files in files.items()
            for stored in stored_files
        )
        target = State.SUBMITTED if at_reception else State.IN_PROCESS
        if not at_reception:
            due = deadlines.due_from(dossier, now)
            dossier.clock_started_at = now
            dossier.due_at = due.due_at if due else None
        dossier.state = target
        record_event(
            dossier,
            Action.SUPPLEMENT,
            ctx=ctx,
            from_state=State.SUPPLEMENT_REQUESTED,
            to_state=target,
            note=note,
            at=now,
            data={
                "documents": sorted(files),
                "round": round_no,
                "due_at": dossier.due_at.isoformat() if dossier.due_at else None,
            },
        )
        _save(dossier, "state", "clock_started_at", "due_at")
    return dossier


def refuse(dossier: Dossier, *, ctx: Context, reasons: str) -> Dossier:
    """Form 03: refused at reception, with the reasons; terminal."""
    if not reasons.strip():
        raise InvalidInput("Cần nêu lý do từ chối tiếp nhận.")
    return _terminal(dossier, Action.REFUSE, State.REFUSED, ctx=ctx, note=reasons, notice="refused")


def withdraw(dossier: Dossier, *, ctx: Context, reason: str = "") -> Dossier:
    return _terminal(dossier, Action.WITHDRAW, State.WITHDRAWN, ctx=ctx, note=reason)


def stop(dossier: Dossier, *, ctx: Context, reason: str) -> Dossier:
    """Form 05: the agency stops handling the dossier (Decree 118/2025); terminal."""
    if not reason.strip():
        raise InvalidInput("Cần nêu lý do dừng giải quyết.")
    return _terminal(dossier, Action.STOP, State.STOPPED, ctx=ctx, note=reason, notice="stopped")


def _terminal(
    dossier: Dossier,
    action: Action,
    target: State,
    *,
    ctx: Context,
    note: str,
    notice: str | None = None,
) -> Dossier:
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, action, by=ctx.by)
        now = timezone.now()
        before = dossier.state
        dossier.state = target
        dossier.finished_at = now
        event = record_event(
            dossier,
            action,
            ctx=_with_agency(ctx, agency),
            from_state=before,
            to_state=target,
            note=note,
            at=now,
        )
        _save(dossier, "state", "finished_at")
        if notice:
            _notify(dossier, notice, event.seq, reason=note)
    return dossier


def route(
    dossier: Dossier, *, ctx: Context, to_agency: Agency | None = None, note: str = ""
) -> Dossier:
    """Hand the received dossier to the agency that handles it (the version's competent
    agency unless told); the internal steps follow in the workflow app."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.ROUTE, by=ctx.by)
        target = to_agency or dossier.version.competent_agency or dossier.receiving_agency
        before = dossier.state
        dossier.state = State.IN_PROCESS
        dossier.current_agency = target
        record_event(
            dossier,
            Action.ROUTE,
            ctx=_with_agency(ctx, agency),
            from_state=before,
            to_state=State.IN_PROCESS,
            note=note,
            data={"to_agency": target.code},
        )
        _save(dossier, "state", "current_agency")
    return dossier


def request_payment(dossier: Dossier, *, ctx: Context, amount: int, note: str = "") -> Dossier:
    """A financial obligation is due: the clock pauses until it is met (DESIGN: Clock)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("Số tiền phải là số nguyên đồng lớn hơn 0.")
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.REQUEST_PAYMENT, by=ctx.by)
        now = timezone.now()
        before = dossier.state
        dossier.state = State.AWAITING_PAYMENT
        dossier.paused_at = now
        record_event(
            dossier,
            Action.REQUEST_PAYMENT,
            ctx=_with_agency(ctx, agency),
            from_state=before,
            to_state=State.AWAITING_PAYMENT,
            note=note,
            at=now,
            data={"amount": amount, "resume_to": before},
        )
        _save(dossier, "state", "paused_at")
    return dossier


def confirm_payment(dossier: Dossier, *, ctx: Context, note: str = "") -> Dossier:
    """The obligation is met (cash at the counter; online payments come with issue 5): the
    dossier resumes where it was, its due date moved by the time it stood still."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.CONFIRM_PAYMENT, by=ctx.by)
        request = dossier.events.filter(action=Action.REQUEST_PAYMENT).order_by("-seq").first()
        target = State(request.data["resume_to"])
        now = timezone.now()
        dossier.due_at = deadlines.extend_by_pause(dossier, now)
        dossier.paused_at = None
        dossier.state = target
        record_event(
            dossier,
            Action.CONFIRM_PAYMENT,
            ctx=_with_agency(ctx, agency),
            from_state=State.AWAITING_PAYMENT,
            to_state=target,
            note=note,
            at=now,
            data={"due_at": dossier.due_at.isoformat() if dossier.due_at else None},
        )
        _save(dossier, "state", "paused_at", "due_at")
    return dossier


def apologise(
    dossier: Dossier,
    *,
    ctx: Context,
    reason: str,
    extra_working_days: int | None = None,
    new_due_at: datetime | None = None,
) -> Dossier:
    """Form 04: apology and a new date, once (Decree 118/2025). At least one working day
    before the due date; later it needs its reason and is flagged as late."""
    if not reason.strip():
        raise InvalidInput("Cần nêu lý do chậm trễ.")
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.APOLOGISE, by=ctx.by)
        if dossier.apologised:
            raise InvalidTransition("Hồ sơ đã được hẹn lại một lần; không hẹn lại lần nữa.")
        if dossier.due_at is None:
            raise InvalidTransition("Hồ sơ chưa có hạn giải quyết để hẹn lại.")
        now = timezone.now()
        if new_due_at is None:
            if not extra_working_days or extra_working_days < 1:
                raise InvalidInput("Cần số ngày làm việc gia hạn (từ 1) hoặc ngày hẹn mới.")
            new_due_at = deadlines.new_due_after(dossier, extra_working_days)
        if new_due_at <= dossier.due_at:
            raise InvalidInput("Ngày hẹn mới phải sau hạn hiện tại.")
        in_window = deadlines.apology_in_window(dossier, now)
        old_due = dossier.due_at
        dossier.due_at = new_due_at
        dossier.apologised = True
        event = record_event(
            dossier,
            Action.APOLOGISE,
            ctx=_with_agency(ctx, agency),
            from_state=dossier.state,
            to_state=dossier.state,
            note=reason,
            at=now,
            data={
                "old_due_at": old_due.isoformat(),
                "new_due_at": new_due_at.isoformat(),
                "in_window": in_window,
            },
        )
        _save(dossier, "due_at", "apologised")
        _notify(dossier, "apologised", event.seq, reason=reason, old_due_at=old_due)
    return dossier


def result_ready(dossier: Dossier, *, ctx: Context, note: str = "") -> Dossier:
    """The leader approves the result; the dossier is judged early, on time or late."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.RESULT_READY, by=ctx.by)
        now = timezone.now()
        dossier.state = State.RESULT_READY
        dossier.result_ready_at = now
        dossier.timeliness = deadlines.judge(dossier, now)
        event = record_event(
            dossier,
            Action.RESULT_READY,
            ctx=_with_agency(ctx, agency),
            from_state=State.IN_PROCESS,
            to_state=State.RESULT_READY,
            note=note,
            at=now,
            data={"timeliness": dossier.timeliness},
        )
        _save(dossier, "state", "result_ready_at", "timeliness")
        _notify(dossier, "result_ready", event.seq)
    return dossier


def return_result(dossier: Dossier, *, ctx: Context, note: str = "") -> Dossier:
    """Handed over at the counter or online (delivery by post completes with issue 5)."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.RETURN_RESULT, by=ctx.by)
        now = timezone.now()
        dossier.state = State.RETURNED
        dossier.returned_at = dossier.finished_at = now
        record_event(
            dossier,
            Action.RETURN_RESULT,
            ctx=_with_agency(ctx, agency),
            from_state=State.RESULT_READY,
            to_state=State.RETURNED,
            note=note,
            at=now,
            data={"delivery": dossier.delivery},
        )
        _save(dossier, "state", "returned_at", "finished_at")
    return dossier


def _with_agency(ctx: Context, agency: Agency | None) -> Context:
    return Context(by=ctx.by, agency=agency, ip=ctx.ip, request_id=ctx.request_id)


def is_open(dossier: Dossier) -> bool:
    return State(dossier.state) not in TERMINAL and dossier.state != State.DRAFT
