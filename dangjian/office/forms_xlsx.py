"""The Excel form of a task: its header row, the check of a filled form against the template,
and the merge (汇总表格) of the reported forms into one workbook.

The header is the first non-empty row of the first worksheet, read with openpyxl in read-only
mode (a filled form of thousands of rows is streamed, never loaded whole).
"""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

HEADER_SCAN_ROWS = 10


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _open(file):
    if hasattr(file, "seek"):
        file.seek(0)
    try:
        return load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        return None


def read_header(file) -> list[str]:
    """The column names of the first non-empty row of the first sheet (trailing blanks
    dropped), or [] when there is none or the file is not a readable workbook."""
    book = _open(file)
    if book is None:
        return []
    try:
        sheet = book.worksheets[0]
        for index, row in enumerate(sheet.iter_rows(values_only=True)):
            if index >= HEADER_SCAN_ROWS:
                break
            cells = [_text(value) for value in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                return cells
        return []
    finally:
        book.close()
        if hasattr(file, "seek"):
            file.seek(0)


def header_problem(template: list[str], found: list[str]) -> str:
    """ "" when the filled form's header row equals the template's, else a Chinese message
    naming the first column that differs."""
    if not template:
        return ""
    if not found:
        return "上传的表格第一行没有表头：请使用下载的模板填写，不要删除或改动表头行。"
    for index, expected in enumerate(template):
        column = get_column_letter(index + 1)
        actual = found[index] if index < len(found) else ""
        if actual != expected:
            if not actual:
                return f"表格第 {column} 列缺少表头“{expected}”：请使用下载的模板填写，不要删除列。"
            return (
                f"表格第 {column} 列的表头是“{actual}”，模板中应为“{expected}”："
                "请使用下载的模板填写，不要修改表头。"
            )
    if len(found) > len(template):
        extra = found[len(template)]
        column = get_column_letter(len(template) + 1)
        return f"表格第 {column} 列“{extra}”是模板中没有的列：请删除多出的列后重新上传。"
    return ""


def data_rows(file, width: int):
    """The rows under the header of the first sheet, cut to `width` columns, blank rows
    skipped."""
    book = _open(file)
    if book is None:
        return
    try:
        sheet = book.worksheets[0]
        seen_header = False
        for row in sheet.iter_rows(values_only=True):
            cells = list(row[:width]) + [None] * max(0, width - len(row))
            if not any(_text(value) for value in cells):
                continue
            if not seen_header:
                seen_header = True
                continue
            yield cells
    finally:
        book.close()


def merge_forms(header: list[str], sources, *, progress=None) -> bytes:
    """One workbook: 序号, 党组织, then the template's columns; one block of rows per
    organisation in the order given. `sources` yields (organisation name, open file)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("汇总")
    sheet.append(["序号", "党组织", *header])
    number = 0
    for index, (name, handle) in enumerate(sources, start=1):
        for cells in data_rows(handle, len(header)):
            number += 1
            sheet.append([number, name, *cells])
        if progress is not None:
            progress(index)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
