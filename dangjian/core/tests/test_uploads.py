"""Uploads are judged by their bytes, never their name: real JPEG/PNG/PDF/xlsx/docx files pass,
HTML renamed .jpg does not, and size limits speak Chinese."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.uploads import (
    DOCUMENTS,
    DOCX,
    IMAGES,
    JPEG,
    MB,
    OLE,
    PDF,
    PNG,
    SPREADSHEETS,
    XLSX,
    check_upload,
    private_upload_path,
    sniff,
)


def png_bytes() -> bytes:
    """A genuine 1×1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# A genuine 1×1 baseline JPEG (JFIF), as written by common encoders.
JPEG_BYTES = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b"
    "080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5"
    "100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c115"
    "52d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a6364"
    "65666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7"
    "b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100"
    "003f00fbd3ffd9"
)

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["姓名", "身份证号"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    """The smallest valid Word document: content types, package relationships, one paragraph."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
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
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>入党申请书'
            "</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("photo.jpg", JPEG_BYTES, JPEG),
        ("photo.png", png_bytes(), PNG),
        ("申请书.pdf", PDF_BYTES, PDF),
        ("名册.xlsx", xlsx_bytes(), XLSX),
        ("申请书.docx", docx_bytes(), DOCX),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, OLE),
    ],
)
def test_it_recognises_real_files_by_their_bytes(name, content, kind):
    file = upload(name, content)
    assert sniff(file) == kind
    assert file.tell() == 0  # left rewound for saving
    assert check_upload(file, kinds=DOCUMENTS, max_bytes=5 * MB) == kind


def test_the_name_does_not_matter():
    assert check_upload(upload("照片.txt", png_bytes()), kinds=IMAGES, max_bytes=MB) == PNG


def test_html_renamed_jpg_is_refused():
    html = b"<!doctype html><html><script>alert(1)</script></html>"
    file = upload("photo.jpg", html, content_type="image/jpeg")
    assert sniff(file) == ""
    with pytest.raises(
        ValidationError, match="格式不对（无法识别的格式），只接受 JPG 图片、PNG 图片"
    ):
        check_upload(file, kinds=IMAGES, max_bytes=MB, what="照片")


def test_a_pdf_is_refused_where_only_images_are_accepted_and_says_what_it_is():
    with pytest.raises(ValidationError, match="实际是 PDF"):
        check_upload(upload("photo.jpg", PDF_BYTES), kinds=IMAGES, max_bytes=MB, what="照片")


def test_a_docx_is_not_a_spreadsheet():
    with pytest.raises(ValidationError, match=r"实际是 Word（\.docx）.*只接受 Excel"):
        check_upload(upload("名册.xlsx", docx_bytes()), kinds=SPREADSHEETS, max_bytes=MB)


def test_a_plain_zip_or_a_broken_zip_is_no_office_file():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert sniff(upload("a.xlsx", buffer.getvalue())) == ""
    assert sniff(upload("b.xlsx", b"PK\x03\x04garbage")) == ""


def test_a_file_over_the_limit_is_refused_with_its_size():
    content = JPEG_BYTES + b"\x00" * (2 * MB)
    with pytest.raises(ValidationError, match=r"有 2\.0 MB，超过了 1 MB 的上限"):
        check_upload(upload("big.jpg", content), kinds=IMAGES, max_bytes=MB, what="照片")


def test_a_file_exactly_at_the_limit_passes():
    content = JPEG_BYTES + b"\x00" * (MB - len(JPEG_BYTES))
    assert check_upload(upload("max.jpg", content), kinds=IMAGES, max_bytes=MB) == JPEG


def test_an_empty_or_missing_file_is_refused():
    with pytest.raises(ValidationError, match="空文件"):
        check_upload(upload("empty.jpg", b""), kinds=IMAGES, max_bytes=MB)
    with pytest.raises(ValidationError, match="请选择要上传的照片"):
        check_upload(None, kinds=IMAGES, max_bytes=MB, what="照片")


def test_stored_names_are_random_and_never_the_users():
    from dangjian.members.models import MemberDocument

    path = private_upload_path(MemberDocument(), "../../etc/passwd.html")
    assert path.startswith("members/") and path.endswith(".html")
    assert "passwd" not in path and ".." not in path
    other = private_upload_path(MemberDocument(), "入党申请书.PDF")
    assert other.endswith(".pdf") and "入党" not in other
    assert private_upload_path(MemberDocument(), "noextension").endswith(".bin")
    assert private_upload_path(MemberDocument(), "x.a/b").endswith(".bin")
