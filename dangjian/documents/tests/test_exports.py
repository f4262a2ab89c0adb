"""Excel of the 发文登记簿, the 收文登记簿 and the timeliness statistics, read back with
openpyxl: the rows, the filters, the scope, the cap and the audit entry."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.core.models import Job
from dangjian.documents import exports
from dangjian.documents.models import Receipt
from dangjian.documents.testing import issue_now

TZ = ZoneInfo("Asia/Shanghai")
ISSUED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


@pytest.fixture
def dw(module_dw, db):
    return module_dw


@pytest.fixture
def two(dw):
    first = issue_now(
        dw, "关于开展主题党日活动的通知", to=[dw.branch1, dw.branch2], issued_at=ISSUED
    )
    second = issue_now(
        dw,
        "关于报送学习情况的通知",
        to=[dw.branch1],
        reply_required=True,
        deadline=dt.date(2026, 11, 9),
        issued_at=ISSUED + dt.timedelta(days=1),
    )
    Receipt.objects.filter(document=first, organization=dw.branch1).update(
        status=Receipt.Status.SIGNED, signed_at=ISSUED + dt.timedelta(hours=1), signed_by=dw.bob
    )
    return first, second


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)) if response.streaming
                         else io.BytesIO(response.content))  # fmt: skip
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_outgoing_register(client, dw, two):
    client.force_login(dw.oscar)
    rows = _sheet(client.get(reverse("documents:outgoing_export")))
    assert rows[0][0].startswith("导出人：欧阳晓")
    assert rows[1][0] == "共 2 条。"
    header = rows[2]
    assert header[:4] == ["序号", "发文字号", "文种", "标题"]
    body = [dict(zip(header, row, strict=False)) for row in rows[3:]]
    assert [row["标题"] for row in body] == ["关于报送学习情况的通知", "关于开展主题党日活动的通知"]
    assert body[1]["收文单位数"] == 2 and body[1]["状态"] == "已发文"
    assert body[1]["发文字号"].startswith("一矿党〔2026〕")
    assert body[0]["办理期限"] == "2026-11-09"
    entry = AuditEntry.objects.filter(action="documents.register_export").latest("pk")
    assert entry.after["rows"] == 2 and entry.object_repr == "发文登记簿"


def test_outgoing_register_takes_the_pages_filters(client, dw, two):
    client.force_login(dw.oscar)
    rows = _sheet(client.get(reverse("documents:outgoing_export") + "?q=报送&tab=issued"))
    assert [row[3] for row in rows[3:]] == ["关于报送学习情况的通知"]
    rows = _sheet(client.get(reverse("documents:outgoing_export") + "?tab=draft&year=x"))
    assert rows[3:] == []


def test_another_mines_office_exports_none_of_the_mines_documents(client, dw, two):
    client.force_login(dw.dave)
    rows = _sheet(client.get(reverse("documents:outgoing_export")))
    assert rows[1][0] == "共 0 条。" and rows[3:] == []


@pytest.mark.parametrize("who", ["bob", "charlie", "mia"])
def test_no_export_permission_is_404(client, dw, two, who):
    client.force_login(getattr(dw, who))
    assert client.get(reverse("documents:outgoing_export")).status_code == 404
    assert client.get(reverse("documents:timeliness_export")).status_code == 404
    assert not AuditEntry.objects.filter(action="documents.register_export").exists()


def test_inbox_register_of_a_branch(client, dw, two):
    client.force_login(dw.bob)
    rows = _sheet(client.get(reverse("documents:inbox_export")))
    header = rows[2]
    body = [dict(zip(header, row, strict=False)) for row in rows[3:]]
    assert sorted(row["标题"] for row in body) == [
        "关于开展主题党日活动的通知",
        "关于报送学习情况的通知",
    ]
    signed = next(row for row in body if row["标题"] == "关于开展主题党日活动的通知")
    assert signed["签收人"] == dw.bob.display_name
    assert signed["签收时间"] == "2026-11-02 10:00"
    assert signed["收文单位（人）"] == "综采一队党支部"
    assert signed["状态"] == "已签收"
    rows = _sheet(client.get(reverse("documents:inbox_export") + "?tab=sign"))
    assert [row[5] for row in rows[3:]] == ["关于报送学习情况的通知"]
    client.force_login(dw.charlie)
    assert client.get(reverse("documents:inbox_export")).status_code == 404


def test_a_big_register_is_written_in_the_background(
    client, dw, two, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "MAX_ROWS", 1)
    client.force_login(dw.oscar)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("documents:outgoing_export"))
    job = Job.objects.filter(owner=dw.oscar, kind=exports.JOB_KIND).latest("created_at")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.params["rows"] == 2
    download = reverse("documents:register_download", args=[job.pk])
    assert job.result_url == download
    rows = _sheet(client.get(download))
    assert rows[1][0] == "共 2 条。" and len(rows[3:]) == 2
    actions = AuditEntry.objects.filter(object_id=str(job.pk)).values_list("action", flat=True)
    assert sorted(actions) == ["documents.register_download", "documents.register_export"]
    client.force_login(dw.olivia)  # a job is its owner's
    assert client.get(download).status_code == 404
    assert exports.register_files_expire(now=job.created_at + dt.timedelta(days=8)) == 1
    client.force_login(dw.oscar)
    assert client.get(download).status_code == 404


def test_timeliness_export(client, dw, two):
    client.force_login(dw.oscar)
    url = reverse("documents:timeliness_export") + "?period=month&year=2026&month=11"
    rows = _sheet(client.get(url))
    assert "2026年11月" in rows[1][0]
    header = rows[2]
    body = [dict(zip(header, row, strict=False)) for row in rows[3:]]
    assert [(row["收文单位"], row["收文数"], row["已签收"]) for row in body] == [
        ("综采一队党支部", 2, 1),
        ("掘进二队党支部", 1, 0),
    ]
    assert body[0]["签收及时率（%）"] == 50.0
    entry = AuditEntry.objects.filter(action="documents.timeliness_export").latest("pk")
    assert entry.after["rows"] == 2
