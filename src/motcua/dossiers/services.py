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
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker

from motcua.accounts.identity import check_id_number, check_tax_code, normalise_phone
from motcua.accounts.models import OfficerRole, Organisation, Role, User
from motcua.catalog import services as catalog
from motcua.catalog.models import Agency, AgencyKind, AgencyRole, ProcedureVersion
from motcua.catalog.models import OfficerRole as StepRole
from motcua.core import clock
from motcua.core.text import fold
from motcua.documents.models import StoredFile
from motcua.workflow import steps as workflow
from motcua.workflow.models import Consultation, ConsultationState, DossierStep

from . import deadlines
from .errors import (
    ConcurrentUpdate,
    DossierError,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
    NotVisible,
)
from .events import Context, record_event
from .models import (
    TERMINAL,
    Channel,
    DailySerial,
    Delivery,
    Dossier,
    DossierDocument,
    PersonalDataAccess,
    State,
)
from .transitions import CITIZEN, RECEIVING, TRANSITIONS, Action, Rule, allowed_from

# --- who sees and who acts ------------------------------------------------------------------


def officer_agency_ids(user: User) -> set[int]:
    return set(
        OfficerRole.objects.filter(user=user, active=True).values_list("agency_id", flat=True)
    )


def visible_to(user: User) -> QuerySet[Dossier]:
    """A citizen sees the dossiers they filed or own; an officer those of their agencies:
    receiving it, handling it now, holding one of its steps or asked for an opinion on it."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    mine = Q(account=user) | Q(owner=user)
    agencies = officer_agency_ids(user)
    if agencies:
        # Correlated (one index probe per dossier): "pk IN (the agencies' steps)" makes
        # PostgreSQL hash every step the agencies ever held before looking at one dossier.
        involved = Exists(
            DossierStep.objects.filter(dossier_id=OuterRef("pk"), agency_id__in=agencies)
        ) | Exists(Consultation.objects.filter(dossier_id=OuterRef("pk"), agency_id__in=agencies))
        mine |= (
            Q(receiving_agency_id__in=agencies) | Q(current_agency_id__in=agencies) | involved
        ) & ~Q(state=State.DRAFT)
    return Dossier.objects.filter(mine)


def by_code(code: str) -> QuerySet[Dossier]:
    """Dossiers of this province with this code: the unique key (province, code) finds it."""
    return Dossier.objects.filter(province_code=settings.MOTCUA["PROVINCE_CODE"], code=code)


def get_visible(user: User, code: str) -> Dossier:
    dossier = (
        visible_to(user)
        .select_related("procedure", "version", "receiving_agency", "current_agency")
        .filter(province_code=settings.MOTCUA["PROVINCE_CODE"], code=code)
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
        # of=self: lock the dossier only, not the agency, version and procedure rows joined
        # in (on PostgreSQL they would serialise every action at a desk, and deadlock).
        Dossier.objects.select_for_update(of=("self",))
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


def precheck(dossier: Dossier, action: Action, *, by: User) -> None:
    """Who and when, without the lock: the API asks this before it reads the body, so the
    answers come in the contract's order (404, 403, 409, then 422); the service asks again
    under the lock."""
    rule = TRANSITIONS[action]
    if action == Action.ANSWER_CONSULTATION:
        allowed = OfficerRole.objects.filter(
            user=by,
            active=True,
            role__in=[actor.role for actor in rule.actors],
            agency__in=dossier.consultations.values("agency"),
        ).exists()
    else:
        allowed, _ = _acting_agency(dossier, rule, by)
    if not allowed:
        raise NotPermitted("Vai trò của bạn không được thực hiện thao tác này với hồ sơ.")
    if State(dossier.state) not in rule.sources:
        raise InvalidTransition(
            f"Không thể “{action}” khi hồ sơ đang ở trạng thái “{State(dossier.state).label}”."
        )


def available_actions(dossier: Dossier, user: User) -> list[Action]:
    """Exactly the actions ``user`` may take on the dossier now, judged as the services
    judge them (the dossier pages offer these and nothing else)."""
    if not user.is_authenticated or dossier.state == State.DRAFT:
        return []
    step = workflow.active_step(dossier) if dossier.state == State.IN_PROCESS else None
    found: list[Action] = []
    for action in allowed_from(State(dossier.state)):
        try:
            precheck(dossier, action, by=user)
        except DossierError:
            continue
        _, agency = _acting_agency(dossier, TRANSITIONS[action], user)
        if _refined(dossier, action, user, agency, step):
            found.append(action)
    return found


def _refined(
    dossier: Dossier, action: Action, user: User, agency: Agency | None, step: DossierStep | None
) -> bool:
    """The checks each service adds to the transition table, read-only."""
    leader = agency is not None and _holds(user, agency, Role.LEADER)
    match action:
        case Action.REQUEST_SUPPLEMENT:
            if dossier.state in (State.SUBMITTED, State.RECEIVED):
                return _holds(user, dossier.receiving_agency, Role.ONE_STOP_OFFICER)
            return _holds(user, dossier.current_agency, Role.SPECIALIST)
        case Action.ASSIGN:
            return step is not None
        case Action.COMPLETE_STEP:
            return step is not None and _may_carry(step, user, agency)
        case Action.TRANSFER:
            return (
                step is not None
                and step.agency_role != AgencyRole.CONSULTED
                and (_may_carry(step, user, agency) or leader)
            )
        case Action.CONSULT:
            return step is None or _may_carry(step, user, agency) or leader
        case Action.ANSWER_CONSULTATION:
            return dossier.consultations.filter(
                state=ConsultationState.OPEN, agency_id__in=officer_agency_ids(user)
            ).exists()
        case Action.RESULT_READY:
            return step is None
        case Action.APOLOGISE:
            return not dossier.apologised and dossier.due_at is not None
    return True


def _save(dossier: Dossier, *fields: str) -> None:
    dossier.revision += 1
    dossier.save(
        update_fields=[
            *fields,
            "revision",
            "event_seq",
            "event_head",
            "last_action",
            "last_action_at",
            "updated_at",
        ]
    )
    # What the national portal shows may have changed: a snapshot in this same transaction.
    from motcua.interop import status as national

    national.capture(dossier)


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
    # An organisation owns the dossier: its tax code; ``full_name`` is its name.
    tax_code: str = ""


@dataclass
class Submission:
    version: ProcedureVersion
    delivery: str
    agency: Agency | None = None
    post_address: str = ""
    applicant: Applicant | None = None
    # None: the declaration comes as the uploaded form (the e-form is not used); a dict is
    # checked against the version's JSON Schema.
    form: dict[str, Any] | None = None
    files: Mapping[str, list[StoredFile]] = field(default_factory=dict)
    reused: frozenset[str] = frozenset()
    channel: str = Channel.ONLINE
    # At the counter or by post (``receive_at_counter``): the registered citizen who owns
    # the dossier, if found, and who brought it when that is not the owner.
    owner_account: User | None = None
    submitter: Applicant | None = None
    # Fees (``payments.fees``): pages or copies per fee id, and exemptions claimed.
    fee_quantities: Mapping[str, int] = field(default_factory=dict)
    fee_exemptions: Mapping[str, str] = field(default_factory=dict)
    # Filed by its owner on the national portal (``file_from_national``): filing on someone
    # else's behalf is then a submitter who is not the owner, as at the counter.
    filed_upstream: bool = False


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


def check_submission(
    sub: Submission, *, by: User | None, pending_documents: frozenset[str] = frozenset()
) -> dict[str, list[str]]:
    """The self-check: everything missing or wrong, listed at once (empty when complete).
    ``pending_documents``: keys whose files are on their way (a national dossier's linked
    files, fetched before it is filed) and count as present."""
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
    for key in [*sub.files, *pending_documents]:
        if key not in documents:
            problems[f"document_{key}"] = ["Thủ tục không có giấy tờ này."]
    for key, document in documents.items():
        # Filing for someone else needs the authorisation document (DESIGN: People).
        upstream = sub.channel == Channel.ONLINE and not sub.filed_upstream
        on_behalf = sub.applicant if upstream else sub.submitter
        authorisation = on_behalf is not None and key.startswith("van-ban-uy-quyen")
        present = sub.files.get(key) or key in pending_documents
        if (document.required or authorisation) and not present:
            problems[f"document_{key}"] = [f"Thiếu “{document.name}”."]
    for key, files in sub.files.items():
        for stored in files:
            mine = by.pk if by is not None else None  # None: the system files it (issue 6)
            if stored.owner_id not in (None, mine) and stored.uploaded_by_id != mine:
                problems[f"document_{key}"] = ["Tệp không thuộc về bạn."]
            elif stored.deleted_at is not None:
                problems[f"document_{key}"] = ["Tệp đã bị xóa khỏi kho lưu trữ."]
    if sub.applicant is not None and not sub.applicant.full_name.strip():
        problems["applicant.full_name"] = ["Cần họ tên chủ hồ sơ."]
    if sub.applicant is not None and sub.applicant.tax_code:
        try:
            sub.applicant.tax_code = check_tax_code(sub.applicant.tax_code)
        except ValidationError as exc:
            problems["applicant.tax_code"] = exc.messages
    if sub.applicant is not None and sub.applicant.phone:
        try:
            sub.applicant.phone = normalise_phone(sub.applicant.phone)
        except ValidationError as exc:
            problems["applicant.phone"] = exc.messages
    if sub.applicant is not None and sub.applicant.id_number:
        try:
            check_id_number(sub.applicant.id_number)
        except ValidationError as exc:
            problems["applicant.id_number"] = exc.messages
    if sub.form is not None:
        problems.update(_form_problems(version.form_schema, sub.form))
    return problems


def _fill(dossier: Dossier, sub: Submission, by: User) -> None:
    """Copy a submission onto a dossier row (new or a draft): owner, submitter, choices."""
    applicant = sub.applicant
    dossier.procedure, dossier.version = sub.version.procedure, sub.version
    dossier.receiving_agency = dossier.current_agency = sub.agency
    dossier.channel, dossier.delivery = sub.channel, sub.delivery or Delivery.COUNTER
    dossier.post_address = sub.post_address.strip()
    dossier.account = by
    dossier.owner = None if applicant else by
    dossier.owner_name = applicant.full_name if applicant else (by.full_name or by.username)
    dossier.owner_id_number = (
        (applicant.tax_code or applicant.id_number) if applicant else (by.id_number or "")
    )
    dossier.owner_organisation = None
    if applicant is not None and applicant.tax_code:
        # A registered organisation that lists the filer among its people owns it in full.
        dossier.owner_organisation = Organisation.objects.filter(
            tax_code=applicant.tax_code, members=by
        ).first()
    dossier.owner_phone = applicant.phone if applicant else (by.phone or "")
    dossier.owner_email = applicant.email if applicant else (by.email or "")
    dossier.owner_address = applicant.address if applicant else by.address_line
    dossier.submitter_name = by.full_name or by.username
    dossier.submitter_phone = by.phone or ""
    dossier.on_behalf = applicant is not None
    dossier.form_data = sub.form or {}
    if sub.channel != Channel.ONLINE:
        # Brought to the counter or sent by post: the officer files it for its owner.
        owner = sub.owner_account
        dossier.account = dossier.owner = owner
        if applicant is None and owner is not None:
            dossier.owner_name = owner.full_name or owner.username
            dossier.owner_id_number = owner.id_number or ""
            dossier.owner_phone, dossier.owner_email = owner.phone or "", owner.email or ""
            dossier.owner_address = owner.address_line
        bringer = sub.submitter
        dossier.submitter_name = bringer.full_name if bringer else dossier.owner_name
        dossier.submitter_phone = bringer.phone if bringer else dossier.owner_phone
        dossier.on_behalf = bringer is not None
    _index(dossier)


def _index(dossier: Dossier) -> None:
    """The folded text the officer's search reads: code, names, phones (+84… and 0…),
    ID number."""
    phones = {p for p in (dossier.owner_phone, dossier.submitter_phone) if p}
    local = {"0" + p[3:] for p in phones if p.startswith("+84")}
    dossier.search_text = " ".join(
        part
        for part in (
            (dossier.code or "").lower(),
            (dossier.national_code or "").lower(),
            fold(dossier.owner_name),
            fold(dossier.submitter_name),
            *sorted(phones | local),
            dossier.owner_id_number,
        )
        if part
    )


def _attach(dossier: Dossier, sub: Submission) -> None:
    """The submission's files become the dossier's round-0 documents (replacing a draft's)."""
    ids = [stored.pk for files in sub.files.values() for stored in files]
    # Lock the files against a purge running at this moment.
    alive = set(
        StoredFile.objects.select_for_update()
        .filter(pk__in=ids, deleted_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if alive != set(ids):
        raise InvalidInput("Có tệp vừa bị xóa khỏi kho lưu trữ; vui lòng tải lên lại.")
    DossierDocument.objects.filter(dossier=dossier, round=0).delete()
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


def _check_online_filing_open() -> None:
    if settings.MOTCUA.get("DEPLOYMENT_MODEL", 1) == 2:
        from .errors import OnlineFilingClosed

        raise OnlineFilingClosed()


def _own_draft(draft: Dossier, by: User) -> Dossier:
    locked = Dossier.objects.select_for_update().filter(pk=draft.pk).first()
    if locked is None or locked.account_id != by.pk:
        raise NotVisible()
    if locked.state != State.DRAFT:
        raise InvalidTransition("Hồ sơ này đã được nộp.")
    return locked


def save_draft(sub: Submission, *, ctx: Context, draft: Dossier | None = None) -> Dossier:
    """Save what the citizen has so far; drafts take no code (DESIGN: Dossier code), are
    seen only by their author and may be incomplete."""
    by: User = ctx.by
    _check_online_filing_open()
    sub.agency = sub.agency or default_agency(sub.version, by)
    if sub.agency is None:
        raise InvalidInput("Thủ tục chưa có nơi tiếp nhận.")
    with transaction.atomic():
        if draft is None:
            dossier = Dossier(province_code=settings.MOTCUA["PROVINCE_CODE"], state=State.DRAFT)
        else:
            dossier = _own_draft(draft, by)
        _fill(dossier, sub, by)
        dossier.save()
        _attach(dossier, sub)
    return dossier


def _file_as_submitted(
    dossier: Dossier, sub: Submission, *, ctx: Context, now, data: dict | None = None, before=None
) -> None:
    """The dossier row (saved, locked in the caller's transaction) becomes ``submitted``: its
    round-0 documents, our code, the fees it owes and the ``submit`` event. ``before(dossier)``
    runs after the fees are assessed, before the event (fees paid upstream)."""
    _attach(dossier, sub)
    dossier.code = dossier_code(sub.agency, now)
    dossier.submitted_at = now
    dossier.state = State.SUBMITTED
    _index(dossier)
    _assess_fees(dossier, sub)
    if before is not None:
        before(dossier)
    record_event(
        dossier,
        Action.SUBMIT,
        ctx=ctx,
        from_state=State.DRAFT,
        to_state=State.SUBMITTED,
        at=now,
        data={"channel": sub.channel, "agency": sub.agency.code, **(data or {})},
    )


def submit(
    sub: Submission, *, ctx: Context, on_created=None, draft: Dossier | None = None
) -> Dossier:
    """File a complete dossier online (from scratch or from the citizen's draft): it gets
    its code and is ``submitted`` (national status 1).

    ``on_created(dossier)`` runs inside the same transaction (the API completes the
    idempotency key there)."""
    by: User = ctx.by
    _check_online_filing_open()
    sub.agency = sub.agency or default_agency(sub.version, by)
    problems = check_submission(sub, by=by)
    if problems:
        raise InvalidInput("Hồ sơ chưa đầy đủ hoặc có thông tin không hợp lệ.", problems)
    now = clock.now()
    with transaction.atomic():
        if draft is None:
            dossier = Dossier(province_code=settings.MOTCUA["PROVINCE_CODE"], state=State.DRAFT)
        else:
            dossier = _own_draft(draft, by)
        _fill(dossier, sub, by)
        dossier.save()
        _file_as_submitted(dossier, sub, ctx=ctx, now=now)
        _save(dossier, "code", "submitted_at", "state", "search_text")
        if on_created is not None:
            on_created(dossier)
    return dossier


def national_submission(
    sub: Submission, *, applicant: Applicant, submitter: Applicant | None = None
) -> Submission:
    """``sub`` as filed by its owner on the national portal: online, owned by ``applicant``,
    on someone's behalf only when a different submitter filed it, at the procedure's default
    desk unless the national portal named one."""
    sub.channel = Channel.ONLINE
    sub.applicant, sub.filed_upstream = applicant, True
    different = submitter is not None and submitter.full_name.strip() != applicant.full_name.strip()
    sub.submitter = submitter if different else None
    sub.agency = sub.agency or default_agency(sub.version, None)
    return sub


def file_from_national(
    sub: Submission,
    *,
    ctx: Context,
    national_code: str,
    applicant: Applicant,
    submitter: Applicant | None = None,
    paid_upstream=None,
) -> Dossier:
    """A dossier filed by its owner on the national public service portal (issue 6): checked
    like any online dossier and ``submitted`` here (national status 1) with our own code, its
    national code kept beside it. No account of ours files it: the system does, for the
    owner (``ctx.by`` is None), and the one-stop desk receives it as usual."""
    national_submission(sub, applicant=applicant, submitter=submitter)
    problems = check_submission(sub, by=None)
    if problems:
        raise InvalidInput("Hồ sơ chưa đầy đủ hoặc có thông tin không hợp lệ.", problems)
    now = clock.now()
    with transaction.atomic():
        dossier = Dossier(province_code=settings.MOTCUA["PROVINCE_CODE"], state=State.DRAFT)
        dossier.procedure, dossier.version = sub.version.procedure, sub.version
        dossier.receiving_agency = dossier.current_agency = sub.agency
        dossier.channel, dossier.delivery = Channel.ONLINE, sub.delivery or Delivery.COUNTER
        dossier.post_address = sub.post_address.strip()
        dossier.owner_name = applicant.full_name.strip()
        dossier.owner_id_number = applicant.tax_code or applicant.id_number
        dossier.owner_phone, dossier.owner_email = applicant.phone, applicant.email
        dossier.owner_address = applicant.address
        bringer = submitter or applicant
        dossier.submitter_name = bringer.full_name.strip() or dossier.owner_name
        dossier.submitter_phone = bringer.phone
        dossier.on_behalf = sub.submitter is not None
        dossier.form_data = sub.form or {}
        dossier.national_code = national_code
        dossier.save()
        _file_as_submitted(
            dossier,
            sub,
            ctx=_with_agency(ctx, sub.agency),
            now=now,
            data={"national_code": national_code},
            before=paid_upstream,  # fees paid on the national portal (payments records them)
        )
        _save(dossier, "code", "submitted_at", "state", "search_text")
    return dossier


def _assess_fees(dossier: Dossier, sub: Submission) -> None:
    from motcua.payments import services as payments

    payments.assess(dossier, quantities=sub.fee_quantities, exemptions=sub.fee_exemptions)


def receive_at_counter(sub: Submission, *, ctx: Context, note: str = "") -> Dossier:
    """A dossier brought to the one-stop counter or sent by post (issue 4 §1): the officer
    files it for its owner, it is checked against the document list like an online one, and
    it is received at once — submitted and received in one transaction, so Form 01 can be
    printed as soon as this returns."""
    by: User = ctx.by
    if sub.channel not in (Channel.COUNTER, Channel.POST):
        raise InvalidInput("Hồ sơ tại quầy phải nộp trực tiếp hoặc qua bưu chính.")
    if sub.agency is None or not _holds(by, sub.agency, Role.ONE_STOP_OFFICER):
        raise NotPermitted("Chỉ cán bộ một cửa của nơi tiếp nhận được nhận hồ sơ tại quầy.")
    if sub.applicant is None and sub.owner_account is None:
        raise InvalidInput(
            "Cần thông tin chủ hồ sơ.", {"applicant.full_name": ["Cần họ tên chủ hồ sơ."]}
        )
    problems = check_submission(sub, by=by)
    if problems:
        raise InvalidInput("Hồ sơ chưa đầy đủ hoặc có thông tin không hợp lệ.", problems)
    acting = _with_agency(ctx, sub.agency)
    with transaction.atomic():
        now = clock.now()
        dossier = Dossier(province_code=settings.MOTCUA["PROVINCE_CODE"], state=State.DRAFT)
        _fill(dossier, sub, by)
        dossier.save()
        _file_as_submitted(dossier, sub, ctx=acting, now=now)
        dossier.received_at = dossier.clock_started_at = now
        due = deadlines.due_from(dossier, now)
        dossier.due_at = dossier.original_due_at = due.due_at if due else None
        dossier.state = State.RECEIVED
        event = record_event(
            dossier,
            Action.RECEIVE,
            ctx=acting,
            from_state=State.SUBMITTED,
            to_state=State.RECEIVED,
            note=note,
            at=now,
            data={"due_at": dossier.due_at.isoformat() if dossier.due_at else None},
        )
        _save(
            dossier,
            "code",
            "state",
            "submitted_at",
            "received_at",
            "clock_started_at",
            "due_at",
            "original_due_at",
            "search_text",
        )
        _notify(dossier, "received", event.seq)
    return dossier


def lookup(code: str, *, phone: str = "", id_number: str = "") -> Dossier:
    """The public look-up (API and portal alike): a dossier's code with its owner's or
    submitter's phone, or its owner's ID number. A wrong code and a wrong phone give the
    same ``NotVisible``, so the look-up reveals nothing about codes."""
    if not phone.strip() and not id_number.strip():
        raise InvalidInput("Cần số điện thoại hoặc số định danh của chủ hồ sơ.")
    if phone.strip():
        try:
            wanted = normalise_phone(phone)
        except ValidationError:
            wanted = None

    def matches(dossier: Dossier) -> bool:
        if phone.strip() and wanted is not None:
            if wanted in (dossier.owner_phone, dossier.submitter_phone):
                return True
        return bool(id_number.strip()) and id_number.strip() == dossier.owner_id_number

    # Our code first, then the national portal's (docs/national-sync.md): at most one row
    # each by its unique key, so a national code that looks like one of ours still finds
    # only the dossier whose owner matches.
    for rows in (
        by_code(code.strip()),
        Dossier.objects.filter(
            province_code=settings.MOTCUA["PROVINCE_CODE"], national_code=code.strip()
        ),
    ):
        dossier = next(iter(rows.select_related("procedure").exclude(state=State.DRAFT)[:1]), None)
        if dossier is not None and matches(dossier):
            return dossier
    raise NotVisible("Không tìm thấy hồ sơ với mã và thông tin đã nhập.")


def reveal_id_number(dossier: Dossier, *, ctx: Context) -> str:
    """An officer asks to see a masked ID number: allowed to the dossier's officers only,
    and logged (Personal Data Protection Law 2025)."""
    if not officer_agency_ids(ctx.by) or not visible_to(ctx.by).filter(pk=dossier.pk).exists():
        raise NotVisible()
    PersonalDataAccess.objects.create(
        dossier=dossier, user=ctx.by, field="owner_id_number", at=clock.now(), ip=ctx.ip
    )
    return dossier.owner_id_number


# --- actions ----------------------------------------------------------------------------------


def _notify(dossier: Dossier, kind: str, event_seq: int, **context: Any) -> None:
    """The owner hears of it by e-mail and SMS as they prefer (``notify.services``), queued
    in the outbox with this change."""
    from motcua.notify import services as notify

    notify.notify_dossier(dossier, kind, event_seq=event_seq, **context)


def receive(dossier: Dossier, *, ctx: Context, note: str = "") -> Dossier:
    """Form 01: the receipt and appointment slip; the clock starts now."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.RECEIVE, by=ctx.by)
        now = clock.now()
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
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.REQUEST_SUPPLEMENT, by=ctx.by)
        missing = list(missing)
        if not missing:
            raise InvalidInput("Cần liệt kê ít nhất một giấy tờ hoặc nội dung cần bổ sung.")
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
        now = clock.now()
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
    """Form 02 answered — online by the citizen, or at the desk, where the one-stop officer
    scans in what the applicant brought. A dossier asked at reception goes back to be
    received, one asked during processing goes on with its full limit counted again from
    now."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.SUPPLEMENT, by=ctx.by)
        if not files and not note.strip():
            raise InvalidInput("Cần gửi giấy tờ hoặc nội dung bổ sung.")
        request = dossier.events.filter(action=Action.REQUEST_SUPPLEMENT).order_by("-seq").first()
        at_reception = request.data.get("at_reception", True) if request else True
        keys = {d.key for d in dossier.version.documents.all()}
        unknown = [k for k in files if k not in keys]
        if unknown:
            raise InvalidInput(f"Thủ tục không có giấy tờ: {', '.join(unknown)}.")
        for stored_files in files.values():
            for stored in stored_files:
                if stored.uploaded_by_id != ctx.by.pk and stored.owner_id not in (None, ctx.by.pk):
                    raise InvalidInput("Tệp không thuộc về bạn.")
        now = clock.now()
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
            # The step that asked starts again with its full budget (DESIGN: Clock).
            step = workflow.active_step(dossier)
            if step is not None:
                workflow.start(step, dossier, now)
        dossier.state = target
        record_event(
            dossier,
            Action.SUPPLEMENT,
            ctx=_with_agency(ctx, agency),
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
    return _terminal(
        dossier,
        Action.REFUSE,
        State.REFUSED,
        ctx=ctx,
        note=reasons,
        notice="refused",
        note_required="Cần nêu lý do từ chối tiếp nhận.",
    )


def withdraw(dossier: Dossier, *, ctx: Context, reason: str = "") -> Dossier:
    return _terminal(dossier, Action.WITHDRAW, State.WITHDRAWN, ctx=ctx, note=reason)


def stop(dossier: Dossier, *, ctx: Context, reason: str) -> Dossier:
    """Form 05: the agency stops handling the dossier (Decree 118/2025); terminal."""
    return _terminal(
        dossier,
        Action.STOP,
        State.STOPPED,
        ctx=ctx,
        note=reason,
        notice="stopped",
        note_required="Cần nêu lý do dừng giải quyết.",
    )


def _terminal(
    dossier: Dossier,
    action: Action,
    target: State,
    *,
    ctx: Context,
    note: str,
    notice: str | None = None,
    note_required: str = "",
) -> Dossier:
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, action, by=ctx.by)
        # Input is judged after who and when: 404, 403, 409, then 422 (issue 3 §7).
        if note_required and not note.strip():
            raise InvalidInput(note_required)
        now = clock.now()
        before = dossier.state
        dossier.state = target
        dossier.finished_at = now
        # A withdrawn, stopped or refused dossier leaves nothing in anyone's queue.
        dossier.steps.filter(state__in=["pending", "active"]).update(
            state="cancelled", completed_at=now
        )
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
    agency unless told) and into its internal steps: the receiving agency's own approved
    process, else the template (``catalog.steps_at``), each step's agency resolved from its
    role (``workflow.steps``). The reception steps are done; the first other step starts
    now and the dossier follows it to its agency. A version without a process (or with
    reception steps only) goes to the handling agency without steps, as before."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.ROUTE, by=ctx.by)
        _check_paid(dossier, Action.ROUTE)
        now = clock.now()
        handling = to_agency or dossier.version.competent_agency or dossier.receiving_agency
        template = catalog.steps_at(dossier.version, dossier.receiving_agency)
        before = dossier.state
        dossier.state = State.IN_PROCESS
        dossier.current_agency = handling
        created = workflow.create_steps(dossier, template, handling, now)
        inner = workflow.inner_orders(created)
        first = next((s for s in created if inner and s.order == inner[0]), None)
        if first is not None:
            dossier.current_agency = workflow.carrier(first, dossier)
            workflow.start(first, dossier, now)
        record_event(
            dossier,
            Action.ROUTE,
            ctx=_with_agency(ctx, agency),
            from_state=before,
            to_state=State.IN_PROCESS,
            note=note,
            at=now,
            data={
                "to_agency": dossier.current_agency.code,
                "handling_agency": handling.code,
                "steps": [_step_data(s) for s in created],
                "active_step": first.order if first else None,
            },
        )
        _save(dossier, "state", "current_agency")
    return dossier


# --- the internal process (workflow: steps, assignment, liên thông, consultation) ----------


def _step_data(step: DossierStep | None) -> dict[str, Any] | None:
    """A step as the event log keeps it (Form 06 is built from these)."""
    if step is None:
        return None
    return {
        "order": step.order,
        "name": step.name,
        "agency": step.agency.code if step.agency_id else None,
        "officer_role": step.officer_role,
        "assignee": step.assignee_id,
        "state": step.state,
        "started_at": step.started_at.isoformat() if step.started_at else None,
        "due_at": step.due_at.isoformat() if step.due_at else None,
        "completed_at": step.completed_at.isoformat() if step.completed_at else None,
        "timeliness": step.timeliness,
    }


def _active_step(dossier: Dossier) -> DossierStep:
    step = workflow.active_step(dossier)
    if step is None:
        raise InvalidTransition("Hồ sơ không có bước xử lý nào đang thực hiện.")
    return step


def _holds(user: User, agency: Agency, role: str) -> bool:
    return OfficerRole.objects.filter(user=user, agency=agency, role=role, active=True).exists()


def _may_carry(step: DossierStep, user: User, agency: Agency) -> bool:
    """The step's assignee; when nobody is assigned, any holder of its role at ``agency``."""
    if step.assignee_id is not None:
        return step.assignee_id == user.pk
    return _holds(user, agency, step.officer_role)


def _check_may_carry(step: DossierStep, user: User, agency: Agency) -> None:
    if _may_carry(step, user, agency):
        return
    if step.assignee_id is not None:
        raise NotPermitted("Bước này đã được giao cho cán bộ khác thực hiện.")
    role = StepRole(step.officer_role).label.lower()
    raise NotPermitted(f"Bước này do {role} của {agency.name} thực hiện.")


def assign(dossier: Dossier, *, ctx: Context, assignee: User, note: str = "") -> Dossier:
    """The leader of the active step's agency gives the step to an officer holding the
    step's role there."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.ASSIGN, by=ctx.by)
        step = _active_step(dossier)
        if assignee is None or not _holds(assignee, agency, step.officer_role):
            role = StepRole(step.officer_role).label.lower()
            message = f"Người được giao phải là {role} của {agency.name}."
            raise InvalidInput(message, {"assignee": [message]})
        now = clock.now()
        previous = step.assignee_id
        step.assignee = assignee
        step.save(update_fields=["assignee"])
        record_event(
            dossier,
            Action.ASSIGN,
            ctx=_with_agency(ctx, agency),
            from_state=State.IN_PROCESS,
            to_state=State.IN_PROCESS,
            note=note,
            at=now,
            data={
                "step": step.order,
                "step_name": step.name,
                "agency": agency.code,
                "assignee": assignee.pk,
                "assignee_name": assignee.full_name or assignee.username,
                "previous_assignee": previous,
            },
        )
        _save(dossier)
    return dossier


def complete_step(
    dossier: Dossier,
    *,
    ctx: Context,
    note: str = "",
    send_back: bool = False,
    next_assignee: User | None = None,
) -> Dossier:
    """The assignee (or, when nobody is assigned, a holder of the step's role at its agency)
    finishes the active step, judged against the step's own deadline; the next step starts
    now at its agency, and the dossier follows. With ``send_back`` the previous step is
    active again instead (its full budget from now) and this one is ``returned``.

    After the last step no step is active: the dossier stays in process at the agency of
    that step (usually the leader's approval), for the leader's ``result_ready``."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.COMPLETE_STEP, by=ctx.by)
        step = _active_step(dossier)
        _check_may_carry(step, ctx.by, agency)
        now = clock.now()
        if send_back:
            target = workflow.previous_step(dossier, step)
            if target is None:
                raise InvalidTransition("Đây là bước đầu tiên; không có bước trước để trả lại.")
            workflow.send_back(step, now)
        else:
            workflow.finish(step, now)
            target = workflow.next_step(dossier, step)
        from_agency = dossier.current_agency
        if target is not None:
            dossier.current_agency = workflow.carrier(target, dossier)
            workflow.start(target, dossier, now)
            if next_assignee is not None:
                # Handing over to a named colleague: they must hold the next step's role.
                if not _holds(next_assignee, dossier.current_agency, target.officer_role):
                    role = StepRole(target.officer_role).label.lower()
                    where = dossier.current_agency.name
                    message = f"Người nhận bước tiếp theo phải là {role} của {where}."
                    raise InvalidInput(message, {"next_assignee": [message]})
                target.assignee = next_assignee
                target.save(update_fields=["assignee"])
        elif next_assignee is not None:
            raise InvalidInput("Đây là bước cuối; không có bước tiếp theo để giao.")
        record_event(
            dossier,
            Action.COMPLETE_STEP,
            ctx=_with_agency(ctx, agency),
            from_state=State.IN_PROCESS,
            to_state=State.IN_PROCESS,
            note=note,
            at=now,
            data={
                "step": _step_data(step),
                "send_back": send_back,
                "next_step": _step_data(target),
                "from_agency": from_agency.code,
                "to_agency": dossier.current_agency.code,
            },
        )
        _save(dossier, "current_agency")
    return dossier


def transfer(dossier: Dossier, *, ctx: Context, to_agency: Agency, note: str) -> Dossier:
    """Inter-agency transfer (*liên thông*), to an agency of the same tier or another: the
    active step moves there with its deadline, unassigned, and the dossier follows. Taken
    by the step's carrier or the leader of its agency."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.TRANSFER, by=ctx.by)
        if not note.strip():
            raise InvalidInput("Cần nêu lý do chuyển hồ sơ.")
        step = _active_step(dossier)
        if not (_may_carry(step, ctx.by, agency) or _holds(ctx.by, agency, Role.LEADER)):
            raise NotPermitted("Chỉ người thực hiện bước hoặc lãnh đạo cơ quan được chuyển hồ sơ.")
        if step.agency_role == AgencyRole.CONSULTED:
            raise InvalidTransition(
                "Bước lấy ý kiến không chuyển được; hãy xin ý kiến cơ quan cần hỏi."
            )
        if to_agency is None or not to_agency.is_active:
            raise InvalidInput("Cơ quan nhận không hợp lệ.", {"to_agency": ["Không hợp lệ."]})
        if to_agency.pk == agency.pk:
            raise InvalidInput(
                "Hồ sơ đang ở chính cơ quan này.", {"to_agency": ["Trùng cơ quan hiện tại."]}
            )
        now = clock.now()
        previous_assignee = step.assignee_id
        step.agency = to_agency
        step.assignee = None
        step.save(update_fields=["agency", "assignee"])
        dossier.current_agency = to_agency
        record_event(
            dossier,
            Action.TRANSFER,
            ctx=_with_agency(ctx, agency),
            from_state=State.IN_PROCESS,
            to_state=State.IN_PROCESS,
            note=note,
            at=now,
            data={
                "step": step.order,
                "step_name": step.name,
                "from_agency": agency.code,
                "to_agency": to_agency.code,
                "from_tier": agency.tier.code,
                "to_tier": to_agency.tier.code,
                "previous_assignee": previous_assignee,
            },
        )
        _save(dossier, "current_agency")
    return dossier


def consult(
    dossier: Dossier, *, ctx: Context, agency: Agency, question: str, working_days: int
) -> Dossier:
    """Ask another agency's opinion, in parallel: the dossier stays where it is and its due
    date does not move — the consultation runs inside its step's budget (DESIGN: Clock) —
    with a deadline of its own in working days."""
    with transaction.atomic():
        dossier, acting = lock_for_action(dossier, Action.CONSULT, by=ctx.by)
        if not question.strip():
            raise InvalidInput("Cần nội dung xin ý kiến.", {"question": ["Bắt buộc."]})
        if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 1:
            raise InvalidInput(
                "Thời hạn trả lời phải từ 1 ngày làm việc.", {"working_days": ["Từ 1."]}
            )
        step = workflow.active_step(dossier)
        if step is not None and not (
            _may_carry(step, ctx.by, acting) or _holds(ctx.by, acting, Role.LEADER)
        ):
            raise NotPermitted("Chỉ người thực hiện bước hoặc lãnh đạo cơ quan được xin ý kiến.")
        if agency is None or not agency.is_active or agency.pk == acting.pk:
            raise InvalidInput(
                "Cơ quan được xin ý kiến không hợp lệ.", {"agency": ["Không hợp lệ."]}
            )
        now = clock.now()
        consultation = Consultation.objects.create(
            province_code=dossier.province_code,
            dossier=dossier,
            step=step,
            asked_by=ctx.by,
            asking_agency=acting,
            agency=agency,
            question=question.strip(),
            asked_at=now,
            due_at=workflow.consultation_due(agency, now, working_days),
        )
        if (
            step is not None
            and step.agency_role == AgencyRole.CONSULTED
            and (step.agency_id is None)
        ):
            step.agency = agency  # the consultation step is named by its first question
            step.save(update_fields=["agency"])
        record_event(
            dossier,
            Action.CONSULT,
            ctx=_with_agency(ctx, acting),
            from_state=State.IN_PROCESS,
            to_state=State.IN_PROCESS,
            note=question.strip(),
            at=now,
            data={
                "consultation": consultation.pk,
                "step": step.order if step else None,
                "agency": agency.code,
                "working_days": working_days,
                "due_at": consultation.due_at.isoformat(),
            },
        )
        _save(dossier)
        _tell_consulted(dossier, consultation, acting)
    return dossier


def _tell_consulted(dossier: Dossier, consultation: Consultation, asking: Agency | None) -> None:
    """The officers of the agency asked hear of it (specialists and leaders there)."""
    from motcua.notify import services as notify

    officers = User.objects.filter(
        officer_roles__agency=consultation.agency,
        officer_roles__role__in=[Role.SPECIALIST, Role.LEADER],
        officer_roles__active=True,
        is_active=True,
    ).distinct()
    for officer in officers:
        notify.notify_officer(
            officer,
            "consultation_asked",
            dossier,
            key=f"{dossier.province_code}:{dossier.code}:consult:{consultation.pk}:{officer.pk}",
            asking_agency=(asking or dossier.current_agency).name,
            agency=consultation.agency.name,
            question=consultation.question,
            due=deadlines_text(consultation.due_at),
        )


def deadlines_text(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def _lock_for_answer(
    dossier: Dossier, consultation: Consultation | None, *, by: User
) -> tuple[Dossier, Consultation]:
    """``lock_for_action`` for the one action taken from outside the dossier's agencies:
    the officer acts for the agency asked. Same order (404, 403, 409); a consultation that
    is not this dossier's is a wrong input, judged after the state."""
    rule = TRANSITIONS[Action.ANSWER_CONSULTATION]
    locked = (
        # of=self: lock the dossier only, not the agency, version and procedure rows joined
        # in (on PostgreSQL they would serialise every action at a desk, and deadlock).
        Dossier.objects.select_for_update(of=("self",))
        .select_related("version", "receiving_agency", "current_agency", "procedure")
        .get(pk=dossier.pk)
    )
    if not visible_to(by).filter(pk=locked.pk).exists():
        raise NotVisible()
    ours = consultation is not None and consultation.dossier_id == locked.pk
    roles = [actor.role for actor in rule.actors]
    if ours:
        consultation = Consultation.objects.select_related("agency").get(pk=consultation.pk)
        asked = [consultation.agency_id]
    else:
        asked = list(locked.consultations.values_list("agency_id", flat=True))
    if not OfficerRole.objects.filter(
        user=by, agency_id__in=asked, role__in=roles, active=True
    ).exists():
        raise NotPermitted("Chỉ cán bộ của cơ quan được xin ý kiến mới trả lời.")
    if locked.revision != dossier.revision:
        raise ConcurrentUpdate()
    if State(locked.state) not in rule.sources:
        raise InvalidTransition(
            f"Không thể “{Action.ANSWER_CONSULTATION}” khi hồ sơ đang ở trạng thái "
            f"“{State(locked.state).label}”."
        )
    if not ours:
        raise InvalidInput("Hồ sơ không có yêu cầu xin ý kiến này.")
    if consultation.state != ConsultationState.OPEN:
        raise InvalidTransition("Yêu cầu xin ý kiến này đã được trả lời.")
    return locked, consultation


def answer_consultation(
    dossier: Dossier, *, ctx: Context, consultation: Consultation, answer: str
) -> Dossier:
    """An officer of the consulted agency gives its opinion; late answers are recorded so."""
    with transaction.atomic():
        dossier, consultation = _lock_for_answer(dossier, consultation, by=ctx.by)
        if not answer.strip():
            raise InvalidInput("Cần nội dung ý kiến.", {"answer": ["Bắt buộc."]})
        now = clock.now()
        consultation.state = ConsultationState.ANSWERED
        consultation.answer = answer.strip()
        consultation.answered_at = now
        consultation.answered_by = ctx.by
        consultation.save(update_fields=["state", "answer", "answered_at", "answered_by"])
        record_event(
            dossier,
            Action.ANSWER_CONSULTATION,
            ctx=_with_agency(ctx, consultation.agency),
            from_state=State.IN_PROCESS,
            to_state=State.IN_PROCESS,
            note=consultation.answer,
            at=now,
            data={
                "consultation": consultation.pk,
                "agency": consultation.agency.code,
                "due_at": consultation.due_at.isoformat(),
                "late": now > consultation.due_at,
            },
        )
        _save(dossier)
    return dossier


def request_payment(dossier: Dossier, *, ctx: Context, amount: int, note: str = "") -> Dossier:
    """A financial obligation is due: the clock pauses until it is met (DESIGN: Clock)."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.REQUEST_PAYMENT, by=ctx.by)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise InvalidInput("Số tiền phải là số nguyên đồng lớn hơn 0.")
        now = clock.now()
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
    """The obligation is met, recorded by the desk (cash at the counter): the dossier resumes
    where it was, its due date moved by the time it stood still."""
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.CONFIRM_PAYMENT, by=ctx.by)
        return _resume_after_payment(dossier, _with_agency(ctx, agency), note)


def payment_settled(
    dossier: Dossier, *, note: str, reference: str, ctx: Context | None = None
) -> Dossier:
    """Everything owed is paid (``payments.services``, inside its transaction): a dossier
    waiting for it resumes — by the system for an online payment, by the desk's officer
    for cash; any other dossier is left as it is."""
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        if locked.state != State.AWAITING_PAYMENT:
            return locked
        return _resume_after_payment(locked, ctx or Context(by=None), note, reference)


def _resume_after_payment(dossier: Dossier, ctx: Context, note: str, payment: str = "") -> Dossier:
    request = dossier.events.filter(action=Action.REQUEST_PAYMENT).order_by("-seq").first()
    target = State(request.data["resume_to"]) if request else State.RECEIVED
    now = clock.now()
    dossier.due_at = deadlines.extend_by_pause(dossier, now)
    dossier.paused_at = None
    dossier.state = target
    record_event(
        dossier,
        Action.CONFIRM_PAYMENT,
        ctx=ctx,
        from_state=State.AWAITING_PAYMENT,
        to_state=target,
        note=note,
        at=now,
        data={
            "due_at": dossier.due_at.isoformat() if dossier.due_at else None,
            **({"payment": payment} if payment else {}),
        },
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
    with transaction.atomic():
        dossier, agency = lock_for_action(dossier, Action.APOLOGISE, by=ctx.by)
        if not reason.strip():
            raise InvalidInput("Cần nêu lý do chậm trễ.")
        if dossier.apologised:
            raise InvalidTransition("Hồ sơ đã được hẹn lại một lần; không hẹn lại lần nữa.")
        if dossier.due_at is None:
            raise InvalidTransition("Hồ sơ chưa có hạn giải quyết để hẹn lại.")
        now = clock.now()
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
        # The internal process comes first: no approving past an unfinished step.
        pending = workflow.active_step(dossier)
        if pending is not None:
            raise InvalidTransition(f"Bước “{pending.name}” chưa hoàn thành.")
        now = clock.now()
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
        _check_paid(dossier, Action.RETURN_RESULT)
        now = clock.now()
        dossier.state = State.RETURNED
        dossier.returned_at = dossier.finished_at = now
        # The process's hand-over steps ("Trả kết quả") happen now.
        for step in dossier.steps.filter(state="pending").order_by("order"):
            workflow.start(step, dossier, now, save=False)
            workflow.finish(step, now, save=False)
            step.save(update_fields=["state", "started_at", "due_at", "completed_at", "timeliness"])
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


def delivered_by_post(dossier: Dossier, *, note: str, tracking: str) -> Dossier:
    """The post delivered the result (``delivery.services``, inside its transaction): the
    result counts as returned now. Done by the system on the carrier's word, for the desk
    that handed the result to the post."""
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("receiving_agency")
            .get(pk=dossier.pk)
        )
        if locked.state != State.RESULT_READY:
            raise InvalidTransition(
                f"Không thể “{Action.RETURN_RESULT}” khi hồ sơ đang ở trạng thái "
                f"“{State(locked.state).label}”."
            )
        now = clock.now()
        locked.state = State.RETURNED
        locked.returned_at = locked.finished_at = now
        for step in locked.steps.filter(state="pending").order_by("order"):
            workflow.start(step, locked, now, save=False)
            workflow.finish(step, now, save=False)
            step.save(update_fields=["state", "started_at", "due_at", "completed_at", "timeliness"])
        record_event(
            locked,
            Action.RETURN_RESULT,
            ctx=Context(by=None, agency=locked.receiving_agency),
            from_state=State.RESULT_READY,
            to_state=State.RETURNED,
            note=note,
            at=now,
            data={"delivery": Delivery.POST, "tracking": tracking},
        )
        _save(locked, "state", "returned_at", "finished_at")
    return locked


def _check_paid(dossier: Dossier, action: Action) -> None:
    """The procedure makes this step wait for the fees (``catalog.PaymentDue``)."""
    from motcua.payments import services as payments

    if payments.waits_for_payment(dossier, action):
        raise InvalidTransition(
            "Hồ sơ chưa nộp đủ phí, lệ phí; đề nghị người nộp thanh toán trước bước này."
        )


def _with_agency(ctx: Context, agency: Agency | None) -> Context:
    return Context(by=ctx.by, agency=agency, ip=ctx.ip, request_id=ctx.request_id)


def is_open(dossier: Dossier) -> bool:
    return State(dossier.state) not in TERMINAL and dossier.state != State.DRAFT
