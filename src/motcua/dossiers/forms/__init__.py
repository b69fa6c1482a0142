"""The official forms of a dossier as PDF, in Vietnamese (DESIGN: Lifecycle; issue 3 §6).

Numbering and titles of Circular 03/2025/TT-VPCP, Appendix I:

* Mẫu số 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả (:func:`render_form_01`);
* Mẫu số 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (:func:`render_form_02`);
* Mẫu số 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ (:func:`render_form_03`);
* Mẫu số 04 — Phiếu xin lỗi và hẹn lại ngày trả kết quả (:func:`render_form_04`);
* Mẫu số 05 — Thông báo dừng giải quyết hồ sơ (:func:`render_form_05`);
* Mẫu số 06 — Phiếu kiểm soát quá trình giải quyết hồ sơ (:func:`render_form_06`);
* Mẫu số 07 — Sổ theo dõi hồ sơ, per receiving agency and period, as PDF and XLSX
  (:mod:`.register`: :func:`render_register_pdf`, :func:`render_register_xlsx`).

Each form is built from the dossier and its events only (what was received, asked or refused,
when and by whom), never from request data, so a reprint says what the log says. The layout
follows Decree 30/2020/NĐ-CP (forms.css); every form carries the dossier code as a QR code and
in text. A form that does not apply to the dossier raises :class:`FormNotApplicable` (a
``ValueError``) with a Vietnamese message.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string

from motcua.accounts.identity import mask_id_number
from motcua.accounts.models import OfficerRole
from motcua.catalog import services as catalog
from motcua.catalog.models import Agency, DocumentKind, UnitLevel
from motcua.core.calendar import VN_TZ
from motcua.workflow.models import Consultation, DossierStep

from ..models import Delivery, Dossier, DossierEvent, State, Timeliness
from ..transitions import Action
from .pdf import html_to_pdf, in_vietnamese

__all__ = [
    "FormNotApplicable",
    "form_01_context",
    "form_02_context",
    "form_03_context",
    "form_04_context",
    "form_05_context",
    "form_06_context",
    "qr_code",
    "render_for",
    "render_form_01",
    "render_form_02",
    "render_form_03",
    "render_form_04",
    "render_form_05",
    "render_form_06",
    "render_register_pdf",
    "render_register_xlsx",
]

# The QR code as embedded: a PNG of ``QR_SCALE`` pixels per module with the standard quiet
# zone of ``QR_BORDER`` modules, printed 24 mm wide (forms.css).
QR_SCALE = 8
QR_BORDER = 4


class FormNotApplicable(ValueError):
    """The form does not apply to the dossier in its state (e.g. Form 01 before reception)."""


@dataclass(frozen=True)
class FormSpec:
    number: str
    title: str
    template: str


FORM_01 = FormSpec("01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "dossiers/forms/form_01.html")
FORM_02 = FormSpec("02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "dossiers/forms/form_02.html")
FORM_03 = FormSpec("03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ", "dossiers/forms/form_03.html")
FORM_04 = FormSpec("04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả", "dossiers/forms/form_04.html")
FORM_05 = FormSpec("05", "Thông báo dừng giải quyết hồ sơ", "dossiers/forms/form_05.html")
FORM_06 = FormSpec(
    "06", "Phiếu kiểm soát quá trình giải quyết hồ sơ", "dossiers/forms/form_06.html"
)


# --- public interface ---------------------------------------------------------------------


@in_vietnamese
def render_form_01(dossier: Dossier, *, mask_id: bool = False) -> bytes:
    """Mẫu số 01, the receipt and appointment slip handed to the applicant. The ID number is
    printed in full (it is the applicant's own copy) unless ``mask_id``."""
    return _render(FORM_01, form_01_context(dossier, mask_id=mask_id))


@in_vietnamese
def render_form_02(dossier: Dossier, event: DossierEvent | None = None) -> bytes:
    """Mẫu số 02 for ``event`` (a ``request-supplement`` event of the dossier), by default the
    latest supplement request."""
    return _render(FORM_02, form_02_context(dossier, event))


@in_vietnamese
def render_form_03(dossier: Dossier) -> bytes:
    """Mẫu số 03 for a dossier refused at reception, with the reasons given."""
    return _render(FORM_03, form_03_context(dossier))


@in_vietnamese
def render_form_04(dossier: Dossier) -> bytes:
    """Mẫu số 04 for the dossier's apology (moved due date, once), signed by the head of the
    agency that apologised."""
    return _render(FORM_04, form_04_context(dossier))


@in_vietnamese
def render_form_05(dossier: Dossier) -> bytes:
    """Mẫu số 05 for a dossier whose handling the agency stopped, with the reason given."""
    return _render(FORM_05, form_05_context(dossier))


@in_vietnamese
def render_form_06(dossier: Dossier) -> bytes:
    """Mẫu số 06, the process control slip: every hand-over of the dossier from its event
    log, with the time, who gave, who received and whether the giver was early, on time or
    late. For officers (``render_for`` refuses it to a citizen)."""
    return _render(FORM_06, form_06_context(dossier))


def qr_code(code: str) -> segno.QRCode:
    """The QR code printed on every form: the dossier code, never a Micro QR."""
    return segno.make_qr(code, error="m")


# --- contexts -----------------------------------------------------------------------------


def form_01_context(dossier: Dossier, *, mask_id: bool = False) -> dict[str, Any]:
    _require_code(dossier)
    events = _events(dossier)
    receipt = _latest(events, Action.RECEIVE)
    undone = _latest(events, Action.REQUEST_SUPPLEMENT, at_reception=True)
    if receipt is None:
        raise FormNotApplicable(
            f"Hồ sơ {dossier.code} chưa được tiếp nhận: chưa thể in Giấy tiếp nhận hồ sơ và "
            "hẹn trả kết quả."
        )
    if undone is not None and undone.seq > receipt.seq:
        raise FormNotApplicable(
            f"Hồ sơ {dossier.code} đang được yêu cầu bổ sung tại khâu tiếp nhận: giấy tiếp "
            "nhận trước đó không còn hiệu lực."
        )
    agency = dossier.receiving_agency
    due_at = _parse_moment(receipt.data.get("due_at"))
    limit = catalog.limit_at(dossier.version, agency)
    limit_text = str(limit) if limit is not None else "Chưa công bố"
    if dossier.version.limit_note:
        limit_text = f"{limit_text} ({dossier.version.limit_note})"
    delivery = dossier.get_delivery_display()
    if dossier.delivery == Delivery.POST and dossier.post_address:
        delivery = f"{delivery}, địa chỉ: {dossier.post_address}"
    return {
        **_common(FORM_01, dossier, agency, receipt.at),
        "id_number": mask_id_number(dossier.owner_id_number)
        if mask_id
        else dossier.owner_id_number,
        "documents": _documents_received(dossier, receipt.at),
        "limit_text": limit_text,
        "received_at": _spoken_moment(receipt.at),
        "due_at": _spoken_moment(due_at) if due_at else "",
        "due_date": _dmy(due_at) if due_at else "",
        "channel": dossier.get_channel_display(),
        "delivery": delivery,
        "officer": _person(receipt.actor),
    }


def form_02_context(dossier: Dossier, event: DossierEvent | None = None) -> dict[str, Any]:
    _require_code(dossier)
    if event is None:
        event = _latest(_events(dossier), Action.REQUEST_SUPPLEMENT)
        if event is None:
            raise FormNotApplicable(
                f"Hồ sơ {dossier.code} chưa có yêu cầu bổ sung nào: không có Phiếu yêu cầu "
                "bổ sung, hoàn thiện hồ sơ để in."
            )
    elif event.dossier_id != dossier.pk or event.action != Action.REQUEST_SUPPLEMENT:
        raise FormNotApplicable(
            f"Sự kiện đã chọn không phải là một yêu cầu bổ sung của hồ sơ {dossier.code}."
        )
    agency = event.actor_agency or dossier.receiving_agency
    items = [
        {"name": item.get("name", ""), "reason": item.get("reason", "")}
        for item in event.data.get("missing", [])
    ]
    return {
        **_common(FORM_02, dossier, agency, event.at),
        "items": items,
        "note": event.note,
        "round": event.data.get("round") or 1,
        "at_reception": event.data.get("at_reception", True),
        "officer": _person(event.actor),
        "agency_phone": agency.phone,
        "requested_on": _dmy(event.at),
    }


def form_03_context(dossier: Dossier) -> dict[str, Any]:
    _require_code(dossier)
    event = _latest(_events(dossier), Action.REFUSE)
    if dossier.state != State.REFUSED or event is None:
        raise FormNotApplicable(
            f"Hồ sơ {dossier.code} không bị từ chối tiếp nhận (trạng thái “"
            f"{dossier.get_state_display()}”): không có Phiếu từ chối tiếp nhận để in."
        )
    agency = event.actor_agency or dossier.receiving_agency
    return {
        **_common(FORM_03, dossier, agency, event.at),
        "reasons": _lines(event.note),
        "officer": _person(event.actor),
        "submitted_on": _dmy(dossier.submitted_at) if dossier.submitted_at else "",
    }


def form_04_context(dossier: Dossier) -> dict[str, Any]:
    _require_code(dossier)
    events = _events(dossier)
    event = _latest(events, Action.APOLOGISE)
    if event is None:
        raise FormNotApplicable(
            f"Hồ sơ {dossier.code} không có lần xin lỗi, hẹn lại ngày trả kết quả nào: không "
            "có Phiếu xin lỗi và hẹn lại ngày trả kết quả để in."
        )
    agency = event.actor_agency or dossier.receiving_agency
    receipt = _latest([e for e in events if e.seq < event.seq], Action.RECEIVE)
    old_due = _parse_moment(event.data.get("old_due_at"))
    new_due = _parse_moment(event.data.get("new_due_at"))
    limit = catalog.limit_at(dossier.version, dossier.receiving_agency)
    return {
        **_common(FORM_04, dossier, agency, event.at),
        "reasons": _lines(event.note),
        "limit_text": str(limit) if limit is not None else "",
        "received_on": _dmy(receipt.at) if receipt else "",
        "receiving_agency": dossier.receiving_agency,
        "old_due_at": _spoken_moment(old_due) if old_due else "",
        "new_due_at": _spoken_moment(new_due) if new_due else "",
        # Decree 118/2025: at least one working day before the due date; a later apology
        # stands, but the form says it came late.
        "in_window": bool(event.data.get("in_window", True)),
        "apologised_on": _dmy(event.at),
        "officer": _person(event.actor),
    }


def form_05_context(dossier: Dossier) -> dict[str, Any]:
    _require_code(dossier)
    events = _events(dossier)
    event = _latest(events, Action.STOP)
    if dossier.state != State.STOPPED or event is None:
        raise FormNotApplicable(
            f"Hồ sơ {dossier.code} không bị dừng giải quyết (trạng thái “"
            f"{dossier.get_state_display()}”): không có Thông báo dừng giải quyết hồ sơ để in."
        )
    agency = event.actor_agency or dossier.current_agency
    receipt = _latest(events, Action.RECEIVE)
    return {
        **_common(FORM_05, dossier, agency, event.at),
        "reasons": _lines(event.note),
        "stopped_at": _spoken_moment(event.at),
        "submitted_on": _dmy(dossier.submitted_at) if dossier.submitted_at else "",
        "received_on": _dmy(receipt.at) if receipt else "",
        "receiving_agency": dossier.receiving_agency,
        "officer": _person(event.actor),
    }


def form_06_context(dossier: Dossier) -> dict[str, Any]:
    _require_code(dossier)
    events = _events(dossier)
    receipt = _latest(events, Action.RECEIVE)
    if receipt is None:
        raise FormNotApplicable(
            f"Hồ sơ {dossier.code} chưa được tiếp nhận: chưa có Phiếu kiểm soát quá trình "
            "giải quyết hồ sơ."
        )
    slip = _ControlSlip(dossier, events)
    rows = slip.rows()
    agency = dossier.receiving_agency
    apology = _latest(events, Action.APOLOGISE)
    return {
        **_common(FORM_06, dossier, agency, events[-1].at),
        "rows": rows,
        "received_at": _spoken_moment(receipt.at),
        "handling_agency": slip.handling_agency,
        "partners": slip.partners,
        "due_at": _spoken_moment(slip.due_at) if slip.due_at else "",
        "apologised_from": _dmy(_parse_moment(apology.data.get("old_due_at")))
        if apology and apology.data.get("old_due_at")
        else "",
        "state": dossier.get_state_display(),
    }


# --- Form 06: the hand-overs read from the event log ----------------------------------------

NO_RESULT = "—"
_APPLICANT = "Người nộp hồ sơ"
_OWNER = "Chủ hồ sơ"


class _ControlSlip:
    """Walks the events once, keeping what each row needs to know from earlier ones: the
    due date in force, each step's own deadline and who asked a supplement or an opinion."""

    HAND_OVERS = {
        Action.RECEIVE: "_receive",
        Action.ROUTE: "_route",
        Action.ASSIGN: "_assign",
        Action.COMPLETE_STEP: "_complete_step",
        Action.TRANSFER: "_transfer",
        Action.REQUEST_SUPPLEMENT: "_request_supplement",
        Action.SUPPLEMENT: "_supplement",
        Action.CONSULT: "_consult",
        Action.ANSWER_CONSULTATION: "_answer_consultation",
        Action.RESULT_READY: "_result_ready",
        Action.RETURN_RESULT: "_return_result",
    }

    def __init__(self, dossier: Dossier, events: list[DossierEvent]) -> None:
        self.dossier = dossier
        self.events = events
        self.agencies = self._agencies()
        self.due_at: datetime | None = None
        self.step_due: dict[int, datetime] = {}
        self.handling_agency = ""
        self.partners: list[str] = []
        self._asked_supplement: Agency | None = None
        self._consulting: dict[Any, Agency | None] = {}

    def _agencies(self) -> dict[str, Agency]:
        """Every agency the events name by code, in one query."""
        codes: set[str] = set()
        for event in self.events:
            data = event.data
            for key in ("to_agency", "from_agency", "handling_agency", "agency"):
                if isinstance(data.get(key), str):
                    codes.add(data[key])
            for step in [*data.get("steps", []), data.get("step"), data.get("next_step")]:
                if isinstance(step, dict) and step.get("agency"):
                    codes.add(step["agency"])
        return Agency.objects.filter(code__in=codes).in_bulk(field_name="code")

    def name_of(self, code: str | None) -> str:
        if not code:
            return ""
        agency = self.agencies.get(code)
        return agency.name if agency else code

    def _partner(self, code: str | None) -> None:
        name = self.name_of(code)
        if name and name != self.handling_agency and name not in self.partners:
            self.partners.append(name)

    def rows(self) -> list[dict[str, str]]:
        rows = []
        for event in self.events:
            handler = self.HAND_OVERS.get(event.action)
            if handler is None:
                self._follow(event)  # not a hand-over, but it may move the due date
                continue
            row = getattr(self, handler)(event)
            row.setdefault("giver_person", _person(event.actor))
            row["at"] = _local(event.at).strftime("%d/%m/%Y %H:%M")
            row["note"] = event.note.strip()
            rows.append(row)
        for n, row in enumerate(rows, start=1):
            row["n"] = str(n)
        return rows

    # Each handler: one hand-over row (giver, receiver, result of the giver's part, what).

    def _follow(self, event: DossierEvent) -> None:
        if event.action == Action.APOLOGISE:
            self.due_at = _parse_moment(event.data.get("new_due_at")) or self.due_at
        elif event.action == Action.CONFIRM_PAYMENT and "due_at" in event.data:
            self.due_at = _parse_moment(event.data.get("due_at"))

    def _receive(self, event: DossierEvent) -> dict[str, str]:
        self.due_at = _parse_moment(event.data.get("due_at"))
        agency = event.actor_agency or self.dossier.receiving_agency
        return {
            "what": "Tiếp nhận hồ sơ",
            "giver": _APPLICANT,
            "giver_person": self.dossier.submitter_name,
            "receiver": agency.name,
            "receiver_detail": _person(event.actor),
            "result": NO_RESULT,
        }

    def _route(self, event: DossierEvent) -> dict[str, str]:
        data = event.data
        steps = [s for s in data.get("steps", []) if isinstance(s, dict)]
        active = next((s for s in steps if s.get("order") == data.get("active_step")), None)
        for step in steps:
            if step.get("due_at") and step.get("state") == "active":
                self.step_due[step["order"]] = _parse_moment(step["due_at"])
        self.handling_agency = self.name_of(data.get("handling_agency") or data.get("to_agency"))
        # The reception steps were done by the desk now handing over: their timeliness.
        done = [s.get("timeliness") for s in steps if s.get("state") == "done"]
        result = _worst(done) if done else _judge(event.at, self.due_at)
        return {
            "what": "Chuyển hồ sơ đến cơ quan giải quyết",
            "giver": self._actor_agency(event),
            "receiver": self.name_of(data.get("to_agency")),
            "receiver_detail": _step_label(active),
            "result": result,
        }

    def _assign(self, event: DossierEvent) -> dict[str, str]:
        data = event.data
        agency = self.name_of(data.get("agency")) or self._actor_agency(event)
        return {
            "what": f"Giao xử lý bước {data.get('step')}. {data.get('step_name', '')}".strip(),
            "giver": agency,
            "receiver": agency,
            "receiver_detail": data.get("assignee_name", ""),
            "result": NO_RESULT,
        }

    def _complete_step(self, event: DossierEvent) -> dict[str, str]:
        data = event.data
        step = data.get("step") or {}
        target = data.get("next_step")
        due = _parse_moment(step.get("due_at")) or self.step_due.get(step.get("order"))
        if data.get("send_back"):
            what = f"Trả lại bước trước ({_step_label(step)})"
            result = _judge(event.at, due or self.due_at)
        else:
            what = f"Hoàn thành bước {step.get('order')}. {step.get('name', '')}".strip()
            result = _label(step.get("timeliness")) or _judge(event.at, due or self.due_at)
        if isinstance(target, dict):
            if target.get("due_at"):
                self.step_due[target["order"]] = _parse_moment(target["due_at"])
            detail = _step_label(target)
        else:
            detail = "Đã xong các bước xử lý, chờ ban hành kết quả"
        return {
            "what": what,
            "giver": self.name_of(data.get("from_agency")) or self._actor_agency(event),
            "receiver": self.name_of(data.get("to_agency")),
            "receiver_detail": detail,
            "result": result,
        }

    def _transfer(self, event: DossierEvent) -> dict[str, str]:
        data = event.data
        self._partner(data.get("to_agency"))
        due = self.step_due.get(data.get("step")) or self.due_at
        return {
            "what": "Chuyển liên thông",
            "giver": self.name_of(data.get("from_agency")) or self._actor_agency(event),
            "receiver": self.name_of(data.get("to_agency")),
            "receiver_detail": _step_label(
                {"order": data.get("step"), "name": data.get("step_name", "")}
            ),
            "result": _judge(event.at, due),
        }

    def _request_supplement(self, event: DossierEvent) -> dict[str, str]:
        data = event.data
        self._asked_supplement = event.actor_agency
        if data.get("at_reception", True):
            self.due_at = None  # the clock never started
            result = NO_RESULT
        else:
            # After 3 working days, or a second time: the agency's fault, counted late.
            result = _label(Timeliness.LATE if data.get("agency_fault") else Timeliness.ON_TIME)
        names = "; ".join(m.get("name", "") for m in data.get("missing", []) if m.get("name"))
        return {
            "what": f"Yêu cầu bổ sung, hoàn thiện hồ sơ (lần {data.get('round') or 1})"
            + (f": {names}" if names else ""),
            "giver": self._actor_agency(event),
            "receiver": _OWNER,
            "receiver_detail": self.dossier.owner_name,
            "result": result,
        }

    def _supplement(self, event: DossierEvent) -> dict[str, str]:
        back_to_reception = event.to_state == State.SUBMITTED
        agency = (
            self.dossier.receiving_agency
            if back_to_reception or self._asked_supplement is None
            else self._asked_supplement
        )
        self.due_at = _parse_moment(event.data.get("due_at"))
        if not back_to_reception:
            self.step_due.clear()  # the asking step restarts with its full budget
        return {
            "what": "Nộp bổ sung hồ sơ",
            "giver": _APPLICANT,
            "receiver": agency.name,
            "receiver_detail": "",
            "result": NO_RESULT,
        }

    def _consult(self, event: DossierEvent) -> dict[str, str]:
        data = event.data
        self._consulting[data.get("consultation")] = event.actor_agency
        self._partner(data.get("agency"))
        due = _parse_moment(data.get("due_at"))
        return {
            "what": "Xin ý kiến" + (f", hạn trả lời {_hm_dmy(due)}" if due else ""),
            "giver": self._actor_agency(event),
            "receiver": self.name_of(data.get("agency")),
            "receiver_detail": "",
            "result": NO_RESULT,
        }

    def _answer_consultation(self, event: DossierEvent) -> dict[str, str]:
        data = event.data
        asking = self._consulting.get(data.get("consultation"))
        late = data.get("late")
        return {
            "what": "Trả lời xin ý kiến",
            "giver": self.name_of(data.get("agency")) or self._actor_agency(event),
            "receiver": asking.name if asking else "",
            "receiver_detail": "",
            "result": _label(Timeliness.LATE)
            if late
            else _judge(event.at, _parse_moment(data.get("due_at"))),
        }

    def _result_ready(self, event: DossierEvent) -> dict[str, str]:
        return {
            "what": "Có kết quả giải quyết, chuyển bộ phận trả kết quả",
            "giver": self._actor_agency(event),
            "receiver": self.dossier.receiving_agency.name,
            "receiver_detail": "",
            "result": _label(event.data.get("timeliness")) or _judge(event.at, self.due_at),
        }

    def _return_result(self, event: DossierEvent) -> dict[str, str]:
        delivery = event.data.get("delivery") or self.dossier.delivery
        label = Delivery(delivery).label if delivery in Delivery.values else ""
        return {
            "what": "Trả kết quả" + (f" ({label[0].lower()}{label[1:]})" if label else ""),
            "giver": self._actor_agency(event),
            "receiver": _OWNER,
            "receiver_detail": self.dossier.owner_name,
            "result": _judge(event.at, self.due_at),
        }

    def _actor_agency(self, event: DossierEvent) -> str:
        return event.actor_agency.name if event.actor_agency else ""


_SEVERITY = [Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE]


def _worst(values: list[Any]) -> str:
    known = [Timeliness(v) for v in values if v in Timeliness.values]
    return _label(max(known, key=_SEVERITY.index)) if known else NO_RESULT


def _label(value: Any) -> str:
    return Timeliness(value).label if value in Timeliness.values else ""


def _judge(at: datetime, due: datetime | None) -> str:
    """Early (a day before the due day), on time or late, like ``deadlines.judge``; nothing
    to judge against without a due date."""
    if due is None:
        return NO_RESULT
    if at > due:
        return _label(Timeliness.LATE)
    if _local(at).date() < _local(due).date():
        return _label(Timeliness.EARLY)
    return _label(Timeliness.ON_TIME)


def _step_label(step: dict[str, Any] | None) -> str:
    if not step or step.get("order") is None:
        return ""
    return f"Bước {step['order']}. {step.get('name', '')}".strip()


def _hm_dmy(moment: datetime) -> str:
    return _local(moment).strftime("%H:%M %d/%m/%Y")


# --- helpers ------------------------------------------------------------------------------


def _render(spec: FormSpec, context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_to_string(spec.template, context))


@in_vietnamese
def render_document(
    spec: FormSpec, dossier: Dossier, agency: Agency, at: datetime, **extra
) -> bytes:
    """A paper of our own about a dossier (no official form number, e.g. the payment
    confirmation) in the forms' Decree 30/2020 layout, with the dossier's QR code."""
    return _render(spec, {**_common(spec, dossier, agency, at), **extra})


def _require_code(dossier: Dossier) -> None:
    if not dossier.code or dossier.state == State.DRAFT:
        raise FormNotApplicable("Hồ sơ nháp chưa có mã hồ sơ: chưa có biểu mẫu nào để in.")


def _events(dossier: Dossier) -> list[DossierEvent]:
    return list(
        DossierEvent.objects.filter(dossier=dossier)
        .select_related("actor", "actor_agency", "actor_agency__parent")
        .order_by("seq")
    )


def _latest(events: list[DossierEvent], action: Action, **data: Any) -> DossierEvent | None:
    for event in reversed(events):
        if event.action == action and all(event.data.get(k) == v for k, v in data.items()):
            return event
    return None


def _common(spec: FormSpec, dossier: Dossier, agency: Agency, at: datetime) -> dict[str, Any]:
    parent = agency.parent
    return {
        "form_number": spec.number,
        "title": spec.title.upper(),
        "parent_agency": parent.name.upper() if parent else "",
        "agency_name": agency.name.upper(),
        "agency": agency,
        "place_date": _place_date(agency, at),
        "code": dossier.code,
        "qr_data_uri": _qr_data_uri(dossier.code),
        "dossier": dossier,
        "owner_name": dossier.owner_name,
        "submitter_name": dossier.submitter_name,
        "procedure_name": dossier.procedure.name,
        "procedure_code": dossier.procedure.code,
    }


def _qr_data_uri(code: str) -> str:
    buffer = io.BytesIO()
    qr_code(code).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _local(moment: datetime) -> datetime:
    return moment.astimezone(VN_TZ)


def _dmy(moment: datetime) -> str:
    return _local(moment).strftime("%d/%m/%Y")


def _spoken_moment(moment: datetime) -> str:
    """``09 giờ 30 phút, ngày 12/03/2026`` (local time)."""
    local = _local(moment)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def _parse_moment(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value))


def _place_date(agency: Agency, at: datetime) -> str:
    """Decree 30/2020, Appendix I, item 4: ``<place>, ngày 05 tháng 3 năm 2026`` — a day
    below 10 and the months 1 and 2 take a leading zero."""
    local = _local(at)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    date_text = f"ngày {local.day:02d} tháng {month} năm {local.year}"
    place = _place_name(agency)
    return f"{place}, {date_text}" if place else date_text


def _place_name(agency: Agency) -> str:
    """The province where the agency sits (its administrative unit, or the installation's
    province)."""
    node: Agency | None = agency
    while node is not None:
        unit = node.unit
        while unit is not None:
            if unit.level == UnitLevel.PROVINCE:
                return unit.name
            unit = unit.parent
        node = node.parent
    try:
        from vietnam_provinces import Province

        return Province.from_code(settings.MOTCUA["PROVINCE_CODE"]).name
    except Exception:  # an unknown code: the form goes without a place name
        return ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _person(user: Any) -> str:
    if user is None:
        return ""
    return user.full_name or user.username


def _documents_received(dossier: Dossier, until: datetime) -> list[dict[str, Any]]:
    """The documents given up to reception, in the version's order, with their kind
    (original, certified copy, copy, presented) and the number of copies required."""
    given: dict[str, int] = {}
    for document in dossier.documents.filter(added_at__lte=until):
        given[document.document_key] = given.get(document.document_key, 0) + 1
    rows = []
    for document in dossier.version.documents.all():
        if document.key in given:
            rows.append(
                {
                    "name": document.name,
                    "kind": DocumentKind(document.kind).label,
                    "copies": document.copies,
                    "files": given.pop(document.key),
                }
            )
    for key, files in given.items():  # a document the version no longer lists
        rows.append({"name": key, "kind": "", "copies": "", "files": files})
    return rows


FORMS = {
    "01": FORM_01.title,
    "02": FORM_02.title,
    "03": FORM_03.title,
    "04": FORM_04.title,
    "05": FORM_05.title,
    "06": FORM_06.title,
}


@in_vietnamese
def render_for(dossier: Dossier, number: str, *, viewer) -> bytes:
    """The form ``number`` of a dossier as the viewer may see it: the ID number in full for
    the dossier's own citizen, masked for everyone else (Personal Data Protection Law); the
    process control slip (06) only for the officers of the agencies that hold or held it."""
    if number == "01":
        own = viewer is not None and viewer.pk in (dossier.account_id, dossier.owner_id)
        return render_form_01(dossier, mask_id=not own)
    if number == "02":
        return render_form_02(dossier)
    if number == "03":
        return render_form_03(dossier)
    if number == "04":
        return render_form_04(dossier)
    if number == "05":
        return render_form_05(dossier)
    if number == "06":
        if not is_officer_of(dossier, viewer):
            raise FormNotApplicable(
                "Phiếu kiểm soát quá trình giải quyết hồ sơ là phiếu nội bộ, chỉ dành cho cán "
                "bộ các cơ quan giải quyết hồ sơ."
            )
        return render_form_06(dossier)
    raise FormNotApplicable(f"Không có mẫu số {number}.")


def is_officer_of(dossier: Dossier, viewer) -> bool:
    """The viewer holds an active officer role at an agency that receives, holds, held a
    step of, was consulted on or acted on the dossier."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    involved = (
        Q(agency_id__in=[dossier.receiving_agency_id, dossier.current_agency_id])
        | Q(agency_id__in=DossierStep.objects.filter(dossier=dossier).values("agency_id"))
        | Q(agency_id__in=Consultation.objects.filter(dossier=dossier).values("agency_id"))
        | Q(agency_id__in=DossierEvent.objects.filter(dossier=dossier).values("actor_agency_id"))
    )
    return OfficerRole.objects.filter(user=viewer, active=True).filter(involved).exists()


# Mẫu số 07 builds on the helpers above.
from .register import render_register_pdf, render_register_xlsx  # noqa: E402
