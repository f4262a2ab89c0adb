"""In-page previews of evidence files that a browser cannot show by itself (Word, Excel).

The uploaded file's text is read with python-docx / openpyxl and written out as HTML built
here from escaped text only: no markup, style, link or picture of the upload ever reaches the
page. Pictures are shown with <img> through the scoped file view, PDF opens inline in a new tab
through the same view (`views/selfcheck.py`); an upload is never served as HTML.

A preview is bounded (paragraphs, table rows, cells, characters, the unpacked size of the
zip) so a hostile or huge file costs little.
"""

from __future__ import annotations

import zipfile

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_BLOCKS = 400  # paragraphs + tables
MAX_ROWS = 200
MAX_COLUMNS = 30
MAX_CHARS = 60_000


class PreviewError(ValueError):
    """The file cannot be previewed; the message is Chinese."""


def _check_zip(handle) -> None:
    try:
        with zipfile.ZipFile(handle) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise PreviewError("文件解压后过大，无法预览，请下载查看。")
    except zipfile.BadZipFile as exc:
        raise PreviewError("文件已损坏，无法预览。") from exc
    finally:
        handle.seek(0)


def _text_of(element) -> str:
    parts = []
    for node in element.iter():
        tag = node.tag.rsplit("}", 1)[-1]
        if tag == "t":
            parts.append(node.text or "")
        elif tag == "tab":
            parts.append("\t")
        elif tag in ("br", "cr"):
            parts.append("\n")
    return "".join(parts)


def _paragraph(element, budget: list[int]) -> str:
    text = _text_of(element)
    budget[0] -= len(text)
    if not text.strip():
        return ""
    style = ""
    for node in element.iter():
        if node.tag.endswith("}pStyle"):
            style = next((v for k, v in node.attrib.items() if k.endswith("}val")), "")
            break
    body = escape(text).replace("\n", "<br>")
    if style.lower().startswith(("heading", "title")) or style in ("1", "2", "3"):
        return f'<p class="dj-preview-heading">{body}</p>'
    return f"<p>{body}</p>"


def _table(element, budget: list[int]) -> str:
    rows = []
    for row in element.iter():
        if not row.tag.endswith("}tr"):
            continue
        if len(rows) >= MAX_ROWS:
            break
        cells = []
        for cell in row:
            if not cell.tag.endswith("}tc"):
                continue
            text = _text_of(cell)
            budget[0] -= len(text)
            cells.append(f"<td>{escape(text).replace(chr(10), '<br>')}</td>")
            if len(cells) >= MAX_COLUMNS:
                break
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '<div class="table-responsive"><table class="table table-bordered table-sm">'
        f"{''.join(rows)}</table></div>"
    )


def docx_html(handle) -> SafeString:
    """Paragraphs and tables of a .docx as escaped HTML."""
    import docx

    _check_zip(handle)
    try:
        document = docx.Document(handle)
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise PreviewError("无法读取这个 Word 文件，请下载查看。") from exc
    budget = [MAX_CHARS]
    out = []
    blocks = 0
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            html = _paragraph(block, budget)
        elif tag == "tbl":
            html = _table(block, budget)
        else:
            continue
        if html:
            out.append(html)
            blocks += 1
        if blocks >= MAX_BLOCKS or budget[0] <= 0:
            out.append('<p class="text-muted">（内容较长，以下省略，请下载查看全文）</p>')
            break
    if not out:
        out.append('<p class="text-muted">（文件中没有文字内容）</p>')
    return mark_safe("".join(out))  # noqa: S308 — built above from escaped text only


def xlsx_html(handle) -> SafeString:
    """The first worksheet of a .xlsx as an escaped HTML table."""
    import openpyxl

    _check_zip(handle)
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:
        raise PreviewError("无法读取这个 Excel 文件，请下载查看。") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True, max_row=MAX_ROWS):
            cells = "".join(
                f"<td>{escape('' if v is None else str(v))}</td>" for v in values[:MAX_COLUMNS]
            )
            rows.append(f"<tr>{cells}</tr>")
        title = escape(sheet.title)
    finally:
        workbook.close()
    if not rows:
        return mark_safe('<p class="text-muted">（工作表是空的）</p>')
    return mark_safe(  # noqa: S308 — escaped cell text only
        f'<p class="small text-muted">工作表：{title}（最多显示前 {MAX_ROWS} 行）</p>'
        '<div class="table-responsive"><table class="table table-bordered table-sm">'
        f"{''.join(rows)}</table></div>"
    )
