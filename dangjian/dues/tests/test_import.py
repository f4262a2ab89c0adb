"""The salary Excel for the yearly bases: template, row checks, all-or-nothing apply, task."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from openpyxl import Workbook, load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.dues.importing import base_import_apply, base_import_template, base_import_upload
from dangjian.dues.models import BaseImport, BaseSource, DuesBase
from dangjian.dues.tests.conftest import give_base
from dangjian.members.models import Status
from dangjian.members.tests.factories import make_member, make_person

pytestmark = pytest.mark.django_db
HEADER = ["工号", "身份证号", "姓名", "计算基数", "党费类别", "备注"]


def xlsx(rows, header=HEADER) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("工资表.xlsx", buffer.getvalue())


def upload(world, rows, actor=None, organization=None, **extra):
    return base_import_upload(
        actor=actor or world.bob,
        organization=organization or world.branch1,
        year=2026,
        file=xlsx(rows, **extra),
    )


def test_the_template_has_the_header_and_notes():
    book = load_workbook(io.BytesIO(base_import_template()))
    assert [cell.value for cell in book.worksheets[0][1]] == HEADER
    assert book.worksheets[1].title == "填写说明"


def test_a_clean_file_is_checked_then_applied(world, zhang):
    student = make_member(world.branch1, "赵六")
    record = upload(
        world,
        [
            [zhang.person.work_number, "", "张三", "5000.01", "", ""],
            ["", student.person.id_number, "赵六", "", "学生", "在读研究生"],
        ],
    )
    assert record.status == BaseImport.Status.READY, record.errors
    assert record.row_count == 2
    assert not DuesBase.objects.exists()  # checking writes nothing
    assert base_import_apply(actor=world.bob, base_import=record) == 2
    bases = {base.member_id: base for base in DuesBase.objects.all()}
    assert bases[zhang.pk].monthly_amount == Decimal("75.00")
    assert bases[zhang.pk].source == BaseSource.IMPORT
    assert bases[student.pk].monthly_amount == Decimal("0.20")
    assert bases[student.pk].note == "在读研究生"
    record.refresh_from_db()
    assert record.status == BaseImport.Status.APPLIED
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"dues.base_import_upload", "dues.base_import_apply"} <= actions


def test_a_re_import_updates_existing_bases(world, zhang):
    give_base(zhang, 2026, "3000.00")
    record = upload(world, [[zhang.person.work_number, "", "张三", "12000", "", ""]])
    base_import_apply(actor=world.bob, base_import=record)
    assert DuesBase.objects.get().monthly_amount == Decimal("240.00")


def test_retired_people_default_to_the_pension_scale(world, li):
    record = upload(
        world,
        [[li.person.work_number, "", "李四", "5000.01", "", ""]],
        organization=world.mine,
        actor=world.alice,
    )
    base_import_apply(actor=world.alice, base_import=record)
    assert DuesBase.objects.get().monthly_amount == Decimal("50.00")


def test_every_bad_row_is_explained_and_nothing_is_applied(world, zhang, wang):
    outsider = make_person(world.branch1, "路人甲")  # a person, not a member
    left = make_member(world.branch1, "钱七", status=Status.LEFT)
    other_branch = make_member(world.branch2, "孙八")
    record = upload(
        world,
        [
            [zhang.person.work_number, "", "张三", "4000", "", ""],
            ["NOPE", "", "某某", "4000", "", ""],
            [zhang.person.work_number, "", "张三丰", "4000", "", ""],
            [outsider.work_number, "", "路人甲", "4000", "", ""],
            [left.person.work_number, "", "钱七", "4000", "", ""],
            [other_branch.person.work_number, "", "孙八", "4000", "", ""],
            [wang.person.work_number, "", "王五", "4000", "", ""],
            ["", "", "无名", "4000", "", ""],
            ["", "410402199001011234", "某人", "4000", "", ""],
            [zhang.person.work_number, "", "张三", "4000", "", ""],
        ],
    )
    others = [make_member(world.branch1, f"赵{index}") for index in range(5)]
    cells = [("-5", ""), ("abc", ""), ("", ""), ("3000", "宇航员"), ("3000", "")]
    record2 = upload(
        world,
        [
            [member.person.work_number, "", member.person.name, base, category, ""]
            for member, (base, category) in zip(others, cells, strict=True)
        ],
    )
    record3 = upload(world, [[others[0].person.work_number, zhang.person.id_number, "赵0", "1"]])
    messages = [error["message"] for error in record.errors]
    assert record.status == BaseImport.Status.INVALID
    assert messages == [
        "第 3 行：找不到工号为“NOPE”的人员。",
        "第 4 行：姓名“张三丰”与系统中该人员的姓名“张三”不一致。",
        "第 5 行：路人甲 不是综采一队党支部（含下级）在册的党员。",
        "第 6 行：钱七 不是综采一队党支部（含下级）在册的党员。",
        "第 7 行：孙八 不是综采一队党支部（含下级）在册的党员。",
        "第 8 行：王五 不是综采一队党支部（含下级）在册的党员。",
        "第 9 行：请填写工号或身份证号。",
        "第 10 行：找不到身份证号为 410402********1234 的人员。",
        "第 11 行：与第 2 行是同一人，请删除重复行。",
    ]
    messages2 = [error["message"] for error in record2.errors]
    assert "不能为负数" in messages2[0]
    assert "不是数字" in messages2[1]
    assert "请填写计算基数" in messages2[2]
    assert "党费类别“宇航员”不认识" in messages2[3]
    assert "不是同一个人" in record3.errors[0]["message"]
    assert record.rows == []
    with pytest.raises(ServiceError, match="有错误，不能导入"):
        base_import_apply(actor=world.bob, base_import=record)
    assert not DuesBase.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a spreadsheet at all", "格式不对"),
        (b"", "空文件"),
    ],
)
def test_files_that_are_not_excel_are_refused(world, content, message):
    with pytest.raises(ServiceError, match=message):
        base_import_upload(
            actor=world.bob,
            organization=world.branch1,
            year=2026,
            file=SimpleUploadedFile("x.xlsx", content),
        )


def test_a_file_without_header_or_rows_is_explained(world, zhang):
    with pytest.raises(ServiceError, match="找不到表头"):
        upload(world, [["a", "b"]], header=None)
    with pytest.raises(ServiceError, match="没有数据行"):
        upload(world, [])
    with pytest.raises(ServiceError, match="缺少“工号”或“身份证号”"):
        upload(world, [["张三", "4000"]], header=["姓名", "计算基数"])


def test_upload_out_of_scope_is_404(world, zhang):
    with pytest.raises(Http404):
        upload(world, [[zhang.person.work_number, "", "张三", "4000", "", ""]], actor=world.dave)
    assert not BaseImport.objects.exists()


def test_an_applied_file_cannot_be_applied_twice(world, zhang):
    record = upload(world, [[zhang.person.work_number, "", "张三", "4000", "", ""]])
    base_import_apply(actor=world.bob, base_import=record)
    with pytest.raises(ServiceError, match="已导入"):
        base_import_apply(actor=world.bob, base_import=record)


def test_a_large_file_is_checked_in_a_task(world, zhang, django_capture_on_commit_callbacks):
    from dangjian.core.models import Job, RuleVersion

    RuleVersion.objects.create(
        key="dues.base_import_task_rows", value=1, valid_from=datetime.date(2000, 1, 1)
    )
    zhao = make_member(world.branch1, "赵六")
    with django_capture_on_commit_callbacks(execute=True):
        record = upload(
            world,
            [
                [zhang.person.work_number, "", "张三", "4000", "", ""],
                [zhao.person.work_number, "", "赵六", "4000", "", ""],
            ],
        )
    record.refresh_from_db()
    assert record.status == BaseImport.Status.READY
    assert Job.objects.get(pk=record.job_id).status == Job.Status.DONE
