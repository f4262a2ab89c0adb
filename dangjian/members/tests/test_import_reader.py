"""Reading clerks' real files: header variants in any order, dates and ID numbers as Excel
stores them, full-width characters and stray spaces; files that cannot be imported say why."""

from datetime import date, datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from dangjian.core.exceptions import ServiceError
from dangjian.members.importing.columns import BY_FIELD
from dangjian.members.importing.reader import CellProblem, RosterError, parse_cell, read_roster
from dangjian.members.importing.services import check_roster_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(*rows) -> BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    "text",
    ["2010-07-01", "2010-7-1", "2010.7.1", "2010/07/01", "2010年7月1日", "20100701",
     "２０１０－０７－０１", " 2010-07-01 ", "2010-07-01 00:00:00"],
)  # fmt: skip
def test_it_reads_dates_written_as_text_in_the_usual_ways(text):
    assert parse_cell(BY_FIELD["joined_on"], text) == date(2010, 7, 1)


def test_it_reads_dates_stored_as_excel_dates_numbers_and_serials():
    column = BY_FIELD["joined_on"]
    assert parse_cell(column, datetime(2010, 7, 1)) == date(2010, 7, 1)
    assert parse_cell(column, 20100701) == date(2010, 7, 1)
    assert parse_cell(column, 40360) == date(2010, 7, 1)  # Excel serial of 2010-07-01


@pytest.mark.parametrize(
    ("text", "reason"),
    [("2010.07", "只写到了月份"), ("2010-02-30", "不是真实存在的日期"), ("去年", "不是有效日期")],
)
def test_it_explains_dates_it_cannot_read(text, reason):
    with pytest.raises(CellProblem, match=reason):
        parse_cell(BY_FIELD["joined_on"], text)


def test_an_id_number_stored_as_a_number_asks_for_a_text_column():
    column = BY_FIELD["id_number"]
    for value in (4.10402198506151e17, 410402198506150000, "4.10402E+17"):
        with pytest.raises(CellProblem, match="设置为“文本”格式"):
            parse_cell(column, value)
    assert parse_cell(column, 410402850615003) == "410402850615003"  # 15 digits are exact


def test_full_width_characters_and_spaces_are_tolerated():
    assert parse_cell(BY_FIELD["id_number"], " ４１０４０２１９８５０６１５００３ｘ ") == (
        "41040219850615003X"
    )
    assert parse_cell(BY_FIELD["name"], "张　三 ") == "张三"
    assert parse_cell(BY_FIELD["name"], "阿依古丽·买买提") == "阿依古丽·买买提"
    assert parse_cell(BY_FIELD["mobile"], 13812345678) == "13812345678"
    assert parse_cell(BY_FIELD["work_number"], 100235.0) == "100235"


def test_choices_accept_labels_and_common_short_forms():
    assert parse_cell(BY_FIELD["gender"], "女 ") == "female"
    assert parse_cell(BY_FIELD["ethnicity"], "汉") == "01"
    assert parse_cell(BY_FIELD["education"], "本科") == "bachelor"
    assert parse_cell(BY_FIELD["category"], "预备") == "probationary"
    with pytest.raises(CellProblem, match="请从下拉列表中选择"):
        parse_cell(BY_FIELD["category"], "积极分子")


def test_headers_may_come_in_any_order_with_variants_and_a_title_line():
    file = workbook_bytes(
        ["一矿综采一队党支部党员名册"],
        ["入党时间", "所在支部", "公民身份号码", " 姓 名 ", "党员类别*", "备注"],
        [date(2010, 7, 1), "综采一队党支部", "11010519491231002X", "李梅", "正式党员", "x"],
    )
    roster = read_roster(file, max_rows=100)
    assert roster.header_row == 2
    assert {column.field for column in roster.columns.values()} == {
        "joined_on", "organization", "id_number", "name", "category",
    }  # fmt: skip
    assert roster.ignored == ["备注"]
    assert [row.number for row in roster.rows] == [3]


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([["姓名", "身份证号", "所在党支部", "党员类别"]], "缺少必填列：入党日期"),
        ([["姓名", "身份证号", "所在党支部", "党员类别", "入党日期"]], "没有党员数据"),
        ([["序号", "备注"], [1, "x"]], "没有找到表头"),
        (
            [["姓名", "身份证号", "身份证号码", "所在党支部", "党员类别", "入党日期"]],
            "“身份证号”出现了两次",
        ),
    ],
)
def test_files_that_cannot_be_imported_say_what_to_fix(rows, reason):
    with pytest.raises(RosterError, match=reason):
        read_roster(workbook_bytes(*rows), max_rows=100)


def test_a_file_over_the_row_limit_is_refused_with_the_rule():
    header = ["姓名", "身份证号", "所在党支部", "党员类别", "入党日期"]
    file = workbook_bytes(
        header, *([f"人{i}", "x", "y", "正式党员", "2010-07-01"] for i in range(6))
    )
    with pytest.raises(RosterError, match="上限 5 行"):
        read_roster(file, max_rows=5)


def test_an_xls_or_a_renamed_csv_is_refused_with_how_to_save_as_xlsx():
    xls = SimpleUploadedFile("名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(ServiceError, match="Excel 97-2003"):
        check_roster_upload(xls)
    csv = SimpleUploadedFile("名册.xlsx", "姓名,身份证号\n张三,1\n".encode(), content_type=XLSX)
    with pytest.raises(ServiceError, match="另存为"):
        check_roster_upload(csv)
    with pytest.raises(ServiceError, match="空文件"):
        check_roster_upload(SimpleUploadedFile("名册.xlsx", b""))


def test_a_damaged_xlsx_is_explained():
    import zipfile

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/workbook.xml", "not xml")
    buffer.seek(0)
    with pytest.raises(RosterError, match="无法读取"):
        read_roster(buffer, max_rows=10)
