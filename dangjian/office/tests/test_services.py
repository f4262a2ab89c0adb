"""工作任务 services: transitions, refusals, counters against a recount, the xlsx header check."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.notifications.models import Notification
from dangjian.office import services
from dangjian.office.forms_xlsx import header_problem, read_header
from dangjian.office.models import TaskAssignment, TaskFile, WorkTask
from dangjian.office.services import TargetSpec
from dangjian.office.tests.helpers import HEADER, assignment_of, open_task, pdf, workbook

Status = TaskAssignment.Status


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def counters(task):
    task.refresh_from_db()
    return {
        "assignees": task.assignee_count,
        "submitted": task.submitted_count,
        "accepted": task.accepted_count,
        "returned": task.returned_count,
    }


def test_open_creates_assignments_and_notifies_handlers(dw):
    task = open_task(dw, subtree=True, org_type="branch")
    # branch1 and branch2 are the mine's branches; the mine itself and groups are not assignees.
    assert set(task.assignments.values_list("organization", flat=True)) == {
        dw.branch1.pk,
        dw.branch2.pk,
    }
    assert task.status == WorkTask.Status.OPEN and task.assignee_count == 2
    assert task.pending_count == 2
    assert "一矿党委下属党支部" in task.target_note or "下属党支部" in task.target_note
    told = set(Notification.objects.filter(category="office").values_list("recipient", flat=True))
    assert {dw.bob.pk, dw.cora.pk} <= told
    assert dw.mia.pk not in told
    assert AuditEntry.objects.filter(action="office.task_open", object_id=str(task.pk)).exists()


def test_whole_subtree_without_type_skips_groups(dw):
    task = open_task(dw, subtree=True, org_type="")
    orgs = set(task.assignments.values_list("organization", flat=True))
    assert orgs == {dw.branch1.pk, dw.branch2.pk}  # 第一党小组 is a 党小组: not included


def test_submit_accept_return_resubmit_move_counters(dw):
    task = open_task(dw)
    one = assignment_of(task, dw.branch1)
    services.assignment_submit(actor=dw.bob, assignment=one, report="已完成", files=[pdf()])
    assert counters(task) == {"assignees": 2, "submitted": 1, "accepted": 0, "returned": 0}
    services.assignment_return(actor=dw.oscar, assignment=one, reason="缺少签字页")
    assert counters(task) == {"assignees": 2, "submitted": 0, "accepted": 0, "returned": 1}
    one.refresh_from_db()
    assert one.status == Status.RETURNED and one.review_note == "缺少签字页"
    assert Notification.objects.filter(recipient=dw.bob, title__startswith="报送被退回").exists()
    services.assignment_submit(actor=dw.bob, assignment=one, report="已补签字页")
    assert counters(task) == {"assignees": 2, "submitted": 1, "accepted": 0, "returned": 0}
    one.refresh_from_db()
    assert one.submit_count == 2
    assert one.files.filter(purpose=TaskFile.Purpose.REPORT).count() == 1  # kept from before
    services.assignment_accept(actor=dw.oscar, assignment=one)
    assert counters(task) == {"assignees": 2, "submitted": 0, "accepted": 1, "returned": 0}
    task.refresh_from_db()
    assert task.pending_count == 1
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"office.assignment_submit", "office.assignment_return", "office.assignment_accept"} <= (
        actions
    )


def test_double_submit_is_refused_and_counts_once(dw):
    task = open_task(dw)
    one = assignment_of(task, dw.branch1)
    services.assignment_submit(actor=dw.bob, assignment=one, report="已完成")
    with pytest.raises(ServiceError, match="已经报送过了"):
        services.assignment_submit(actor=dw.bob, assignment=one, report="已完成")
    assert counters(task)["submitted"] == 1
    one.refresh_from_db()
    assert one.submit_count == 1


def test_counters_equal_a_recount_after_random_operations(dw):
    rng = random.Random(7)
    task = open_task(dw, subtree=True)
    people = {dw.branch1.pk: dw.bob, dw.branch2.pk: dw.cora}
    rows = list(task.assignments.all())
    for _ in range(40):
        row = rng.choice(rows)
        row.refresh_from_db()
        step = rng.choice(["submit", "accept", "return"])
        try:
            if step == "submit":
                services.assignment_submit(
                    actor=people[row.organization_id], assignment=row, report="情况说明"
                )
            elif step == "accept":
                services.assignment_accept(actor=dw.oscar, assignment=row)
            else:
                services.assignment_return(actor=dw.olivia, assignment=row, reason="请补充")
        except ServiceError:
            pass  # not allowed from the current state: nothing changes
        assert counters(task) == services.recount(task)


def test_refusals(dw):
    now = timezone.now()
    data = {"title": "任务", "deadline": now + dt.timedelta(days=1)}
    with pytest.raises(ServiceError, match="没有以"):
        services.task_create(actor=dw.bob, organization=dw.mine, data=data)
    with pytest.raises(ServiceError, match="须晚于现在"):
        services.task_create(
            actor=dw.oscar, organization=dw.mine, data={**data, "deadline": now - dt.timedelta(1)}
        )
    with pytest.raises(ServiceError, match="请填写任务名称"):
        services.task_create(actor=dw.oscar, organization=dw.mine, data={**data, "title": " "})
    task = services.task_create(
        actor=dw.oscar, organization=dw.mine, data={**data, "requires_form": True}
    )
    with pytest.raises(ServiceError, match="请先上传填报表格模板"):
        services.task_open(actor=dw.oscar, task=task, targets=[TargetSpec(dw.branch1)])
    task.requires_form = False
    task.save()
    with pytest.raises(ServiceError, match="不是一矿"):
        services.task_open(actor=dw.oscar, task=task, targets=[TargetSpec(dw.branch3)])
    with pytest.raises(ServiceError, match="请选择承办单位"):
        services.task_open(actor=dw.oscar, task=task, targets=[])
    with pytest.raises(ServiceError, match="没有管理"):
        services.task_open(actor=dw.dave, task=task, targets=[TargetSpec(dw.branch1)])
    assert task.assignments.count() == 0

    opened = open_task(dw)
    with pytest.raises(ServiceError, match="只有草稿"):
        services.task_update(actor=dw.oscar, task=opened, data=data)
    with pytest.raises(ServiceError, match="只有草稿"):
        services.task_delete(actor=dw.oscar, task=opened)
    one = assignment_of(opened, dw.branch1)
    with pytest.raises(ServiceError, match="没有替"):
        services.assignment_submit(actor=dw.cora, assignment=one, report="x")
    with pytest.raises(ServiceError, match="报送说明"):
        services.assignment_submit(actor=dw.bob, assignment=one, report="  ")
    with pytest.raises(ServiceError, match="只有待审核"):
        services.assignment_accept(actor=dw.oscar, assignment=one)
    services.assignment_submit(actor=dw.bob, assignment=one, report="完成")
    with pytest.raises(ServiceError, match="退回原因"):
        services.assignment_return(actor=dw.oscar, assignment=one, reason="")
    with pytest.raises(ServiceError, match="没有管理"):
        services.assignment_accept(actor=dw.bob, assignment=one)
    assert counters(opened)["submitted"] == 1


def test_required_files_and_wrong_file_types(dw):
    task = open_task(dw, files=True)
    one = assignment_of(task, dw.branch1)
    with pytest.raises(ServiceError, match="要求上传材料"):
        services.assignment_submit(actor=dw.bob, assignment=one, report="完成")
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("材料.pdf", b"<html>not a pdf</html>")
    with pytest.raises(ServiceError, match="格式不对"):
        services.assignment_submit(actor=dw.bob, assignment=one, report="完成", files=[fake])
    services.assignment_submit(actor=dw.bob, assignment=one, report="完成", files=[pdf()])
    assert one.files.get().file_kind == "pdf"


def test_form_must_match_the_template_header(dw):
    task = open_task(dw, form=True)
    one = assignment_of(task, dw.branch1)
    with pytest.raises(ServiceError, match="要求填报表格"):
        services.assignment_submit(actor=dw.bob, assignment=one, report="完成")
    wrong = ["姓名", "性别", "出生日期", "备注"]
    with pytest.raises(ServiceError, match="第 C 列的表头是“出生日期”，模板中应为“入党时间”"):
        services.assignment_submit(
            actor=dw.bob, assignment=one, report="完成", form=workbook(header=wrong)
        )
    with pytest.raises(ServiceError, match="第 D 列缺少表头“备注”"):
        services.assignment_submit(
            actor=dw.bob, assignment=one, report="完成", form=workbook(header=HEADER[:3])
        )
    with pytest.raises(ServiceError, match="格式不对"):
        services.assignment_submit(actor=dw.bob, assignment=one, report="完成", form=pdf())
    assert counters(task)["submitted"] == 0
    rows = [("张三", "男", "2001-07-01", "")]
    services.assignment_submit(
        actor=dw.bob, assignment=one, report="完成", form=workbook(rows=rows)
    )
    assert one.files.get().purpose == TaskFile.Purpose.REPORT_FORM


def test_header_helpers():
    assert read_header(workbook()) == HEADER
    assert header_problem(HEADER, HEADER) == ""
    assert "第 E 列“多余”是模板中没有的列" in header_problem(HEADER, [*HEADER, "多余"])
    assert "没有表头" in header_problem(HEADER, [])
    assert read_header(pdf()) == []


def test_template_must_have_a_header_row(dw):
    task = services.task_create(
        actor=dw.oscar,
        organization=dw.mine,
        data={"title": "表格", "deadline": timezone.now() + dt.timedelta(days=2)},
    )
    with pytest.raises(ServiceError, match="第一行是空的"):
        services.task_file_add(
            actor=dw.oscar, task=task, file=workbook(header=None), purpose=TaskFile.Purpose.FORM
        )
    with pytest.raises(ServiceError, match="格式不对"):
        services.task_file_add(actor=dw.oscar, task=task, file=pdf(), purpose=TaskFile.Purpose.FORM)
    services.task_file_add(actor=dw.oscar, task=task, file=workbook(), purpose="form")
    services.task_file_add(actor=dw.oscar, task=task, file=workbook(), purpose="form")
    assert task.files.filter(purpose="form").count() == 1  # replaced


def test_chase_once_a_day(dw):
    now = timezone.now()
    task = open_task(dw, now=now)
    services.assignment_submit(
        actor=dw.bob, assignment=assignment_of(task, dw.branch1), report="完成"
    )
    assert services.task_chase(actor=dw.oscar, task=task, now=now) == 1
    assert services.task_chase(actor=dw.oscar, task=task, now=now) == 0
    two = assignment_of(task, dw.branch2)
    assert two.chase_count == 1
    assert Notification.objects.filter(recipient=dw.cora, title__startswith="催报").count() == 1
    assert not Notification.objects.filter(recipient=dw.bob, title__startswith="催报").exists()
    assert services.task_chase(actor=dw.oscar, task=task, now=now + dt.timedelta(days=1)) == 1
    with pytest.raises(ServiceError):
        services.task_chase(actor=dw.cora, task=task, now=now)


def test_close_and_cancel(dw):
    task = open_task(dw)
    one = assignment_of(task, dw.branch1)
    services.task_close(actor=dw.oscar, task=task)
    with pytest.raises(ServiceError, match="已结束"):
        services.assignment_submit(actor=dw.bob, assignment=one, report="完成")
    other = open_task(dw, "另一项任务")
    with pytest.raises(ServiceError, match="撤销原因"):
        services.task_cancel(actor=dw.oscar, task=other, reason="")
    services.task_cancel(actor=dw.oscar, task=other, reason="重复下达")
    assert set(other.assignments.values_list("status", flat=True)) == {Status.CANCELLED}
    told = Notification.objects.filter(recipient=dw.bob, title__startswith="工作任务已撤销")
    assert told.exists()


def test_delete_draft_removes_its_files(dw):
    task = services.task_create(
        actor=dw.oscar,
        organization=dw.mine,
        data={"title": "草稿", "deadline": timezone.now() + dt.timedelta(days=2)},
    )
    stored = services.task_file_add(actor=dw.oscar, task=task, file=pdf(), purpose="reference")
    name = stored.file.name
    services.task_delete(actor=dw.oscar, task=task)
    assert not WorkTask.objects.filter(pk=task.pk).exists()
    assert not stored.file.storage.exists(name)
