"""Uploaded files (DESIGN §4, "Files"): checked by size and real type, stored under random
names, served only through a view that has already checked scope.

    kind = check_upload(request.FILES["file"], kinds=IMAGES, max_bytes=5 * MB)
    document.file.save(f"x.{EXTENSIONS[kind]}", upload)   # stored as <app>/<yyyy>/<uuid>.<ext>
    return serve_file(document.file, kind=document.kind, download_name="入党申请书.pdf")

The type comes from the file's first bytes (and, for the Office Open XML formats, from the zip's
part names), never from its name or the browser's Content-Type. Nothing is ever served inline
as HTML: only images and PDF may be shown inline, everything else is an attachment.
"""

from __future__ import annotations

import uuid
import zipfile
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils import timezone

MB = 1024 * 1024

JPEG, PNG, GIF, PDF = "jpeg", "png", "gif", "pdf"
DOCX, XLSX, PPTX, OLE = "docx", "xlsx", "pptx", "ole"
IMAGES = frozenset({JPEG, PNG})
DOCUMENTS = frozenset({JPEG, PNG, PDF, DOCX, XLSX, OLE})
SPREADSHEETS = frozenset({XLSX})

EXTENSIONS = {
    JPEG: "jpg", PNG: "png", GIF: "gif", PDF: "pdf", DOCX: "docx", XLSX: "xlsx", PPTX: "pptx",
    OLE: "doc",
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
}
LABELS = {
    JPEG: "JPG 图片", PNG: "PNG 图片", GIF: "GIF 图片", PDF: "PDF", DOCX: "Word（.docx）",
    XLSX: "Excel（.xlsx）", PPTX: "PowerPoint（.pptx）", OLE: "Word/Excel 97-2003",
}  # fmt: skip
INLINE_KINDS = frozenset({JPEG, PNG, GIF, PDF})


def sniff(file) -> str:
    """The real type of an uploaded file from its content, or "" when it is none we accept."""
    file.seek(0)
    head = file.read(8)
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
    return ""


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
    kind = sniff(file)
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


def serve_file(field_file, *, kind: str, download_name: str, inline: bool = False):
    """Stream a stored file. Call only after the view has checked the caller's scope."""
    response = FileResponse(
        field_file.open("rb"), content_type=CONTENT_TYPES.get(kind, "application/octet-stream")
    )
    disposition = "inline" if inline and kind in INLINE_KINDS else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(download_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
