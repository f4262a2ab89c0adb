"""The downloadable template (党员信息导入模板.xlsx) and the rejected-rows workbook.

The template has the roster sheet (header row, one example row, drop-down lists for every
choice column, text format for the ID number, work number and mobile columns), the 填写说明
sheet explaining each column, and a hidden 选项 sheet holding the longer drop-down lists
(a list written inline in a validation may not pass 255 characters, and 民族 does).
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dangjian.core.idnumbers import make_id_number
from dangjian.members.importing.columns import (
    CHOICE,
    COLUMNS,
    DATE,
    DIGITS,
    ID_NUMBER,
    PROBLEM_COLUMN,
)
from dangjian.members.importing.reader import EXAMPLE_NAME, SHEET_NAME

HELP_SHEET = "填写说明"
LISTS_SHEET = "选项"
FORMATTED_ROWS = 2000  # rows given the text/date formats, so typed numbers stay as text
EXAMPLE_ID = make_id_number("410402", date(1985, 6, 15), 3)

HEADER_FILL = PatternFill("solid", fgColor="B22222")
OPTIONAL_FILL = PatternFill("solid", fgColor="F2DCDB")
EXAMPLE_FONT = Font(italic=True, color="808080")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def template_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    _roster_header(sheet)
    _example_row(sheet)
    _formats(sheet)
    _dropdowns(sheet, lists)
    _help_sheet(workbook.create_sheet(HELP_SHEET))
    return _bytes(workbook)


def _roster_header(sheet) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.title)
        cell.font = Font(bold=True, color="FFFFFF" if column.required else "7F1F1F")
        cell.fill = HEADER_FILL if column.required else OPTIONAL_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        if column.help:
            cell.comment = Comment(column.help, "党建信息平台", width=260, height=110)
        sheet.column_dimensions[get_column_letter(index)].width = column.width + 2
    sheet.row_dimensions[1].height = 30
    sheet.freeze_panes = "C2"


def _example_row(sheet) -> None:
    examples = {"name": EXAMPLE_NAME, "id_number": EXAMPLE_ID}
    for index, column in enumerate(COLUMNS, start=1):
        value = examples.get(column.field, column.example)
        cell = sheet.cell(row=2, column=index, value=value or None)
        cell.font = EXAMPLE_FONT
        cell.border = BORDER
        if column.kind in (ID_NUMBER, DIGITS):
            cell.data_type = "s"
            cell.number_format = "@"


def _formats(sheet) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        if column.kind in (ID_NUMBER, DIGITS):
            number_format = "@"
        elif column.kind == DATE:
            number_format = "yyyy-mm-dd"
        else:
            continue
        for row in range(3, FORMATTED_ROWS + 2):
            sheet.cell(row=row, column=index).number_format = number_format


def _dropdowns(sheet, lists) -> None:
    list_column = 0
    for index, column in enumerate(COLUMNS, start=1):
        if column.kind != CHOICE:
            continue
        list_column += 1
        letter = get_column_letter(list_column)
        lists.cell(row=1, column=list_column, value=column.header)
        for offset, label in enumerate(column.labels, start=2):
            lists.cell(row=offset, column=list_column, value=label)
        last = len(column.labels) + 1
        validation = DataValidation(
            type="list",
            formula1=f"'{LISTS_SHEET}'!${letter}$2:${letter}${last}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="请从列表中选择",
            error=f"“{column.header}”只能填写下拉列表中的值。",
        )
        target = get_column_letter(index)
        validation.add(f"{target}2:{target}{FORMATTED_ROWS + 1}")
        sheet.add_data_validation(validation)


def _help_sheet(sheet) -> None:
    sheet.append(["列名", "是否必填", "填写说明", "示例"])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
    for column in COLUMNS:
        choices = f"可选：{'、'.join(column.labels)}。" if column.kind == CHOICE else ""
        if column.field == "ethnicity":
            choices = "可选：56 个民族及“其他”“外国血统中国籍人士”。"
        example = EXAMPLE_ID if column.field == "id_number" else column.example
        sheet.append(
            [column.header, "必填" if column.required else "选填", column.help + choices, example]
        )
    sheet.append([])
    for line in GENERAL_NOTES:
        sheet.append([line])
    for letter, width in zip("ABCD", (14, 10, 80, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


GENERAL_NOTES = (
    "通用说明：",
    "1. 带 * 的列必须填写；列的顺序可以调整，"
    "表头也可以用常见写法（如“身份证号码”“公民身份号码”）。",
    "2. 第 2 行是示例（灰色斜体），导入时会自动跳过，可以保留也可以删除。",
    "3. 身份证号、工号、手机号请保持“文本”格式；从其他表格粘贴时请用“选择性粘贴 → 数值”。",
    "4. 身份证号已在本单位登记的，导入时更新该人员的档案（空白单元格保留原有信息）；"
    "已在其他党组织登记的，须先办理组织关系转接。",
    "5. 上传后系统先逐行检查并列出所有问题，确认无误后才会写入；导入后可以整批撤销。",
)


def rejected_workbook_from(headers: list[str], rows: list[tuple[int, tuple, str]]) -> bytes:
    """The rejected rows with the file's own columns, the row number and a 问题说明 column,
    every cell written as text (a value starting with "=" never becomes a formula)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("问题行")
    widths = [8, *(14 for _ in headers), 60]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    sheet.append(["原行号", *headers, PROBLEM_COLUMN])
    for number, values, problems in rows:
        cells = [_text_cell(sheet, value) for value in values]
        cells += [None] * (len(headers) - len(cells))
        sheet.append([number, *cells[: len(headers)], _text_cell(sheet, problems)])
    return _bytes(workbook)


def _text_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, date):
        text = f"{value:%Y-%m-%d}"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"
    cell.number_format = "@"
    return cell


def _bytes(workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
