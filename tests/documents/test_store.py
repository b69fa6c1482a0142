"""Storing uploads: only real PDF, JPEG and PNG files, checked and cleaned, kept privately."""

import hashlib
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from PIL import Image
from pypdf import PdfReader

from motcua.documents import services
from motcua.documents.errors import DocumentRejected
from motcua.documents.models import StoredFile
from tests.documents import samples

pytestmark = pytest.mark.django_db


def store(data: bytes, name: str = "giay-to.pdf", *, owner, **kwargs) -> StoredFile:
    return services.store_upload(
        io.BytesIO(data), name=name, owner=owner, uploaded_by=kwargs.pop("by", owner), **kwargs
    )


def rejected(data: bytes, owner, name: str = "giay-to.pdf") -> str:
    with pytest.raises(DocumentRejected) as caught:
        store(data, name, owner=owner)
    return caught.value.message


# --- PDF -----------------------------------------------------------------------------------


def test_a_real_pdf_is_stored_privately_under_a_random_name(citizen, documents_root):
    data = samples.pdf(pages=2)
    stored = store(data, "Giấy khai sinh.pdf", owner=citizen)

    assert stored.content_type == "application/pdf"
    assert stored.pages == 2
    assert stored.size == len(data)
    assert stored.owner == citizen and stored.uploaded_by == citizen
    assert stored.original_name == "Giấy khai sinh.pdf"
    assert not stored.digitized and stored.deleted_at is None
    path = services.path_of(stored)
    assert path.read_bytes() == data  # PDFs are kept byte for byte
    assert path.is_relative_to(documents_root)
    first, second, name = stored.storage_name.split("/")
    assert len(name) == 32 and name.startswith(first + second)
    assert "khai" not in stored.storage_name


def test_the_stored_sha256_and_size_are_those_of_the_bytes_on_disk(citizen):
    for data, name in ((samples.pdf(), "a.pdf"), (samples.jpeg_with_gps(), "b.jpg")):
        stored = store(data, name, owner=citizen)
        on_disk = services.path_of(stored).read_bytes()
        assert stored.sha256 == hashlib.sha256(on_disk).hexdigest()
        assert stored.size == len(on_disk)
        assert StoredFile.objects.filter(sha256=stored.sha256).exists()


def test_an_officer_scan_may_have_no_owner_and_is_marked_digitized(officer):
    stored = store(samples.pdf(), "ban-scan.pdf", owner=None, by=officer, digitized=True)
    assert stored.owner is None and stored.uploaded_by == officer and stored.digitized


@pytest.mark.parametrize(
    "build",
    [
        samples.pdf_with_open_action_javascript,
        samples.pdf_with_named_javascript,
        samples.pdf_with_catalog_additional_action,
        samples.pdf_with_page_additional_action,
        samples.pdf_with_annotation_action,
    ],
)
def test_a_pdf_with_javascript_is_refused(citizen, files_on_disk, build):
    assert rejected(build(), citizen) == "Tệp PDF có mã JavaScript, không được chấp nhận."
    assert files_on_disk() == [] and not StoredFile.objects.exists()


def test_a_pdf_that_launches_a_program_is_refused(citizen):
    message = rejected(samples.pdf_with_annotation_action("launch"), citizen)
    assert message == "Tệp PDF có lệnh mở chương trình khác, không được chấp nhận."


def test_an_encrypted_pdf_is_refused(citizen, files_on_disk):
    message = rejected(samples.encrypted_pdf(), citizen)
    assert message == "Tệp PDF được đặt mật khẩu hoặc mã hóa, không được chấp nhận."
    assert files_on_disk() == []


def test_a_pdf_that_cannot_be_parsed_is_refused(citizen, files_on_disk):
    polyglot = b"%PDF-1.7\n<html><script>alert(1)</script></html>\n"
    assert rejected(polyglot, citizen) == "Tệp PDF bị hỏng hoặc không đọc được."
    truncated = samples.pdf()[:60]
    assert rejected(truncated, citizen) == "Tệp PDF bị hỏng hoặc không đọc được."
    assert files_on_disk() == []


# --- the type comes from the bytes ---------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,  # a Windows .exe
        b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
        b"Day la mot tep PDF, that day.\n%PDF-1.7 hidden after text",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    ],
    ids=["exe", "html", "text", "gif"],
)
def test_a_file_renamed_to_pdf_is_refused_by_its_bytes(citizen, files_on_disk, data):
    upload = SimpleUploadedFile("don.pdf", data, content_type="application/pdf")
    with pytest.raises(DocumentRejected) as caught:
        services.store_upload(upload, name="don.pdf", owner=citizen, uploaded_by=citizen)
    assert caught.value.message == "Chỉ nhận tệp PDF, JPEG hoặc PNG."
    assert files_on_disk() == [] and not StoredFile.objects.exists()


def test_a_real_image_with_a_wrong_extension_is_stored_with_the_right_one(citizen):
    stored = store(samples.jpeg_with_gps(), "anh.pdf", owner=citizen)
    assert stored.content_type == "image/jpeg"
    assert stored.original_name == "anh.pdf.jpg"


def test_an_empty_file_is_refused(citizen, files_on_disk):
    assert rejected(b"", citizen) == "Tệp rỗng, không có nội dung."
    assert files_on_disk() == []


# --- size limits ---------------------------------------------------------------------------


class EndlessStream(io.RawIOBase):
    """Serves "%PDF-" and then zeros forever; fails the test if read past ``stop_at``."""

    def __init__(self, stop_at: int):
        self.stop_at = stop_at
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert 0 < size, "the whole stream must never be asked for"
        assert self.served + size <= self.stop_at, "kept reading after the limit"
        chunk = (b"%PDF-" + b"\x00" * size)[:size] if self.served == 0 else b"\x00" * size
        self.served += size
        return chunk


def test_an_oversized_file_is_refused_while_streaming(citizen, settings, files_on_disk):
    limit = 100_000
    settings.MOTCUA_DOCUMENTS = {**settings.MOTCUA_DOCUMENTS, "MAX_FILE_BYTES": limit}
    stream = EndlessStream(stop_at=limit + services.CHUNK_SIZE)
    with pytest.raises(DocumentRejected) as caught:
        services.store_upload(stream, name="lon.pdf", owner=citizen, uploaded_by=citizen)
    assert caught.value.message == "Tệp vượt quá dung lượng cho phép (97,7 KB)."
    assert stream.served == limit + 1
    assert files_on_disk() == [] and not StoredFile.objects.exists()


def test_the_size_message_names_the_default_limit(citizen):
    data = b"\x00" * (20 * 1024 * 1024 + 1)
    upload = SimpleUploadedFile("lon.pdf", data, content_type="application/pdf")
    with pytest.raises(DocumentRejected) as caught:
        services.store_upload(upload, name="lon.pdf", owner=citizen, uploaded_by=citizen)
    assert caught.value.message == "Tệp vượt quá dung lượng cho phép (20 MB)."


def test_a_file_exactly_at_the_limit_is_accepted(citizen, settings):
    data = samples.pdf()
    settings.MOTCUA_DOCUMENTS = {**settings.MOTCUA_DOCUMENTS, "MAX_FILE_BYTES": len(data)}
    assert store(data, owner=citizen).size == len(data)


def test_the_dossier_total_is_limited(settings):
    mib = 1024 * 1024
    assert services.check_dossier_total([60 * mib, 40 * mib]) == 100 * mib
    with pytest.raises(DocumentRejected) as caught:
        services.check_dossier_total([60 * mib, 40 * mib, 1])
    assert "(100 MB)" in caught.value.message
    settings.MOTCUA_DOCUMENTS = {**settings.MOTCUA_DOCUMENTS, "MAX_DOSSIER_BYTES": 10}
    with pytest.raises(DocumentRejected):
        services.check_dossier_total(iter([6, 5]))


# --- images --------------------------------------------------------------------------------


def test_a_jpeg_is_stored_upright_without_exif_gps_xmp_or_comment(citizen):
    data = samples.jpeg_with_gps(size=(40, 20), orientation=6)
    stored = store(data, "CCCD mặt trước.jpg", owner=citizen)

    kept = services.path_of(stored).read_bytes()
    assert stored.content_type == "image/jpeg" and stored.pages is None
    for secret in (b"Exif", b"MayAnhBiMat", b"ToaDoBiMat", b"GhiChuBiMat", b"xmpmeta"):
        assert secret in data
        assert secret not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "JPEG"
        assert image.size == (20, 40)  # orientation 6: turned a quarter clockwise
        assert len(image.getexif()) == 0
        assert "xmp" not in image.info and "comment" not in image.info


def test_a_png_is_stored_without_metadata(citizen):
    data = samples.png()
    stored = store(data, "so-do.png", owner=citizen)
    kept = services.path_of(stored).read_bytes()
    assert stored.content_type == "image/png"
    for secret in (b"TacGiaBiMat", b"ToaDoBiMat", b"MayAnhBiMat"):
        assert secret in data
        assert secret not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "PNG" and image.size == (30, 20) and image.mode == "RGBA"
        assert len(image.getexif()) == 0 and not getattr(image, "text", {})


def test_a_palette_png_keeps_its_transparency(citizen):
    stored = store(samples.palette_png_with_transparency(), "con-dau.png", owner=citizen)
    with Image.open(services.path_of(stored)) as image:
        assert image.mode == "P" and image.info.get("transparency") == 0


def test_a_decompression_bomb_is_refused_before_decoding(citizen, files_on_disk):
    bomb = samples.png_bomb(100_000, 100_000)  # 10 gigapixels in 74 bytes
    assert len(bomb) < 200
    message = rejected(bomb, citizen, "bom.png")
    assert message == "Ảnh quá lớn: tối đa 40 triệu điểm ảnh."
    assert files_on_disk() == []


def test_an_image_over_a_low_pixel_limit_is_refused(citizen, settings, files_on_disk):
    settings.MOTCUA_DOCUMENTS = {**settings.MOTCUA_DOCUMENTS, "MAX_IMAGE_PIXELS": 1_000_000}
    bomb = samples.small_bomb(2000, 2000)
    assert len(bomb) < 10_000
    assert rejected(bomb, citizen, "bom.png") == "Ảnh quá lớn: tối đa 1 triệu điểm ảnh."
    assert files_on_disk() == []


def test_a_broken_image_is_refused(citizen, files_on_disk):
    truncated = samples.jpeg_with_gps()[:300]
    assert rejected(truncated, citizen, "hong.jpg") == "Tệp ảnh bị hỏng hoặc không đọc được."
    assert rejected(b"\x89PNG\r\n\x1a\n" + b"rac" * 20, citizen) == (
        "Tệp ảnh bị hỏng hoặc không đọc được."
    )
    assert files_on_disk() == []


# --- names and failures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\an\\Đơn đề nghị.PDF", "Đơn đề nghị.PDF"),
        ("Gia\u0302\u0301y to\u031b\u0300.pdf", "Giấy tờ.pdf"),  # decomposed (NFD) → NFC
        ("hoa-don\u202efdp.exe", "hoa-don fdp.exe.pdf"),  # a right-to-left override
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("", "tai-lieu.pdf"),
        ("   .pdf", "pdf.pdf"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_the_uploaded_name_is_sanitised(given, kept):
    name = services.clean_name(given, "application/pdf")
    assert name == kept and len(name) <= 255


def test_a_database_failure_leaves_nothing_on_disk(files_on_disk, transactional_db):
    ghost = get_user_model()(pk=987654, username="khong-ton-tai")  # never saved
    with pytest.raises(IntegrityError):  # the foreign key fails at commit, after the rename
        services.store_upload(
            io.BytesIO(samples.pdf()), name="a.pdf", owner=None, uploaded_by=ghost
        )
    assert files_on_disk() == [] and not StoredFile.objects.exists()


def test_a_pdf_read_through_pypdf_after_storing_is_unchanged(citizen):
    stored = store(samples.pdf(pages=3), owner=citizen)
    assert len(PdfReader(services.path_of(stored)).pages) == 3
