"""Excel export: a task writes a real .xlsx of the current filter; only its owner downloads it."""

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.exports import HEADERS
from dangjian.audit.models import AuditEntry
from dangjian.audit.services import audit_export_start, audit_log
from dangjian.audit.tests.helpers import write_entries
from dangjian.core.models import Job


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def _start(client, data, capture):
    with capture(execute=True):
        response = client.post(reverse("audit:export"), data)
    return response, Job.objects.filter(kind="audit.export").latest("created_at")


def _rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_export_of_the_current_filter_makes_a_matching_workbook(
    client, world, django_capture_on_commit_callbacks
):
    write_entries(3, actor=world.alice, organization=world.branch1)
    audit_log(actor=world.dave, action="accounts.login", organization=world.branch3)
    failed = audit_log(actor=None, action="accounts.login_failed", obj=world.alice, success=False)
    client.force_login(world.auditor)
    response, job = _start(
        client, {"organization": world.mine.pk}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    assert job.owner == world.auditor
    assert job.result_url == reverse("audit:export_download", args=[job.pk])
    assert job.done == job.total == 3

    download = client.get(job.result_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert ".xlsx" in download["Content-Disposition"]
    rows = _rows(b"".join(download.streaming_content))
    assert rows[0] == HEADERS
    expected = AuditEntry.objects.filter(organization_path__startswith=world.mine.path)
    assert [row[0] for row in rows[1:]] == list(
        expected.order_by("-id").values_list("id", flat=True)
    )
    first = rows[1]
    assert first[2] == str(world.alice) and first[4] == "修改党组织"
    assert first[9] == world.branch1.name
    assert failed.pk not in [row[0] for row in rows[1:]]


def test_starting_and_downloading_an_export_are_audit_entries(
    client, world, django_capture_on_commit_callbacks
):
    write_entries(2)
    client.force_login(world.auditor)
    _, job = _start(client, {"result": "success"}, django_capture_on_commit_callbacks)
    started = AuditEntry.objects.get(action="audit.export")
    assert started.actor == world.auditor
    assert started.after == {"filters": {"result": "success"}}
    client.get(reverse("audit:export_download", args=[job.pk]))
    downloaded = AuditEntry.objects.get(action="audit.download_export")
    assert downloaded.object_id == str(job.pk)


def test_the_file_has_a_random_name_in_storage(client, world, django_capture_on_commit_callbacks):
    write_entries(1)
    client.force_login(world.auditor)
    _, job = _start(client, {}, django_capture_on_commit_callbacks)
    name = job.params["file"]
    assert name.startswith("audit-exports/") and len(name) > 40
    assert default_storage.exists(name)


def test_values_that_look_like_formulas_stay_text(
    client, world, django_capture_on_commit_callbacks
):
    entry = audit_log(
        actor=world.alice, action="orgs.organization_update", object_repr="=HYPERLINK(1)"
    )
    client.force_login(world.auditor)
    _, job = _start(client, {}, django_capture_on_commit_callbacks)
    with default_storage.open(job.params["file"], "rb") as handle:
        sheet = load_workbook(handle).active
    assert sheet.cell(row=2, column=1).value == entry.pk  # the export's own entry comes later
    cell = sheet.cell(row=2, column=HEADERS.index("对象名称") + 1)
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")


def test_only_the_owner_downloads(client, world, django_capture_on_commit_callbacks):
    from dangjian.core.testing.world import grant, make_user

    write_entries(1)
    client.force_login(world.auditor)
    _, job = _start(client, {}, django_capture_on_commit_callbacks)
    url = reverse("audit:export_download", args=[job.pk])
    other_auditor = make_user("auditor2", "另一位审计员")
    grant(other_auditor, "audit_admin", world.group)
    for user in (other_auditor, world.sysadmin, world.secadmin, world.charlie):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(world.auditor)
    assert client.get(url).status_code == 200


def test_an_unfinished_or_foreign_job_is_not_downloadable(client, world):
    from dangjian.core.jobs import job_create

    client.force_login(world.auditor)
    queued = job_create(owner=world.auditor, kind="audit.export", title="x", params={"file": "a"})
    other_kind = job_create(owner=world.auditor, kind="orgs.import", title="x", params={})
    for job in (queued, other_kind):
        assert client.get(reverse("audit:export_download", args=[job.pk])).status_code == 404


def test_an_invalid_filter_starts_no_export(client, world):
    client.force_login(world.auditor)
    response = client.post(reverse("audit:export"), {"date_from": "not a date"})
    assert response.status_code == 302
    assert not Job.objects.filter(kind="audit.export").exists()
    assert not AuditEntry.objects.filter(action="audit.export").exists()


def test_an_owner_who_lost_the_permission_gets_a_failed_job(
    world, django_capture_on_commit_callbacks
):
    from dangjian.accounts.models import RoleAssignment
    from dangjian.audit.tasks import export_entries_task

    with django_capture_on_commit_callbacks(execute=False):
        job = audit_export_start(actor=world.auditor, filters={})
    RoleAssignment.objects.filter(user=world.auditor).delete()
    world.auditor.refresh_from_db()
    export_entries_task.enqueue(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "权限" in job.message


def test_exported_workbooks_are_deleted_after_a_week(
    client, world, django_capture_on_commit_callbacks
):
    import datetime

    import time_machine
    from django.utils import timezone

    from dangjian.audit.sweeps import expire_exported_workbooks

    write_entries(1)
    client.force_login(world.auditor)
    _, job = _start(client, {}, django_capture_on_commit_callbacks)
    name = job.params["file"]
    download = reverse("audit:export_download", args=[job.pk])
    expire_exported_workbooks(now=timezone.now() + datetime.timedelta(days=6))
    assert default_storage.exists(name)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        expire_exported_workbooks(now=timezone.now())
        client.force_login(world.auditor)
        assert client.get(download).status_code == 404
    assert not default_storage.exists(name)
    job.refresh_from_db()
    assert job.result_url == ""
    assert "已删除" in job.message
