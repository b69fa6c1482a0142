"""Real files built in memory for the documents tests: PDFs with pypdf, images with Pillow."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    return _bytes(writer)


def _action(kind: str) -> DictionaryObject:
    if kind == "launch":
        return DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("x")}
        )
    return DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('xin chao');"),
        }
    )


def pdf_with_open_action_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(_action("js"))
    return _bytes(writer)


def pdf_with_named_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    names = DictionaryObject(
        {
            NameObject("/Names"): ArrayObject(
                [TextStringObject("chao"), writer._add_object(_action("js"))]
            )
        }
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(names)}
    )
    return _bytes(writer)


def pdf_with_page_additional_action() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("js")})
    return _bytes(writer)


def pdf_with_catalog_additional_action() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer._root_object[NameObject("/AA")] = DictionaryObject(
        {NameObject("/WC"): writer._add_object(_action("js"))}
    )
    return _bytes(writer)


def pdf_with_annotation_action(kind: str = "js") -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 100, 100)]),
            NameObject("/A"): _action(kind),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return _bytes(writer)


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu")
    return _bytes(writer)


def jpeg_with_gps(size: tuple[int, int] = (40, 20), orientation: int = 6) -> bytes:
    """A photo as phones take them: EXIF with GPS, camera model, orientation; XMP; comment."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Model] = "MayAnhBiMat"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (10.0, 46.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 40.0, 12.0)
    out = io.BytesIO()
    image.save(
        out,
        "JPEG",
        exif=exif,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">ToaDoBiMat</x:xmpmeta>',
        comment=b"GhiChuBiMat",
    )
    return out.getvalue()


def png(size: tuple[int, int] = (30, 20), mode: str = "RGBA") -> bytes:
    image = Image.new(mode, size, (10, 120, 200, 255) if mode == "RGBA" else (10, 120, 200))
    info = PngInfo()
    info.add_text("Author", "TacGiaBiMat")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>ToaDoBiMat</x:xmpmeta>")
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "MayAnhBiMat"
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


def palette_png_with_transparency() -> bytes:
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header announcing ``width`` × ``height`` pixels with a tiny body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    body = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def small_bomb(width: int = 2000, height: int = 2000) -> bytes:
    """A real 1-bit PNG of many pixels that compresses to a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()
