"""`/api/v1/work-tasks/`: the assigner's tasks and review, the assignee's list and submit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.office.models import TaskAssignment
from dangjian.office.tests.helpers import assignment_of, open_task, pdf, workbook

BASE = "/api/v1/work-tasks/"


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def test_assigner_lists_tasks_and_reviews(dw, client):
    task = open_task(dw)
    one = assignment_of(task, dw.branch1)
    client.force_login(dw.oscar)
    listing = client.get(BASE).json()
    assert [row["id"] for row in listing["results"]] == [task.pk]
    assert listing["results"][0]["pending_count"] == 2
    detail = client.get(f"{BASE}{task.pk}/").json()
    assert detail["description"] == "请按模板填报。"
    rows = client.get(f"{BASE}{task.pk}/assignments/?status=pending").json()["results"]
    assert len(rows) == 2
    refused = client.post(
        f"{BASE}{task.pk}/review/",
        {"assignment": one.pk, "decision": "accept"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "只有待审核的报送" in refused.json()["error"]["message"]
    client.force_login(dw.dave)
    assert client.get(f"{BASE}{task.pk}/").status_code == 404
    assert client.get(BASE).json()["results"] == []


def test_assignee_submits_with_files_and_the_assigner_returns(dw, client):
    task = open_task(dw, files=True, form=True)
    one = assignment_of(task, dw.branch1)
    client.force_login(dw.bob)
    mine = client.get(f"{BASE}assignments/?tab=todo").json()["results"]
    assert [row["id"] for row in mine] == [one.pk]
    detail = client.get(f"{BASE}assignments/{one.pk}/").json()
    assert [f["purpose"] for f in detail["task_files"]] == ["form"]
    wrong = client.post(
        f"{BASE}assignments/{one.pk}/submit/",
        {"report": "完成", "files": [pdf()], "form": workbook(header=["姓名"])},
    )
    assert wrong.status_code == 400 and "表头" in wrong.json()["error"]["message"]
    done = client.post(
        f"{BASE}assignments/{one.pk}/submit/",
        {"report": "完成", "files": [pdf(), pdf("附件2.pdf")], "form": workbook()},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "submitted"
    assert sorted(f["purpose"] for f in done.json()["files"]) == ["report", "report", "report_form"]
    again = client.post(f"{BASE}assignments/{one.pk}/submit/", {"report": "完成"})
    assert again.status_code == 400  # a repeat changes nothing
    client.force_login(dw.cora)
    assert client.get(f"{BASE}assignments/{one.pk}/").status_code == 404
    client.force_login(dw.oscar)
    returned = client.post(
        f"{BASE}{task.pk}/review/",
        {"assignment": one.pk, "decision": "return", "note": "表格数据不全"},
        content_type="application/json",
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    task.refresh_from_db()
    assert (task.submitted_count, task.returned_count) == (0, 1)


def test_anonymous_and_query_counts(dw, client):
    assert client.get(BASE).status_code in (401, 403)
    client.force_login(dw.bob)
    for _ in range(3):
        open_task(dw, to=[dw.branch1])
    client.get(f"{BASE}assignments/")
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{BASE}assignments/").status_code == 200
    for _ in range(10):
        open_task(dw, to=[dw.branch1])
    with CaptureQueriesContext(connection) as large:
        rows = client.get(f"{BASE}assignments/").json()["results"]
    assert len(rows) == 13
    assert len(large) == len(small)
    assert TaskAssignment.objects.filter(organization=dw.branch1).count() == 13
