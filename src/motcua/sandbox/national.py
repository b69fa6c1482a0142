"""The national public service portal's side of our national sync contract
(docs/national-sync.md), as a stand-in for the demo and the tests (issue 6).

Written from the contract on its own (its signing is not ``motcua.interop``'s, so a mistake on
one side shows): it

- takes the province's status pushes (``POST /sandbox/dvcqg/api/statuses``), signed with the
  province's secret, keeps a dossier's snapshot only when its sequence is higher than the one
  it holds, logs every push it accepts, and answers ``{"acked_seq": N}``;
- answers the reconciliation (``POST …/statuses/acks``);
- sends dossiers filed "on the national portal" (``send_dossier``) to the province's
  ``/interop/national/v1/dossiers`` from the outbox, signed as ``DVCQG``, retried until 200 or
  201 (a 4xx other than 401 stops it), one document inline and the others by link;
- serves those linked PDFs to the province's signed ``GET …/files/<token>``;
- shows it all on a page, ``/sandbox/dvcqg/``, where the demo user sends a dossier.

Party name for ``faults.set_fault``: ``"dvcqg"`` (its API fails, hangs or answers late).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import re
import secrets
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.catalog import services as catalog
from motcua.catalog.models import (
    AdministrativeUnit,
    Agency,
    OnlineLevel,
    Procedure,
    UnitLevel,
    UnitSystem,
)
from motcua.core import clock, outbox
from motcua.core.calendar import VN_TZ
from motcua.core.text import unaccented

from .faults import misbehave
from .models import DvcqgDossier, DvcqgFile, DvcqgNonce, DvcqgStatus

log = logging.getLogger("motcua.sandbox.dvcqg")

PARTY = "dvcqg"  # for faults.set_fault
PARTNER = "DVCQG"  # its own partner code, in X-Partner of its calls to the province
SEND_KIND = "sandbox.dvcqg.send"
INTAKE_PATH = "/interop/national/v1/dossiers"
WINDOW_SECONDS = 300
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# The national status codes (docs/national-sync.md).
STATUSES = {
    1: "Mới đăng ký",
    2: "Đã tiếp nhận",
    3: "Không tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
DELIVERIES = {
    "online": "Nhận kết quả trực tuyến",
    "counter": "Nhận kết quả tại bộ phận một cửa",
    "post": "Nhận kết quả qua bưu chính công ích",
}
# Demo defaults, used only when the settings lack them (the lead's settings have them).
DEMO_SYSTEM_CODE = "HCM-MOTCUA"
DEMO_PROVINCE_SECRET = "MOTCUADEMONATIONALSECRET2026"  # noqa: S105 - the demo's
DEMO_PARTNER_SECRET = "DVCQGDEMOPARTNERSECRET2026"  # noqa: S105 - the demo's


# --- who is who -------------------------------------------------------------------------------


def _national() -> dict:
    return settings.MOTCUA.get("NATIONAL") or {}


def provinces() -> dict[str, str]:
    """The province systems it knows (their code → the secret they sign with): the demo's one
    province is this server."""
    national = _national()
    return {
        national.get("SYSTEM_CODE") or DEMO_SYSTEM_CODE: national.get("SECRET")
        or DEMO_PROVINCE_SECRET
    }


def own_secret() -> str:
    """What it signs its own calls with: the province knows it as partner ``DVCQG``."""
    return (_national().get("PARTNERS") or {}).get(PARTNER) or DEMO_PARTNER_SECRET


def province_code() -> str:
    return next(iter(provinces()))


def intake_url() -> str:
    return f"{settings.SITE_URL}{INTAKE_PATH}"


# --- signing (docs/national-sync.md, "The http transport") -----------------------------------


def sign(secret: str, timestamp: str, nonce: str, method: str, path: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of ``timestamp \\n nonce \\n METHOD \\n path \\n
    hex sha256(body)``, keyed with the caller's shared secret."""
    message = "\n".join(
        [timestamp, nonce, method.upper(), path, hashlib.sha256(body).hexdigest()]
    ).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(method: str, url: str, body: bytes) -> dict[str, str]:
    """The headers of a call it makes, as ``DVCQG``."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return {
        "X-Partner": PARTNER,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": sign(own_secret(), timestamp, nonce, method, urlsplit(url).path, body),
    }


def _refused(why: str) -> JsonResponse:
    return JsonResponse({"error": why}, status=401)


def _authenticate(request: HttpRequest) -> tuple[str | None, str]:
    """The province's code for a correctly signed, fresh, first-seen request; else None and
    why. The nonce is remembered only once the signature holds (no one else burns them)."""
    partner = request.headers.get("X-Partner", "")
    secret = provinces().get(partner)
    timestamp = request.headers.get("X-Timestamp", "")
    nonce = request.headers.get("X-Nonce", "")
    given = request.headers.get("X-Signature", "")
    if secret is None:
        return None, "unknown partner"
    if not timestamp or not nonce or not given:
        return None, "missing header"
    if not NONCE.fullmatch(nonce):
        return None, "malformed nonce"
    body = getattr(request, "raw_body", request.body)  # as signed, before NFC (middleware)
    expected = sign(secret, timestamp, nonce, request.method, request.path, body)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return None, "wrong signature"
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
        return None, "stale timestamp"
    try:
        with transaction.atomic():
            DvcqgNonce.objects.create(partner=partner, nonce=nonce, seen_at=clock.now())
    except IntegrityError:
        return None, "nonce already used"
    return partner, ""


# --- statuses in ------------------------------------------------------------------------------


def _when(text) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _snapshot(body) -> dict | None:
    """The push's fields it relies on, or None when it cannot use it."""
    if not isinstance(body, dict):
        return None
    seq, status = body.get("seq"), body.get("status")
    code, national_code = body.get("code"), body.get("national_code")
    usable = (
        isinstance(seq, int)
        and not isinstance(seq, bool)
        and seq >= 1
        and isinstance(status, int)
        and not isinstance(status, bool)
        and status in STATUSES
        and (code is None or (isinstance(code, str) and 0 < len(code) <= 40))
        and (national_code is None or (isinstance(national_code, str) and len(national_code) <= 40))
        and bool(code or national_code)
    )
    return body if usable else None


class Conflict(Exception):
    pass


def _held(partner: str, code: str, national_code: str, body: dict) -> DvcqgDossier:
    """The dossier a push is about, locked (inside a transaction); a new one if unknown."""
    rows = DvcqgDossier.objects.select_for_update()
    found = rows.filter(partner=partner, code=code).first() if code else None
    if found is None and national_code:
        found = rows.filter(partner=partner, national_code=national_code).first()
        if found is not None and found.code and code and found.code != code:
            raise Conflict(f"national code {national_code} is dossier {found.code}, not {code}")
    if found is not None and national_code and found.national_code not in ("", national_code):
        raise Conflict(f"dossier {code} is national code {found.national_code}")
    if found is None:
        found = DvcqgDossier.objects.create(
            partner=partner,
            code=code,
            national_code=national_code,
            procedure_code=str(body.get("procedure_code") or "")[:20],
            owner_name=str(body.get("owner_name") or "")[:300],
        )
    return found


@csrf_exempt
@require_POST
def statuses(request: HttpRequest) -> HttpResponse:
    """A status push: kept if newer than what it holds, logged, acknowledged."""
    if (refused := misbehave(PARTY)) is not None:
        return refused
    partner, why = _authenticate(request)
    if partner is None:
        return _refused(why)
    try:
        body = _snapshot(json.loads(request.body.decode("utf-8")))
    except (ValueError, UnicodeDecodeError):
        body = None
    if body is None:
        return JsonResponse({"error": "not a usable status snapshot"}, status=400)
    code, national_code = body.get("code") or "", body.get("national_code") or ""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                dossier = _held(partner, code, national_code, body)
                kept = body["seq"] > dossier.held_seq
                if kept:
                    dossier.held_seq, dossier.snapshot = body["seq"], body
                    dossier.code = dossier.code or code
                    dossier.national_code = dossier.national_code or national_code
                    dossier.owner_name = dossier.owner_name or str(body.get("owner_name") or "")
                    dossier.save()
                DvcqgStatus.objects.create(
                    dossier=dossier,
                    seq=body["seq"],
                    status=body["status"],
                    state=str(body.get("state") or "")[:30],
                    changed_at=_when(body.get("changed_at")),
                    note=str(body.get("note") or "")[:2000],
                    kept=kept,
                )
            return JsonResponse({"acked_seq": dossier.held_seq})
        except Conflict as exc:
            return JsonResponse({"error": str(exc)}, status=409)
        except IntegrityError:  # the same dossier's first push twice at once: once more
            continue
    return JsonResponse({"error": "try again"}, status=503)


@csrf_exempt
@require_POST
def acks(request: HttpRequest) -> HttpResponse:
    """Reconciliation: the highest sequence held for each code, 0 for one it does not know."""
    if (refused := misbehave(PARTY)) is not None:
        return refused
    partner, why = _authenticate(request)
    if partner is None:
        return _refused(why)
    try:
        codes = json.loads(request.body.decode("utf-8")).get("codes")
    except (ValueError, UnicodeDecodeError, AttributeError):
        codes = None
    if (
        not isinstance(codes, list)
        or len(codes) > 500
        or not all(isinstance(c, str) and c for c in codes)
    ):
        return JsonResponse({"error": "codes: a list of up to 500 dossier codes"}, status=400)
    held = dict(
        DvcqgDossier.objects.filter(partner=partner, code__in=codes).values_list("code", "held_seq")
    )
    return JsonResponse({"acks": {code: held.get(code, 0) for code in codes}})


@require_GET
def file(request: HttpRequest, token: str) -> HttpResponse:
    """A document of a dossier it sent by link, to the province's signed GET."""
    if (refused := misbehave(PARTY)) is not None:
        return refused
    partner, why = _authenticate(request)
    if partner is None:
        return _refused(why)
    found = DvcqgFile.objects.filter(token=token, inline=False, dossier__partner=partner).first()
    if found is None:
        return JsonResponse({"error": "not found"}, status=404)
    DvcqgFile.objects.filter(pk=found.pk).update(fetched=F("fetched") + 1)
    response = HttpResponse(bytes(found.content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    return response


# --- dossiers out -----------------------------------------------------------------------------


def _pdf_text(text: str) -> str:
    return unaccented(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF of a few lines (the standard font, so without diacritics): the
    citizen's scan as the national portal keeps it. Made by hand, nothing active in it."""
    ops = [f"BT /F1 14 Tf 56 786 Td ({_pdf_text(title)}) Tj /F1 10 Tf"]
    ops += [f"0 -16 Td ({_pdf_text(line)}) Tj" for line in lines]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    start = len(out)
    out += f"xref\n0 {len(bodies) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(bodies) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{start}\n%%EOF\n".encode()
    return bytes(out)


def _today() -> date:
    return clock.now().astimezone(VN_TZ).date()


def _next_national_code(today: date) -> str:
    """``G22.99-<YYMMDD>-<6 digits>``: its own daily counter."""
    prefix = f"G22.99-{today:%y%m%d}-"
    last = (
        DvcqgDossier.objects.filter(national_code__startswith=prefix)
        .order_by("-national_code")
        .values_list("national_code", flat=True)
        .first()
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:06d}"


def _wards() -> list[tuple[int | None, str]]:
    desks = Agency.objects.filter(unit__level=UnitLevel.COMMUNE).values("unit_id")
    rows = AdministrativeUnit.objects.filter(
        system=UnitSystem.CURRENT, level=UnitLevel.COMMUNE, pk__in=desks
    ).order_by("code")[:50]
    return [(unit.pk, unit.name) for unit in rows] or [(None, "Phường Sài Gòn")]


def _local_phone(e164: str) -> str:
    """The national portal keeps phones as the citizen types them: 0903123456."""
    parsed = phonenumbers.parse(e164, "VN")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL).replace(
        " ", ""
    )


def _owner_and_form(version, rng: random.Random):
    """A citizen (Vietnamese name, 12-digit ID number that says the birth year, a mobile
    phone, an address) and their declaration filled as the demo's citizens fill it."""
    from motcua.dossiers.demo import People, form_data

    people = People(rng, _wards())
    today = _today()
    person = people.person(today=today, email=0.5)
    form = form_data(version.form_schema, applicant=person, people=people, rng=rng, today=today)
    owner = {
        "full_name": person.full_name,
        "id_number": person.id_number,
        "phone": _local_phone(person.phone),
        "email": person.email,
        "address": person.address,
        "tax_code": "",
    }
    return owner, form


def _fee(version) -> int:
    """What the citizen paid on the national portal: each fee once, at its online rate."""
    return sum(catalog.fee_amount(fee, online=True) for fee in version.fees.all())


def send_dossier(
    *,
    procedure_code: str,
    delivery: str | None = None,
    agency_code: str | None = None,
    inline_only: bool = False,
    seed: int | str | None = None,
) -> DvcqgDossier:
    """A citizen files a dossier for ``procedure_code`` on the national portal: it is built
    (national code, owner, declaration, every required document of the current version as a
    small PDF, delivery, payment) and its POST to the province queued (``SEND_KIND``)."""
    procedure = (
        Procedure.objects.select_related("current_version")
        .filter(code=procedure_code, current_version__isnull=False)
        .first()
    )
    if procedure is None:
        raise ValueError(f"no published procedure {procedure_code}")
    version = procedure.current_version
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    delivery = delivery or rng.choice(list(DELIVERIES))
    if delivery not in DELIVERIES:
        raise ValueError(f"delivery must be one of {', '.join(DELIVERIES)}")
    owner, form = _owner_and_form(version, rng)
    documents = [d for d in version.documents.all() if d.required]
    now = clock.now().astimezone(VN_TZ)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return _create(
                    procedure, version, owner, form, documents, delivery, agency_code,
                    inline_only=inline_only, now=now,
                )  # fmt: skip
        except IntegrityError:  # another dossier took this national code just now
            continue
    raise RuntimeError("could not number the national dossier")


def _create(procedure, version, owner, form, documents, delivery, agency_code, *, inline_only, now):
    national_code = _next_national_code(now.date())
    dossier = DvcqgDossier.objects.create(
        partner=province_code(),
        national_code=national_code,
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        owner_name=owner["full_name"],
        sending=DvcqgDossier.Sending.QUEUED,
    )
    items = []
    for n, document in enumerate(documents):
        content = pdf(
            document.name,
            [
                f"Ho so {national_code}",
                f"Thu tuc {procedure.code}",
                f"Chu ho so: {owner['full_name']}",
                f"Nop tren Cong Dich vu cong quoc gia luc {now:%d/%m/%Y %H:%M}",
            ],
        )
        inline = inline_only or n == 0
        stored = DvcqgFile.objects.create(
            dossier=dossier,
            token=secrets.token_urlsafe(24),
            key=document.key,
            name=f"{document.key}.pdf",
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            inline=inline,
        )
        item = {"key": stored.key, "name": stored.name}
        if inline:
            item["content_base64"] = base64.b64encode(content).decode("ascii")
        else:
            path = reverse("sandbox:dvcqg_file", args=[stored.token])
            item |= {"url": f"{settings.SITE_URL}{path}", "sha256": stored.sha256}
        items.append(item)
    body: dict = {
        "national_code": national_code,
        "procedure_code": procedure.code,
        "submitted_at": now.isoformat(timespec="seconds"),
        "owner": owner,
        "form": form,
        "documents": items,
        "delivery": {"method": delivery},
    }
    if agency_code:
        body["agency_code"] = agency_code
    if form is None:
        del body["form"]  # the declaration comes as the uploaded form
    if delivery == "post":
        body["delivery"]["post_address"] = owner["address"]
    fee = _fee(version)
    body["payment"] = (
        {"paid_online": 1, "amount": fee, "reference": f"PG-{national_code[-6:]}"}
        if fee
        else {"paid_online": 0}
    )
    dossier.request_body = json.dumps(body, ensure_ascii=False)
    dossier.save(update_fields=["request_body"])
    _queue_send(dossier)
    return dossier


def _queue_send(dossier: DvcqgDossier) -> None:
    n = len(dossier.answers) + 1
    outbox.enqueue(
        SEND_KIND,
        key=f"sandbox-dvcqg-send:{dossier.national_code}:{n}:{secrets.token_hex(4)}",
        payload={"dossier": dossier.pk},
    )


def resend(dossier: DvcqgDossier) -> None:
    """Send the same dossier again, byte for byte (the province must answer 200: one
    dossier)."""
    with transaction.atomic():
        DvcqgDossier.objects.filter(pk=dossier.pk, sending=DvcqgDossier.Sending.NONE).update(
            sending=DvcqgDossier.Sending.QUEUED
        )
        _queue_send(dossier)


@outbox.handler(SEND_KIND)
def deliver(payload: dict, message) -> None:
    """POST the dossier to the province until it answers 200 or 201; 401 and anything
    unusable are tried again; another 4xx stops it (the answer is kept for people to see)."""
    dossier = DvcqgDossier.objects.get(pk=payload["dossier"])
    body = dossier.request_body.encode("utf-8")
    url = intake_url()
    request = urllib.request.Request(  # noqa: S310 - the province's configured address
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            **signed_headers("POST", url, body),
        },
    )
    timeout = float(_national().get("TIMEOUT_SECONDS") or 10)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, text = response.status, response.read(20_000).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read(20_000).decode(errors="replace")
    try:
        answer = json.loads(text)
    except ValueError:
        answer = text[:500]
    with transaction.atomic():
        dossier = DvcqgDossier.objects.select_for_update().get(pk=dossier.pk)
        dossier.answers = [
            *dossier.answers,
            {
                "status": status,
                "body": answer,
                "at": clock.now().astimezone(VN_TZ).isoformat(timespec="seconds"),
            },
        ]
        if status in (200, 201):
            dossier.sending = DvcqgDossier.Sending.ACCEPTED
            code = answer.get("code") if isinstance(answer, dict) else None
            if isinstance(code, str) and code and not dossier.code:
                dossier.code = code
        elif 400 <= status < 500 and status != 401:
            dossier.sending = DvcqgDossier.Sending.REFUSED
        dossier.save(update_fields=["answers", "sending", "code", "updated_at"])
    if status in (200, 201):
        return
    if 400 <= status < 500 and status != 401:
        raise outbox.PermanentError(f"the province refused the dossier: {status} {text[:300]}")
    raise RuntimeError(f"the province answered {status}: {text[:300]}")  # retried


def _demo_procedures() -> list[str]:
    """Procedures a citizen would file online: published, online (full or partial), with
    documents; the others when there are none."""
    published = catalog.published_procedures().order_by("code")
    online = published.filter(
        current_version__online_level__in=[OnlineLevel.FULL, OnlineLevel.PARTIAL],
        current_version__documents__required=True,
    ).distinct()
    return list(online.values_list("code", flat=True)) or list(
        published.values_list("code", flat=True)
    )


def send_demo_dossiers(n: int = 3, *, seed: int | None = None) -> list[DvcqgDossier]:
    """The demo (deployment model 2): ``n`` citizens file on the national portal; their
    dossiers reach the province when the outbox worker runs."""
    codes = _demo_procedures()
    if not codes:
        return []
    rng = random.Random(seed)  # noqa: S311 - demo data
    sent = []
    for i in range(n):
        code = rng.choice(codes)
        sent.append(
            send_dossier(
                procedure_code=code,
                delivery=rng.choice(["online", "counter"]),
                seed=None if seed is None else f"{seed}:{i}",
            )
        )
    return sent


@outbox.periodic("sandbox.dvcqg.forget_nonces", every=timedelta(minutes=10))
def forget_old_nonces() -> None:
    """A nonce older than twice the window cannot be replayed anyway: the timestamp fails."""
    DvcqgNonce.objects.filter(
        seen_at__lt=clock.now() - timedelta(seconds=2 * WINDOW_SECONDS)
    ).delete()


# --- the page ---------------------------------------------------------------------------------


def chain(statuses) -> str:
    """``1 → 2 → 4 → 9 → 10``: the statuses kept, in order, a repeated one once."""
    codes: list[int] = []
    for row in statuses:
        if row.kept and (not codes or codes[-1] != row.status):
            codes.append(row.status)
    return " → ".join(str(c) for c in codes)


def _with_statuses(queryset):
    return queryset.prefetch_related(
        Prefetch("statuses", queryset=DvcqgStatus.objects.order_by("id"))
    )


@require_http_methods(["GET", "POST"])
def page(request: HttpRequest) -> HttpResponse:
    """The national portal's own page: send a dossier for a procedure, see what it holds."""
    procedures = list(catalog.published_procedures().order_by("code").values_list("code", "name"))
    error = ""
    if request.method == "POST":
        code, delivery = request.POST.get("procedure", ""), request.POST.get("delivery", "")
        if code not in {c for c, _ in procedures}:
            error = "Hãy chọn một thủ tục đang công bố."
        elif delivery not in DELIVERIES:
            error = "Hãy chọn cách nhận kết quả."
        else:
            sent = send_dossier(procedure_code=code, delivery=delivery)
            return HttpResponseRedirect(f"{reverse('sandbox:dvcqg')}?gui={sent.national_code}")
    dossiers = list(_with_statuses(DvcqgDossier.objects.all())[:100])
    for dossier in dossiers:
        dossier.chain = chain(dossier.statuses.all())
        dossier.status_label = STATUSES.get((dossier.snapshot or {}).get("status"), "")
    return render(
        request,
        "sandbox/dvcqg.html",
        {
            "procedures": procedures,
            "deliveries": DELIVERIES,
            "dossiers": dossiers,
            "sent": request.GET.get("gui", ""),
            "error": error,
            "chosen": request.POST.get("procedure", ""),
        },
        status=422 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One dossier: what was sent, what the province answered, each status it pushed."""
    dossier = get_object_or_404(_with_statuses(DvcqgDossier.objects.all()), pk=pk)
    if request.method == "POST":
        if not dossier.request_body:
            raise Http404("this dossier was not sent from here")
        resend(dossier)
        return HttpResponseRedirect(reverse("sandbox:dvcqg_dossier", args=[dossier.pk]))
    rows = list(dossier.statuses.all())
    for row in rows:
        row.label = STATUSES.get(row.status, "")
    snapshot = dossier.snapshot or {}
    return render(
        request,
        "sandbox/dvcqg_dossier.html",
        {
            "dossier": dossier,
            "rows": rows,
            "chain": chain(rows),
            "status_label": STATUSES.get(snapshot.get("status"), ""),
            "snapshot": json.dumps(snapshot, ensure_ascii=False, indent=2) if snapshot else "",
            "files": dossier.files.all(),
        },
    )
