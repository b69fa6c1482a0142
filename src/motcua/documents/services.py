"""Citizens' files: store, check, serve, reuse and purge (DESIGN: Citizens' documents are
private).

Every upload is streamed into a temporary file next to its final place while it is hashed
and measured (reading stops as soon as the limit is passed), recognised from its bytes (never
from the client's name or type), checked (PDF: not encrypted, no JavaScript; images: decoded
under a pixel limit, turned upright and re-encoded without EXIF/GPS/XMP), then renamed into
place and recorded in one transaction. A refused file leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from motcua.documents import access, references
from motcua.documents.errors import DocumentRejected
from motcua.documents.models import FileAccess, MediaType, StoredFile

if TYPE_CHECKING:
    from motcua.accounts.models import User

log = logging.getLogger("motcua.documents")

CHUNK_SIZE = 64 * 1024
# Temporary files start with this prefix; the purge removes the ones a crash left behind.
TEMP_PREFIX = ".upload-"
_STORAGE_NAME = re.compile(r"^[0-9a-f]{32}$")
_SHARD = re.compile(r"^[0-9a-f]{2}$")
# Walking a PDF's objects stops here: far beyond any real scan, short of a denial of service.
_MAX_PDF_OBJECTS = 500_000

_EXTENSIONS = {
    MediaType.PDF: (".pdf",),
    MediaType.JPEG: (".jpg", ".jpeg", ".jpe", ".jfif"),
    MediaType.PNG: (".png",),
}
_UNSAFE_IN_NAME = re.compile(r'[<>:"/\\|?*]')

ONLY_PDF_JPEG_PNG = "Chỉ nhận tệp PDF, JPEG hoặc PNG."
EMPTY = "Tệp rỗng, không có nội dung."
PDF_ENCRYPTED = "Tệp PDF được đặt mật khẩu hoặc mã hóa, không được chấp nhận."
PDF_JAVASCRIPT = "Tệp PDF có mã JavaScript, không được chấp nhận."
PDF_LAUNCH = "Tệp PDF có lệnh mở chương trình khác, không được chấp nhận."
PDF_UNREADABLE = "Tệp PDF bị hỏng hoặc không đọc được."
PDF_NO_PAGES = "Tệp PDF không có trang nào."
IMAGE_UNREADABLE = "Tệp ảnh bị hỏng hoặc không đọc được."
NOT_YOURS = "Bạn không thể dùng lại tệp này."


def _config() -> dict:
    return settings.MOTCUA_DOCUMENTS


def root() -> Path:
    """The folder of every stored file; never under a public URL."""
    return Path(_config()["ROOT"])


def path_of(stored_file: StoredFile) -> Path:
    return root() / stored_file.storage_name


def human_size(n: int) -> str:
    """``20 MB``, ``1,5 MB``, ``300 KB``, ``10 byte`` (binary units, Vietnamese decimals)."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= factor:
            value = f"{n / factor:.1f}".removesuffix(".0").replace(".", ",")
            return f"{value} {unit}"
    return f"{n} byte"


def _too_big(limit: int) -> DocumentRejected:
    return DocumentRejected(
        f"Tệp vượt quá dung lượng cho phép ({human_size(limit)}).", code="too_big"
    )


# --- names -------------------------------------------------------------------------------


def _new_storage_name() -> str:
    """A random name sharded into two folder levels: ``ab/cd/abcd…`` (uuid4 hex)."""
    token = uuid.uuid4().hex
    return f"{token[:2]}/{token[2:4]}/{token}"


def clean_name(name: str | None, content_type: str) -> str:
    """The uploaded name made safe to show and to offer back: NFC, no folders, no control or
    bidi characters, at most 255 characters, with an extension that matches the content."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    text = _UNSAFE_IN_NAME.sub("_", text)
    text = " ".join(text.split()).strip(" .")
    allowed = _EXTENSIONS[MediaType(content_type)]
    stem, dot, ext = text.rpartition(".")
    if dot and f".{ext.lower()}" in allowed and stem.strip(" ."):
        suffix = f".{ext}"
        stem = stem.strip(" .")
    else:
        stem, suffix = text, allowed[0]
    stem = stem or "tai-lieu"
    return stem[: 255 - len(suffix)].rstrip(" .") + suffix


# --- streaming ---------------------------------------------------------------------------


@dataclass
class _Spooled:
    path: Path
    size: int
    sha256: str


def _hash_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _spool(upload: UploadedFile | IO[bytes], folder: Path, limit: int) -> _Spooled:
    """Copy the upload into a new temporary file of ``folder``, hashing it; never read more
    than ``limit + 1`` bytes."""
    if isinstance(upload, UploadedFile):
        upload.seek(0)
    fd, name = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX)
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = upload.read(min(CHUNK_SIZE, limit + 1 - size))
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise _too_big(limit)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise DocumentRejected(EMPTY, code="empty")
    return _Spooled(path, size, digest.hexdigest())


def sniff(head: bytes) -> str | None:
    """The content type told by the first bytes (magic numbers), or None."""
    if head.startswith(b"%PDF-"):
        return MediaType.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    return None


# --- PDF ---------------------------------------------------------------------------------


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _active_content(reader: PdfReader) -> str | None:
    """``PDF_JAVASCRIPT`` or ``PDF_LAUNCH`` when any object reachable from the catalog holds
    a script or a launch action: the names tree, ``/OpenAction``, ``/AA`` of the catalog,
    pages, annotations and form fields, link actions and their ``/Next`` chains."""
    stack = [reader.trailer["/Root"]]
    seen: set[tuple[int, int]] = set()
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > _MAX_PDF_OBJECTS:
                raise DocumentRejected(PDF_UNREADABLE, code="pdf_unreadable")
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            action = _resolved(obj.get("/S"))
            if "/JS" in obj or "/JavaScript" in obj or action == "/JavaScript":
                return PDF_JAVASCRIPT
            if action == "/Launch":
                return PDF_LAUNCH
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def _inspect_pdf(path: Path) -> int:
    """The number of pages of an acceptable PDF; refuses encrypted, scripted or broken ones."""
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise DocumentRejected(PDF_ENCRYPTED, code="pdf_encrypted")
        if problem := _active_content(reader):
            raise DocumentRejected(problem, code="pdf_active_content")
        pages = len(reader.pages)
    except DocumentRejected:
        raise
    except Exception as exc:  # anything pypdf cannot parse is refused
        raise DocumentRejected(PDF_UNREADABLE, code="pdf_unreadable") from exc
    if pages == 0:
        raise DocumentRejected(PDF_NO_PAGES, code="pdf_unreadable")
    return pages


# --- images ------------------------------------------------------------------------------


def _too_many_pixels(limit: int) -> DocumentRejected:
    megapixels = f"{limit / 1_000_000:.1f}".removesuffix(".0").replace(".", ",")
    return DocumentRejected(
        f"Ảnh quá lớn: tối đa {megapixels} triệu điểm ảnh.", code="image_too_large"
    )


def _reencode_image(source: Path, content_type: str, folder: Path) -> _Spooled:
    """Decode under the pixel limit, apply the EXIF orientation and write a clean copy
    (no EXIF, GPS, XMP or comments) into a new temporary file of ``folder``."""
    limit = _config()["MAX_IMAGE_PIXELS"]
    formats = ["PNG"] if content_type == MediaType.PNG else ["JPEG", "MPO"]
    try:
        with Image.open(source, formats=formats) as image:
            width, height = image.size
            if width * height > limit:
                raise _too_many_pixels(limit)
            image.load()
            upright = ImageOps.exif_transpose(image)
    except DocumentRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(limit) from exc
    except Exception as exc:  # truncated, corrupt or lying about its format
        raise DocumentRejected(IMAGE_UNREADABLE, code="image_unreadable") from exc

    # Keep only what rendering needs; everything else in ``info`` (EXIF, XMP, comments,
    # text chunks) is dropped before saving.
    options = {k: upright.info[k] for k in ("icc_profile", "dpi") if upright.info.get(k)}
    if content_type == MediaType.PNG:
        if upright.info.get("transparency") is not None:
            options["transparency"] = upright.info["transparency"]
        options.update(format="PNG", optimize=True)
    else:
        if upright.mode not in ("L", "RGB", "CMYK"):
            upright = upright.convert("RGB")
        options.update(format="JPEG", quality=90, optimize=True)
    upright.info = {}

    fd, name = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            upright.save(out, **options)
            out.flush()
            os.fsync(out.fileno())
        size, sha256 = _hash_file(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _Spooled(path, size, sha256)


# --- storing -----------------------------------------------------------------------------


def store_upload(
    upload: UploadedFile | IO[bytes],
    *,
    name: str,
    owner: User | None,
    uploaded_by: User,
    digitized: bool = False,
) -> StoredFile:
    """Check and keep one uploaded file; raises ``DocumentRejected`` with the reason.

    ``owner`` is the citizen the file belongs to (None for a scan not yet tied to anyone),
    ``uploaded_by`` who sent it (the citizen, or the officer who scanned it: ``digitized``).
    The stored ``sha256`` and ``size`` are those of the bytes kept on disk (images are
    re-encoded). On any error nothing is left on disk or in the database.
    """
    limit = _config()["MAX_FILE_BYTES"]
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _too_big(limit)

    storage_name = _new_storage_name()
    final = root() / storage_name
    final.parent.mkdir(parents=True, exist_ok=True)
    temporaries: list[Path] = []
    try:
        raw = _spool(upload, final.parent, limit)
        temporaries.append(raw.path)
        with raw.path.open("rb") as fh:
            content_type = sniff(fh.read(16))
        if content_type is None:
            raise DocumentRejected(ONLY_PDF_JPEG_PNG, code="unknown_type")
        pages = None
        if content_type == MediaType.PDF:
            pages = _inspect_pdf(raw.path)
            kept = raw
        else:
            kept = _reencode_image(raw.path, content_type, final.parent)
            temporaries.append(kept.path)
        with transaction.atomic():
            stored = StoredFile.objects.create(
                owner=owner,
                uploaded_by=uploaded_by,
                original_name=clean_name(name, content_type),
                content_type=content_type,
                size=kept.size,
                sha256=kept.sha256,
                storage_name=storage_name,
                digitized=digitized,
                pages=pages,
            )
            os.replace(kept.path, final)
            temporaries.remove(kept.path)
    except BaseException:
        # The name is new and random: if it exists, it is ours (the commit failed).
        final.unlink(missing_ok=True)
        raise
    finally:
        for path in temporaries:
            path.unlink(missing_ok=True)
    log.info(
        "document stored",
        extra={"file": str(stored.pk), "content_type": content_type, "size": stored.size},
    )
    return stored


def check_dossier_total(sizes: Iterable[int]) -> int:
    """The total of a dossier's files; refuses it over ``MAX_DOSSIER_BYTES``."""
    limit = _config()["MAX_DOSSIER_BYTES"]
    total = sum(sizes)
    if total > limit:
        raise DocumentRejected(
            f"Tổng dung lượng các tệp của hồ sơ vượt quá mức cho phép ({human_size(limit)}).",
            code="dossier_too_big",
        )
    return total


# --- access ------------------------------------------------------------------------------


def can_view(user: User | None, stored_file: StoredFile) -> bool:
    """The owner and the uploader may; anyone else only if a registered provider says so."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if stored_file.deleted_at is not None:
        return False
    if user.pk in (stored_file.owner_id, stored_file.uploaded_by_id):
        return True
    return access.granted(user, stored_file)


def record_access(
    stored_file: StoredFile, *, user: User, action: str, ip: str | None, user_agent: str
) -> FileAccess | None:
    """Log a view or download by someone other than the owner (the owner's are not logged)."""
    if stored_file.owner_id is not None and stored_file.owner_id == user.pk:
        return None
    return FileAccess.objects.create(
        file=stored_file,
        user=user,
        action=FileAccess.Action(action),
        ip=ip or None,
        user_agent=(user_agent or "")[:200],
    )


# --- reuse (the citizen's data store) ----------------------------------------------------


def reusable_files(user: User) -> QuerySet[StoredFile]:
    """The citizen's own files still kept, newest first."""
    if user is None or not user.is_authenticated:
        return StoredFile.objects.none()
    return StoredFile.objects.filter(owner=user, deleted_at__isnull=True).order_by("-created_at")


def reuse(stored_file: StoredFile, *, by: User) -> StoredFile:
    """The same file, for another dossier of its owner. Files are immutable, so a reuse
    points at the same row. Inside a transaction the row is locked, so a purge running at
    the same moment cannot delete it under the new dossier."""
    if (
        by is None
        or not by.is_authenticated
        or stored_file.owner_id is None
        or stored_file.owner_id != by.pk
    ):
        raise DocumentRejected(NOT_YOURS, code="not_owner")
    rows = StoredFile.objects.filter(pk=stored_file.pk, owner=by, deleted_at__isnull=True)
    if transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update()
    current = rows.first()
    if current is None:
        raise DocumentRejected(NOT_YOURS, code="not_owner")
    return current


# --- purge -------------------------------------------------------------------------------


def _batched(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def purge(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete the bytes of old files nothing references and soft-delete their rows; remove
    files on disk that have no live row (and stale temporary files). Returns how many files
    were removed in all.

    "Referenced" is what the callables of ``documents.references`` say.
    """
    now = now or timezone.now()
    cutoff = now - older_than

    in_use_queries: list[QuerySet] = []
    in_use_ids: set = set()
    for source in references.sources():
        used = source()
        if isinstance(used, QuerySet):
            in_use_queries.append(used)
        else:
            in_use_ids.update(used)

    def unreferenced(rows: QuerySet[StoredFile]) -> QuerySet[StoredFile]:
        rows = rows.filter(deleted_at__isnull=True, created_at__lt=cutoff)
        for query in in_use_queries:
            rows = rows.exclude(id__in=query)
        return rows

    candidates = [
        pk
        for pk in unreferenced(StoredFile.objects.all()).values_list("id", flat=True)
        if pk not in in_use_ids
    ]
    purged = 0
    for batch in _batched(candidates):
        with transaction.atomic():
            # Checked again, locked, in the same transaction as the soft delete.
            doomed = list(
                unreferenced(StoredFile.objects.filter(id__in=batch))
                .select_for_update()
                .values_list("id", "storage_name")
            )
            StoredFile.objects.filter(id__in=[pk for pk, _ in doomed]).update(deleted_at=now)
        for _, storage_name in doomed:
            (root() / storage_name).unlink(missing_ok=True)
        purged += len(doomed)

    orphans = _purge_orphan_bytes(cutoff.timestamp())
    log.info("documents purged", extra={"files": purged, "orphan_bytes": orphans})
    return purged + orphans


def _purge_orphan_bytes(cutoff: float) -> int:
    """Remove files older than ``cutoff`` (a timestamp) under the root that no live row
    names, and temporary files left by a crash. Only names this module makes are touched."""
    base = root()
    if not base.is_dir():
        return 0
    removed = 0
    for first in os.scandir(base):
        if not (first.is_dir(follow_symlinks=False) and _SHARD.match(first.name)):
            continue
        for second in os.scandir(first.path):
            if not (second.is_dir(follow_symlinks=False) and _SHARD.match(second.name)):
                continue
            stale: dict[str, str] = {}
            for entry in os.scandir(second.path):
                if not entry.is_file(follow_symlinks=False):
                    continue
                if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                    continue
                if entry.name.startswith(TEMP_PREFIX):
                    Path(entry.path).unlink(missing_ok=True)
                    removed += 1
                elif _STORAGE_NAME.match(entry.name):
                    stale[f"{first.name}/{second.name}/{entry.name}"] = entry.path
            names = list(stale)
            for batch in _batched(names):
                live = set(
                    StoredFile.objects.filter(
                        storage_name__in=batch, deleted_at__isnull=True
                    ).values_list("storage_name", flat=True)
                )
                for storage_name in batch:
                    if storage_name not in live:
                        Path(stale[storage_name]).unlink(missing_ok=True)
                        removed += 1
    return removed
