"""工作任务 pages: the flow through the pages, the permission matrix, query counts, exports."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.office.models import TaskAssignment, WorkTask
from dangjian.office.tests.helpers import HEADER, assignment_of, open_task, pdf, workbook
from dangjian.orgs.models import Organization, OrgType


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _token(response) -> str:
    return response.context["form_token"]


def test_assigner_creates_uploads_and_opens_through_the_pages(dw, client):
    client.force_login(dw.oscar)
    page = client.get(reverse("office:task_new"))
    assert page.status_code == 200
    deadline = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("office:task_new"),
        {
            "form_token": _token(page),
            "organization": dw.mine.pk,
            "title": "报送党员信息",
            "description": "按模板填写",
            "deadline": deadline,
            "requires_form": "on",
        },
    )
    task = WorkTask.objects.get(title="报送党员信息")
    assert response.status_code == 302 and task.requires_form
    detail = reverse("office:task_detail", args=[task.pk])
    page = client.get(detail)
    assert "选择承办单位并下达" in page.content.decode()
    client.post(
        reverse("office:task_file_upload", args=[task.pk]),
        {"form_token": _token(page), "purpose": "form", "file": workbook()},
    )
    assert task.files.filter(purpose="form").count() == 1
    page = client.get(detail)
    response = client.post(
        reverse("office:task_open", args=[task.pk]),
        {"form_token": _token(page), "mode": "all", "org_type": "branch"},
        follow=True,
    )
    assert "任务已下达给 2 个承办单位" in response.content.decode()
    page = client.get(detail)
    html = page.content.decode()
    assert 'data-testid="count-assignees">2<' in html
    assert html.count('data-testid="assignment-row"') == 2


def test_refused_open_shows_the_message_and_changes_nothing(dw, client):
    client.force_login(dw.oscar)
    task = WorkTask.objects.create(
        organization=dw.mine,
        title="草稿",
        deadline=timezone.now() + dt.timedelta(days=1),
        requires_form=True,
        created_by=dw.oscar,
    )
    response = client.post(
        reverse("office:task_open", args=[task.pk]), {"mode": "all", "org_type": ""}, follow=True
    )
    assert "请先上传填报表格模板" in response.content.decode()
    task.refresh_from_db()
    assert task.status == WorkTask.Status.DRAFT and task.assignee_count == 0


def test_assignee_submits_and_double_post_is_harmless(dw, client):
    task = open_task(dw, files=True)
    one = assignment_of(task, dw.branch1)
    client.force_login(dw.bob)
    mine = client.get(reverse("office:assignments"))
    assert task.title in mine.content.decode()
    page = client.get(reverse("office:assignment", args=[one.pk]))
    token = _token(page)
    url = reverse("office:assignment_submit", args=[one.pk])
    first = client.post(url, {"form_token": token, "report": "已完成", "files": [pdf()]})
    second = client.post(url, {"form_token": token, "report": "已完成", "files": [pdf()]})
    assert first.status_code == 302 and second.status_code == 302
    one.refresh_from_db()
    task.refresh_from_db()
    assert one.status == TaskAssignment.Status.SUBMITTED and one.submit_count == 1
    assert task.submitted_count == 1
    # A refusal (missing report text) re-renders the form with the message.
    two = assignment_of(task, dw.branch2)
    client.force_login(dw.cora)
    page = client.get(reverse("office:assignment", args=[two.pk]))
    response = client.post(
        reverse("office:assignment_submit", args=[two.pk]),
        {"form_token": _token(page), "report": "已完成"},
    )
    assert response.status_code == 400
    assert "这项任务要求上传材料" in response.content.decode()


def test_review_return_then_accept_through_the_pages(dw, client):
    task = open_task(dw)
    one = assignment_of(task, dw.branch1)
    from dangjian.office import services

    services.assignment_submit(actor=dw.bob, assignment=one, report="完成情况")
    client.force_login(dw.olivia)
    page = client.get(reverse("office:submission", args=[one.pk]))
    assert "完成情况" in page.content.decode()
    url = reverse("office:submission_action", args=[one.pk, "return"])
    response = client.post(url, {"form_token": _token(page), "note": ""}, follow=True)
    assert "请填写退回原因" in response.content.decode()
    client.post(url, {"form_token": _token(page), "note": "请补充数据"})
    one.refresh_from_db()
    assert one.status == TaskAssignment.Status.RETURNED
    client.force_login(dw.bob)
    page = client.get(reverse("office:assignment", args=[one.pk]))
    assert "请补充数据" in page.content.decode()


def test_chase_close_and_export(dw, client):
    task = open_task(dw)
    client.force_login(dw.oscar)
    detail = reverse("office:task_detail", args=[task.pk])
    page = client.get(detail)
    response = client.post(
        reverse("office:task_action", args=[task.pk, "chase"]),
        {"form_token": _token(page)},
        follow=True,
    )
    assert "已向 2 个未报送的单位发出催报" in response.content.decode()
    export = client.get(reverse("office:task_export", args=[task.pk]))
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert names == [dw.branch1.name, dw.branch2.name]
    assert AuditEntry.objects.filter(action="office.task_export").exists()
    client.post(reverse("office:task_action", args=[task.pk, "close"]), {"form_token": "0" * 32})
    task.refresh_from_db()
    assert task.status == WorkTask.Status.CLOSED


def test_merge_forms_inline(dw, client):
    from dangjian.office import services

    task = open_task(dw, form=True)
    rows1 = [("张三", "男", "2001-07-01", ""), ("李四", "女", "2010-06-30", "预备转正")]
    rows2 = [("王五", "男", "1999-12-01", "")]
    for org, user, rows in ((dw.branch1, dw.bob, rows1), (dw.branch2, dw.cora, rows2)):
        services.assignment_submit(
            actor=user,
            assignment=assignment_of(task, org),
            report="见表",
            form=workbook(rows=rows),
        )
    client.force_login(dw.oscar)
    response = client.post(reverse("office:task_merge", args=[task.pk]), {"form_token": "1" * 32})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == ["序号", "党组织", *HEADER]
    assert [(row[0], row[1], row[2]) for row in values[1:]] == [
        (1, dw.branch1.name, "张三"),
        (2, dw.branch1.name, "李四"),
        (3, dw.branch2.name, "王五"),
    ]


def test_merge_job_for_many_forms(dw, client, monkeypatch, django_capture_on_commit_callbacks):
    """More forms than the inline limit go through a job (tasks run at once in tests)."""
    from dangjian.office import exports, services

    task = open_task(dw, form=True)
    services.assignment_submit(
        actor=dw.bob,
        assignment=assignment_of(task, dw.branch1),
        report="见表",
        form=workbook(rows=[("张三", "男", "2001-07-01", "")]),
    )
    monkeypatch.setattr(exports, "INLINE_LIMIT", 0)
    client.force_login(dw.oscar)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("office:task_merge", args=[task.pk]), {"form_token": "2" * 32}
        )
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    from dangjian.core.models import Job

    job = Job.objects.get(kind=exports.JOB_KIND)
    assert job.status == Job.Status.DONE, job.message
    download = client.get(job.result_url)
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.values)
    assert rows[1][1] == dw.branch1.name
    client.force_login(dw.olivia)  # the job is its owner's
    assert client.get(job.result_url).status_code == 404


# ------------------------------------------------------------------ permission matrix


def test_matrix_task_pages(dw, client):
    task = open_task(dw)
    one = assignment_of(task, dw.branch1)
    for name, args in (
        ("office:task_detail", [task.pk]),
        ("office:task_export", [task.pk]),
        ("office:submission", [one.pk]),
    ):
        assert_access_matrix(
            client,
            url=reverse(name, args=args),
            in_scope=dw.oscar,
            out_of_scope=dw.dave,
            no_role=dw.charlie,
        )
    # The assignee does not see the assigner's pages.
    client.force_login(dw.bob)
    assert client.get(reverse("office:task_detail", args=[task.pk])).status_code == 404
    assert client.get(reverse("office:task_new")).status_code == 404


def test_matrix_assignment_pages_and_writes(dw, client):
    task = open_task(dw)
    one = assignment_of(task, dw.branch1)
    assert_access_matrix(
        client,
        url=reverse("office:assignment", args=[one.pk]),
        in_scope=dw.bob,
        out_of_scope=dw.cora,
        no_role=dw.charlie,
    )

    def state():
        return list(TaskAssignment.objects.values_list("pk", "status", "submit_count"))

    assert_access_matrix(
        client,
        url=reverse("office:assignment_submit", args=[one.pk]),
        method="post",
        data={"report": "完成", "form_token": "3" * 32},
        in_scope=dw.bob,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
        state=state,
        expect={"in_scope": 302},
    )
    assert_access_matrix(
        client,
        url=reverse("office:submission_action", args=[one.pk, "accept"]),
        method="post",
        data={"form_token": "4" * 32},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,
        state=state,
        expect={"in_scope": 302},
    )
    one.refresh_from_db()
    assert one.status == TaskAssignment.Status.ACCEPTED
    assert_access_matrix(
        client,
        url=reverse("office:task_action", args=[task.pk, "close"]),
        method="post",
        data={"form_token": "5" * 32},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,
        state=lambda: list(WorkTask.objects.values_list("pk", "status")),
        expect={"in_scope": 302},
    )


def test_files_are_scoped(dw, client):
    from dangjian.office import services

    task = open_task(dw, form=True)
    template = task.files.get(purpose="form")
    one = assignment_of(task, dw.branch1)
    services.assignment_submit(actor=dw.bob, assignment=one, report="见表", form=workbook())
    report = one.files.get()
    url = reverse("office:file", args=[template.pk])
    for user, code in ((dw.bob, 200), (dw.cora, 200), (dw.oscar, 200), (dw.dave, 404)):
        client.force_login(user)
        assert client.get(url).status_code == code, user
    url = reverse("office:file", args=[report.pk])
    for user, code in ((dw.bob, 200), (dw.oscar, 200), (dw.cora, 404), (dw.charlie, 404)):
        client.force_login(user)
        assert client.get(url).status_code == code, user


def test_list_pages_for_people_without_a_role(dw, client):
    client.force_login(dw.charlie)
    assert client.get(reverse("office:tasks")).status_code == 404
    assert client.get(reverse("office:assignments")).status_code == 404
    client.force_login(dw.bob)  # handles only: sent to the assignments
    response = client.get(reverse("office:tasks"))
    assert response.status_code == 302 and response["Location"] == reverse("office:assignments")


# ------------------------------------------------------------------ query counts


def _tasks(dw, count: int, organization=None):
    now = timezone.now()
    rows = WorkTask.objects.bulk_create(
        WorkTask(
            organization=dw.mine,
            title=f"任务{i}",
            deadline=now + dt.timedelta(days=2),
            status=WorkTask.Status.OPEN,
            opened_at=now,
            created_by=dw.oscar,
            assignee_count=1,
        )
        for i in range(count)
    )
    if organization is not None:
        TaskAssignment.objects.bulk_create(
            TaskAssignment(task=task, organization=organization) for task in rows
        )
    return rows


def _queries(client, url) -> int:
    client.get(url)  # the first request of a session loads more (session, scope)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_task_list_queries_do_not_grow(dw, client):
    client.force_login(dw.oscar)
    _tasks(dw, 3)
    small = _queries(client, reverse("office:tasks"))
    _tasks(dw, 27)
    assert _queries(client, reverse("office:tasks")) == small


def test_my_assignments_queries_do_not_grow(dw, client):
    client.force_login(dw.bob)
    _tasks(dw, 3, organization=dw.branch1)
    small = _queries(client, reverse("office:assignments"))
    _tasks(dw, 27, organization=dw.branch1)
    assert _queries(client, reverse("office:assignments")) == small


def test_task_table_queries_do_not_grow(dw, client):
    task = _tasks(dw, 1)[0]
    client.force_login(dw.oscar)
    branches = [
        Organization.objects.add_child(
            dw.mine, {"org_type": OrgType.BRANCH, "name": f"测试{i}党支部", "code": f"T-{i}"}
        )
        for i in range(30)
    ]
    TaskAssignment.objects.bulk_create(
        TaskAssignment(task=task, organization=org) for org in branches[:3]
    )
    url = reverse("office:task_detail", args=[task.pk])
    small = _queries(client, url)
    TaskAssignment.objects.bulk_create(
        TaskAssignment(task=task, organization=org) for org in branches[3:]
    )
    assert _queries(client, url) == small


def test_open_to_picked_organizations(dw, client):
    client.force_login(dw.oscar)
    task = WorkTask.objects.create(
        organization=dw.mine,
        title="指定单位的任务",
        deadline=timezone.now() + dt.timedelta(days=1),
        created_by=dw.oscar,
    )
    url = reverse("office:task_open", args=[task.pk])
    page = client.get(reverse("office:task_detail", args=[task.pk]))
    assert "第一党小组（党小组）" in page.content.decode()  # indented under its branch
    outside = client.post(url, {"mode": "pick", "organizations": [dw.branch3.pk]}, follow=True)
    assert "不在可用的选项中" in outside.content.decode()
    assert task.assignments.count() == 0
    client.post(url, {"mode": "pick", "organizations": [dw.branch2.pk], "org_type": "branch"})
    assert list(task.assignments.values_list("organization", flat=True)) == [dw.branch2.pk]
