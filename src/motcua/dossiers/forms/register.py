"""Mẫu số 07 — Sổ theo dõi hồ sơ: the register of the dossiers a receiving agency took in over
a period, one row per dossier, as a landscape PDF and as a spreadsheet.

A dossier belongs to the register of its ``receiving_agency`` and to the period that holds
the local (Asia/Ho_Chi_Minh) date it was submitted. The rows come from the dossier rows
alone (its dates, state, timeliness and flags, which the services keep in step with the
event log) plus the time of its first hand-over to the handling agency, read by a subquery:
one query however many dossiers, streamed (``iterator``) for the spreadsheet. ID numbers and
phones are masked (Personal Data Protection Law 2025: minimal display in lists).

The PDF keeps the provincial templates' twelve columns; the spreadsheet gives one value per
cell (name and ID number, address and phone, transfer and result dates apart, real dates),
so that it can be sorted and filtered.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from motcua.accounts.identity import mask_id_number, mask_phone
from motcua.catalog.models import Agency
from motcua.core import clock
from motcua.core.calendar import VN_TZ

from ..models import TERMINAL, Channel, Dossier, DossierEvent, State, Timeliness
from ..transitions import Action
from . import _place_date
from .pdf import html_to_pdf, in_vietnamese

__all__ = [
    "HEADINGS",
    "RegisterRow",
    "register_rows",
    "render_register_pdf",
    "render_register_xlsx",
]

FORM_NUMBER = "07"
TITLE = "Sổ theo dõi hồ sơ"
TEMPLATE = "dossiers/forms/register.html"
HEADINGS = (
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Chủ hồ sơ",
    "Địa chỉ, số điện thoại",
    "Ngày nhận hồ sơ",
    "Ngày hẹn trả kết quả",
    "Ngày chuyển xử lý/ có kết quả",
    "Ngày trả kết quả",
    "Tiến độ",
    "Trạng thái",
    "Ghi chú",
)
XLSX_COLUMNS = (  # (heading, width in characters)
    ("STT", 6),
    ("Mã hồ sơ", 26),
    ("Tên thủ tục hành chính", 40),
    ("Chủ hồ sơ", 26),
    ("Số định danh/ Mã số thuế", 16),
    ("Địa chỉ", 34),
    ("Số điện thoại", 15),
    ("Ngày nhận hồ sơ", 17),
    ("Ngày hẹn trả kết quả", 17),
    ("Ngày chuyển xử lý", 17),
    ("Ngày có kết quả", 17),
    ("Ngày trả kết quả", 17),
    ("Tiến độ", 11),
    ("Trạng thái", 22),
    ("Ghi chú", 40),
)
WITHIN = "Trong hạn"  # still open and not yet due
CHANNEL_NOTE = {
    Channel.COUNTER: "Nộp trực tiếp",
    Channel.ONLINE: "Nộp trực tuyến",
    Channel.POST: "Nộp qua bưu chính công ích",
}
_FIELDS = (
    "code",
    "procedure__name",
    "owner_name",
    "owner_id_number",
    "owner_address",
    "owner_phone",
    "channel",
    "on_behalf",
    "state",
    "submitted_at",
    "received_at",
    "due_at",
    "original_due_at",
    "result_ready_at",
    "returned_at",
    "timeliness",
    "supplement_count",
    "apologised",
    "agency_fault",
)


@dataclass(frozen=True)
class RegisterRow:
    """One dossier of the register; times are local (Asia/Ho_Chi_Minh) and naive, as a
    spreadsheet keeps them."""

    n: int
    code: str
    procedure: str
    owner_name: str
    owner_id: str  # masked
    address: str
    phone: str  # masked
    received: datetime | None
    due: datetime | None
    routed: datetime | None
    result: datetime | None
    returned: datetime | None
    progress: str
    state: str
    note: str

    @property
    def received_text(self) -> str:
        return _dmy_hm(self.received)

    @property
    def due_text(self) -> str:
        return _dmy_hm(self.due)

    @property
    def result_text(self) -> str:
        lines = []
        if self.routed:
            lines.append(f"Chuyển: {self.routed:%d/%m/%Y}")
        if self.result:
            lines.append(f"Kết quả: {self.result:%d/%m/%Y}")
        return "\n".join(lines)

    @property
    def returned_text(self) -> str:
        return f"{self.returned:%d/%m/%Y}" if self.returned else ""


# --- public interface ---------------------------------------------------------------------


def register_rows(agency: Agency, start: date, end: date) -> Iterator[RegisterRow]:
    """The dossiers received by ``agency`` and submitted between ``start`` and ``end``
    (local dates, both included), in the order they were submitted."""
    _check_period(start, end)
    since = datetime.combine(start, time.min, tzinfo=VN_TZ)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=VN_TZ)
    routed = (
        DossierEvent.objects.filter(dossier=OuterRef("pk"), action=Action.ROUTE)
        .order_by("seq")
        .values("at")[:1]
    )
    dossiers = (
        Dossier.objects.filter(
            receiving_agency=agency, submitted_at__gte=since, submitted_at__lt=until
        )
        .exclude(state=State.DRAFT)
        .select_related("procedure")
        .only(*_FIELDS)
        .annotate(routed_at=Subquery(routed))
        .order_by("submitted_at", "pk")
    )
    now = clock.now()
    for n, dossier in enumerate(dossiers.iterator(chunk_size=1000), start=1):
        yield RegisterRow(
            n=n,
            code=dossier.code or "",
            procedure=dossier.procedure.name,
            owner_name=dossier.owner_name,
            owner_id=mask_id_number(dossier.owner_id_number),
            address=dossier.owner_address,
            phone=mask_phone(dossier.owner_phone),
            received=_naive(dossier.received_at),
            due=_naive(dossier.due_at),
            routed=_naive(dossier.routed_at),
            result=_naive(dossier.result_ready_at),
            returned=_naive(dossier.returned_at),
            progress=_progress(dossier, now),
            state=dossier.get_state_display(),
            note=_note(dossier),
        )


@in_vietnamese
def render_register_pdf(agency: Agency, start: date, end: date) -> bytes:
    """Mẫu số 07 as a PDF on A4 landscape pages, the header row repeated on each."""
    rows = list(register_rows(agency, start, end))
    parent = agency.parent
    context = {
        "form_number": FORM_NUMBER,
        "title": TITLE.upper(),
        "parent_agency": parent.name.upper() if parent else "",
        "agency_name": agency.name.upper(),
        "agency": agency,
        "place_date": _place_date(agency, clock.now()),
        "start": f"{start:%d/%m/%Y}",
        "end": f"{end:%d/%m/%Y}",
        "headings": HEADINGS,
        "rows": rows,
    }
    return html_to_pdf(render_to_string(TEMPLATE, context))


@in_vietnamese
def render_register_xlsx(agency: Agency, start: date, end: date) -> bytes:
    """Mẫu số 07 as an Excel workbook (one sheet), written as the rows stream in."""
    _check_period(start, end)  # before the workbook's stream is opened
    workbook = Workbook(write_only=True)
    sheet: Worksheet = workbook.create_sheet(TITLE)
    for index, (_, width) in enumerate(XLSX_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.print_title_rows = "6:6"
    sheet.freeze_panes = "C7"
    bold = Font(bold=True)
    parent = agency.parent

    def cell(value, **style):
        written = WriteOnlyCell(sheet, value=value)
        for name, setting in style.items():
            setattr(written, name, setting)
        return written

    sheet.append(
        [
            cell(parent.name.upper() if parent else agency.name.upper(), font=bold),
            *[None] * 6,
            cell("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold),
        ]
    )
    sheet.append(
        [
            cell(agency.name.upper(), font=bold) if parent else None,
            *[None] * 6,
            cell("Độc lập - Tự do - Hạnh phúc", font=bold),
        ]
    )
    sheet.append([cell(f"{TITLE.upper()} (Mẫu số {FORM_NUMBER})", font=Font(bold=True, size=14))])
    sheet.append(
        [
            f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y} (theo ngày nộp hồ sơ); "
            f"nơi tiếp nhận: {agency.name} (mã định danh {agency.code})"
        ]
    )
    sheet.append([])
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([cell(heading, font=bold, alignment=wrap) for heading, _ in XLSX_COLUMNS])
    moment, day = "DD/MM/YYYY HH:MM", "DD/MM/YYYY"
    for row in register_rows(agency, start, end):
        sheet.append(
            [
                row.n,
                row.code,
                row.procedure,
                row.owner_name,
                row.owner_id,
                row.address,
                row.phone,
                _dated(cell, row.received, moment),
                _dated(cell, row.due, moment),
                _dated(cell, row.routed, day),
                _dated(cell, row.result, day),
                _dated(cell, row.returned, day),
                row.progress,
                row.state,
                row.note,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- helpers ------------------------------------------------------------------------------


def _check_period(start: date, end: date) -> None:
    if start > end:
        raise ValueError("Kỳ theo dõi không hợp lệ: ngày bắt đầu sau ngày kết thúc.")


def _naive(moment: datetime | None) -> datetime | None:
    """Local time without its zone: Excel has no time zones, and the register is read in
    Việt Nam time."""
    if moment is None:
        return None
    return moment.astimezone(VN_TZ).replace(tzinfo=None)


def _dmy_hm(moment: datetime | None) -> str:
    return f"{moment:%d/%m/%Y}\n{moment:%H:%M}" if moment else ""


def _progress(dossier: Dossier, now: datetime) -> str:
    """Judged once the result is ready (``timeliness``); an open dossier is late once its
    due date has passed or when the agency was at fault, else within its time."""
    if dossier.timeliness:
        return str(Timeliness(dossier.timeliness).label)
    if State(dossier.state) in TERMINAL or dossier.due_at is None:
        return ""
    if dossier.agency_fault or now > dossier.due_at:
        return str(Timeliness.LATE.label)
    return WITHIN


def _note(dossier: Dossier) -> str:
    parts = [CHANNEL_NOTE.get(dossier.channel, "")]
    if dossier.on_behalf:
        parts.append("nộp thay")
    if dossier.supplement_count:
        parts.append(f"bổ sung {dossier.supplement_count} lần")
    if dossier.apologised:
        original = _naive(dossier.original_due_at)
        parts.append(
            f"đã xin lỗi, hẹn lại (hẹn ban đầu {original:%d/%m/%Y})"
            if original
            else "đã xin lỗi, hẹn lại"
        )
    if dossier.agency_fault:
        parts.append("chậm do lỗi của cơ quan")
    return "; ".join(p for p in parts if p)


def _dated(cell, moment: datetime | None, number_format: str):
    return cell(moment, number_format=number_format) if moment else None
