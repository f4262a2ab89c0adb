"""Excel export of the filtered member list: masked by default, full only when allowed, audited,
watermarked, only the scope's members, and downloadable by its owner alone."""

import io
from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.core.models import Job
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import grant, make_user
from dangjian.members.exporting import (
    COLUMNS,
    EXPORT_JOB_KIND,
    member_export_task,
    member_exports_expire,
)
from dangjian.members.models import Gender
from dangjian.members.tests.factories import make_member

EXPORT = reverse("members:export")
ID_COLUMN = 1 + [header for header, _, _ in COLUMNS].index("公民身份号码")
MOBILE_COLUMN = 1 + [header for header, _, _ in COLUMNS].index("手机号")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


@pytest.fixture
def roster(world):
    world.zhang = make_member(world.branch1, "张三", address="河南省平顶山市新华区矿工路1号")
    world.li = make_member(world.branch1, "李四", gender=Gender.FEMALE, birth=date(1990, 3, 8))
    world.wang = make_member(world.branch2, "王五")
    world.outsider = make_member(world.branch3, "二矿党员")
    return world


def start(client, capture, query="", **post):
    """POST the confirmation form (with its one-time key) and run the task on commit."""
    post.setdefault("request_key", "key-1")
    with capture(execute=True):
        response = client.post(f"{EXPORT}?{query}", post)
    return response


def workbook_rows(client, job) -> list[tuple]:
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    response = client.get(job.result_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def names_in(rows) -> set[str]:
    return {row[1] for row in rows[3:]}


def latest_job():
    return Job.objects.filter(kind=EXPORT_JOB_KIND).latest("created_at")


def test_the_confirmation_page_answers_by_role(client, roster):
    assert_access_matrix(
        client,
        url=f"{EXPORT}?org={roster.mine.pk}",
        in_scope=roster.alice,
        out_of_scope=roster.dave,  # the organisation is not among dave's choices: as missing
        no_role=roster.charlie,
        expect={"no_role": 403, "out_of_scope": 400},
    )


def test_refused_posts_start_nothing(client, roster):
    assert_access_matrix(
        client,
        url=f"{EXPORT}?org={roster.mine.pk}",
        method="post",
        data={"request_key": "k"},
        in_scope=roster.alice,
        out_of_scope=roster.dave,
        no_role=roster.charlie,
        expect={"no_role": 403, "out_of_scope": 400, "in_scope": 302},
        state=lambda: (Job.objects.count(), AuditEntry.objects.count()),
    )


def test_the_confirmation_page_shows_the_count_and_the_filters(client, roster):
    client.force_login(roster.alice)
    response = client.get(f"{EXPORT}?org={roster.branch1.pk}&gender=female")
    content = response.content.decode()
    assert 'data-testid="export-rows">1<' in content
    assert "综采一队党支部" in content and "女" in content
    assert "导出完整身份证号和手机号（将记录审计）" in content
    client.force_login(roster.bob)
    response = client.get(EXPORT)
    assert "导出完整身份证号和手机号" not in response.content.decode()


def test_the_export_is_masked_by_default_and_watermarked(
    client, roster, django_capture_on_commit_callbacks
):
    client.force_login(roster.bob)
    response = start(client, django_capture_on_commit_callbacks)
    job = latest_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    rows = workbook_rows(client, job)
    assert rows[0][0].startswith("导出人：鲍勃（bob） 导出时间：")
    assert date.today().isoformat() in rows[0][0]
    assert rows[0][0].endswith("仅限内部工作使用")
    assert rows[1][0] == "身份证号、手机号已脱敏显示。"
    assert rows[2][:3] == ("序号", "姓名", "性别")
    assert names_in(rows) == {"张三", "李四"}
    everything = repr(rows)
    zhang = roster.zhang.person
    assert zhang.id_number not in everything
    assert zhang.mobile not in everything
    assert "矿工路" not in everything  # the address is never exported
    row = next(row for row in rows[3:] if row[1] == "张三")
    assert row[ID_COLUMN] == zhang.id_number[:6] + "********" + zhang.id_number[-4:]
    assert row[MOBILE_COLUMN] == zhang.mobile[:3] + "****" + zhang.mobile[-4:]
    download = client.get(job.result_url)
    assert date.today().strftime("%Y%m%d") in download["Content-Disposition"]


def test_full_values_need_the_reveal_permission_and_are_audited(
    client, roster, django_capture_on_commit_callbacks
):
    client.force_login(roster.alice)
    start(client, django_capture_on_commit_callbacks, f"org={roster.branch1.pk}", full="1")
    job = latest_job()
    rows = workbook_rows(client, job)
    assert roster.zhang.person.id_number in repr(rows)
    assert roster.zhang.person.mobile in repr(rows)
    assert "完整身份证号和手机号" in rows[1][0]
    entry = AuditEntry.objects.get(action="members.export")
    assert entry.actor == roster.alice
    assert entry.after == {"filters": {"org": str(roster.branch1.pk)}, "rows": 2, "full": True}
    assert roster.zhang.person.id_number not in repr(entry.after) + entry.message
    assert AuditEntry.objects.filter(action="members.export_download").count() == 1


def test_a_secretary_without_the_reveal_permission_is_refused_full_values(
    client, roster, django_capture_on_commit_callbacks
):
    client.force_login(roster.bob)
    response = start(client, django_capture_on_commit_callbacks, full="1")
    assert response.status_code == 200
    assert "不能导出完整的身份证号和手机号" in response.content.decode()
    assert not Job.objects.filter(kind=EXPORT_JOB_KIND).exists()
    assert not AuditEntry.objects.filter(action="members.export").exists()


def test_full_values_need_the_reveal_permission_over_every_exported_member(
    client, roster, django_capture_on_commit_callbacks
):
    eve = make_user("eve", "伊芙")
    grant(eve, "branch_secretary", roster.mine)  # exports the whole mine, reveals nothing
    grant(eve, "org_department", roster.branch1)  # reveals branch 1 only
    client.force_login(eve)
    response = start(client, django_capture_on_commit_callbacks, full="1")
    assert "不能导出完整的身份证号和手机号" in response.content.decode()
    assert not Job.objects.exists()
    start(
        client,
        django_capture_on_commit_callbacks,
        f"org={roster.branch1.pk}",
        full="1",
        request_key="key-2",
    )
    assert roster.zhang.person.id_number in repr(workbook_rows(client, latest_job()))


def test_every_export_is_audited_with_its_filters_rows_and_masking(
    client, roster, django_capture_on_commit_callbacks
):
    client.force_login(roster.alice)
    start(client, django_capture_on_commit_callbacks, "gender=female&q=")
    entry = AuditEntry.objects.get(action="members.export")
    assert entry.after == {"filters": {"gender": "female"}, "rows": 1, "full": False}
    assert "脱敏" in entry.message


def test_the_filters_of_the_list_are_respected(client, roster, django_capture_on_commit_callbacks):
    client.force_login(roster.alice)
    start(client, django_capture_on_commit_callbacks, "gender=female")
    assert names_in(workbook_rows(client, latest_job())) == {"李四"}
    start(
        client,
        django_capture_on_commit_callbacks,
        f"org={roster.branch2.pk}",
        request_key="key-2",
    )
    assert names_in(workbook_rows(client, latest_job())) == {"王五"}
    start(client, django_capture_on_commit_callbacks, "q=zs", request_key="key-3")
    assert names_in(workbook_rows(client, latest_job())) == {"张三"}


def test_a_member_out_of_scope_is_never_in_the_file(
    client, roster, django_capture_on_commit_callbacks
):
    client.force_login(roster.alice)
    start(client, django_capture_on_commit_callbacks, "status=all")
    names = names_in(workbook_rows(client, latest_job()))
    assert names == {"张三", "李四", "王五"}
    start(
        client,
        django_capture_on_commit_callbacks,
        f"org={roster.branch3.pk}",
        request_key="key-2",
    )
    assert Job.objects.count() == 1  # an organisation outside the scope exports nothing


def test_a_double_click_starts_one_export(client, roster, django_capture_on_commit_callbacks):
    client.force_login(roster.alice)
    first = start(client, django_capture_on_commit_callbacks)
    second = start(client, django_capture_on_commit_callbacks)
    assert first["Location"] == second["Location"]
    assert Job.objects.filter(kind=EXPORT_JOB_KIND).count() == 1
    assert AuditEntry.objects.filter(action="members.export").count() == 1


def test_an_empty_selection_is_refused_with_a_message(
    client, roster, django_capture_on_commit_callbacks
):
    client.force_login(roster.alice)
    response = start(client, django_capture_on_commit_callbacks, "q=不存在的人")
    assert "没有符合筛选条件的党员" in response.content.decode()
    assert not Job.objects.exists()


def test_only_the_owner_downloads_the_file(client, roster, django_capture_on_commit_callbacks):
    client.force_login(roster.bob)
    start(client, django_capture_on_commit_callbacks)
    job = latest_job()
    for other in (roster.alice, roster.dave, roster.charlie):
        client.force_login(other)
        assert client.get(job.result_url).status_code == 404
    client.logout()
    assert client.get(job.result_url).status_code == 302
    client.force_login(roster.bob)
    assert client.get(job.result_url).status_code == 200


def test_the_export_runs_a_fixed_number_of_queries_whatever_the_rows(roster):
    def queries_for(job):
        with CaptureQueriesContext(connection) as queries:
            member_export_task.call(str(job.pk))
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.message
        return len(queries)

    def job_of(user):
        return Job.objects.create(
            owner=user,
            kind=EXPORT_JOB_KIND,
            title="导出党员名册",
            params={
                "filters": {},
                "full": False,
                "file": f"member-exports/{user.pk}-{date.today()}",
            },
        )

    few = queries_for(job_of(roster.alice))
    for number in range(6):
        make_member(roster.branch2, f"新党员{number}", party_group=None)
    many = queries_for(job_of(roster.alice))
    assert many == few


def test_old_files_are_deleted_after_the_retention(
    client, roster, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(roster.bob)
    start(client, django_capture_on_commit_callbacks)
    job = latest_job()
    name = job.params["file"]
    assert default_storage.exists(name)
    assert member_exports_expire(now=timezone.now() + timedelta(days=8)) == 1
    assert not default_storage.exists(name)
    assert client.get(job.result_url).status_code == 404


def test_the_daily_sweep_deletes_expired_exports(
    client, roster, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from dangjian.core.scheduler import registered_sweeps
    from dangjian.members.sweeps import expire_member_exports

    assert "members.expire_exports" in registered_sweeps()
    client.force_login(roster.bob)
    start(client, django_capture_on_commit_callbacks)
    name = latest_job().params["file"]
    expire_member_exports(now=timezone.now() + timedelta(days=8))
    assert not default_storage.exists(name)
