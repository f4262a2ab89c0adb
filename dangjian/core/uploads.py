"""Uploaded files (DESIGN §4, "Files"): checked by size and real type, stored under random
names, served only through a view that has already checked scope.

    kind = check_upload(request.FILES["file"], kinds=IMAGES, max_bytes=5 * MB)
    document.file.save(f"x.{EXTENSIONS[kind]}", upload)   # stored as <app>/<yyyy>/<uuid>.<ext>
    return serve_file(document.file, kind=document.kind, download_name="入党申请书.pdf")

The type comes from the file's first bytes (and, for the Office Open XML formats, from the zip's
part names), never from its name or the browser's Content-Type. Nothing is ever served inline
as HTML: only images, video and PDF may be shown inline, everything else is an attachment.

Plain text (.txt) has no magic number: it is accepted only where the caller lists `TXT` among
the kinds, when the first kilobyte decodes as UTF-8 or GB18030 without NUL or control bytes
and does not start like markup (HTML/SVG/XML).

Video and large files are served with `serve_range`, which answers HTTP range requests (a
`<video>` seeks by asking for `Range: bytes=a-`) — or, when `DANGJIAN_X_ACCEL_REDIRECT` names
an nginx `internal` location, hands the file to nginx with `X-Accel-Redirect` and sends no
body (nginx then serves ranges itself; docs/deployment.md).
"""

from __future__ import annotations

import os
import re
import uuid
import zipfile
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone

MB = 1024 * 1024

JPEG, PNG, GIF, PDF = "jpeg", "png", "gif", "pdf"
DOCX, XLSX, PPTX, OLE = "docx", "xlsx", "pptx", "ole"
WEBP, MP4, WEBM, TXT = "webp", "mp4", "webm", "txt"
IMAGES = frozenset({JPEG, PNG})
WEB_IMAGES = frozenset({JPEG, PNG, GIF, WEBP})  # pictures a browser shows (portal media)
VIDEOS = frozenset({MP4, WEBM})
DOCUMENTS = frozenset({JPEG, PNG, PDF, DOCX, XLSX, OLE})
SPREADSHEETS = frozenset({XLSX})

EXTENSIONS = {
    JPEG: "jpg", PNG: "png", GIF: "gif", PDF: "pdf", DOCX: "docx", XLSX: "xlsx", PPTX: "pptx",
    OLE: "doc", WEBP: "webp", MP4: "mp4", WEBM: "webm", TXT: "txt",
}  # fmt: skip
CONTENT_TYPES = {
    JPEG: "image/jpeg",
    PNG: "image/png",
    GIF: "image/gif",
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    OLE: "application/octet-stream",
    WEBP: "image/webp",
    MP4: "video/mp4",
    WEBM: "video/webm",
    TXT: "text/plain",
}
LABELS = {
    JPEG: "JPG 图片", PNG: "PNG 图片", GIF: "GIF 图片", PDF: "PDF", DOCX: "Word（.docx）",
    XLSX: "Excel（.xlsx）", PPTX: "PowerPoint（.pptx）", OLE: "Word/Excel 97-2003",
    WEBP: "WEBP 图片", MP4: "MP4 视频", WEBM: "WebM 视频", TXT: "文本文件（.txt）",
}  # fmt: skip
# Shown in the browser when asked: pictures, video and PDF. Never HTML, SVG or text.
INLINE_KINDS = frozenset({JPEG, PNG, GIF, PDF, WEBP, MP4, WEBM})

# ISO base media brands of MP4 files a browser plays (not QuickTime "qt  ", not 3GPP).
MP4_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
        b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"dash", b"mmp4", b"f4v ",
    }
)  # fmt: skip
_MARKUP_STARTS = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body")
_TEXT_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
TEXT_SNIFF_BYTES = 1024


def sniff(file, *, text: bool = False) -> str:
    """The real type of an uploaded file from its content, or "" when it is none we accept.
    `text=True` also recognises plain text (which has no magic number)."""
    file.seek(0)
    head = file.read(64)
    file.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(file)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return MP4
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head:
        return WEBM
    if text and _is_plain_text(file):
        return TXT
    return ""


def _is_plain_text(file) -> bool:
    """UTF-8 (with or without BOM) or GB18030 text in the first kilobyte, no binary bytes, and
    not markup that a browser would render."""
    file.seek(0)
    head = file.read(TEXT_SNIFF_BYTES)
    file.seek(0)
    if not head or b"\x00" in head:
        return False
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_MARKUP_STARTS):
        return False
    decoded = None
    for encoding in ("utf-8", "gb18030"):
        try:
            # A multi-byte character may be cut at the end of the sample: drop up to 3 bytes.
            decoded = _decode_prefix(head, encoding)
            break
        except UnicodeDecodeError:
            continue
    if decoded is None:
        return False
    return not _TEXT_CONTROLS.search(decoded.encode("utf-8"))


def _decode_prefix(data: bytes, encoding: str) -> str:
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    text = decoder.decode(data, final=False)
    if len(decoder.getstate()[0]) > 3:  # more than a cut character left over
        raise UnicodeDecodeError(encoding, data, 0, len(data), "trailing bytes")
    return text


def _office_zip(file) -> str:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return ""
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        return ""
    for prefix, kind in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
        if any(name.startswith(prefix) for name in names):
            return kind
    return ""


def check_upload(file, *, kinds, max_bytes: int, what: str = "文件") -> str:
    """Return the file's real kind, or raise a ValidationError saying what to upload instead."""
    if file is None:
        raise ValidationError(f"请选择要上传的{what}。")
    if file.size == 0:
        raise ValidationError(f"上传的{what}是空文件，请重新选择。")
    if file.size > max_bytes:
        raise ValidationError(
            f"上传的{what}有 {file.size / MB:.1f} MB，超过了 {max_bytes / MB:.0f} MB 的上限。"
        )
    kind = sniff(file, text=TXT in kinds)
    if kind not in kinds:
        allowed = "、".join(LABELS[k] for k in sorted(kinds, key=list(LABELS).index))
        found = f"（实际是 {LABELS[kind]}）" if kind else "（无法识别的格式）"
        raise ValidationError(f"{what}格式不对{found}，只接受 {allowed}。")
    return kind


def private_upload_path(instance, filename: str) -> str:
    """`<app>/<year>/<random>.<ext>`: the user's file name never reaches the file system."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    extension = extension if extension.isalnum() and len(extension) <= 5 else "bin"
    return f"{instance._meta.app_label}/{timezone.now():%Y}/{uuid.uuid4().hex}.{extension}"


def serve_file(field_file, *, kind: str, download_name: str, inline: bool = False, request=None):
    """Stream a stored file. Call only after the view has checked the caller's scope.
    With `request`, answer range requests too (`serve_range`)."""
    if request is not None:
        return serve_range(
            request, field_file, kind=kind, download_name=download_name, inline=inline
        )
    response = FileResponse(
        field_file.open("rb"), content_type=CONTENT_TYPES.get(kind, "application/octet-stream")
    )
    disposition = "inline" if inline and kind in INLINE_KINDS else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(download_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- range requests and X-Accel-Redirect ------------------------------------------------------

CHUNK_BYTES = 64 * 1024
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def x_accel_prefix() -> str:
    """The nginx `internal` location that maps to MEDIA_ROOT ("" = Django streams the file).
    Read from settings when a deployment sets it there, else from the environment."""
    value = getattr(settings, "DANGJIAN_X_ACCEL_REDIRECT", None)
    if value is None:
        value = os.environ.get("DANGJIAN_X_ACCEL_REDIRECT", "")
    return str(value or "").rstrip("/")


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """One `bytes=` range against a file of `size` bytes.

    Returns (first, last) inclusive; None when the header is absent, malformed or asks for
    several ranges (then the whole file is sent with 200, as RFC 9110 allows); False when the
    range cannot be satisfied (416)."""
    if not header or "," in header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    start, end = match.groups()
    if start == "" and end == "":
        return None
    if start == "":  # the last n bytes
        suffix = int(end)
        if suffix == 0 or size == 0:
            return False
        return max(size - suffix, 0), size - 1
    first = int(start)
    last = int(end) if end != "" else size - 1
    if end != "" and last < first:
        return None  # invalid: ignored
    if first >= size:
        return False
    return first, min(last, size - 1)


def _headers(response, *, kind: str, download_name: str, inline: bool, cache: str):
    disposition = "inline" if inline and kind in INLINE_KINDS else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(download_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    response["Accept-Ranges"] = "bytes"
    return response


def _chunks(handle, first: int, length: int):
    try:
        handle.seek(first)
        left = length
        while left > 0:
            block = handle.read(min(CHUNK_BYTES, left))
            if not block:
                break
            left -= len(block)
            yield block
    finally:
        handle.close()


def serve_range(
    request,
    field_file,
    *,
    kind: str,
    download_name: str,
    inline: bool = False,
    cache: str = "private, no-store",
):
    """Serve a stored file answering `Range: bytes=a-b` / `a-` / `-n` with 206 and
    Content-Range, 416 when unsatisfiable, 200 without Range (or with several ranges). The
    body is streamed in chunks, never read whole. Call only after the view checked scope.

    With `DANGJIAN_X_ACCEL_REDIRECT` set (and files on the local file system), the answer is
    only headers plus `X-Accel-Redirect: <prefix>/<stored name>`: nginx sends the file and
    handles ranges itself."""
    content_type = CONTENT_TYPES.get(kind, "application/octet-stream")
    options = {"kind": kind, "download_name": download_name, "inline": inline, "cache": cache}
    prefix = x_accel_prefix()
    if prefix and isinstance(field_file.storage, FileSystemStorage):
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix}/{quote(field_file.name)}"
        return _headers(response, **options)
    size = field_file.size
    wanted = None if request.headers.get("If-Range") else request.headers.get("Range", "")
    span = parse_range(wanted or "", size)
    if span is False:
        response = HttpResponse(status=416, content_type=content_type)
        response["Content-Range"] = f"bytes */{size}"
        return _headers(response, **options)
    handle = field_file.open("rb")
    if span is None:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
        return _headers(response, **options)
    first, last = span
    length = last - first + 1
    response = StreamingHttpResponse(
        _chunks(handle, first, length), status=206, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return _headers(response, **options)
