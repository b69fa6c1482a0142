"""Forms 01, 02 and 03 (Circular 03/2025/TT-VPCP) as PDF: read back with pypdf."""

import io
import unicodedata

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from motcua.core.calendar import VN_TZ
from motcua.dossiers import forms, services
from motcua.dossiers.forms.pdf import FONTS_DIR, OfflineFetcher, html_to_pdf
from motcua.dossiers.transitions import Action

A4 = (595.28, 841.89)
SERIF = {
    "Liberation-Serif",
    "Liberation-Serif-Bold",
    "Liberation-Serif-Italic",
    "Liberation-Serif-Bold-Italic",
}

OWNER = services.Applicant(
    full_name="Lê Thị Hồng Nhung",
    id_number="079301000123",
    phone="+84987654321",
    email="nhung@example.vn",
    address="12 đường Nguyễn Huệ, phường Sài Gòn",
)


# --- helpers ----------------------------------------------------------------------------------


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def read(pdf: bytes):
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1, "the form must fit on one page"
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(width - A4[0]) <= 1 and abs(height - A4[1]) <= 1, (width, height)
    return page


def text_of(page) -> str:
    return nfc(page.extract_text())


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces made single spaces (long lines wrap)."""
    return " ".join(text.split())


def font_names(page) -> set[str]:
    fonts = page["/Resources"]["/Font"]
    names = set()
    for ref in fonts.values():
        base = str(ref.get_object()["/BaseFont"]).lstrip("/")
        names.add(base.split("+", 1)[-1])  # drop the subset tag ABCDEF+
    return names


def font_programs(page) -> list[TTFont]:
    """The TrueType programs embedded for the page's fonts."""
    programs = []
    for ref in page["/Resources"]["/Font"].values():
        font = ref.get_object()
        if "/DescendantFonts" in font:
            font = font["/DescendantFonts"][0].get_object()
        data = font["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
        programs.append(TTFont(io.BytesIO(data)))
    assert programs
    return programs


def qr_image(page):
    images = list(page.images)
    assert len(images) == 1, "one image: the QR code"
    return images[0].image


def matrix_in(image, size: int) -> list[list[int]]:
    """The dark (1) and light (0) modules read from the embedded PNG at each module's
    centre, inside the quiet zone."""
    gray = image.convert("L")
    side = (size + 2 * forms.QR_BORDER) * forms.QR_SCALE
    assert gray.size == (side, side), gray.size
    scale, border = forms.QR_SCALE, forms.QR_BORDER
    return [
        [
            int(
                gray.getpixel(
                    ((border + x) * scale + scale // 2, (border + y) * scale + scale // 2)
                )
                < 128
            )
            for x in range(size)
        ]
        for y in range(size)
    ]


def received_dossier(world, **overrides):
    dossier = world.file(**overrides)
    return services.receive(dossier, ctx=world.ctx(world.one_stop))


def dmy(moment) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y")


# --- Form 01 ----------------------------------------------------------------------------------


def test_form_01_receipt_and_appointment(world):
    dossier = received_dossier(world, applicant=OWNER)
    page = read(forms.render_form_01(dossier))
    text = text_of(page)
    words = flat(text)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in words
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in words
    assert "Độc lập - Tự do - Hạnh phúc" in words
    assert dossier.code in text
    assert "Lê Thị Hồng Nhung" in text  # owner, diacritics intact
    assert "Nguyễn Văn An" in text  # the citizen who submitted on her behalf
    assert "079301000123" in text  # the applicant's own copy: the full ID number
    assert "12 đường Nguyễn Huệ, phường Sài Gòn" in words
    assert "+84987654321" in text and "nhung@example.vn" in text
    assert "Thủ tục thử" in text and "1.000001" in text
    assert "Tờ khai theo mẫu" in text and "Bản chính" in text  # the documents received
    assert "3 ngày làm việc" in words  # the legal limit
    assert dmy(dossier.due_at) in text  # the appointment date
    due = dossier.due_at.astimezone(VN_TZ)
    assert f"{due:%H} giờ {due:%M} phút, ngày {due:%d/%m/%Y}" in words
    received = dossier.received_at.astimezone(VN_TZ)
    assert f"{received:%H} giờ {received:%M} phút, ngày {received:%d/%m/%Y}" in words
    assert f"Hình thức nộp hồ sơ: {dossier.get_channel_display()}" in words
    assert "Nhận tại bộ phận một cửa" in words
    assert "NGƯỜI NỘP HỒ SƠ" in words and "NGƯỜI TIẾP NHẬN HỒ SƠ" in words
    assert world.one_stop.username in text  # the officer of the receive event
    assert "Thành phố Hồ Chí Minh, ngày" in words  # place and date line (Decree 30/2020)
    assert "Mẫu số 01" in words


def test_form_01_can_mask_the_id_number(world):
    dossier = received_dossier(world, applicant=OWNER)
    text = text_of(read(forms.render_form_01(dossier, mask_id=True)))
    assert "079301000123" not in text and "0123" in text


def test_form_01_fonts_are_the_bundled_liberation_serif(world):
    page = read(forms.render_form_01(received_dossier(world)))
    names = font_names(page)
    assert names <= SERIF and {"Liberation-Serif", "Liberation-Serif-Bold"} <= names, names
    assert "Liberation-Serif-Italic" in names  # the place and date line
    # The font programs embedded are Liberation Serif 2 (not a system fallback).
    for program in font_programs(page):
        family = program["name"].getDebugName(1)
        version = program["name"].getDebugName(5)
        assert family == "Liberation Serif" and version.startswith("Version 2."), (
            family,
            version,
        )
    assert {p.name for p in FONTS_DIR.glob("*.ttf")} == {
        "LiberationSerif-Regular.ttf",
        "LiberationSerif-Bold.ttf",
        "LiberationSerif-Italic.ttf",
        "LiberationSerif-BoldItalic.ttf",
    }
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONTS_DIR / "OFL.txt").read_text()


def test_form_01_qr_code_holds_the_dossier_code(world):
    dossier = received_dossier(world)
    page = read(forms.render_form_01(dossier))
    expected = forms.qr_code(dossier.code)
    size = expected.symbol_size(border=0)[0]
    embedded = matrix_in(qr_image(page), size)
    assert embedded == [list(row) for row in expected.matrix]
    assert embedded != [list(row) for row in forms.qr_code(dossier.code + "X").matrix]


def test_qr_code_decodes_to_the_dossier_code(world):
    zxingcpp = pytest.importorskip("zxingcpp")  # optional: not a locked dependency
    dossier = received_dossier(world)
    image = qr_image(read(forms.render_form_01(dossier)))
    results = zxingcpp.read_barcodes(image.convert("L"))
    assert [r.text for r in results] == [dossier.code]


def test_form_01_refuses_a_dossier_not_received(world):
    dossier = world.file()
    with pytest.raises(forms.FormNotApplicable, match="chưa được tiếp nhận") as error:
        forms.render_form_01(dossier)
    assert isinstance(error.value, ValueError)


def test_form_01_refuses_a_receipt_undone_by_a_supplement_request(world):
    dossier = received_dossier(world)
    services.request_supplement(
        dossier,
        ctx=world.ctx(world.one_stop),
        missing=[services.MissingItem("Tờ khai theo mẫu", "Thiếu chữ ký")],
    )
    with pytest.raises(ValueError, match="yêu cầu bổ sung tại khâu tiếp nhận"):
        forms.render_form_01(dossier)


# --- Form 02 ----------------------------------------------------------------------------------

MISSING = [
    services.MissingItem("Tờ khai theo mẫu", "Chưa ký và ghi rõ họ tên người khai", "to-khai"),
    services.MissingItem("Giấy chứng nhận kết hôn", "Bản chụp mờ, không đọc được số hiệu"),
]


def test_form_02_lists_every_missing_item_with_its_reason(world):
    dossier = world.file()
    dossier = services.request_supplement(
        dossier, ctx=world.ctx(world.one_stop), missing=MISSING, note="Nộp bổ sung trực tuyến."
    )
    page = read(forms.render_form_02(dossier))
    words = flat(text_of(page))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in words
    assert dossier.code in words
    assert "Kính gửi: Nguyễn Văn An" in words
    assert "Thủ tục thử" in words
    for item in MISSING:
        assert item.name in words and item.reason in words
    assert "Nộp bổ sung trực tuyến." in words
    assert world.one_stop.username in words  # the officer who asked
    assert f"ngày {dossier.supplement_requested_at.astimezone(VN_TZ):%d}" in words
    assert "Mẫu số 02" in words
    assert len(qr_image(page).size) == 2


def test_form_02_prints_the_request_asked_for(world):
    dossier = world.file()
    first = [services.MissingItem("Tờ khai theo mẫu", "Thiếu chữ ký")]
    second = [services.MissingItem("Ảnh 4x6", "Ảnh chụp quá 6 tháng")]
    dossier = services.request_supplement(dossier, ctx=world.ctx(world.one_stop), missing=first)
    dossier = services.supplement(
        dossier, ctx=world.ctx(world.citizen), files={"to-khai": [world.upload(world.citizen)]}
    )
    dossier = services.request_supplement(dossier, ctx=world.ctx(world.one_stop), missing=second)
    latest = flat(text_of(read(forms.render_form_02(dossier))))
    assert "Ảnh chụp quá 6 tháng" in latest and "Thiếu chữ ký" not in latest
    assert "(Lần thứ 2)" in latest
    event = dossier.events.filter(action=Action.REQUEST_SUPPLEMENT).order_by("seq").first()
    earlier = flat(text_of(read(forms.render_form_02(dossier, event=event))))
    assert "Thiếu chữ ký" in earlier and "Ảnh chụp quá 6 tháng" not in earlier


def test_form_02_refuses_without_a_supplement_request(world):
    dossier = received_dossier(world)
    with pytest.raises(ValueError, match="chưa có yêu cầu bổ sung"):
        forms.render_form_02(dossier)
    receipt = dossier.events.get(action=Action.RECEIVE)
    with pytest.raises(ValueError, match="không phải là một yêu cầu bổ sung"):
        forms.render_form_02(dossier, event=receipt)


# --- Form 03 ----------------------------------------------------------------------------------

REASONS = (
    "Thủ tục không thuộc thẩm quyền giải quyết của Ủy ban nhân dân phường.\n"
    "Người nộp không có văn bản ủy quyền hợp lệ."
)


def test_form_03_gives_the_reasons(world):
    dossier = world.file(applicant=OWNER)
    dossier = services.refuse(dossier, ctx=world.ctx(world.one_stop), reasons=REASONS)
    page = read(forms.render_form_03(dossier))
    words = flat(text_of(page))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in words
    assert dossier.code in words
    assert "Kính gửi: Lê Thị Hồng Nhung" in words
    assert "Thủ tục thử" in words
    for reason in REASONS.splitlines():
        assert reason in words
    assert world.one_stop.username in words
    assert "Mẫu số 03" in words
    assert font_names(page) <= SERIF


def test_form_03_refuses_a_dossier_not_refused(world):
    dossier = received_dossier(world)
    with pytest.raises(ValueError, match="không bị từ chối tiếp nhận"):
        forms.render_form_03(dossier)


# --- rendering stays offline ------------------------------------------------------------------


def test_the_renderer_fetches_nothing_from_the_network_or_elsewhere_on_disk():
    fetcher = OfflineFetcher()
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch("https://example.com/logo.png")
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch("file:///etc/hostname")
    with pytest.raises(FatalURLFetchingError):
        html_to_pdf('<p>x</p><img src="http://127.0.0.1:9/tracker.png">')
    assert fetcher.fetch((FONTS_DIR / "OFL.txt").as_uri()).read()
    assert fetcher.fetch("data:text/plain,xin%20ch%C3%A0o").read() == "xin chào".encode()
