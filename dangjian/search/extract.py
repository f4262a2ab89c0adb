"""Text of uploaded files for the search index: article attachments and download versions.

    enqueue_extraction("attachment", attachment.pk)   # ArticleAttachment
    enqueue_extraction("download", version.pk)        # DownloadVersion

The task reads the stored file by its checked kind (`file_kind`, from core.uploads): Word
(.docx: paragraphs and table cells, python-docx), Excel (.xlsx: cell values, openpyxl in
read-only mode), PDF (pypdf, page by page), plain text (UTF-8 or GB18030) and PowerPoint
(.pptx: the text of the slides). Anything else has no text (EMPTY). Work is capped: files
over MAX_FILE_BYTES are not opened, a zip whose parts unpack beyond MAX_UNPACKED_BYTES is
refused, reading stops at MAX_CHARS characters or after MAX_SECONDS. Then the owner (the
article, the download item) is indexed again.
"""

from __future__ import annotations

import logging
import time
import zipfile
from xml.etree import ElementTree

from dangjian.core import uploads
from dangjian.core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * uploads.MB
MAX_UNPACKED_BYTES = 300 * uploads.MB
MAX_TEXT_FILE_BYTES = 2 * uploads.MB
MAX_CHARS = 200_000
MAX_SECONDS = 30.0

KINDS = ("attachment", "download")


class TooLarge(Exception):
    pass


class _Collector:
    """Gathers text pieces up to MAX_CHARS, and stops the reader past the time budget."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    @property
    def full(self) -> bool:
        return self.length >= MAX_CHARS or time.monotonic() > self.deadline

    def add(self, text) -> None:
        if text is None:
            return
        text = str(text).strip()
        if text and not self.full:
            self.parts.append(text)
            self.length += len(text) + 1

    def text(self) -> str:
        return "\n".join(self.parts)[:MAX_CHARS]


def _check_zip(handle) -> None:
    with zipfile.ZipFile(handle) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise TooLarge
    handle.seek(0)


def _docx(handle, out: _Collector) -> None:
    import docx

    _check_zip(handle)
    document = docx.Document(handle)
    for block in document.element.body.iterchildren():
        if out.full:
            return
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.add("".join(node.text or "" for node in block.iter() if node.tag.endswith("}t")))
        elif tag == "tbl":
            for cell in block.iter():
                if cell.tag.endswith("}tc"):
                    out.add(
                        "".join(node.text or "" for node in cell.iter() if node.tag.endswith("}t"))
                    )


def _xlsx(handle, out: _Collector) -> None:
    import openpyxl

    _check_zip(handle)
    workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            out.add(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                if out.full:
                    return
                out.add(" ".join(str(value) for value in row if value not in (None, "")))
    finally:
        workbook.close()


def _pdf(handle, out: _Collector) -> None:
    from pypdf import PdfReader

    reader = PdfReader(handle)
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception:  # a protected PDF simply has no text for us
            return
    for page in reader.pages:
        if out.full:
            return
        out.add(page.extract_text())


def _pptx(handle, out: _Collector) -> None:
    _check_zip(handle)
    with zipfile.ZipFile(handle) as archive:
        slides = sorted(
            (name for name in archive.namelist() if name.startswith("ppt/slides/slide")),
            key=lambda name: (len(name), name),
        )
        for name in slides:
            if out.full:
                return
            root = ElementTree.fromstring(archive.read(name))  # noqa: S314 — size checked above
            out.add(" ".join(node.text or "" for node in root.iter() if node.tag.endswith("}t")))


def _txt(handle, out: _Collector) -> None:
    data = handle.read(MAX_TEXT_FILE_BYTES)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            out.add(data.decode(encoding))
            return
        except UnicodeDecodeError:
            continue
    out.add(data.decode("utf-8", errors="replace"))


READERS = {
    uploads.DOCX: _docx,
    uploads.XLSX: _xlsx,
    uploads.PDF: _pdf,
    uploads.PPTX: _pptx,
    uploads.TXT: _txt,
}


def extract_text(field_file, kind: str = "") -> str:
    """The text of a stored file ("" when it has none we can read). Raises on a broken file."""
    with field_file.open("rb") as handle:
        kind = kind or uploads.sniff(handle, text=True)
        reader = READERS.get(kind)
        if reader is None:
            return ""
        if kind != uploads.TXT and field_file.size > MAX_FILE_BYTES:
            return ""
        out = _Collector()
        try:
            reader(handle, out)
        except TooLarge:
            return ""
        return out.text()


def enqueue_extraction(kind: str, pk: int) -> None:
    """Extract the text of an ArticleAttachment ("attachment") or DownloadVersion ("download")
    in the background, once the current transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown extraction kind {kind!r}")
    from dangjian.search.tasks import extract_text_task

    enqueue_on_commit(extract_text_task, kind, int(pk))


def run_extraction(kind: str, pk: int) -> None:
    """The task's body: read, store the text, reindex the owner. A vanished row is a no-op."""
    from dangjian.portal.models import ArticleAttachment, DownloadItem, DownloadVersion
    from dangjian.search.indexing import index_articles, index_downloads

    model = ArticleAttachment if kind == "attachment" else DownloadVersion
    row = model.objects.filter(pk=pk).first()
    if row is None:
        return
    status = ArticleAttachment.TextStatus
    try:
        text = extract_text(row.file, row.file_kind)
        outcome = status.DONE if text.strip() else status.EMPTY
    except Exception:  # a broken upload must not stop the queue
        logger.warning("text extraction failed for %s %s", kind, pk, exc_info=True)
        text, outcome = "", status.FAILED
    text = text.replace("\x00", "")
    if kind == "attachment":
        model.objects.filter(pk=pk).update(text=text, text_status=outcome)
        index_articles([row.article_id])
    else:
        model.objects.filter(pk=pk).update(text=text)
        if DownloadItem.objects.filter(pk=row.item_id, current_version_id=pk).exists():
            index_downloads([row.item_id])
