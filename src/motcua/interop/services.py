"""Dossiers in from the national portal (issue 6 §1; docs/national-sync.md).

``accept`` answers the national portal's request: it checks it, keeps it once per national
code, stores the inline files and either files the dossier at once or queues the linked
files' fetching (``fetch_file``, an outbox handler). ``file`` turns a complete inbound dossier
into a ``Submission`` and files it through ``dossiers.services.file_from_national``: the
dossier's one write path.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from motcua.catalog.models import Agency, Procedure
from motcua.core import clock, outbox
from motcua.documents import services as documents
from motcua.documents.errors import DocumentRejected
from motcua.dossiers import services as dossiers
from motcua.dossiers.errors import DossierError
from motcua.dossiers.events import Context
from motcua.dossiers.models import Delivery, Dossier

from . import transports
from .models import InboundFile, InboundState, NationalInbound

logger = logging.getLogger("motcua.interop")

FETCH_KIND = "interop.fetch"
REJECT_KIND = "interop.reject"
SYSTEM_USERNAME = "cong-dvc-quoc-gia"
PROVIDER = "dvcqg"  # the payments provider of fees paid on the national portal


def setting(name: str):
    return settings.MOTCUA["NATIONAL"][name]


def enabled() -> bool:
    """The sync runs (dossiers in, statuses out) when the national side's API is set."""
    return bool(settings.MOTCUA.get("NATIONAL", {}).get("API_URL"))


def behind_national_portal() -> bool:
    """Deployment model 2: no citizen sign-up or online filing here."""
    return settings.MOTCUA.get("DEPLOYMENT_MODEL", 1) == 2


def transport() -> transports.Transport:
    return transports.get(setting("TRANSPORT"))


def system_user():
    """Who stored the national portal's files: an account no one can sign in with."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "full_name": "Cổng Dịch vụ công quốc gia"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


class Invalid(Exception):
    def __init__(self, message: str, problems: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = dict(problems or {})


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _applicant(raw: Any, *, required: bool) -> dossiers.Applicant | None:
    if not isinstance(raw, dict):
        if required:
            raise Invalid("Thiếu thông tin chủ hồ sơ.", {"owner": ["Cần thông tin chủ hồ sơ."]})
        return None
    return dossiers.Applicant(
        full_name=_text(raw.get("full_name"), 300),
        id_number=_text(raw.get("id_number"), 20),
        phone=_text(raw.get("phone"), 20),
        email=_text(raw.get("email"), 254),
        address=_text(raw.get("address"), 300),
        tax_code=_text(raw.get("tax_code"), 20),
    )


def _answer_for(inbound: NationalInbound, status: int) -> Answer:
    body: dict[str, Any] = {
        "national_code": inbound.national_code,
        "code": inbound.dossier.code if inbound.dossier_id else None,
        "state": inbound.state,
    }
    if inbound.state == InboundState.REJECTED:
        body["error"] = inbound.error
    return Answer(status, body)


def _parse(payload: dict, *, kept: bool = False) -> dict[str, Any]:
    """Check what can be checked before keeping anything; Vietnamese problems. ``kept``: the
    payload as we kept it (its files already stored or fetched)."""
    problems: dict[str, list[str]] = {}
    national_code = _text(payload.get("national_code"), 41)
    if not national_code or len(national_code) > 40:
        problems["national_code"] = ["Cần mã hồ sơ quốc gia (tối đa 40 ký tự)."]
    procedure = (
        Procedure.objects.filter(code=_text(payload.get("procedure_code"), 20))
        .select_related("current_version")
        .first()
    )
    if procedure is None or procedure.current_version_id is None:
        problems["procedure_code"] = ["Không có thủ tục đang công bố với mã này."]
    agency = None
    if payload.get("agency_code"):
        agency = Agency.objects.filter(code=_text(payload["agency_code"], 20)).first()
        if agency is None:
            problems["agency_code"] = ["Không có cơ quan với mã định danh này."]
    delivery = payload.get("delivery") or {}
    method = _text(delivery.get("method"), 10) if isinstance(delivery, dict) else ""
    if method not in Delivery.values:
        problems["delivery.method"] = ["Hình thức nhận kết quả phải là counter, online hoặc post."]
    files = payload.get("documents") or []
    if not isinstance(files, list):
        problems["documents"] = ["Danh sách giấy tờ không hợp lệ."]
        files = []
    for n, item in enumerate(files):
        if (
            not isinstance(item, dict)
            or not _text(item.get("key"), 100)
            or (not kept and bool(item.get("content_base64")) == bool(item.get("url")))
        ):
            problems[f"documents[{n}]"] = ["Mỗi giấy tờ cần key và một trong content_base64, url."]
    form = payload.get("form")
    if form is not None and not isinstance(form, dict):
        problems["form"] = ["Tờ khai phải là một đối tượng JSON."]
    try:
        owner = _applicant(payload.get("owner"), required=True)
        submitter = _applicant(payload.get("submitter"), required=False)
    except Invalid as exc:
        problems.update(exc.problems)
        owner = submitter = None
    if problems:
        raise Invalid("Hồ sơ từ Cổng quốc gia chưa hợp lệ.", problems)
    return {
        "national_code": national_code,
        "version": procedure.current_version,
        "agency": agency,
        "delivery": method,
        "post_address": _text(delivery.get("post_address"), 300),
        "form": form,
        "files": files,
        "owner": owner,
        "submitter": submitter,
    }


def _submission(inbound: NationalInbound, parsed: dict) -> dossiers.Submission:
    stored: dict[str, list] = {}
    for f in inbound.files.select_related("stored_file"):
        if f.stored_file is not None:
            stored.setdefault(f.document_key, []).append(f.stored_file)
    return dossiers.Submission(
        version=parsed["version"],
        delivery=parsed["delivery"],
        agency=parsed["agency"],
        post_address=parsed["post_address"],
        form=parsed["form"],
        files=stored,
    )


def accept(*, partner: str, body: bytes) -> Answer:
    """The national portal's ``POST /interop/national/v1/dossiers`` (authenticated)."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Answer(400, {"error": "Nội dung không phải JSON."})
    if not isinstance(payload, dict):
        return Answer(400, {"error": "Nội dung phải là một đối tượng JSON."})
    digest = hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()
    province = settings.MOTCUA["PROVINCE_CODE"]
    code = _text(payload.get("national_code"), 40)
    known = NationalInbound.objects.filter(
        province_code=province, partner=partner, national_code=code
    ).first()
    if known is not None:
        return _seen(known, digest)
    try:
        parsed = _parse(payload)
        return _keep(partner, payload, parsed, digest)
    except Invalid as exc:
        return Answer(422, {"error": exc.message, "problems": exc.problems})
    except IntegrityError:  # the same national code, accepted by another request just now
        known = NationalInbound.objects.get(
            province_code=province, partner=partner, national_code=code
        )
        return _seen(known, digest)


def _seen(known: NationalInbound, digest: str) -> Answer:
    if known.digest != digest:
        return Answer(
            409,
            {
                "error": "Mã hồ sơ quốc gia này đã được gửi với nội dung khác.",
                "national_code": known.national_code,
            },
        )
    return _answer_for(known, 200)


def _store_inline(item: dict, *, by) -> Any:
    try:
        data = base64.b64decode(item["content_base64"], validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise Invalid(
            "Tệp đính kèm không đọc được.", {item["key"]: ["content_base64 không hợp lệ."]}
        ) from None
    if item.get("sha256") and hashlib.sha256(data).hexdigest() != str(item["sha256"]).lower():
        raise Invalid("Tệp đính kèm bị sai lệch.", {item["key"]: ["SHA-256 không khớp."]})
    try:
        return documents.store_upload(
            io.BytesIO(data), name=_text(item.get("name"), 255) or "tep", owner=None, uploaded_by=by
        )
    except DocumentRejected as exc:
        raise Invalid(exc.messages[0], {item["key"]: exc.messages}) from None


def _keep(partner: str, payload: dict, parsed: dict, digest: str) -> Answer:
    by = system_user()
    now = clock.now()
    linked = {item["key"] for item in parsed["files"] if item.get("url")}
    with transaction.atomic():
        kept = {k: v for k, v in payload.items() if k != "documents"}
        kept["documents"] = [
            {k: v for k, v in item.items() if k != "content_base64"} for item in parsed["files"]
        ]
        inbound = NationalInbound.objects.create(
            province_code=settings.MOTCUA["PROVINCE_CODE"],
            partner=partner,
            national_code=parsed["national_code"],
            digest=digest,
            payload=kept,
            received_at=now,
        )
        for n, item in enumerate(parsed["files"]):
            InboundFile.objects.create(
                inbound=inbound,
                position=n,
                document_key=_text(item["key"], 100),
                name=_text(item.get("name"), 255),
                url=_text(item.get("url"), 1000),
                sha256=_text(item.get("sha256"), 64).lower(),
                stored_file=None if item.get("url") else _store_inline(item, by=by),
            )
        # Everything but the linked files is checked now: a dossier that could never be
        # filed is refused while the national portal waits for the answer.
        sub = dossiers.national_submission(
            _submission(inbound, parsed), applicant=parsed["owner"], submitter=parsed["submitter"]
        )
        problems = dossiers.check_submission(sub, by=None, pending_documents=frozenset(linked))
        if problems:
            raise Invalid("Hồ sơ chưa đầy đủ hoặc có thông tin không hợp lệ.", problems)
        if linked:
            for f in inbound.files.exclude(url=""):
                outbox.enqueue(
                    FETCH_KIND,
                    key=f"interop:fetch:{inbound.pk}:{f.position}",
                    payload={"file": f.pk},
                )
            return _answer_for(inbound, 201)
        _file(inbound, parsed)
    return _answer_for(inbound, 201)


def _file(inbound: NationalInbound, parsed: dict | None = None) -> Dossier:
    """File the inbound dossier (inside the caller's transaction)."""
    parsed = parsed or _parse(inbound.payload, kept=True)
    sub = _submission(inbound, parsed)
    dossier = dossiers.file_from_national(
        sub,
        ctx=Context(by=None, request_id=f"dvcqg-{inbound.national_code}"[:64]),
        national_code=inbound.national_code,
        applicant=parsed["owner"],
        submitter=parsed["submitter"],
        paid_upstream=lambda d: _record_national_payment(d, inbound.payload.get("payment")),
    )
    inbound.dossier = dossier
    inbound.state = InboundState.FILED
    inbound.filed_at = clock.now()
    inbound.save(update_fields=["dossier", "state", "filed_at"])
    return dossier


def _record_national_payment(dossier: Dossier, payment: Any) -> None:
    if not isinstance(payment, dict) or payment.get("paid_online") != 1:
        return
    from motcua.payments import services as payments

    amount = payment.get("amount")
    if isinstance(amount, int) and not isinstance(amount, bool) and amount > 0:
        payments.record_external(
            dossier,
            provider=PROVIDER,
            amount=amount,
            reference=_text(payment.get("reference"), 40),
        )


# --- the linked files, through the outbox ------------------------------------------------------


def fetch_file(file_id: int) -> str:
    """Fetch one linked file (an outbox handler); the last one in files the dossier."""
    f = InboundFile.objects.select_related("inbound").get(pk=file_id)
    inbound = f.inbound
    if f.stored_file_id or inbound.state != InboundState.FETCHING:
        return "done"
    limit = settings.MOTCUA_DOCUMENTS["MAX_FILE_BYTES"]
    try:
        data = transport().fetch(f.url, limit=limit)
    except transports.Refused as exc:
        _reject(inbound, f"Không tải được “{f.name or f.document_key}”: {exc}")
        raise outbox.PermanentError(str(exc)) from exc
    if f.sha256 and hashlib.sha256(data).hexdigest() != f.sha256:
        _reject(inbound, f"Tệp “{f.name or f.document_key}” không khớp SHA-256 đã khai.")
        return "rejected"
    try:
        stored = documents.store_upload(
            io.BytesIO(data), name=f.name or "tep", owner=None, uploaded_by=system_user()
        )
    except DocumentRejected as exc:
        _reject(inbound, f"“{f.name or f.document_key}”: {exc.messages[0]}")
        return "rejected"
    with transaction.atomic():
        locked = NationalInbound.objects.select_for_update().get(pk=inbound.pk)
        InboundFile.objects.filter(pk=f.pk, stored_file__isnull=True).update(stored_file=stored)
        if locked.state != InboundState.FETCHING:
            return "done"
        if locked.files.filter(stored_file__isnull=True).exists():
            return "fetched"
        try:
            with transaction.atomic():
                _file(locked)
        except (DossierError, Invalid) as exc:
            _reject(locked, getattr(exc, "message", str(exc)))
            return "rejected"
    return "filed"


def _reject(inbound: NationalInbound, reason: str) -> None:
    """The dossier cannot be filed: kept with the reason, and the national side is told."""
    with transaction.atomic():
        updated = NationalInbound.objects.filter(pk=inbound.pk, state=InboundState.FETCHING).update(
            state=InboundState.REJECTED, error=reason[:2000]
        )
        if updated:
            outbox.enqueue(
                REJECT_KIND,
                key=f"interop:reject:{inbound.pk}",
                payload={"inbound": inbound.pk},
            )
    logger.warning(
        "national dossier rejected", extra={"national_code": inbound.national_code, "why": reason}
    )


def tell_rejected(inbound_id: int) -> int:
    """Push status 3 (not received) for an inbound dossier that could not be filed."""
    inbound = NationalInbound.objects.get(pk=inbound_id)
    return transport().push_status(
        {
            "code": None,
            "national_code": inbound.national_code,
            "seq": 1,
            "status": 3,
            "state": "refused",
            "channel": 2,
            "changed_at": clock.now().isoformat(),
            "action": "reject",
            "note": inbound.error,
        }
    )
