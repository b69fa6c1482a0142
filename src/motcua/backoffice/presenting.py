"""How a dossier reads to a person: labels, dates, timeliness so far, the timeline in plain
Vietnamese. Shared by the officer's and the citizen's pages; no rules here, only wording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from motcua.accounts.models import User
from motcua.catalog.models import Agency
from motcua.core.calendar import get_calendar
from motcua.dossiers import deadlines
from motcua.dossiers.models import Dossier, DossierDocument, State, Timeliness
from motcua.dossiers.queues import RUNNING, due_soon_until
from motcua.dossiers.transitions import Action

APOLOGY_DEFAULT_DAYS = 3
ACTION_VALUES = frozenset(a.value for a in Action)

EVENT_LABELS = {
    Action.SUBMIT: gettext_noop("Nộp hồ sơ"),
    Action.RECEIVE: gettext_noop("Tiếp nhận hồ sơ"),
    Action.REQUEST_SUPPLEMENT: gettext_noop("Yêu cầu bổ sung hồ sơ"),
    Action.SUPPLEMENT: gettext_noop("Bổ sung hồ sơ"),
    Action.REFUSE: gettext_noop("Từ chối tiếp nhận"),
    Action.ROUTE: gettext_noop("Chuyển xử lý"),
    Action.ASSIGN: gettext_noop("Phân công"),
    Action.COMPLETE_STEP: gettext_noop("Hoàn thành bước"),
    Action.TRANSFER: gettext_noop("Chuyển cơ quan (liên thông)"),
    Action.CONSULT: gettext_noop("Xin ý kiến"),
    Action.ANSWER_CONSULTATION: gettext_noop("Trả lời xin ý kiến"),
    Action.REQUEST_PAYMENT: gettext_noop("Yêu cầu thực hiện nghĩa vụ tài chính"),
    Action.CONFIRM_PAYMENT: gettext_noop("Đã thực hiện nghĩa vụ tài chính"),
    Action.APOLOGISE: gettext_noop("Xin lỗi và hẹn lại ngày trả kết quả"),
    Action.STOP: gettext_noop("Dừng giải quyết"),
    Action.WITHDRAW: gettext_noop("Rút hồ sơ"),
    Action.RESULT_READY: gettext_noop("Có kết quả giải quyết"),
    Action.RETURN_RESULT: gettext_noop("Trả kết quả"),
}

# The citizen reads the state in plain words (issue 4 §2).
PLAIN_STATE = {
    State.DRAFT: gettext_noop("Bản nháp, chưa nộp"),
    State.SUBMITTED: gettext_noop("Đã nộp, đang chờ cán bộ tiếp nhận"),
    State.RECEIVED: gettext_noop("Đã được tiếp nhận"),
    State.REFUSED: gettext_noop("Không được tiếp nhận"),
    State.IN_PROCESS: gettext_noop("Đang được giải quyết"),
    State.SUPPLEMENT_REQUESTED: gettext_noop("Cần bạn bổ sung giấy tờ"),
    State.AWAITING_PAYMENT: gettext_noop("Chờ bạn nộp phí, lệ phí"),
    State.WITHDRAWN: gettext_noop("Bạn đã rút hồ sơ"),
    State.STOPPED: gettext_noop("Cơ quan đã dừng giải quyết"),
    State.RESULT_READY: gettext_noop("Đã có kết quả, chờ nhận"),
    State.RETURNED: gettext_noop("Đã trả kết quả"),
}

FORM_TITLES = {
    "01": gettext_noop("Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)"),
    "02": gettext_noop("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)"),
    "03": gettext_noop("Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03)"),
    "04": gettext_noop("Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)"),
    "05": gettext_noop("Thông báo dừng giải quyết hồ sơ (Mẫu 05)"),
    "06": gettext_noop("Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 06)"),
}


@dataclass(frozen=True)
class Deadline:
    """Where the dossier stands against its due date: ``tone`` is early, on_time, late,
    soon, running or none."""

    tone: str
    label: str


def deadline(dossier: Dossier, now: datetime, soon: datetime | None = None) -> Deadline:
    """``soon``: the due-soon boundary (``queues.due_soon_until(now)``), given once for a
    whole list: it reads the calendar."""
    if dossier.timeliness:
        return Deadline(dossier.timeliness, Timeliness(dossier.timeliness).label)
    if dossier.due_at is None:
        return Deadline("none", _("Chưa tính hạn"))
    if dossier.state not in RUNNING:
        return Deadline("none", _("Tạm dừng tính hạn"))
    if now > dossier.due_at:
        return Deadline("late", _("Quá hạn"))
    if dossier.due_at < (soon or due_soon_until(now)):
        return Deadline("soon", _("Sắp đến hạn"))
    return Deadline("running", _("Trong hạn"))


@dataclass(frozen=True)
class Row:
    dossier: Dossier
    deadline: Deadline
    state_label: str


def rows(dossiers, now: datetime) -> list[Row]:
    soon = due_soon_until(now)
    return [Row(d, deadline(d, now, soon), d.get_state_display()) for d in dossiers]


def dossier_view(dossier: Dossier, now: datetime) -> dict:
    return {"deadline": deadline(dossier, now), "plain_state": PLAIN_STATE[State(dossier.state)]}


def form_values(dossier: Dossier) -> list[tuple[str, str]]:
    """The declaration as (title, value), in the schema's order."""
    schema = dossier.version.form_schema or {}
    properties = schema.get("properties", {})
    values = dossier.form_data or {}
    ordered = [k for k in properties if k in values] + [k for k in values if k not in properties]
    return [
        (properties.get(k, {}).get("title", k), _show(values[k], properties.get(k, {})))
        for k in ordered
    ]


def _show(value, schema: dict | None = None) -> str:
    if (schema or {}).get("format") == "date" and isinstance(value, str):
        try:
            return datetime.strptime(value, "%Y-%m-%d").strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    return str(value)


def document_names(dossier: Dossier) -> dict[str, str]:
    return {d.key: d.name for d in dossier.version.documents.all()}


def documents(dossier: Dossier) -> list[dict]:
    names = document_names(dossier)
    items: list[DossierDocument] = list(
        dossier.documents.select_related("stored_file").order_by("round", "document_key", "id")
    )
    return [
        {
            "item": item,
            "name": names.get(item.document_key, item.document_key),
            "file": item.stored_file,
            "round_label": _("Khi nộp")
            if item.round == 0
            else _("Bổ sung lần %(n)s") % {"n": item.round},
            "gone": item.stored_file.deleted_at is not None,
        }
        for item in items
    ]


def _names(dossier: Dossier) -> tuple[dict[str, str], dict[int, str]]:
    events = list(dossier.events.all())
    codes: set[str] = set()
    for event in events:
        for key in ("to_agency", "from_agency", "agency", "handling_agency"):
            value = event.data.get(key)
            if isinstance(value, str):
                codes.add(value)
    agencies = dict(Agency.objects.filter(code__in=codes).values_list("code", "name"))
    people = {
        pk: name or username
        for pk, name, username in User.objects.filter(
            pk__in={e.actor_id for e in events if e.actor_id}
        ).values_list("pk", "full_name", "username")
    }
    return agencies, people


def timeline(dossier: Dossier, *, for_citizen: bool = False) -> list[dict]:
    """Every event, oldest first, in words. The citizen sees agencies, not officers'
    names, and no internal notes of consultations."""
    agencies, people = _names(dossier)
    result = []
    for event in dossier.events.select_related("actor_agency").order_by("seq"):
        action = Action(event.action) if event.action in ACTION_VALUES else None
        data = event.data or {}
        detail = ""
        if action in (Action.ROUTE, Action.TRANSFER) and data.get("to_agency"):
            detail = f"Đến: {agencies.get(data['to_agency'], data['to_agency'])}"
        elif action == Action.COMPLETE_STEP and data.get("step"):
            step = data["step"]
            verb = "Trả lại" if data.get("send_back") else "Xong"
            detail = f"{verb} bước {step.get('order')}: {step.get('name')}"
            if step.get("timeliness"):
                detail += f" ({Timeliness(step['timeliness']).label.lower()})"
        elif action == Action.ASSIGN and not for_citizen:
            detail = f"Giao cho: {data.get('assignee_name', '')} — {data.get('step_name', '')}"
        elif action == Action.REQUEST_SUPPLEMENT:
            detail = "; ".join(f"{m['name']}: {m['reason']}" for m in data.get("missing", []))
        elif action == Action.APOLOGISE and data.get("new_due_at"):
            new = datetime.fromisoformat(data["new_due_at"])
            detail = f"Hẹn lại: {timezone.localtime(new):%d/%m/%Y %H:%M}"
        elif action == Action.CONSULT:
            detail = f"Xin ý kiến: {agencies.get(data.get('agency'), data.get('agency'))}"
        note = event.note
        if for_citizen and action in (Action.CONSULT, Action.ANSWER_CONSULTATION, Action.ASSIGN):
            note = ""
        result.append(
            {
                "at": event.at,
                "label": EVENT_LABELS.get(action, event.action),
                "by": "" if for_citizen else people.get(event.actor_id, ""),
                "agency": event.actor_agency.name if event.actor_agency_id else "",
                "detail": detail,
                "note": note,
            }
        )
    return result


def printable_forms(dossier: Dossier, *, officer: bool) -> list[tuple[str, str, str]]:
    """(number, title, url) of the forms issued for this dossier so far."""
    numbers = []
    if dossier.received_at:
        numbers.append("01")
    if dossier.supplement_count:
        numbers.append("02")
    if dossier.state == State.REFUSED:
        numbers.append("03")
    if dossier.apologised:
        numbers.append("04")
    if dossier.state == State.STOPPED:
        numbers.append("05")
    if officer and dossier.received_at:
        numbers.append("06")
    return [
        (n, FORM_TITLES[n], reverse("portal:dossier_form", args=[dossier.code, n])) for n in numbers
    ]


def apology_proposal(dossier: Dossier, now: datetime) -> dict | None:
    """Issue 4 §1: the apology is proposed before its window closes (one working day before
    the due date), with the new date the calendar gives."""
    if dossier.apologised or dossier.due_at is None:
        return None
    in_window = deadlines.apology_in_window(dossier, now)
    days_left = get_calendar().working_days_between(
        timezone.localdate(now), timezone.localdate(dossier.due_at)
    )
    return {
        "urgent": dossier.due_at < now or days_left <= 2,
        "in_window": in_window,
        "late": dossier.due_at < now,
        "days": APOLOGY_DEFAULT_DAYS,
        "new_due_at": deadlines.new_due_after(dossier, APOLOGY_DEFAULT_DAYS),
    }
