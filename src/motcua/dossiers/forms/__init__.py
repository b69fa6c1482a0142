"""The official forms of a dossier as PDF, in Vietnamese (DESIGN: Lifecycle; issue 3 §6).

Numbering and titles of Circular 03/2025/TT-VPCP, Appendix I:

* Mẫu số 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả (:func:`render_form_01`);
* Mẫu số 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (:func:`render_form_02`);
* Mẫu số 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ (:func:`render_form_03`).

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
from django.template.loader import render_to_string

from motcua.accounts.identity import mask_id_number
from motcua.catalog import services as catalog
from motcua.catalog.models import Agency, DocumentKind, UnitLevel
from motcua.core.calendar import VN_TZ

from ..models import Delivery, Dossier, DossierEvent, State
from ..transitions import Action
from .pdf import html_to_pdf

__all__ = [
    "FormNotApplicable",
    "form_01_context",
    "form_02_context",
    "form_03_context",
    "qr_code",
    "render_form_01",
    "render_form_02",
    "render_form_03",
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


# --- public interface ---------------------------------------------------------------------


def render_form_01(dossier: Dossier, *, mask_id: bool = False) -> bytes:
    """Mẫu số 01, the receipt and appointment slip handed to the applicant. The ID number is
    printed in full (it is the applicant's own copy) unless ``mask_id``."""
    return _render(FORM_01, form_01_context(dossier, mask_id=mask_id))


def render_form_02(dossier: Dossier, event: DossierEvent | None = None) -> bytes:
    """Mẫu số 02 for ``event`` (a ``request-supplement`` event of the dossier), by default the
    latest supplement request."""
    return _render(FORM_02, form_02_context(dossier, event))


def render_form_03(dossier: Dossier) -> bytes:
    """Mẫu số 03 for a dossier refused at reception, with the reasons given."""
    return _render(FORM_03, form_03_context(dossier))


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
    reasons = [line.strip() for line in event.note.splitlines() if line.strip()]
    return {
        **_common(FORM_03, dossier, agency, event.at),
        "reasons": reasons,
        "officer": _person(event.actor),
        "submitted_on": _dmy(dossier.submitted_at) if dossier.submitted_at else "",
    }


# --- helpers ------------------------------------------------------------------------------


def _render(spec: FormSpec, context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_to_string(spec.template, context))


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
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
}


def render_for(dossier: Dossier, number: str, *, viewer) -> bytes:
    """The form ``number`` of a dossier as the viewer may see it: the ID number in full for
    the dossier's own citizen, masked for everyone else (Personal Data Protection Law)."""
    if number == "01":
        own = viewer is not None and viewer.pk in (dossier.account_id, dossier.owner_id)
        return render_form_01(dossier, mask_id=not own)
    if number == "02":
        return render_form_02(dossier)
    if number == "03":
        return render_form_03(dossier)
    raise FormNotApplicable(f"Không có mẫu số {number}.")
