"""Real small files for the media and downloads tests, made in the test (nothing downloaded)."""

from __future__ import annotations

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def image_bytes(
    size=(2000, 1000), *, mode="RGB", fmt="JPEG", color=(200, 30, 30), exif=None, **save
) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new(mode, size, color if mode != "RGBA" else (*color[:3], 128))
    draw = ImageDraw.Draw(image)
    draw.rectangle(
        (0, 0, size[0] // 4, size[1] // 4), fill=(20, 20, 200) + (() if mode != "RGBA" else (255,))
    )
    buffer = io.BytesIO()
    if exif is not None:
        save["exif"] = exif
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def exif_with_gps(orientation: int = 1):
    """An EXIF block with a camera model, an orientation and a GPS position."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0110] = "TestCam 3000"  # Model
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (39.0, 54.0, 27.0)
    gps[3] = "E"
    gps[4] = (116.0, 23.0, 44.0)
    return exif


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def mp4_bytes(payload: int = 4000) -> bytes:
    """An ISO base media file: `ftyp` (isom) then an `mdat` of a known byte pattern."""
    ftyp_body = b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    ftyp = struct.pack(">I", 8 + len(ftyp_body)) + b"ftyp" + ftyp_body
    data = bytes(i % 251 for i in range(payload))
    mdat = struct.pack(">I", 8 + len(data)) + b"mdat" + data
    return ftyp + mdat


def webm_bytes(payload: int = 2000) -> bytes:
    """An EBML header with DocType "webm", then a segment of filler bytes."""
    header = bytes.fromhex(
        "1a45dfa3" "9f" "428681" "01" "42f781" "01" "42f281" "04" "42f381" "08"
        "4282" "84" "7765626d" "428781" "04" "428581" "02"
    )  # fmt: skip
    return header + bytes.fromhex("18538067") + b"\x01" + bytes(i % 7 for i in range(payload))


def docx_bytes(text: str = "党建工作") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            f"{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n" + b"%" + bytes(range(32, 127)) * 20 + b"\n"
)


def png_bomb_bytes(width: int = 40000, height: int = 40000) -> bytes:
    """A PNG whose header claims a huge picture (the data is a few bytes): opening it must be
    refused before any pixel is decoded."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )
