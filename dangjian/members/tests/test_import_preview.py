"""A branch secretary's real-looking roster of 300 rows with 12 bad rows: the preview names
exactly those 12 (row, column, reason) and writes nothing; confirm writes the other 288 with
their history and one audit entry; the rejected rows download; undo restores the exact state."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.audit.models import AuditEntry
from dangjian.core.idnumbers import make_id_number
from dangjian.members.importing.samples import roster_bytes, roster_rows
from dangjian.members.importing.services import (
    AlreadyConfirmed,
    batch_confirm,
    batch_undo,
    batch_upload,
    rejected_workbook,
)
from dangjian.members.models import ImportBatch, Member, Person, RecordChange
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import Organization

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def spoiled_roster(world, branches=None) -> tuple[list[dict], dict[int, tuple[str, str]]]:
    """300 rows over branch 1 (with its 党小组) and branch 2; 12 of them spoiled. Returns the
    rows and, per spoiled Excel row, (column, a piece of the expected reason)."""
    rows = roster_rows(
        branches=branches or [world.branch1, world.branch2],
        count=300,
        seed=7,
        groups={world.branch1.pk: world.group1},
    )
    outsider = make_member(world.branch3, "外单位人员", birth=date(1979, 3, 8))
    bad = {}

    def spoil(index, column, reason, **cells):
        rows[index].update(cells)
        bad[index + 2] = (column, reason)  # Excel row: header is row 1

    number = rows[3]["身份证号"]
    spoil(3, "身份证号", "校验位错误", 身份证号=number[:17] + ("0" if number[17] != "0" else "1"))
    male = rows[10]["性别"] == "男"
    spoil(10, "性别", "性别与身份证号不符", 性别="女" if male else "男")
    spoil(20, "所在党支部", "不在本次导入的范围", 所在党支部="不存在的党支部")
    twin = rows[30]
    spoil(
        40, "身份证号", "与第 32 行重复", **{k: twin[k] for k in ("身份证号", "性别", "出生日期")}
    )
    bad[32] = ("身份证号", "与第 42 行重复")
    spoil(
        50,
        "身份证号",
        "已登记在其他党组织，请先办理组织关系转接",
        身份证号=outsider.person.id_number,
        性别="男",
        出生日期=date(1979, 3, 8),
        入党日期=date(2005, 7, 1),
        转正日期=date(2006, 7, 1),
    )
    spoil(60, "转正日期", "转正日期早于入党日期", 党员类别="正式党员", 入党日期=date(2015, 7, 1),
          转正日期=date(2014, 7, 1))  # fmt: skip
    spoil(70, "姓名", "姓名不能为空", 姓名="")
    spoil(80, "入党日期", "不是有效日期", 入党日期="去年七月")
    spoil(90, "身份证号", "Excel 只保留 15 位有效数字", 身份证号=float(rows[90]["身份证号"]))
    spoil(
        100,
        "党小组",
        "下没有名为“第九党小组”的党小组",
        所在党支部=world.branch1.name,
        党小组="第九党小组",
    )
    spoil(110, "手机号", "手机号应为 11 位数字", 手机号="1380013")
    return rows, bad


def upload(world, rows, capture, *, actor=None, organization=None, name="一矿党员名册.xlsx"):
    upload = SimpleUploadedFile(name, roster_bytes(rows), content_type=XLSX)
    with capture(execute=True):
        batch = batch_upload(
            actor=actor or world.alice, organization=organization or world.mine, upload=upload
        )
    batch.refresh_from_db()
    return batch


def confirm(world, batch, capture, actor=None):
    with capture(execute=True):
        batch_confirm(actor=actor or world.alice, batch=batch)
    batch.refresh_from_db()
    return batch


def snapshot():
    """People, memberships and organisation counts; the factories leave counts stale, so they
    are recomputed first (the import must leave them right)."""
    from dangjian.orgs.counts import organization_refresh_counts

    organization_refresh_counts()
    people = sorted(
        (p.pk, p.name, p.id_number, p.mobile, p.organization_id, p.unit_id, p.work_number)
        for p in Person.objects.all()
    )
    members = sorted(
        Member.objects.values_list(
            "person_id", "organization_id", "party_group_id", "category", "joined_on",
            "full_member_on", "status",
        )
    )  # fmt: skip
    counts = sorted(Organization.objects.values_list("pk", "member_count", "full_member_count"))
    return people, members, counts


def counts_now():
    return sorted(Organization.objects.values_list("pk", "member_count", "full_member_count"))


@pytest.mark.django_db
def test_it_lists_exactly_the_twelve_bad_rows_and_writes_nothing(
    world, django_capture_on_commit_callbacks
):
    rows, bad = spoiled_roster(world)
    before = snapshot()
    batch = upload(world, rows, django_capture_on_commit_callbacks)

    assert batch.status == ImportBatch.Status.PREVIEWED
    assert (batch.total_rows, batch.valid_rows, batch.rejected_rows) == (300, 288, 12)
    assert (batch.created_count, batch.updated_count) == (288, 0)
    assert {error["row"] for error in batch.errors} == set(bad)
    for row, (column, reason) in bad.items():
        found = [e for e in batch.errors if e["row"] == row]
        assert any(e["column"] == column and reason in e["message"] for e in found), (row, found)
    assert len(batch.errors) == 12, batch.errors  # one clear reason per row, no echoes
    assert snapshot() == before
    assert not RecordChange.objects.exists()
    assert "410" not in str(batch.errors)  # no ID number in any message


@pytest.mark.django_db
def test_confirm_writes_the_288_valid_rows_with_history_and_one_audit_entry(
    world, django_capture_on_commit_callbacks
):
    rows, _ = spoiled_roster(world)
    batch = upload(world, rows, django_capture_on_commit_callbacks)
    people_before = Person.objects.count()
    batch = confirm(world, batch, django_capture_on_commit_callbacks)

    assert batch.status == ImportBatch.Status.IMPORTED
    assert (batch.created_count, batch.updated_count, batch.rejected_rows) == (288, 0, 12)
    assert Person.objects.count() == people_before + 288
    assert batch.records.count() == 288
    assert RecordChange.objects.filter(source=RecordChange.Source.IMPORT).count() == 288
    entry = AuditEntry.objects.get(action="members.import_confirm")
    assert entry.after == {"rows": 300, "created": 288, "updated": 0, "rejected": 12}
    world.branch1.refresh_from_db()
    world.mine.refresh_from_db()
    held = Member.objects.filter(organization__path__startswith=world.mine.path).count()
    assert world.mine.member_count == held
    assert world.branch1.member_count == Member.objects.filter(organization=world.branch1).count()


@pytest.mark.django_db
def test_an_imported_row_equals_a_typed_one(world, django_capture_on_commit_callbacks):
    from dangjian.core.crypto import lookup_hash
    from dangjian.core.pinyin import search_key

    rows = roster_rows(branches=[world.branch1], count=1, seed=3)
    rows[0].update(姓名="单晓明", 身份证号=" " + rows[0]["身份证号"].replace("1", "１") + " ")
    batch = confirm(
        world,
        upload(world, rows, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    person = Person.objects.get(pk=batch.records.get().person_id)
    assert person.name == "单晓明"
    assert person.pinyin_key == search_key("单晓明")
    assert person.id_number_hash == lookup_hash(person.id_number)
    assert person.organization == world.branch1 == person.membership.organization
    change = RecordChange.objects.get(person=person)
    assert change.actor == world.alice
    assert any(c["field"] == "id_number" and "*" in c["after"] for c in change.changes)


@pytest.mark.django_db
def test_the_rejected_workbook_has_the_twelve_rows_with_reasons(
    world, django_capture_on_commit_callbacks
):
    from io import BytesIO

    from openpyxl import load_workbook

    rows, bad = spoiled_roster(world)
    batch = upload(world, rows, django_capture_on_commit_callbacks)
    sheet = load_workbook(BytesIO(rejected_workbook(batch))).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][0] == "原行号" and table[0][-1] == "问题说明"
    assert "身份证号*" in table[0]
    assert [row[0] for row in table[1:]] == sorted(bad)
    for row in table[1:]:
        column, reason = bad[row[0]]
        assert reason in row[-1] and row[-1].startswith(column)


@pytest.mark.django_db
def test_undo_restores_the_exact_previous_state(world, django_capture_on_commit_callbacks):
    make_member(world.branch1, "老党员")
    rows, _ = spoiled_roster(world)
    before = snapshot()
    batch = confirm(
        world,
        upload(world, rows, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    assert snapshot() != before

    batch_undo(actor=world.alice, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert batch.undone_by == world.alice
    assert counts_now() == before[2]  # refreshed by the undo itself
    assert snapshot() == before
    assert AuditEntry.objects.filter(action="members.import_undo").count() == 1
    with pytest.raises(AlreadyConfirmed):
        batch_undo(actor=world.alice, batch=batch)


@pytest.mark.django_db
def test_a_second_confirm_does_nothing_and_says_so(world, django_capture_on_commit_callbacks):
    rows = roster_rows(branches=[world.branch1], count=5, seed=5)
    batch = confirm(
        world,
        upload(world, rows, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    people = Person.objects.count()
    with pytest.raises(AlreadyConfirmed, match="已经确认导入"):
        batch_confirm(actor=world.alice, batch=batch)
    assert Person.objects.count() == people
    assert AuditEntry.objects.filter(action="members.import_confirm").count() == 1


@pytest.mark.django_db
def test_confirm_while_importing_does_nothing(world, django_capture_on_commit_callbacks):
    rows = roster_rows(branches=[world.branch1], count=3, seed=5)
    batch = upload(world, rows, django_capture_on_commit_callbacks)
    batch_confirm(actor=world.alice, batch=batch)  # the task has not run (no commit yet)
    with pytest.raises(AlreadyConfirmed):
        batch_confirm(actor=world.alice, batch=batch)
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.IMPORTING


@pytest.mark.django_db
def test_an_existing_id_number_in_scope_updates_that_person(
    world, django_capture_on_commit_callbacks
):
    zhang = make_member(
        world.branch1, "张三", birth=date(1980, 5, 4), post="支架工", work_number="W100"
    )
    rows = roster_rows(branches=[world.branch2], count=2, seed=9)
    rows[0].update(
        姓名="张三",
        身份证号=zhang.person.id_number,
        性别="男",
        出生日期=date(1980, 5, 4),
        岗位="区队长",
        工号="",  # an empty cell keeps the old value
        入党日期=date(2004, 7, 1),
        转正日期=date(2005, 7, 1),
    )
    before = snapshot()
    batch = upload(world, rows, django_capture_on_commit_callbacks)
    assert (batch.created_count, batch.updated_count, batch.rejected_rows) == (1, 1, 0)
    confirm(world, batch, django_capture_on_commit_callbacks)

    zhang.person.refresh_from_db()
    zhang.refresh_from_db()
    assert zhang.person.post == "区队长"
    assert zhang.person.work_number == "W100"
    assert zhang.organization == world.branch2 == zhang.person.organization
    change = RecordChange.objects.get(person=zhang.person, source="import")
    assert {c["field"] for c in change.changes} >= {"post", "organization", "joined_on"}

    batch_undo(actor=world.alice, batch=batch)
    assert counts_now() == before[2]
    assert snapshot() == before
    zhang.person.refresh_from_db()
    assert zhang.person.post == "支架工"
    assert RecordChange.objects.filter(person=zhang.person, source="import_undo").exists()


@pytest.mark.django_db
def test_undo_is_refused_when_a_person_changed_after_the_import(
    world, django_capture_on_commit_callbacks
):
    from dangjian.members.services.people import record_save

    rows = roster_rows(branches=[world.branch1], count=3, seed=4)
    batch = confirm(
        world,
        upload(world, rows, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    person = Person.objects.get(pk=batch.records.order_by("row_number").first().person_id)
    record_save(actor=world.alice, person=person, values={"post": "技术员"})
    people = Person.objects.count()

    from dangjian.core.exceptions import ServiceError

    with pytest.raises(ServiceError, match=person.name):
        batch_undo(actor=world.alice, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED
    assert Person.objects.count() == people


@pytest.mark.django_db
def test_an_id_number_registered_in_scope_but_outside_the_batch_is_named(
    world, django_capture_on_commit_callbacks
):
    other = make_member(world.branch2, "李四", birth=date(1990, 1, 2))
    rows = roster_rows(branches=[world.branch1], count=1, seed=2)
    rows[0].update(身份证号=other.person.id_number, 性别="男", 出生日期=date(1990, 1, 2))
    batch = upload(world, rows, django_capture_on_commit_callbacks, organization=world.branch1)
    assert "掘进二队党支部" in batch.errors[0]["message"]
    bob_batch = upload(
        world, rows, django_capture_on_commit_callbacks, actor=world.bob, organization=world.branch1
    )
    assert bob_batch.errors[0]["message"] == "该身份证号已登记在其他党组织，请先办理组织关系转接。"


@pytest.mark.django_db
def test_the_template_round_trips_to_a_valid_row(world, django_capture_on_commit_callbacks):
    """The template's own example row is skipped; a row typed like it imports."""
    from io import BytesIO

    from openpyxl import load_workbook

    from dangjian.members.importing.services import template_workbook

    workbook = load_workbook(BytesIO(template_workbook()))
    assert workbook.sheetnames[:1] == ["党员名册"] and "填写说明" in workbook.sheetnames
    sheet = workbook["党员名册"]
    assert sheet.data_validations.dataValidation  # drop-downs for the choice columns
    example = [cell.value for cell in sheet[2]]
    typed = ["王五", make_id_number("410402", date(1988, 8, 8), 5), *example[2:]]
    for index, value in enumerate(typed, start=1):
        sheet.cell(row=3, column=index, value=value)
    buffer = BytesIO()
    workbook.save(buffer)
    upload_file = SimpleUploadedFile("t.xlsx", buffer.getvalue(), content_type=XLSX)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_upload(actor=world.alice, organization=world.mine, upload=upload_file)
    batch.refresh_from_db()
    assert batch.total_rows == 1, batch.message
    assert batch.rejected_rows == 1  # the example's 出生日期 belongs to the example's ID
    assert batch.errors[0]["column"] == "出生日期"
