"""Realistic dossiers for the demo and for benchmarks (issue 4 §3), made through the real
services only.

Every dossier is replayed from its submission to where it stands today, each action at the
moment it happened (``clock.frozen_at``) and taken by the officer who would take it: the
one-stop officer of the desk receives, routes and returns; the leader of the handling agency
assigns, signs and stops; the specialist appraises, asks for supplements and opinions; the
citizen submits, supplements and withdraws. Nothing here writes a dossier, an event, a step
or a consultation: ``dossiers.services`` does, checking every transition as it does for a
person. What this module writes itself is the people the dossiers need:

- a pool of citizens' accounts who file online (their passwords are unusable: they never sign
  in; only the demo sign-ins of ``accounts.demo`` do);
- a one-stop officer at each receiving desk where no demo sign-in works, and a second
  specialist at each handling agency, so that steps go to more than one person.

Each dossier draws from its own random stream (``seed`` and its index), so the same seed
gives the same dossiers whatever the chunking or the number of worker processes; with one
worker the whole result (codes included) is the same. Dates spread over the ``DAYS`` days
before ``now``: offices act in office hours on working days, citizens whenever they like.
Open dossiers are placed so that some are overdue and some due soon; finished ones are early,
on time or late, some after an apology with a new date.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import random
import time as time_module
import uuid
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections, transaction
from django.db.models import F
from jsonschema import Draft202012Validator, FormatChecker
from stdnum.vn import mst

from motcua.accounts.identity import check_id_number, normalise_phone
from motcua.accounts.models import OfficerRole, Role, User
from motcua.catalog import services as catalog
from motcua.catalog.models import (
    AdministrativeUnit,
    Agency,
    AgencyRole,
    OnlineLevel,
    ProcedureVersion,
    UnitLevel,
    UnitSystem,
)
from motcua.core import clock
from motcua.core.calendar import VN_TZ, LimitKind, OfficeHours, get_calendar
from motcua.core.text import fold, unaccented
from motcua.documents.services import reuse, store_upload
from motcua.workflow import steps as workflow
from motcua.workflow.models import Consultation, ConsultationState

from . import services
from .errors import DossierError
from .events import Context
from .models import Channel, Delivery, Dossier, State

log = logging.getLogger("motcua.dossiers.demo")

DAYS = 60  # dossiers are submitted over the last DAYS days
CHUNK = 500  # dossiers replayed in time order per chunk (one worker's unit of work)
RETRIES = 5  # replays of a dossier that lost a deadlock to another worker
REQUEST_ID = "demo-generator"

# --- people ------------------------------------------------------------------------------

# Family names with their approximate shares in Vietnam.
FAMILY = (
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9.5),
    ("Phạm", 7),
    ("Huỳnh", 3),
    ("Hoàng", 2),
    ("Phan", 4.5),
    ("Võ", 3),
    ("Vũ", 1),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1),
    ("Lý", 0.5),
    ("Trương", 0.8),
    ("Đinh", 0.6),
    ("Lâm", 0.5),
    ("Mai", 0.4),
    ("Châu", 0.3),
    ("Tạ", 0.2),
)
MIDDLE = {
    "male": ("Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Hoàng", "Gia", "Trọng"),
    "female": ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Bảo", "Kim", "Mỹ", "Phương", "Hồng"),
}
GIVEN = {
    "male": (
        "An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hiếu", "Hòa", "Hùng", "Huy",
        "Khang", "Khoa", "Kiên", "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong",
        "Phúc", "Quân", "Quang", "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Thiện", "Thịnh", "Tiến",
        "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ",
    ),
    "female": (
        "An", "Anh", "Ánh", "Châu", "Chi", "Diễm", "Dung", "Duyên", "Giang", "Hà", "Hạnh",
        "Hằng", "Hiền", "Hoa", "Hồng", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai",
        "My", "Nga", "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo",
        "Thư", "Thủy", "Trang", "Trâm", "Tuyết", "Uyên", "Vân", "Vy", "Yến",
    ),
}  # fmt: skip
# Digits 1–3 of the ID number: the province where the birth was registered (pre-2025 codes).
BIRTH_PROVINCES = (
    (79, 45), (1, 4), (74, 3), (75, 3), (77, 2), (80, 3), (83, 3), (84, 2), (86, 2), (87, 3),
    (89, 3), (91, 2), (92, 2), (94, 2), (96, 2), (38, 2), (40, 3), (42, 2), (44, 1), (46, 2),
    (48, 2), (51, 2), (52, 2), (54, 1), (56, 2), (66, 2), (68, 2), (36, 1), (34, 1), (31, 1),
)  # fmt: skip
# Mobile prefixes after +84 (Viettel, MobiFone, VinaPhone, Vietnamobile).
MOBILE_PREFIXES = (
    "32", "33", "34", "35", "36", "37", "38", "39", "86", "96", "97", "98", "70", "76", "77",
    "78", "79", "90", "93", "81", "82", "83", "84", "85", "88", "91", "94", "56", "58",
)  # fmt: skip
STREETS = (
    "Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Pasteur", "Điện Biên Phủ", "Võ Văn Tần",
    "Cách Mạng Tháng Tám", "Nguyễn Thị Minh Khai", "Trần Hưng Đạo", "Lý Tự Trọng",
    "Nam Kỳ Khởi Nghĩa", "Nguyễn Đình Chiểu", "Lê Văn Sỹ", "Hoàng Văn Thụ", "Nguyễn Văn Trỗi",
    "Phan Xích Long", "Võ Văn Kiệt", "Nguyễn Trãi", "Ba Tháng Hai", "Lý Thường Kiệt",
    "Tô Hiến Thành", "Sư Vạn Hạnh", "Quang Trung", "Phan Văn Trị", "Xô Viết Nghệ Tĩnh",
    "Đinh Tiên Hoàng", "Trường Chinh", "Cộng Hòa", "Lạc Long Quân", "Âu Cơ", "Bà Hạt",
    "Trần Quang Khải", "Nguyễn Văn Cừ", "Huỳnh Tấn Phát", "Phạm Văn Đồng", "Kha Vạn Cân",
)  # fmt: skip
HOSPITALS = (
    "Bệnh viện Từ Dũ",
    "Bệnh viện Hùng Vương",
    "Bệnh viện Nhân dân Gia Định",
    "Bệnh viện Nhân dân 115",
    "Bệnh viện Chợ Rẫy",
    "Bệnh viện Đại học Y Dược Thành phố Hồ Chí Minh",
)
HOMETOWNS = (
    "Thành phố Hồ Chí Minh", "Thành phố Hà Nội", "Tỉnh Đồng Nai", "Tỉnh Tây Ninh",
    "Tỉnh Vĩnh Long", "Tỉnh Đồng Tháp", "Tỉnh An Giang", "Thành phố Cần Thơ", "Tỉnh Nghệ An",
    "Tỉnh Hà Tĩnh", "Tỉnh Quảng Ngãi", "Tỉnh Gia Lai", "Thành phố Huế", "Thành phố Đà Nẵng",
)  # fmt: skip
ETHNICITIES = (("Kinh", 90), ("Hoa", 5), ("Khmer", 3), ("Chăm", 1), ("Tày", 1))
BRANDS = (
    "An Phát", "Minh Long", "Sài Gòn Xanh", "Phú Thịnh", "Tân Hưng", "Hòa Bình", "Đại Việt",
    "Bến Thành", "Thiên Long", "Gia Định", "Nam Phương", "Kim Ngân", "Hưng Thịnh", "Việt Úc",
)  # fmt: skip
TRADES = {
    "kham-chua-benh": "Phòng khám Đa khoa",
    "an-toan-thuc-pham": "Thực phẩm",
    "duoc": "Dược phẩm",
    "du-lich": "Du lịch",
    "the-duc-the-thao": "Thể thao",
    "thong-tin-dien-tu": "Dịch vụ Giải trí",
    "luu-thong-hang-hoa": "Thương mại",
    "viec-lam": "Đầu tư và Phát triển",
}
# Procedures an organisation files (by field), except those a person asks for.
ORGANISATION_FIELDS = frozenset(TRADES)
PERSONAL_PROCEDURES = frozenset({"1.001978"})  # unemployment benefit


@dataclass(frozen=True)
class Person:
    full_name: str
    sex: str
    date_of_birth: date
    id_number: str
    phone: str
    email: str
    address: str
    unit_id: int | None = None


def _weighted(rng: random.Random, pairs: Iterable[tuple[Any, float]]) -> Any:
    items = list(pairs)
    return rng.choices([v for v, _ in items], weights=[w for _, w in items])[0]


class People:
    """Vietnamese people: family, middle and given names by sex, a 12-digit personal ID
    number whose digits say the birth province, century, sex and year (REFERENCE: CCCD), a
    mobile phone (E.164) and an address in one of the city's wards."""

    def __init__(self, rng: random.Random, wards: list[tuple[int, str]]) -> None:
        self.rng = rng
        self.wards = wards

    def name(self, sex: str, family: str | None = None) -> str:
        rng = self.rng
        family = family or _weighted(rng, FAMILY)
        middle = rng.choice(MIDDLE[sex])
        given = rng.choice(GIVEN[sex])
        if rng.random() < (0.4 if sex == "female" else 0.15):  # Nguyễn Thị Ngọc Anh
            extra = rng.choice(MIDDLE[sex])
            if extra not in (middle, "Văn", "Thị") and middle != "Văn":
                middle = f"{middle} {extra}"
        return f"{family} {middle} {given}"

    def id_number(self, sex: str, born: date) -> str:
        province = _weighted(self.rng, BIRTH_PROVINCES)
        century = (born.year // 100 - 19) * 2 % 10
        digit = century + (1 if sex == "female" else 0)
        number = f"{province:03d}{digit}{born.year % 100:02d}{self.rng.randrange(10**6):06d}"
        return check_id_number(number, born)

    def phone(self) -> str:
        while True:
            number = f"+84{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**7):07d}"
            try:
                return normalise_phone(number)
            except ValidationError:  # a number range the numbering plan does not use
                continue

    def address(self, ward: tuple[int, str] | None = None) -> tuple[str, int | None]:
        rng = self.rng
        code, ward_name = ward or rng.choice(self.wards)
        house = str(rng.randint(1, 480))
        if rng.random() < 0.4:
            house += f"/{rng.randint(1, 60)}"
        elif rng.random() < 0.15:
            house += rng.choice("ABC")
        return f"{house} {rng.choice(STREETS)}, {ward_name}, Thành phố Hồ Chí Minh", code

    def person(
        self,
        *,
        sex: str | None = None,
        ages: tuple[int, int] = (18, 78),
        family: str | None = None,
        ward: tuple[int, str] | None = None,
        today: date,
        email: float = 0.35,
    ) -> Person:
        rng = self.rng
        sex = sex or rng.choice(("male", "female"))
        age = rng.randint(*ages)
        born = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        full_name = self.name(sex, family)
        address, unit = self.address(ward)
        mail = ""
        if rng.random() < email:
            handle = fold(full_name).replace(" ", "")
            mail = f"{handle}{born.year % 100:02d}{rng.randint(1, 99)}@demo.motcua.invalid"
        return Person(
            full_name=full_name,
            sex=sex,
            date_of_birth=born,
            id_number=self.id_number(sex, born),
            phone=self.phone(),
            email=mail,
            address=address,
            unit_id=unit,
        )


def tax_code(rng: random.Random) -> str:
    """A 10-digit tax code with its check digit; 03… as the city's codes begin."""
    while True:
        body = f"03{rng.randrange(10**7):07d}"
        check = mst.calc_check_digit(body)
        if len(check) == 1:  # a remainder of 10 has no check digit: such codes are not issued
            return body + check


# --- files -------------------------------------------------------------------------------


def ascii_text(text: str) -> str:
    """Vietnamese without diacritics (the PDF's standard font has no Vietnamese glyphs)."""
    return unaccented(text)


def _pdf_string(text: str) -> str:
    return ascii_text(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def tiny_pdf(title: str, lines: Iterable[str] = ()) -> bytes:
    """A one-page A4 PDF of a few lines of text, about 700 bytes, made by hand (no
    JavaScript, no encryption: the documents app accepts it as it would a scan)."""
    text = [f"BT /F1 15 Tf 56 780 Td ({_pdf_string(title)}) Tj /F1 10 Tf"]
    for line in lines:
        text.append(f"0 -18 Td ({_pdf_string(line)}) Tj")
    text.append("ET")
    stream = "\n".join(text).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Producer (motcua demo generator) >>",
    ]
    return assemble_pdf(objects, info=6)


def assemble_pdf(objects: list[bytes], *, info: int | None = None) -> bytes:
    """A PDF file of these numbered objects (1 the catalog; ``info`` the document
    information dictionary), with its cross-reference table and trailer."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"/Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n<< " + trailer + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# --- working days, looked up by index ------------------------------------------------------


class WorkDays:
    """The working days around ``now`` in a list, so shifting by n working days is an index
    addition (planning thousands of dossiers without walking the calendar each time)."""

    def __init__(self, today: date, *, back: int = 400, ahead: int = 200) -> None:
        calendar = get_calendar()
        first = today - timedelta(days=back)
        self.days = [
            day
            for offset in range(back + ahead)
            if calendar.is_working_day(day := first + timedelta(days=offset))
        ]

    def index(self, day: date) -> int:
        """Index of ``day``, or of the last working day before it."""
        return bisect_right(self.days, day) - 1

    def shift(self, day: date, n: int) -> date:
        i = self.index(day) + n
        return self.days[max(0, min(i, len(self.days) - 1))]

    def between(self, first: date, last: date) -> list[date]:
        lo, hi = bisect_right(self.days, first - timedelta(days=1)), bisect_right(self.days, last)
        return self.days[lo:hi]

    def is_working(self, day: date) -> bool:
        i = self.index(day)
        return i >= 0 and self.days[i] == day


# --- the declaration (the version's JSON Schema) -----------------------------------------

CAUSES_OF_DEATH = ("Bệnh già", "Bệnh lý tim mạch", "Đột quỵ", "Ung thư", "Tai nạn giao thông")
CERTIFIED_PAPERS = (
    ("Giấy khai sinh", "Ủy ban nhân dân Phường Sài Gòn"),
    ("Bằng tốt nghiệp trung học phổ thông", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"),
    ("Bằng tốt nghiệp đại học", "Trường Đại học Kinh tế Thành phố Hồ Chí Minh"),
    ("Giấy chứng nhận quyền sử dụng đất", "Sở Tài nguyên và Môi trường"),
    ("Giấy xác nhận tình trạng hôn nhân", "Ủy ban nhân dân Phường Tân Định"),
    ("Hợp đồng lao động", "Công ty TNHH Thương mại Bến Thành"),
)


def form_data(
    schema: dict | None,
    *,
    applicant: Person,
    people: People,
    rng: random.Random,
    today: date,
) -> dict[str, Any] | None:
    """A filled declaration valid against ``schema`` (None without one). The three civil
    status forms of the demo catalog are filled as a family would; any other schema from
    its properties (dates, 12-digit numbers, enums, integers, names and places)."""
    if not schema:
        return None
    props: dict[str, dict] = schema.get("properties", {})
    required = set(schema.get("required", []))
    data: dict[str, Any] = {}
    if "ho_ten_me" in props:  # birth registration: the child, the parents, the applicant
        father_is_applicant = applicant.sex == "male"
        father = applicant if father_is_applicant else people.person(sex="male", today=today)
        mother = (
            applicant
            if not father_is_applicant
            else people.person(sex="female", ages=(20, 40), today=today)
        )
        sex = rng.choice(("Nam", "Nữ"))
        family = father.full_name.split()[0]
        data |= {
            "ho_ten": people.name("male" if sex == "Nam" else "female", family),
            "gioi_tinh": sex,
            "ngay_sinh": (today - timedelta(days=rng.randint(3, 55))).isoformat(),
            "noi_sinh": f"{rng.choice(HOSPITALS)}, Thành phố Hồ Chí Minh",
            "ho_ten_me": mother.full_name,
            "ngay_sinh_me": mother.date_of_birth.isoformat(),
            "so_dinh_danh_me": mother.id_number,
            "ho_ten_cha": father.full_name,
            "ngay_sinh_cha": father.date_of_birth.isoformat(),
            "so_dinh_danh_cha": father.id_number,
            "quan_he_voi_nguoi_duoc_khai_sinh": "Cha" if father_is_applicant else "Mẹ",
        }
    elif "ho_ten_nguoi_chet" in props:  # death registration
        died = today - timedelta(days=rng.randint(1, 14))
        deceased = people.person(ages=(60, 95), today=today)
        data |= {
            "ho_ten_nguoi_chet": deceased.full_name,
            "gioi_tinh": "Nam" if deceased.sex == "male" else "Nữ",
            "ngay_sinh": deceased.date_of_birth.isoformat(),
            "so_dinh_danh": deceased.id_number,
            "noi_cu_tru_cuoi_cung": applicant.address,
            "ngay_chet": died.isoformat(),
            "gio_chet": f"{rng.randint(0, 23):02d}:{rng.choice((0, 15, 30, 45)):02d}",
            "noi_chet": rng.choice((f"{rng.choice(HOSPITALS)}", "Tại nhà riêng")),
            "nguyen_nhan_chet": rng.choice(CAUSES_OF_DEATH),
            "quan_he_voi_nguoi_chet": rng.choice(("Con", "Con", "Vợ", "Chồng", "Cháu")),
        }
    elif "chong_ho_ten" in props:  # marriage: the applicant and the other party
        other = people.person(
            sex="female" if applicant.sex == "male" else "male", ages=(20, 40), today=today
        )
        husband, wife = (applicant, other) if applicant.sex == "male" else (other, applicant)
        for prefix, who in (("chong", husband), ("vo", wife)):
            data |= {
                f"{prefix}_ho_ten": who.full_name,
                f"{prefix}_ngay_sinh": who.date_of_birth.isoformat(),
                f"{prefix}_dan_toc": _weighted(rng, ETHNICITIES),
                f"{prefix}_quoc_tich": "Việt Nam",
                f"{prefix}_so_dinh_danh": who.id_number,
                f"{prefix}_noi_cu_tru": who.address,
                f"{prefix}_lan_ket_hon": 1 if rng.random() < 0.9 else 2,
            }
    for name, spec in props.items():
        if name in data or (name not in required and rng.random() < 0.3):
            continue
        value = _field_value(name, spec, applicant=applicant, people=people, rng=rng, today=today)
        if value is not None:
            data[name] = value
    data = {k: v for k, v in data.items() if k in props}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for error in validator.iter_errors(data):
        key = error.absolute_path[0] if error.absolute_path else None
        if key in data and key not in required:
            data.pop(key)  # an optional field this filler got wrong: left out
    if any(True for _ in validator.iter_errors(data)):
        return None  # the declaration then comes as the uploaded form
    return data


def _field_value(
    name: str, spec: dict, *, applicant: Person, people: People, rng: random.Random, today: date
) -> Any:
    if "default" in spec and rng.random() < 0.9:
        return spec["default"]
    if "enum" in spec:
        return rng.choice(spec["enum"])
    kind = spec.get("type")
    if kind == "integer":
        low = spec.get("minimum", 1)
        return rng.randint(low, min(spec.get("maximum", low + 4), low + 4))
    if kind == "boolean":
        return rng.random() < 0.1
    if kind != "string":
        return None
    if spec.get("format") == "date":
        if "sinh" in name:
            return applicant.date_of_birth.isoformat()
        return (today - timedelta(days=rng.randint(1, 60))).isoformat()
    if spec.get("pattern") == "^[0-9]{12}$":
        return applicant.id_number
    if "ho_ten" in name:
        return applicant.full_name
    if "dan_toc" in name:
        return _weighted(rng, ETHNICITIES)
    if "quoc_tich" in name:
        return "Việt Nam"
    if "que_quan" in name or name == "noi_sinh":
        return rng.choice(HOMETOWNS)
    if "noi_cu_tru" in name or "dia_chi" in name:
        return applicant.address
    if "quan_he" in name:
        return rng.choice(("Cha", "Mẹ", "Ông", "Bà", "Con"))
    if name == "ten_giay_to":
        return rng.choice(CERTIFIED_PAPERS)[0]
    if name == "co_quan_cap":
        return rng.choice(CERTIFIED_PAPERS)[1]
    return "Không" if spec.get("minLength") else None


# --- who acts ----------------------------------------------------------------------------


def _wards() -> list[tuple[int, str]]:
    """The wards of the demo's agencies (current two-tier units)."""
    codes = Agency.objects.filter(unit__level=UnitLevel.COMMUNE).values("unit_id")
    rows = AdministrativeUnit.objects.filter(
        system=UnitSystem.CURRENT, level=UnitLevel.COMMUNE, pk__in=codes
    ).order_by("code")
    wards = [(unit.pk, unit.name) for unit in rows]
    return wards or [(None, "Phường Sài Gòn")]


def _current_versions() -> list[ProcedureVersion]:
    return list(
        ProcedureVersion.objects.filter(procedure__current_version=F("pk"))
        .select_related("procedure__field", "competent_agency")
        .prefetch_related("documents", "fees", "steps", "agency_links__agency", "tiers")
        .order_by("procedure__code")
    )


def _staff_username(kind: str, agency: Agency) -> str:
    return f"{kind}.{agency.code.lower()}"


def prepare(count: int, *, seed: int = 1, today: date | None = None) -> list[int]:
    """Create what the dossiers need before any is replayed (in one process, before the
    workers start): officers where no demo sign-in works, and the citizens who file
    online. Returns the citizens' ids, in order."""
    today = today or clock.now().astimezone(VN_TZ).date()
    rng = random.Random(f"{seed}:staff")  # noqa: S311 - demo data, not secrets
    people = People(rng, _wards())
    versions = _current_versions()
    desks = {link.agency for v in versions for link in v.agency_links.all()}
    handling = {v.competent_agency for v in versions if v.competent_agency}
    holders: dict[tuple[str, int], int] = Counter(
        OfficerRole.objects.filter(active=True).values_list("role", "agency_id")
    )
    with transaction.atomic():
        for desk in sorted(desks, key=lambda a: a.code):
            if not holders[(Role.ONE_STOP_OFFICER, desk.pk)]:
                _officer(people, "motcua", desk, Role.ONE_STOP_OFFICER, today)
        for agency in sorted(handling, key=lambda a: a.code):
            # A colleague of chuyenvien, so that the leader's assignments differ.
            _officer(people, "chuyenvien", agency, Role.SPECIALIST, today)
            if not holders[(Role.LEADER, agency.pk)]:
                _officer(people, "lanhdao", agency, Role.LEADER, today)
    citizens = People(random.Random(f"{seed}:citizens"), _wards())  # noqa: S311
    return _citizens(count, seed=seed, people=citizens, today=today)


def _officer(people: People, kind: str, agency: Agency, role: str, today: date) -> User:
    username = _staff_username(kind, agency)
    user = User.objects.filter(username=username).first()
    if user is None:
        person = people.person(ages=(25, 55), today=today, email=0)
        user = User(username=username, full_name=person.full_name, password=make_password(None))
        user.save()
    OfficerRole.objects.update_or_create(
        user=user, agency=agency, role=role, defaults={"active": True}
    )
    return user


def _citizens(count: int, *, seed: int, people: People, today: date) -> list[int]:
    """The citizens who file online: about one account per six dossiers (each files a few,
    and reuses their ID card from the data store)."""
    wanted = max(12, count // 6)
    taken_phones = set(User.objects.exclude(phone=None).values_list("phone", flat=True))
    taken_ids = set(User.objects.exclude(id_number=None).values_list("id_number", flat=True))
    taken_mail = set(User.objects.exclude(email=None).values_list("email", flat=True))
    users = []
    while len(users) < wanted:
        person = people.person(today=today, email=0.5)
        if (
            person.phone in taken_phones
            or person.id_number in taken_ids
            or (person.email and person.email in taken_mail)
        ):
            continue
        taken_phones.add(person.phone)
        taken_ids.add(person.id_number)
        if person.email:
            taken_mail.add(person.email)
        users.append(
            User(
                username=person.phone,
                full_name=person.full_name,
                phone=normalise_phone(person.phone),
                email=person.email or None,
                date_of_birth=person.date_of_birth,
                id_number=person.id_number,
                address_unit_id=person.unit_id,
                address_line=person.address.split(",")[0],
                password=make_password(None),  # never signs in
            )
        )
    created = []
    with transaction.atomic():
        for start in range(0, len(users), 1000):
            created += User.objects.bulk_create(users[start : start + 1000])
    if not all(u.pk for u in created):  # backends that do not return ids
        phones = [u.phone for u in users]
        by_phone = dict(User.objects.filter(phone__in=phones).values_list("phone", "pk"))
        return [by_phone[p] for p in phones]
    return [u.pk for u in created]


class Cast:
    """Who holds which role where, and the citizens; read once per process."""

    def __init__(self, citizen_ids: list[int]) -> None:
        self.by_role: dict[tuple[str, int], list[User]] = {}
        rows = OfficerRole.objects.filter(active=True).select_related("user").order_by("user_id")
        for row in rows:
            self.by_role.setdefault((row.role, row.agency_id), []).append(row.user)
        users = User.objects.in_bulk(citizen_ids)
        self.citizens = [users[pk] for pk in citizen_ids if pk in users]
        demo = User.objects.in_bulk(
            ["congdan", "congdan2", "chuyenvien", "lanhdao"], field_name="username"
        )
        self.congdan = demo.get("congdan")
        self.congdan2 = demo.get("congdan2")
        self.chuyenvien = demo.get("chuyenvien")
        self.lanhdao = demo.get("lanhdao")

    def holders(self, role: str, agency: Agency | None) -> list[User]:
        if agency is None:
            return []
        return self.by_role.get((role, agency.pk), [])

    def pick(self, rng: random.Random, role: str, agency: Agency | None, favourite: float = 0.75):
        """A holder of ``role`` at ``agency``: the demo sign-in most of the time."""
        holders = self.holders(role, agency)
        if not holders:
            return None
        demo = [u for u in holders if u in (self.chuyenvien, self.lanhdao)]
        if demo and (len(holders) == 1 or rng.random() < favourite):
            return demo[0]
        others = [u for u in holders if u not in demo] or holders
        return rng.choice(others)


# --- what can be filed where -------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """A current procedure version at one desk that receives it."""

    version: ProcedureVersion
    desk: Agency
    limit_kind: str | None
    days: int | None  # the limit in working days, roughly (0: same day); None: no limit
    fee: bool

    @property
    def online(self) -> bool:
        return self.version.online_level != OnlineLevel.INFO

    @property
    def code(self) -> str:
        return self.version.procedure.code


class Catalogue:
    """The published versions and the desks that receive them, read once per process."""

    def __init__(self) -> None:
        self.offers: dict[int, list[Offer]] = {}
        self.desks: dict[int, Agency] = {}
        self.agencies = {a.pk: a for a in Agency.objects.select_related("tier", "parent")}
        for version in _current_versions():
            fee = any(f.amount for f in version.fees.all())
            for link in version.agency_links.all():
                desk = self.agencies[link.agency_id]
                if not desk.receives_dossiers or not desk.is_active:
                    continue
                limit = catalog.limit_at(version, desk)
                days = None
                if limit is not None:
                    days = {
                        LimitKind.WORKING_DAYS: limit.value,
                        LimitKind.SAME_DAY: 0,
                        LimitKind.WORKING_HOURS: limit.value // 8,
                    }[limit.kind]
                offer = Offer(version, desk, limit.kind if limit else None, days, fee)
                self.offers.setdefault(desk.pk, []).append(offer)
                self.desks[desk.pk] = desk
        self.hours: dict[int, OfficeHours] = {}

    def office_hours(self, agency: Agency) -> OfficeHours:
        if agency.pk not in self.hours:
            self.hours[agency.pk] = agency.office_hours()
        return self.hours[agency.pk]


# --- scenarios: where each dossier ends up ------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: float
    online: bool = False  # only an online dossier gets there
    account: bool = False  # the citizen acts (answers a supplement, withdraws)
    fee: bool = False  # a fee to pay
    running: bool = False  # the clock runs at the end: overdue, due soon or later
    judged: bool = False  # finished: early, on time or late


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("submitted", 8, online=True),
        Scenario("submitted-after-supplement", 2, online=True, account=True),
        Scenario("supplement-at-reception", 3, online=True),
        Scenario("received", 7, running=True),
        Scenario("payment-at-reception", 1.5, fee=True),
        Scenario("unassigned", 5, running=True),
        Scenario("assigned", 10, running=True),
        Scenario("consulting", 3, running=True),
        Scenario("supplemented", 2, account=True, running=True),
        Scenario("supplement-in-process", 3),
        Scenario("payment-in-process", 1.5, fee=True),
        Scenario("transferred", 1.5, running=True),
        Scenario("leader-step", 4, running=True),
        Scenario("all-done", 4, running=True),
        Scenario("result-ready", 8, judged=True),
        Scenario("payment-at-result", 1, fee=True, judged=True),
        Scenario("returned", 24, judged=True),
        Scenario("refused", 3, online=True),
        Scenario("withdrawn", 3, account=True),
        Scenario("stopped", 2.5),
    )
}
# Where a withdrawn, refused or stopped dossier stood before.
VIA = {
    "withdrawn": ("submitted", "received", "assigned", "supplement-at-reception"),
    "refused": ("submitted", "submitted", "supplement-at-reception"),
    "stopped": ("assigned", "leader-step"),
}
# The first dossiers of every run: each demo role's queues and both demo citizens' pages
# have something in them even for a small count (the rest is drawn at random).
COVERAGE: tuple[tuple[str, dict[str, Any]], ...] = (
    ("submitted", {"owner": "congdan", "desk": "x"}),
    ("submitted", {"desk": "y"}),
    ("assigned", {"owner": "congdan2", "lateness": "due_soon"}),
    ("unassigned", {"lateness": "running"}),
    ("all-done", {"lateness": "running"}),
    ("result-ready", {"owner": "congdan", "desk": "x"}),
    ("returned", {"channel": Channel.POST, "owner": "congdan2"}),
    ("supplement-at-reception", {"owner": "congdan", "desk": "x"}),
    ("supplemented", {"lateness": "running"}),
    ("consulting", {"lateness": "running"}),
    ("payment-at-reception", {"owner": "congdan2", "channel": Channel.COUNTER}),
    ("refused", {"owner": "congdan"}),
    ("withdrawn", {"owner": "congdan2"}),
    ("stopped", {}),
    ("received", {"lateness": "due_soon", "desk": "x"}),
    ("assigned", {"lateness": "overdue"}),
    ("returned", {"lateness": "late", "features": {"apology"}}),
    ("returned", {"lateness": "early", "channel": Channel.COUNTER}),
    ("returned", {"lateness": "on_time", "channel": Channel.ONLINE, "owner": "congdan"}),
    ("submitted-after-supplement", {"desk": "x"}),
    ("supplement-in-process", {"owner": "congdan2"}),
    ("leader-step", {"lateness": "due_soon"}),
    ("transferred", {"lateness": "running"}),
    ("received", {"desk": "y", "channel": Channel.COUNTER, "lateness": "running"}),
    ("result-ready", {"desk": "y"}),
    ("assigned", {"lateness": "running", "features": {"apology"}}),
    ("payment-in-process", {}),
    ("payment-at-result", {"owner": "congdan"}),
    ("returned", {"features": {"consult", "send_back"}}),
    ("leader-step", {"lateness": "overdue"}),
    ("submitted", {"desk": "y"}),
    ("submitted-after-supplement", {"desk": "y"}),
    ("received", {"desk": "y", "lateness": "overdue"}),
)
# Office hours the actions of a dossier ending there need between reception and now.
ROOM = {
    "received": 0.5,
    "payment-at-reception": 0.5,
    "unassigned": 1.5,
    "assigned": 3,
    "transferred": 4,
    "consulting": 4,
    "supplement-in-process": 4,
    "supplemented": 4,
    "payment-in-process": 4,
    "leader-step": 6,
    "all-done": 8,
}
OPEN_LATENESS = (("overdue", 20), ("due_soon", 25), ("running", 55))
JUDGED_LATENESS = (("early", 35), ("on_time", 45), ("late", 20))
# Demo desks (accounts.demo): motcua's two, motcua2's one; the rest share what is left.
DEMO_DESKS = {"x": "000.01.51.H29", "centre": "000.00.21.H29", "y": "000.01.53.H29"}
DESK_WEIGHTS = {"x": 33, "centre": 30, "y": 20, "other": 17}
# Inter-agency transfer and consultation: who usually hands over to, or asks, whom (by the
# agencies' functions); anything else goes to a random handling agency.
PARTNERS = {
    "commune_committee": ("police", "agriculture_environment", "tax"),
    "police": ("commune_committee", "justice"),
    "construction": ("planning_architecture", "agriculture_environment"),
    "planning_architecture": ("construction",),
    "agriculture_environment": ("tax", "construction", "commune_committee"),
    "finance": ("tax",),
    "tax": ("finance",),
    "social_insurance": ("home_affairs", "health"),
    "home_affairs": ("police", "social_insurance"),
    "health": ("home_affairs",),
    "justice": ("police",),
}
QUESTIONS = {
    "tax": (
        "Đề nghị cho ý kiến về nghĩa vụ tài chính của người yêu cầu liên quan đến hồ sơ.",
        "Người yêu cầu đã hoàn thành nghĩa vụ thuế, không còn nợ đọng.",
    ),
    "police": (
        "Đề nghị xác minh thông tin cư trú và nhân thân của người yêu cầu.",
        "Thông tin cư trú trùng khớp với Cơ sở dữ liệu quốc gia về dân cư.",
    ),
    "commune_committee": (
        "Đề nghị xác nhận hiện trạng và nguồn gốc sử dụng tại địa phương.",
        "Đã kiểm tra thực địa; hiện trạng đúng như hồ sơ kê khai.",
    ),
}
GENERIC_QUESTION = (
    "Đề nghị quý cơ quan cho ý kiến về nội dung thuộc lĩnh vực quản lý.",
    "Thống nhất với đề xuất của cơ quan chủ trì; không có ý kiến khác.",
)
SUPPLEMENT_REASONS = (
    "Bản chụp mờ, không đọc được thông tin.",
    "Thiếu chữ ký của người yêu cầu.",
    "Giấy tờ đã hết hiệu lực.",
    "Thông tin trên tờ khai không khớp với giấy tờ tùy thân.",
)
REFUSALS = (
    "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan; đề nghị nộp tại cơ quan có thẩm quyền.",
    "Người yêu cầu không bổ sung hồ sơ trong thời hạn theo Phiếu yêu cầu bổ sung.",
    "Giấy tờ trong hồ sơ có dấu hiệu bị tẩy xóa, sửa chữa nội dung.",
)
STOPS = (
    "Người yêu cầu có văn bản đề nghị dừng giải quyết hồ sơ.",
    "Đối tượng của hồ sơ đang có tranh chấp, chờ cơ quan có thẩm quyền giải quyết.",
    "Phát hiện giấy tờ giả mạo; chuyển cơ quan công an xem xét theo quy định.",
)
WITHDRAWALS = ("Tôi nộp nhầm thủ tục.", "Gia đình chưa cần thực hiện thủ tục này.", "")
APOLOGIES = (
    "Hồ sơ cần xác minh thêm tại cơ quan liên quan nên chưa giải quyết kịp thời hạn.",
    "Số lượng hồ sơ tăng đột biến; cơ quan xin lỗi và hẹn lại ngày trả kết quả.",
    "Cần lấy ý kiến của cơ quan phối hợp nên chưa có kết quả đúng hẹn.",
)
SEND_BACKS = (
    "Đề nghị chuyên viên rà soát lại căn cứ pháp lý trong dự thảo kết quả.",
    "Dự thảo còn sai sót thông tin cá nhân; đề nghị chỉnh sửa.",
)


@dataclass
class Plan:
    index: int
    scenario: Scenario
    via: str
    offer: Offer
    channel: str
    delivery: str
    owner: str  # congdan | congdan2 | account | walk_in | organisation
    citizen: User | None
    lateness: str
    features: set[str]
    extra_days: int
    start: datetime  # submitted online, or brought to the counter / arrived by post
    received: datetime | None = None
    restart: datetime | None = None  # the supplement during processing is answered
    late_supplement: bool = False  # asked after the 3 working days: the agency's fault
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def stop(self) -> str:
        return self.via or self.scenario.name


class Planner:
    """Draws each dossier's plan from its own random stream: scenario, procedure and desk,
    channel, owner, lateness, and the dates that make the lateness come true."""

    def __init__(self, *, seed: int, now: datetime, catalogue: Catalogue, cast: Cast) -> None:
        self.seed, self.now, self.catalogue, self.cast = seed, now, catalogue, cast
        self.today = now.astimezone(VN_TZ).date()
        self.days = WorkDays(self.today)
        self.calendar = get_calendar()
        self.demo_desks = {
            key: desk
            for key, code in DEMO_DESKS.items()
            for desk in catalogue.desks.values()
            if desk.code == code
        }
        demo_ids = {d.pk for d in self.demo_desks.values()}
        self.other_desks = sorted(
            (d for d in catalogue.desks.values() if d.pk not in demo_ids), key=lambda d: d.code
        )
        self.wards = _wards()

    # --- what, where, by whom

    def plan(self, index: int) -> Plan:
        rng = random.Random(f"{self.seed}:{index}")  # noqa: S311 - reproducible demo data
        wish: dict[str, Any] = {}
        if index < len(COVERAGE):
            name, wish = COVERAGE[index]
            if name not in SCENARIOS:  # a random one after all
                name = _weighted(rng, ((s.name, s.weight) for s in SCENARIOS.values()))
        else:
            name = _weighted(rng, ((s.name, s.weight) for s in SCENARIOS.values()))
        scenario = SCENARIOS[name]
        via = rng.choice(VIA[name]) if name in VIA else ""
        online_only = scenario.online or SCENARIOS.get(via, scenario).online
        channel = wish.get("channel")
        if channel is None:
            if online_only:
                channel = Channel.ONLINE
            else:
                channel = _weighted(
                    rng, ((Channel.ONLINE, 55), (Channel.COUNTER, 37), (Channel.POST, 8))
                )
        owner = wish.get("owner")
        desk_key = wish.get("desk")
        if owner in ("congdan", "congdan2") and desk_key is None:
            desk_key = rng.choice(("x", "centre"))  # they live in Phường Sài Gòn
        offer = self._offer(rng, scenario, channel, desk_key, online_only)
        if not offer.online and channel == Channel.ONLINE:
            channel = Channel.COUNTER
        needs_account = scenario.account or (name == "withdrawn")
        if needs_account and channel == Channel.ONLINE and _behind_national_portal():
            channel = Channel.COUNTER  # online dossiers come from DVCQG, with no account here
        if owner is None:
            owner = self._owner(rng, offer, channel, needs_account)
        citizen = {"congdan": self.cast.congdan, "congdan2": self.cast.congdan2}.get(owner)
        if owner == "account" or (citizen is None and (channel == Channel.ONLINE or needs_account)):
            owner = "account" if owner in ("congdan", "congdan2", "walk_in") else owner
            citizen = rng.choice(self.cast.citizens)
        delivery = self._delivery(rng, offer, channel)
        features = set(wish.get("features", ()))
        lateness = wish.get("lateness", "")
        if offer.days is not None:
            if scenario.running and not lateness:
                lateness = _weighted(rng, OPEN_LATENESS)
            if scenario.judged and not lateness:
                lateness = _weighted(rng, JUDGED_LATENESS)
            if lateness == "early" and offer.days < 2:
                lateness = "on_time"  # nothing is early when due on the next working day
        if offer.days is None:
            lateness = ""
        if scenario.judged or name in ("all-done", "leader-step", "assigned"):
            if rng.random() < 0.2:
                features.add("consult")
            if rng.random() < 0.07 and scenario.judged:
                features.add("transfer")
            if rng.random() < 0.08 and name != "assigned":
                features.add("send_back")
            if rng.random() < 0.1 and citizen is not None and name != "assigned":
                features.add("supplement")
            if rng.random() < 0.1 and offer.days:
                features.add("apology")
        if offer.fee and rng.random() < 0.8:
            features.add("payment")
        if "apology" in features and not offer.days:
            features.discard("apology")
        if "supplement" in features and citizen is None:
            features.discard("supplement")
        plan = Plan(
            index=index,
            scenario=scenario,
            via=via,
            offer=offer,
            channel=channel,
            delivery=delivery,
            owner=owner,
            citizen=citizen,
            lateness=lateness,
            features=features,
            extra_days=rng.randint(2, 5),
            start=self.now,
            rng=rng,
        )
        self._dates(plan)
        return plan

    def _offer(
        self,
        rng: random.Random,
        scenario: Scenario,
        channel: str,
        desk: str | None,
        online_only: bool,
    ) -> Offer:
        for _ in range(20):
            key = desk or _weighted(rng, DESK_WEIGHTS.items())
            agency = self.demo_desks.get(key) if key != "other" else None
            if agency is None:
                agency = rng.choice(self.other_desks or list(self.demo_desks.values()))
            offers = [
                o
                for o in self.catalogue.offers.get(agency.pk, [])
                if (o.online or channel != Channel.ONLINE or not online_only)
                and (o.fee or not scenario.fee)
            ]
            if offers:
                weights = [
                    (3 if o.days is not None else 1)
                    * (2 if o.version.form_schema else 1)
                    * (0.3 if (o.days or 0) > 25 else 1)
                    for o in offers
                ]
                return rng.choices(offers, weights=weights)[0]
            desk = None
        raise RuntimeError("Không có thủ tục nào được công bố tại các nơi tiếp nhận của demo.")

    def _owner(self, rng: random.Random, offer: Offer, channel: str, needs_account: bool) -> str:
        field_code = offer.version.procedure.field.code
        if field_code in ORGANISATION_FIELDS and offer.code not in PERSONAL_PROCEDURES:
            if rng.random() < 0.7:
                return "organisation"
        ours = offer.desk in (self.demo_desks.get("x"), self.demo_desks.get("centre"))
        if ours and rng.random() < 0.12:
            return rng.choice(("congdan", "congdan2"))
        if channel == Channel.ONLINE or needs_account:
            return "account"
        return "account" if rng.random() < 0.15 else "walk_in"

    def _delivery(self, rng: random.Random, offer: Offer, channel: str) -> str:
        if channel == Channel.POST:
            return _weighted(rng, ((Delivery.POST, 80), (Delivery.COUNTER, 20)))
        if offer.version.online_level == OnlineLevel.FULL and channel == Channel.ONLINE:
            return _weighted(
                rng, ((Delivery.ONLINE, 70), (Delivery.POST, 10), (Delivery.COUNTER, 20))
            )
        if channel == Channel.ONLINE:
            return _weighted(
                rng, ((Delivery.COUNTER, 65), (Delivery.POST, 25), (Delivery.ONLINE, 10))
            )
        return _weighted(rng, ((Delivery.COUNTER, 85), (Delivery.POST, 15)))

    # --- when

    def office_moment(
        self, agency: Agency, day: date, rng: random.Random, *, before: time | None = None
    ) -> datetime:
        """A moment of ``day``'s office hours at ``agency``: busier in the morning."""
        hours = self.catalogue.office_hours(agency)
        periods = hours.periods
        start, end = periods[0] if rng.random() < 0.6 or len(periods) == 1 else periods[-1]
        if before is not None and end > before:
            start, end = periods[0][0], min(periods[0][1], before)
        first = datetime.combine(day, start, tzinfo=VN_TZ)
        span = (datetime.combine(day, end, tzinfo=VN_TZ) - first).total_seconds()
        return first + timedelta(seconds=int(rng.uniform(0.02, 0.97) * span))

    def citizen_moment(self, day: date, rng: random.Random) -> datetime:
        """When people file online: mostly office hours, often evenings, weekends too."""
        hour = _weighted(
            rng,
            (
                (8, 3),
                (9, 4),
                (10, 4),
                (11, 3),
                (14, 3),
                (15, 3),
                (16, 2),
                (19, 2),
                (20, 3),
                (21, 3),
                (22, 1),
                (6, 1),
            ),
        )
        return datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), VN_TZ)

    def _dates(self, plan: Plan) -> None:
        rng, days, today, now = plan.rng, self.days, self.today, self.now
        offer, stop = plan.offer, plan.stop
        desk = offer.desk
        cutoff = self.catalogue.office_hours(desk).same_day_cutoff
        window = today - timedelta(days=DAYS)
        earliest = days.shift(window, 1)

        def recent_online(lo: int, hi: int) -> datetime:
            for _ in range(10):
                day = today - timedelta(days=rng.randint(lo, hi))
                moment = self.citizen_moment(day, rng)
                if moment < now - timedelta(minutes=20):
                    return moment
            return now - timedelta(minutes=rng.randint(30, 600))

        if stop == "submitted" and plan.scenario.name != "refused" and not plan.via:
            plan.start = recent_online(0, 3)
            return
        if stop in ("submitted", "submitted-after-supplement", "supplement-at-reception"):
            if plan.via:  # refused or withdrawn afterwards: any time in the window
                plan.start = recent_online(2, DAYS - 2)
            else:
                plan.start = recent_online(2, 14)
            return

        n = offer.days
        c_day: date
        if plan.lateness and plan.scenario.running:
            if plan.lateness == "overdue":
                final = days.shift(today, -rng.randint(1, 8))
            elif plan.lateness == "due_soon":
                closing = self.catalogue.office_hours(desk).closing
                first = (
                    0
                    if now < datetime.combine(today, closing, VN_TZ) and days.is_working(today)
                    else 1
                )
                final = days.shift(today, rng.randint(first, 2))
            else:
                final = days.shift(today, rng.randint(3, max(3, n + 2)))
            original = days.shift(final, -plan.extra_days) if "apology" in plan.features else final
            c_day = days.shift(original, -n) if n else original
        elif plan.scenario.judged:
            if plan.scenario.name == "returned":
                result_day = rng.choice(days.between(earliest, today))
            else:
                result_day = days.shift(today, -rng.randint(0, 4))
            if n is None:
                c_day = days.shift(result_day, -rng.randint(1, 10))
            else:
                if plan.lateness == "early" and n >= 2:
                    due = days.shift(result_day, rng.randint(1, min(3, n - 1)))
                elif plan.lateness == "late":
                    due = days.shift(result_day, -rng.randint(1, 4))
                else:
                    due = result_day
                if "apology" in plan.features:
                    due = days.shift(due, -plan.extra_days)
                c_day = days.shift(due, -n)
        else:
            c_day = days.shift(today, -rng.randint(0, 20))
        c_day = min(c_day, today)
        if stop == "received":  # nobody leaves a received dossier unrouted for weeks
            c_day = max(c_day, days.shift(today, -2))
        supplement = "supplement" in plan.features or stop == "supplemented"
        r_day = c_day
        if supplement:
            # Asked within the 3 working days after reception (now and then later: the
            # agency's fault), answered on c_day: the full limit counts again from then.
            gap = rng.randint(1, 3) if rng.random() < 0.85 else rng.randint(4, 6)
            plan.late_supplement = gap > 3
            r_day = days.shift(c_day, -gap)
        r_day = days.shift(r_day, 0)  # a working day
        before = cutoff if offer.limit_kind == LimitKind.SAME_DAY else None
        # Leave the office time the actions up to today need.
        need = timedelta(hours=ROOM.get(stop, 8 if plan.scenario.judged else 3))
        hours = self.catalogue.office_hours(desk)
        for _ in range(6):
            received = self.office_moment(desk, r_day, rng, before=before)
            if self.calendar.working_time_between(received, now, hours) >= need:
                break
            r_day = days.shift(r_day, -1)
        if supplement:
            c_day = max(c_day, days.shift(r_day, 1))
            plan.restart = self.office_moment(desk, c_day, rng)
            if plan.restart > now - timedelta(minutes=10):
                plan.restart = None  # answered at the citizen's own pace
        plan.received = received
        if plan.channel == Channel.ONLINE:
            plan.start = received - timedelta(hours=rng.uniform(0.3, 40))
            local = plan.start.astimezone(VN_TZ)
            if local.hour < 6:
                plan.start -= timedelta(hours=local.hour + 1)
        else:
            plan.start = received


# --- replaying one dossier ---------------------------------------------------------------


class OutOfTime(Exception):
    """The next action would come after ``now``: the dossier stays where it is."""


class Stuck(Exception):
    """Nobody holds the role the next action needs: the dossier stays where it is."""


def _local_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


class Replay:
    """One dossier's history, action after action, each at its moment."""

    def __init__(self, generator: Generator, plan: Plan) -> None:
        self.g, self.plan, self.rng = generator, plan, plan.rng
        self.now = generator.now
        self.t = plan.start
        self.horizon = self.now - timedelta(minutes=self.rng.randint(5, 90))
        self.desk = plan.offer.desk
        self.version = plan.offer.version
        self.dossier: Dossier | None = None
        self.clerk = self._holder(Role.ONE_STOP_OFFICER, self.desk)
        self.people = People(self.rng, generator.planner.wards)
        self.person: Person | None = None
        # The orders of the internal steps (between reception and hand-over).
        self.inner = workflow.inner_orders(catalog.steps_at(self.version, self.desk))

    # --- time

    def _fit(self, natural: datetime, left: int = 1, hours: OfficeHours | None = None) -> datetime:
        """``natural`` unless the ``left`` actions still to come before the horizon need
        the room: then a moment early enough to leave it to them (in office time when
        ``hours`` are given)."""
        t, horizon, rng = self.t, self.horizon, self.rng
        left = max(left, 1)
        if horizon > t and natural > t:
            if hours is not None and (
                span := self.g.calendar.working_time_between(t, horizon, hours)
            ) > timedelta(minutes=10):
                if self.g.calendar.working_time_between(t, natural, hours) > span / left:
                    share = span / left * rng.uniform(0.4, 1.0)
                    natural = self.g.calendar.add_working_time(t, share, hours)
            elif natural > t + (horizon - t) / left:
                natural = t + (horizon - t) / left * rng.uniform(0.4, 1.0)
        if natural <= t:
            natural = t + timedelta(seconds=rng.randint(30, 600))
        if natural >= self.now:
            raise OutOfTime()
        return natural

    def in_office(self, agency: Agency, until: datetime, share: float) -> datetime:
        """The moment when ``share`` of the office time between now and ``until`` has run."""
        hours = self.g.catalogue.office_hours(agency)
        span = self.g.calendar.working_time_between(self.t, until, hours)
        if span <= timedelta(minutes=1):
            return self.t + (until - self.t) * share if until > self.t else self.t
        return self.g.calendar.add_working_time(self.t, span * share, hours)

    def office(self, agency: Agency, lo: float, hi: float, left: int = 1) -> datetime:
        """Some office time (``lo``–``hi`` working hours) at ``agency`` after the last
        action."""
        hours = self.g.catalogue.office_hours(agency)
        delta = timedelta(seconds=int(self.rng.uniform(lo, hi) * 3600))
        return self._fit(self.g.calendar.add_working_time(self.t, delta, hours), left, hours)

    def citizen(self, lo: float, hi: float, left: int = 1) -> datetime:
        """A citizen acts ``lo``–``hi`` hours later, between 6:00 and 23:00."""
        moment = self.t + timedelta(seconds=int(self.rng.uniform(lo, hi) * 3600))
        local = moment.astimezone(VN_TZ)
        if local.hour < 6 or local.hour >= 23:
            morning = datetime.combine(local.date(), time(6, 30), VN_TZ)
            if local.hour >= 23:
                morning += timedelta(days=1)
            moment = morning + timedelta(minutes=self.rng.randint(0, 180))
        return self._fit(moment, left)

    def planned(self, moment: datetime | None) -> datetime:
        if moment is None or moment <= self.t:
            moment = self.t + timedelta(seconds=self.rng.randint(60, 1800))
        if moment >= self.now:
            raise OutOfTime()
        return moment

    def act(self, moment: datetime, service: Callable[..., Dossier], *args, **kwargs) -> None:
        with clock.frozen_at(moment):
            self.dossier = service(*args, **kwargs)
        self.t = moment

    def ctx(self, user: User) -> Context:
        return Context(by=user, request_id=f"{REQUEST_ID}-{self.g.seed}-{self.plan.index}")

    def _holder(self, role: str, agency: Agency | None, favourite: float = 0.75) -> User:
        user = self.g.cast.pick(self.rng, role, agency, favourite)
        if user is None:
            raise Stuck(f"{role} @ {agency}")
        return user

    # --- files

    def _upload(self, key: str, name: str, *, owner: User | None, by: User, scan: bool):
        person = self.person
        lines = [
            f"Thu tuc: {self.version.procedure.name[:80]}",
            f"Nguoi yeu cau: {person.full_name if person else ''}",
            f"{'Ban scan' if scan else 'Tep tai len'} ngay {_local_day(self.t):%d/%m/%Y}",
            f"Ma tai lieu {self.plan.index}-{key}-{self.rng.randrange(10**9):09d}",
            "Tai lieu mau cua du lieu demo motcua, khong co gia tri phap ly.",
        ]
        return store_upload(
            io.BytesIO(tiny_pdf(name[:90], lines)),
            name=f"{key}.pdf",
            owner=owner,
            uploaded_by=by,
            digitized=scan,
        )

    def _files(
        self, *, owner: User | None, by: User, scan: bool, on_behalf: bool, keep: bool = True
    ):
        files: dict[str, list] = {}
        reused: set[str] = set()
        store = self.g.data_store
        for document in self.version.documents.all():
            authorisation = on_behalf and document.key.startswith("van-ban-uy-quyen")
            if not (document.required or authorisation or self.rng.random() < 0.25):
                continue
            kept = store.get((by.pk, document.key)) if keep and not scan else None
            if kept is not None and document.data_store:
                files[document.key] = [reuse(kept, by=by)]
                reused.add(document.key)
                continue
            stored = self._upload(document.key, document.name, owner=owner, by=by, scan=scan)
            if keep and not scan and document.data_store:
                store[(by.pk, document.key)] = stored
            files[document.key] = [stored]
        return files, frozenset(reused)

    # --- filing

    def _person_of(self, user: User) -> Person:
        digit = int(user.id_number[3]) if user.id_number else 0
        ward = self.g.ward_names.get(user.address_unit_id, "Phường Sài Gòn")
        return Person(
            full_name=user.full_name,
            sex="female" if digit % 2 else "male",
            date_of_birth=user.date_of_birth or date(1985, 1, 1),
            id_number=user.id_number or "",
            phone=user.phone or "",
            email=user.email or "",
            address=f"{user.address_line}, {ward}, Thành phố Hồ Chí Minh".lstrip(", "),
            unit_id=user.address_unit_id,
        )

    def _applicant(self, person: Person) -> services.Applicant:
        return services.Applicant(
            full_name=person.full_name,
            id_number=person.id_number,
            phone=person.phone,
            email=person.email,
            address=person.address,
        )

    def file(self) -> None:
        plan, rng = self.plan, self.rng
        today = _local_day(plan.start)
        citizen = plan.citizen
        applicant = submitter = None
        desk_ward = (self.desk.unit_id, self.g.ward_names.get(self.desk.unit_id, ""))
        if plan.owner == "organisation":
            self.person = self.people.person(today=today)  # the representative who files
            trade = TRADES.get(self.version.procedure.field.code, "Thương mại Dịch vụ")
            kind = rng.choice(("Công ty TNHH", "Công ty Cổ phần"))
            name = f"{kind} {trade} {rng.choice(BRANDS)}"
            if trade.startswith("Phòng khám"):
                name = f"{trade} {rng.choice(BRANDS)}"
            address, _ = self.people.address()
            applicant = services.Applicant(
                full_name=name, tax_code=tax_code(rng), phone=self.people.phone(), address=address
            )
            if citizen is None and plan.channel != Channel.ONLINE:
                submitter = self._applicant(self.person)
        elif citizen is not None:
            self.person = self._person_of(citizen)
            if rng.random() < 0.1:  # filed for a relative, with an authorisation
                family = self.person.full_name.split()[0]
                relative = self.people.person(family=family, today=today)
                if plan.channel == Channel.ONLINE:
                    applicant = self._applicant(relative)
                    self.person = relative
                else:
                    submitter = self._applicant(relative)
        else:
            ward = desk_ward if desk_ward[1] and rng.random() < 0.6 else None
            self.person = self.people.person(today=today, ward=ward)
            applicant = self._applicant(self.person)
            if rng.random() < 0.12:
                family = self.person.full_name.split()[0]
                submitter = self._applicant(self.people.person(family=family, today=today))
        form = None
        if plan.channel == Channel.ONLINE or rng.random() < 0.5:
            form = form_data(
                self.version.form_schema,
                applicant=self.person,
                people=self.people,
                rng=rng,
                today=today,
            )
        post_address = ""
        if plan.delivery == Delivery.POST:
            post_address = applicant.address if applicant else self.person.address
        online = plan.channel == Channel.ONLINE
        on_behalf = (applicant is not None and citizen is not None) or submitter is not None
        self.t = plan.start
        # Deployment model 2: online dossiers were filed on the national portal.
        national = online and _behind_national_portal()
        if national:
            from motcua.interop import services as interop

            files, reused = self._files(
                owner=None, by=interop.system_user(), scan=False, on_behalf=on_behalf, keep=False
            )
        elif online:
            files, reused = self._files(owner=citizen, by=citizen, scan=False, on_behalf=on_behalf)
        else:
            files, reused = self._files(
                owner=citizen, by=self.clerk, scan=True, on_behalf=on_behalf
            )
        sub = services.Submission(
            version=self.version,
            delivery=plan.delivery,
            agency=self.desk,
            post_address=post_address,
            applicant=applicant,
            form=form,
            files=files,
            reused=reused,
            channel=plan.channel,
            owner_account=None if online else citizen,
            submitter=submitter,
        )
        if national:
            owner = applicant or self._applicant(self._person_of(citizen))
            code = f"G22.99-{today:%y%m%d}-{uuid.uuid4().int % 10**8:08d}"
            self.act(
                plan.start,
                lambda: services.file_from_national(
                    sub, ctx=self.ctx(None), national_code=code, applicant=owner
                ),
            )
        elif online:
            self.act(plan.start, lambda: services.submit(sub, ctx=self.ctx(citizen)))
        else:
            note = "Nhận qua bưu chính công ích." if plan.channel == Channel.POST else ""
            self.act(
                plan.start,
                lambda: services.receive_at_counter(sub, ctx=self.ctx(self.clerk), note=note),
            )

    # --- reception

    def receive(self) -> None:
        moment = self.planned(self.plan.received)
        self.act(moment, services.receive, self.dossier, ctx=self.ctx(self.clerk))

    def request_supplement(self, *, at_reception: bool, before: datetime | None = None) -> None:
        documents = [d for d in self.version.documents.all()]
        chosen = self.rng.sample(documents, k=min(len(documents), self.rng.choice((1, 1, 2))))
        missing = [
            services.MissingItem(d.name, self.rng.choice(SUPPLEMENT_REASONS), d.key) for d in chosen
        ]
        if at_reception:
            by, agency = self.clerk, self.desk
        else:
            agency = self.dossier.current_agency
            step = workflow.active_step(self.dossier)
            by = step.assignee if step and step.assignee else self._holder(Role.SPECIALIST, agency)
        saved = self.horizon
        if before is not None:
            self.horizon = min(self.horizon, before)
        if self.plan.late_supplement and before is not None and before > self.t:
            moment = self._fit(self.in_office(agency, before, self.rng.uniform(0.6, 0.9)))
        else:
            moment = self.office(agency, 0.3, 10, left=2)
        self.horizon = saved
        self.act(
            moment,
            services.request_supplement,
            self.dossier,
            ctx=self.ctx(by),
            missing=missing,
            note="Đề nghị bổ sung đầy đủ trong thời hạn quy định.",
        )
        self.missing = [m.document_key for m in missing if m.document_key]

    def answer_supplement(self, moment: datetime | None = None) -> None:
        citizen = self.plan.citizen
        moment = self.planned(moment) if moment else self.citizen(2, 60)
        self.t = moment
        # A dossier from the national portal has no account here: the desk scans the papers.
        by = self.clerk if self.dossier.national_code else citizen
        files = {
            key: [
                self._upload(
                    key,
                    f"Bổ sung: {key}",
                    owner=None if self.dossier.national_code else citizen,
                    by=by,
                    scan=by is self.clerk,
                )
            ]
            for key in dict.fromkeys(self.missing)
        }
        self.act(
            moment,
            services.supplement,
            self.dossier,
            ctx=self.ctx(by),
            files=files,
            note="Tôi đã bổ sung giấy tờ theo yêu cầu.",
        )

    def _amount(self) -> int:
        online = self.plan.channel == Channel.ONLINE
        total = 0
        for fee in self.version.fees.all():
            if fee.amount:
                quantity = self.rng.randint(1, 3) if fee.unit != "dossier" else 1
                total += catalog.fee_amount(fee, quantity=quantity, online=online)
        return total

    def payment(self, *, by: User, agency: Agency, settle: bool) -> bool:
        from motcua.payments import services as payments

        amount = max(self._amount(), payments.owed(self.dossier))
        if amount <= 0:
            return False
        counter = self.plan.channel != Channel.ONLINE and self.dossier.state == State.RECEIVED
        moment = self.office(agency, 0.02, 0.2) if counter else self.office(agency, 0.2, 4, 3)
        note = "Nộp phí, lệ phí theo quy định."
        self.act(
            moment,
            services.request_payment,
            self.dossier,
            ctx=self.ctx(by),
            amount=amount,
            note=note,
        )
        if settle:
            self.pay(counter=counter)
        return True

    def pay(self, *, counter: bool) -> None:
        """What is owed is paid: cash at the desk, or online through the payment service
        as the gateway's notification records it (the sandbox is not called while
        generating: no server runs)."""
        from motcua.payments import services as payments
        from motcua.payments.gateways import Outcome

        owed = payments.owed(self.dossier)
        if owed <= 0:
            return
        if counter or self.dossier.national_code:
            moment = self.office(self.desk, 0.02, 0.15)
            with clock.frozen_at(moment):
                payments.record_cash(
                    self.dossier, ctx=self.ctx(self.clerk), amount=owed, note="Biên lai thu tiền."
                )
        else:
            moment = self.citizen(1, 30, 3)  # the citizen pays online
            with clock.frozen_at(moment):
                started = payments.start_online(
                    self.dossier, by=self.plan.citizen, return_url="http://127.0.0.1/"
                )
                payments.record_outcome(
                    Outcome(
                        reference=started.payment.reference,
                        amount=started.payment.amount,
                        paid=True,
                        transaction=f"{self.rng.randrange(10**7, 10**8)}",
                        bank_code=self.rng.choice(["NCB", "VCB", "BIDV", "VIETINBANK"]),
                        response_code="00",
                        paid_at=moment,
                    ),
                    provider=started.payment.provider,
                )
        self.t = moment
        self.dossier.refresh_from_db()

    def pay_if_the_step_waits(self, action: str) -> None:
        """The procedure makes routing or returning wait for the fees: pay first."""
        from motcua.dossiers.transitions import Action
        from motcua.payments import services as payments

        if payments.waits_for_payment(self.dossier, Action(action)):
            self.pay(counter=self.plan.channel != Channel.ONLINE)

    # --- processing

    def route(self) -> None:
        self.pay_if_the_step_waits("route")
        moment = self.office(self.desk, 0.1, 3, left=4)
        self.act(moment, services.route, self.dossier, ctx=self.ctx(self.clerk))

    def assign(self) -> None:
        step = workflow.active_step(self.dossier)
        if step is None or step.assignee_id is not None:
            return
        agency = self.dossier.current_agency
        leader = self._holder(Role.LEADER, agency)
        assignee = self._holder(step.officer_role, agency, favourite=0.7)
        moment = self.office(agency, 0.2, 6, left=4)
        self.act(
            moment,
            services.assign,
            self.dossier,
            ctx=self.ctx(leader),
            assignee=assignee,
            note="Giao chuyên viên thẩm định.",
        )

    def _partner(self, agency: Agency, role: str) -> Agency | None:
        """An agency ``agency`` usually works with, where someone holds ``role``."""
        agencies = self.g.catalogue.agencies.values()
        functions = PARTNERS.get(agency.function, ())
        wanted = [a for f in functions for a in agencies if a.function == f and a.is_active]
        cast = self.g.cast
        usable = [a for a in wanted if a.pk != agency.pk and cast.holders(role, a)]
        if not usable:
            usable = sorted(
                (a for a in self.g.handling if a.pk != agency.pk and cast.holders(role, a)),
                key=lambda a: a.code,
            )
        return self.rng.choice(usable) if usable else None

    def _carrier_of_step(self) -> User:
        step = workflow.active_step(self.dossier)
        agency = self.dossier.current_agency
        if step is not None and step.assignee_id:
            return step.assignee
        role = step.officer_role if step else Role.SPECIALIST
        return self._holder(role, agency)

    def consult(self, *, answer: bool, left: int = 3) -> None:
        acting = self.dossier.current_agency
        target = self._partner(acting, Role.SPECIALIST)
        if target is None:
            return
        question, reply = QUESTIONS.get(target.function, GENERIC_QUESTION)
        asker = self._carrier_of_step()
        moment = self.office(acting, 0.5, 8, left=left)
        self.act(
            moment,
            services.consult,
            self.dossier,
            ctx=self.ctx(asker),
            agency=target,
            question=question,
            working_days=self.rng.randint(2, 5),
        )
        if not answer:
            return
        consultation = (
            Consultation.objects.filter(dossier=self.dossier, state=ConsultationState.OPEN)
            .order_by("-pk")
            .first()
        )
        role = Role.SPECIALIST if self.rng.random() < 0.7 else Role.LEADER
        who = self._holder(role, target) if self.g.cast.holders(role, target) else None
        who = who or self._holder(Role.SPECIALIST, target)
        moment = self.office(target, 2, 30, left=left - 1)
        self.act(
            moment,
            services.answer_consultation,
            self.dossier,
            ctx=self.ctx(who),
            consultation=consultation,
            answer=reply,
        )

    def transfer(self) -> bool:
        acting = self.dossier.current_agency
        target = self._partner(acting, Role.SPECIALIST)
        if target is None or not self.g.cast.holders(Role.LEADER, target):
            return False
        by = self._carrier_of_step()
        moment = self.office(acting, 0.5, 12, left=3)
        self.act(
            moment,
            services.transfer,
            self.dossier,
            ctx=self.ctx(by),
            to_agency=target,
            note=f"Chuyển {target.short_name or target.name} giải quyết theo thẩm quyền.",
        )
        return True

    def apologise(self) -> None:
        due = self.dossier.due_at
        if due is None:
            return
        agency = self.dossier.current_agency
        leaders = self.g.cast.holders(Role.LEADER, agency)
        by = self._holder(Role.LEADER, agency) if leaders else self.clerk
        days = self.g.planner.days
        last_day = days.shift(_local_day(due), -1)
        latest = min(datetime.combine(last_day, time(16, 30), VN_TZ), self.horizon)
        if latest > self.t + timedelta(minutes=30):
            moment = self.in_office(agency, latest, self.rng.uniform(0.3, 0.95))
        else:  # too late for the window: allowed, flagged
            moment = self._fit(self.t + timedelta(minutes=self.rng.randint(10, 120)), 3)
        if moment >= self.now:
            raise OutOfTime()
        self.act(
            moment,
            services.apologise,
            self.dossier,
            ctx=self.ctx(by),
            reason=self.rng.choice(APOLOGIES),
            extra_working_days=self.plan.extra_days,
        )

    def walk_steps(self, *, until_leader: bool, send_back: bool = False) -> None:
        """Carry the active steps one after the other (assigning the unassigned ones), up
        to the leader's step, or to the end."""
        sent_back = False
        for _ in range(20):
            step = workflow.active_step(self.dossier)
            if step is None:
                return
            left = sum(1 for order in self.inner if order >= step.order)
            if until_leader and step.officer_role == Role.LEADER:
                return
            agency = self.dossier.current_agency
            if step.agency_role == AgencyRole.CONSULTED:
                if step.agency_id is None:
                    self.consult(answer=True, left=left + 2)
                by = self._holder(Role.SPECIALIST, agency)
            elif step.officer_role == Role.SPECIALIST:
                if step.assignee_id is None and self.g.cast.holders(Role.LEADER, agency):
                    self.assign()
                    step = workflow.active_step(self.dossier)
                by = step.assignee or self._holder(Role.SPECIALIST, agency)
            else:
                by = self._holder(step.officer_role, agency)
            back = (
                send_back
                and not sent_back
                and step.officer_role == Role.LEADER
                and workflow.previous_step(self.dossier, step) is not None
            )
            budget = max(step.budget_hours, 1)
            moment = self.office(agency, 0.2 * budget, 1.2 * budget, left=left + 1)
            note = self.rng.choice(SEND_BACKS) if back else ""
            self.act(
                moment,
                services.complete_step,
                self.dossier,
                ctx=self.ctx(by),
                note=note,
                send_back=back,
            )
            sent_back = sent_back or back

    def between(self, agency: Agency, start: datetime, end: datetime) -> datetime | None:
        """A moment of office time at ``agency`` in (``start``, ``end``), if there is any."""
        hours = self.g.catalogue.office_hours(agency)
        span = self.g.calendar.working_time_between(start, end, hours)
        if span < timedelta(minutes=5):
            return None
        return self.g.calendar.add_working_time(start, span * self.rng.uniform(0.15, 0.95), hours)

    def result_moment(self) -> datetime:
        """When the leader signs, from the due date in force and the planned lateness; as
        soon as possible when that is no longer to be had."""
        rng, days = self.rng, self.g.planner.days
        agency = self.dossier.current_agency
        due = self.dossier.due_at
        hours = self.g.catalogue.office_hours(agency)
        room = timedelta(hours=3) if self.plan.scenario.name == "returned" else timedelta(0)
        cap = self.now - room - timedelta(minutes=rng.randint(5, 60))
        moment = None
        if due is not None and self.plan.lateness:
            due_day = _local_day(due)
            due_opening = datetime.combine(due_day, hours.opening, VN_TZ)
            if self.plan.lateness == "early":
                moment = self.between(agency, self.t, due_opening)
            elif self.plan.lateness == "late":
                last = days.shift(due_day, rng.randint(1, 4))
                moment = self.between(
                    agency, max(self.t, due), datetime.combine(last, hours.closing, VN_TZ)
                )
            if moment is None:  # on time: on the due day, before it runs out
                moment = self.between(agency, max(self.t, due_opening), due)
        if moment is None:  # as soon as the steps allow
            budget = timedelta(hours=rng.uniform(0.5, 4))
            moment = self.g.calendar.add_working_time(self.t, budget, hours)
        moment = min(moment, cap)
        if moment <= self.t:
            moment = self.in_office(agency, cap, rng.uniform(0.1, 0.6))
        return moment

    # --- the whole story

    def end(self) -> None:
        """The terminal action of a withdrawn, refused or stopped dossier."""
        name = self.plan.scenario.name
        if name == "withdrawn":
            moment = self.citizen(1, 72)
            self.act(
                moment,
                services.withdraw,
                self.dossier,
                ctx=self.ctx(self.plan.citizen),
                reason=self.rng.choice(WITHDRAWALS),
            )
        elif name == "refused":
            moment = self.office(self.desk, 0.2, 30)
            self.act(
                moment,
                services.refuse,
                self.dossier,
                ctx=self.ctx(self.clerk),
                reasons=self.rng.choice(REFUSALS),
            )
        elif name == "stopped":
            agency = self.dossier.current_agency
            moment = self.office(agency, 1, 40)
            self.act(
                moment,
                services.stop,
                self.dossier,
                ctx=self.ctx(self._holder(Role.LEADER, agency)),
                reason=self.rng.choice(STOPS),
            )

    def run(self) -> bool:
        """Replay the plan; False when it had to stop early (see ``OutOfTime``)."""
        try:
            self._run()
        except (OutOfTime, Stuck):
            return False
        return True

    def _run(self) -> None:
        plan = self.plan
        name, stop, features = plan.scenario.name, plan.stop, plan.features
        self.file()
        if plan.channel == Channel.ONLINE:
            if stop in ("supplement-at-reception", "submitted-after-supplement"):
                self.request_supplement(at_reception=True)
                if stop == "supplement-at-reception":
                    return self.end()
                self.answer_supplement()
                if stop == "submitted-after-supplement":
                    return self.end()
            if stop == "submitted":
                return self.end()
            self.receive()
        if name == "payment-at-reception":
            if not self.payment(by=self.clerk, agency=self.desk, settle=False):
                return None
            return None
        if "payment" in features and name not in ("payment-in-process", "payment-at-result"):
            self.payment(by=self.clerk, agency=self.desk, settle=True)
        if stop == "received":
            return self.end()
        self.route()
        if name == "unassigned":
            return None
        if name == "transferred":
            self.transfer()
            if self.rng.random() < 0.5:
                self.assign()
            return None
        self.assign()
        if "supplement" in features or stop in ("supplement-in-process", "supplemented"):
            self.request_supplement(at_reception=False, before=plan.restart)
            if stop == "supplement-in-process":
                return self.end()
            self.answer_supplement(plan.restart)
            if stop == "supplemented":
                return None
        if name == "payment-in-process":
            step = workflow.active_step(self.dossier)
            by = step.assignee if step and step.assignee else self.clerk
            self.payment(by=by, agency=self.dossier.current_agency, settle=False)
            return None
        if "apology" in features:
            self.apologise()
        if name == "consulting":
            return self.consult(answer=False)
        if stop == "assigned":
            if "consult" in features:
                self.consult(answer=True)
            return self.end()
        if plan.scenario.judged:
            self.horizon = self.result_moment()
        if "consult" in features:
            self.consult(answer=True)
        if "transfer" in features and self.transfer():
            self.assign()
        self.walk_steps(until_leader=True)
        if stop == "leader-step":
            return self.end()
        self.walk_steps(until_leader=False, send_back="send_back" in features)
        if stop == "all-done":
            return None
        agency = self.dossier.current_agency
        moment = self.planned(self.horizon if plan.scenario.judged else None)
        self.horizon = self.now - timedelta(minutes=self.rng.randint(2, 30))
        self.act(
            moment,
            services.result_ready,
            self.dossier,
            ctx=self.ctx(self._holder(Role.LEADER, agency)),
            note="Phê duyệt kết quả.",
        )
        if stop == "result-ready":
            return None
        if name == "payment-at-result":
            self.payment(by=self.clerk, agency=self.desk, settle=False)
            return None
        self.pay_if_the_step_waits("return-result")
        lo, hi = (0.05, 1) if plan.delivery == Delivery.ONLINE else (0.5, 20)
        moment = self.office(self.desk, lo, hi)
        self.act(moment, services.return_result, self.dossier, ctx=self.ctx(self.clerk))
        return None


# --- running it ----------------------------------------------------------------------------


@dataclass
class GenerationReport:
    """What a run made: dossiers by state, channel and timeliness, and how fast."""

    count: int = 0
    seconds: float = 0.0
    workers: int = 1
    states: Counter = field(default_factory=Counter)
    channels: Counter = field(default_factory=Counter)
    timeliness: Counter = field(default_factory=Counter)
    scenarios: Counter = field(default_factory=Counter)
    cut_short: int = 0
    retried: int = 0  # replays after losing a deadlock to another worker (PostgreSQL)
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def merge(self, other: GenerationReport) -> None:
        self.count += other.count
        self.states.update(other.states)
        self.channels.update(other.channels)
        self.timeliness.update(other.timeliness)
        self.scenarios.update(other.scenarios)
        self.cut_short += other.cut_short
        self.retried += other.retried
        self.failed += other.failed
        self.errors += other.errors[: max(0, 50 - len(self.errors))]

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        def line(counter: Counter) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counter.items()))

        text = [
            f"{self.count} hồ sơ trong {self.seconds:.1f} s ({self.rate:.1f} hồ sơ/giây, "
            f"{self.workers} tiến trình)",
            f"  trạng thái: {line(self.states)}",
            f"  kênh nộp: {line(self.channels)}",
            f"  tiến độ (đã có kết quả): {line(self.timeliness)}",
        ]
        if self.cut_short:
            text.append(f"  dừng sớm (hành động tiếp theo rơi vào tương lai): {self.cut_short}")
        if self.retried:
            text.append(f"  làm lại sau khi tranh khóa với tiến trình khác: {self.retried}")
        if self.failed:
            text.append(f"  lỗi: {self.failed}; " + "; ".join(self.errors[:5]))
        return "\n".join(text)


class Generator:
    """One process's share: the catalogue, the cast and the planner, read once."""

    def __init__(self, *, seed: int, now: datetime, citizen_ids: list[int]) -> None:
        self.seed, self.now = seed, now
        self.calendar = get_calendar()
        self.catalogue = Catalogue()
        self.cast = Cast(citizen_ids)
        self.planner = Planner(seed=seed, now=now, catalogue=self.catalogue, cast=self.cast)
        self.ward_names = dict(self.planner.wards)
        self.handling = [
            a
            for a in self.catalogue.agencies.values()
            if self.cast.holders(Role.SPECIALIST, a) and a.is_active
        ]
        self.data_store: dict[tuple[int, str], Any] = {}

    def run_chunk(
        self, start: int, stop: int, progress: Callable[[int], None] | None = None
    ) -> GenerationReport:
        report = GenerationReport()
        self.data_store = {}  # a chunk's files never depend on another chunk's
        plans = sorted((self.planner.plan(i) for i in range(start, stop)), key=_plan_order)
        for plan in plans:
            try:
                replay, finished = self._replay(plan, report)
            except (DossierError, ValidationError) as exc:
                report.failed += 1
                if len(report.errors) < 50:
                    detail = getattr(exc, "problems", None) or ""
                    report.errors.append(f"#{plan.index} {plan.stop}: {exc} {detail}".strip())
                log.warning("demo dossier failed", extra={"index": plan.index, "error": str(exc)})
            else:
                dossier = replay.dossier
                report.count += 1
                report.cut_short += not finished
                report.states[dossier.state] += 1
                report.channels[dossier.channel] += 1
                report.scenarios[plan.scenario.name] += 1
                if dossier.timeliness:
                    report.timeliness[dossier.timeliness] += 1
            if progress is not None:
                progress(1)
        return report

    def _replay(self, plan: Plan, report: GenerationReport) -> tuple[Replay, bool]:
        """One dossier in one transaction: its whole history or nothing. On PostgreSQL two
        workers may deadlock (the services' row locks take the agencies' rows too): the
        loser replays its dossier again from the start."""
        for attempt in range(RETRIES):
            if attempt:
                plan = self.planner.plan(plan.index)  # a fresh random stream
            replay = Replay(self, plan)
            kept = dict(self.data_store)
            try:
                with transaction.atomic():
                    return replay, replay.run()
            except OperationalError as exc:
                self.data_store = kept  # those files went with the transaction
                code = getattr(exc.__cause__, "sqlstate", None)
                if code not in ("40P01", "40001") or attempt == RETRIES - 1:
                    raise
                report.retried += 1
                time_module.sleep(0.05 * (attempt + 1))
            except BaseException:
                self.data_store = kept
                raise
        raise AssertionError("unreachable")


def _plan_order(plan: Plan) -> tuple[datetime, int]:
    return (plan.start, plan.index)


_worker: dict[str, Any] = {}


def _init_worker(seed: int, now: datetime, citizen_ids: list[int], counter) -> None:
    # A forked child: the parent closed its connections, this one opens its own.
    _worker["generator"] = Generator(seed=seed, now=now, citizen_ids=citizen_ids)
    _worker["counter"] = counter


def _count_one(_n: int) -> None:
    counter = _worker["counter"]
    with counter.get_lock():
        counter.value += 1


def _run_chunk(start: int, stop: int) -> GenerationReport:
    return _worker["generator"].run_chunk(start, stop, _count_one)


def generate(
    count: int,
    *,
    seed: int = 1,
    now: datetime | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> GenerationReport:
    """Make ``count`` dossiers through the services, as of ``now`` (default: the clock's
    now). ``workers`` > 1 replays chunks in that many forked processes, each with its own
    database connection (PostgreSQL only: SQLite has one writer). ``progress(n)`` is told
    each time ``n`` more dossiers are done."""
    started = time_module.perf_counter()
    now = now or clock.now()
    if count < 1:
        return GenerationReport()
    if workers > 1 and connection.vendor == "sqlite":
        raise ValueError("SQLite có một tiến trình ghi: chỉ chạy với 1 worker.")
    with _quiet_files():
        report = _generate(count, seed=seed, now=now, workers=workers, progress=progress)
    report.seconds = time_module.perf_counter() - started
    return report


@contextmanager
def _quiet_files() -> Iterator[None]:
    """The documents app logs every stored file; thousands of demo scans are not news."""
    logger = logging.getLogger("motcua.documents")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def _generate(count: int, *, seed: int, now: datetime, workers: int, progress) -> GenerationReport:
    citizen_ids = prepare(count, seed=seed, today=_local_day(now))
    chunks = [(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    report = GenerationReport(workers=max(1, workers))
    if workers <= 1:
        generator = Generator(seed=seed, now=now, citizen_ids=citizen_ids)
        for start, stop in chunks:
            report.merge(generator.run_chunk(start, stop, progress))
    else:
        connections.close_all()  # every child opens its own connection
        context = multiprocessing.get_context("fork")
        counter = context.Value("q", 0)
        with context.Pool(
            workers, initializer=_init_worker, initargs=(seed, now, citizen_ids, counter)
        ) as pool:
            pending = [pool.apply_async(_run_chunk, chunk) for chunk in chunks]
            seen = 0
            while True:
                done = all(result.ready() for result in pending)
                value = counter.value
                if progress is not None and value > seen:
                    progress(value - seen)
                seen = value
                if done:
                    break
                time_module.sleep(0.2)
            for result in pending:
                report.merge(result.get())
    return report


# --- what the demo sign-ins find ------------------------------------------------------------


def demo_queues(now: datetime | None = None) -> dict[str, dict[str, int]]:
    """How much waits for each demo sign-in (accounts.demo): the officers' queues as their
    pages count them (``dossiers.queues``), the citizens' own dossiers by state."""
    from motcua.dossiers import queues

    now = now or clock.now()
    result: dict[str, dict[str, int]] = {}
    users = User.objects.in_bulk(
        ["congdan", "congdan2", "motcua", "motcua2", "chuyenvien", "lanhdao"],
        field_name="username",
    )
    for username, user in users.items():
        if username.startswith("congdan"):
            own = Dossier.objects.filter(account=user) | Dossier.objects.filter(owner=user)
            counts = dict(Counter(own.values_list("state", flat=True)))
            counts["total"] = own.count()
        else:
            counts = queues.counts(queues.Scope.of(user, now=now))
        result[username] = counts
    return result


def _behind_national_portal() -> bool:
    return settings.MOTCUA.get("DEPLOYMENT_MODEL", 1) == 2


def post_some_results(limit: int = 3) -> int:
    """The demo's desk hands a few results due by post to the post (``delivery.services``),
    so that ``make run`` shows them travel: the outbox sends the orders to the sandbox
    carrier, which moves them along and reports back until they are delivered."""
    from motcua.delivery import services as delivery
    from motcua.dossiers.errors import DossierError

    waiting = Dossier.objects.filter(state=State.RESULT_READY, delivery=Delivery.POST).exclude(
        post_address=""
    )
    posted = 0
    for dossier in waiting.order_by("submitted_at")[: limit * 3]:
        clerk = (
            User.objects.filter(
                officer_roles__agency=dossier.receiving_agency,
                officer_roles__role=Role.ONE_STOP_OFFICER,
                officer_roles__active=True,
            )
            .order_by("pk")
            .first()
        )
        if clerk is None:
            continue
        try:
            delivery.create_delivery(dossier, ctx=Context(by=clerk, request_id=REQUEST_ID))
        except DossierError:
            continue
        posted += 1
        if posted == limit:
            break
    return posted
