"""Reading a roster: the header row (any order, common variants), then each data row with its
Excel row number, and each cell parsed into the Python value `check_record` expects.

Problems that stop the whole file (unreadable, no header, a required column missing, too many
rows, no data) raise `RosterError`; a bad cell is a problem of its row (`parse_cell`).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from dangjian.core.idnumbers import normalise as normalise_id
from dangjian.members.importing.columns import (
    CHOICE,
    CHOICE_INDEX,
    DATE,
    DIGITS,
    HEADER_INDEX,
    ID_NUMBER,
    ORGANIZATION,
    PARTY_GROUP,
    REQUIRED,
    TEXT,
    UNIT,
    Column,
    header_key,
    normalise_text,
    squeeze,
)
from dangjian.members.models import Member, Person

SHEET_NAME = "党员名册"
HEADER_SEARCH_ROWS = 10  # a title line or two above the header is common
EMPTY_ROWS_TO_STOP = 1000  # formatted but empty rows down to row 1 048 576 are common too
EXAMPLE_NAME = "张三（示例）"


class RosterError(Exception):
    """The file as a whole cannot be imported; the message says what to fix, in Chinese."""


@dataclass
class RawRow:
    number: int  # the Excel row number the user sees
    values: tuple  # the row's cells as read


@dataclass
class Roster:
    header_row: int
    headers: list[str]  # the header cells as written in the file
    columns: dict[int, Column]  # cell index → recognised column
    rows: list[RawRow] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # header names not recognised

    def cells(self, row: RawRow) -> dict[Column, object]:
        return {
            column: row.values[index] if index < len(row.values) else None
            for index, column in self.columns.items()
        }


def read_roster(path, *, max_rows: int, progress=None) -> Roster:
    workbook = _open(path)
    try:
        sheet = _roster_sheet(workbook)
        return _read_sheet(sheet, max_rows=max_rows, progress=progress)
    finally:
        workbook.close()


def _open(path):
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise RosterError(
            "无法读取这个 Excel 文件，它可能已损坏或不是 Excel 工作簿。"
            "请用 Excel 打开后“另存为”Excel 工作簿（*.xlsx）再上传。"
        ) from exc


def _roster_sheet(workbook):
    if SHEET_NAME in workbook.sheetnames:
        return workbook[SHEET_NAME]
    return workbook.worksheets[0]


def _read_sheet(sheet, *, max_rows: int, progress) -> Roster:
    rows = sheet.iter_rows(values_only=True)
    roster = None
    for number, values in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        found = _header(number, values)
        if found is not None:
            roster = found
            break
    if roster is None:
        raise RosterError(
            "没有找到表头：前 10 行中没有包含“姓名”“身份证号”等列名的一行。"
            "请使用导入模板，或把第一行改为模板中的列名。"
        )
    _read_rows(roster, rows, max_rows=max_rows, progress=progress)
    return roster


def _header(number: int, values) -> Roster | None:
    columns: dict[int, Column] = {}
    seen: dict[str, int] = {}
    ignored = []
    headers = ["" if value is None else normalise_text(str(value)) for value in values]
    for index, text in enumerate(headers):
        column = HEADER_INDEX.get(header_key(text))
        if column is None:
            if text:
                ignored.append(text)
            continue
        if column.field in seen:
            raise RosterError(
                f"第 {number} 行的表头中“{column.header}”出现了两次（"
                f"{get_column_letter(seen[column.field] + 1)} 列和 {get_column_letter(index + 1)}"
                " 列），请删除多余的一列。"
            )
        seen[column.field] = index
        columns[index] = column
    if len(columns) < 3:
        return None
    missing = [column.header for column in REQUIRED if column.field not in seen]
    if missing:
        raise RosterError(
            f"表头缺少必填列：{'、'.join(missing)}。请使用导入模板，"
            "或在表头中加上这些列（列的顺序不限）。"
        )
    return Roster(header_row=number, headers=headers, columns=columns, ignored=ignored)


def _read_rows(roster: Roster, rows, *, max_rows: int, progress) -> None:
    empty_run = 0
    name_index = next(i for i, column in roster.columns.items() if column.field == "name")
    for number, values in enumerate(rows, start=roster.header_row + 1):
        if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
            empty_run += 1
            if empty_run >= EMPTY_ROWS_TO_STOP:
                break
            continue
        empty_run = 0
        if name_index < len(values) and values[name_index] == EXAMPLE_NAME:
            continue  # the template's example row
        roster.rows.append(RawRow(number, tuple(values)))
        if len(roster.rows) > max_rows:
            raise RosterError(
                f"文件的数据超过了一次导入的上限 {max_rows} 行（规则“一次导入的最大行数”）。"
                "请把名册拆成几个文件分批导入。"
            )
        if progress and len(roster.rows) % 1000 == 0:
            progress(1000)
    if not roster.rows:
        raise RosterError("文件中只有表头，没有党员数据。请在表头下面逐行填写后再上传。")
    if progress:
        progress(len(roster.rows) % 1000)


# ------------------------------------------------------------------ cells


class CellProblem(ValueError):
    """A cell that cannot be read; the message is the Chinese reason."""


def parse_cell(column: Column, value):
    """The cell as check_record's value (None for an empty cell); CellProblem when unreadable.
    Organisations, party groups and units stay text here: validate.py resolves them."""
    if value is None or (isinstance(value, str) and not normalise_text(value)):
        return None
    parser = PARSERS.get(column.kind, _text)
    return parser(column, value)


def _number_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(column: Column, value) -> str:
    text = normalise_text(_number_text(value))
    if column.field == "name" and _CHINESE_NAME.fullmatch(text):
        text = "".join(text.split())  # "张  三": padded to line up two-character names
    limit = _max_length(column.field)
    if limit and len(text) > limit:
        raise CellProblem(f"{column.header}不能超过 {limit} 个字（这里有 {len(text)} 个字）。")
    return text


_CHINESE_NAME = re.compile(r"[\u3400-\u9fff·•\s]+")


def _max_length(field_name: str) -> int | None:
    for model in (Person, Member):
        try:
            return model._meta.get_field(field_name).max_length
        except Exception:  # noqa: S112 — not a field of this model, try the next
            continue
    return None


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
PRECISION_LOST = (
    "身份证号被 Excel 存成了数字，Excel 只保留 15 位有效数字，后几位已经丢失，无法还原。"
    "请把“身份证号”这一列设置为“文本”格式，重新填写（或粘贴）完整号码后再导入。"
)


def _id_number(column: Column, value) -> str:
    if isinstance(value, bool):
        raise CellProblem("身份证号应为 18 位号码。")
    if isinstance(value, int) and len(str(abs(value))) == 15:
        return str(value)  # a legacy 15-digit number fits in Excel's 15 significant digits
    if isinstance(value, int | float):
        raise CellProblem(PRECISION_LOST)
    text = normalise_id(normalise_text(str(value)))
    if _SCIENTIFIC.match(text):
        raise CellProblem(PRECISION_LOST)
    return text


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_ONLY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_TIME_PART = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def _date(column: Column, value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _numeric_date(column, value)
    text = _TIME_PART.sub("", normalise_text(str(value))).strip()
    match = _DATE_TEXT.match(text) or _COMPACT_DATE.match(text)
    if match:
        return _make_date(column, text, *map(int, match.groups()))
    if _MONTH_ONLY.match(text):
        raise CellProblem(
            f"{column.header}只写到了月份（“{text}”），请填写完整的年月日，例如 2010-07-01。"
        )
    raise CellProblem(
        f"{column.header}“{text[:20]}”不是有效日期，请写成 2010-07-01、2010.7.1、"
        "2010年7月1日 或 20100701。"
    )


def _numeric_date(column: Column, value) -> date:
    number = int(value)
    if 10000101 <= number <= 29991231:  # 20100701 typed into a number cell
        text = str(number)
        return _make_date(column, text, int(text[:4]), int(text[4:6]), int(text[6:]))
    if 1 <= number < 100000:  # an Excel date serial in a cell formatted as a number
        return from_excel(number).date()
    raise CellProblem(f"{column.header}“{value}”不是有效日期，请写成 2010-07-01 这样的格式。")


def _make_date(column: Column, text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellProblem(f"{column.header}“{text}”不是真实存在的日期，请核对。") from None


def _choice(column: Column, value) -> str:
    text = squeeze(_number_text(value))
    code = CHOICE_INDEX[column.field].get(text)
    if code is None:
        labels = column.labels
        shown = "、".join(labels if len(labels) <= 8 else [*labels[:6], "…"])
        raise CellProblem(
            f"{column.header}“{text[:20]}”不是可选的值，请从下拉列表中选择（{shown}）。"
        )
    return code


def _digits(column: Column, value) -> str:
    text = squeeze(_number_text(value))
    if column.field == "mobile":
        text = text.replace("-", "").removeprefix("+86")
    limit = _max_length(column.field)
    if limit and len(text) > limit:
        raise CellProblem(f"{column.header}不能超过 {limit} 个字符。")
    return text


def _reference(column: Column, value) -> str:
    return squeeze(_number_text(value))


PARSERS = {
    ORGANIZATION: _reference,
    PARTY_GROUP: _reference,
    UNIT: _reference,
    TEXT: _text,
    ID_NUMBER: _id_number,
    DATE: _date,
    CHOICE: _choice,
    DIGITS: _digits,
}
