"""The job progress API, the jobs pages and `enqueue_on_commit`."""

import uuid

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from dangjian.core.jobs import (
    job_advance,
    job_create,
    job_fail,
    job_finish,
    job_start,
    jobs_fail_stale,
)
from dangjian.core.models import Job
from dangjian.core.tasks import enqueue_on_commit
from dangjian.core.testing.matrix import assert_access_matrix

recorded: list = []


@task()
def record_call(*args):
    recorded.append(args)


@task()
def export_rows(job_id: str, rows: int):
    """A slow job as apps write it: progress through the job API, a result link at the end."""
    job_start(job_id, total=rows, message="正在导出")
    for _ in range(rows):
        job_advance(job_id)
    job_finish(job_id, result_url=f"/jobs/{job_id}/result.xlsx")


@pytest.fixture(autouse=True)
def _reset_calls():
    recorded.clear()


def make_job(owner, **changes) -> Job:
    job = job_create(owner=owner, kind="test.export", title="导出党员名册")
    if changes:
        Job.objects.filter(pk=job.pk).update(**changes)
        job.refresh_from_db()
    return job


# -- progress API ------------------------------------------------------------------------------


def test_progress_is_counted_and_capped_at_the_total(world):
    job = make_job(world.alice)
    job_start(job.pk, total=4)
    job_advance(job.pk, 3, message="已处理 3 条")
    job_advance(job.pk, 3)
    job.refresh_from_db()
    assert (job.status, job.done, job.percent) == ("running", 4, 100)


def test_a_failed_job_keeps_its_message(world):
    job = make_job(world.alice)
    job_fail(job.pk, message="第 3 行缺少身份证号")
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.is_finished
    assert job.message == "第 3 行缺少身份证号"


def test_stale_jobs_are_failed_and_recent_ones_kept(world):
    old = make_job(world.alice, created_at=timezone.now() - timezone.timedelta(days=2))
    recent = make_job(world.alice)
    assert jobs_fail_stale(created_before=timezone.now() - timezone.timedelta(days=1)) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == ("failed", "queued")


# -- enqueue_on_commit -------------------------------------------------------------------------


def test_it_enqueues_only_after_the_transaction_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit(record_call, 1, 2)
        assert recorded == []
    assert recorded == [(1, 2)]


def test_it_enqueues_nothing_when_the_transaction_rolls_back(
    db, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_on_commit(record_call, 1)
        raise RuntimeError("rollback")
    assert callbacks == []
    assert recorded == []


def test_it_passes_uuid_arguments_as_strings(db, django_capture_on_commit_callbacks):
    job_id = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(record_call, job_id)
    assert recorded == [(str(job_id),)]


def test_a_job_task_enqueued_on_commit_runs_to_done(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        job = job_create(owner=world.alice, kind="test.export", title="导出")
        enqueue_on_commit(export_rows, job.pk, 5)
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == ("done", 5, 5, 100)
    assert job.result_url == f"/jobs/{job.pk}/result.xlsx"


# -- job page ----------------------------------------------------------------------------------


def test_the_job_page_shows_progress_and_polls_while_unfinished(client, world):
    job = make_job(world.alice, status="running", total=10, done=4, message="正在导出第 4 页")
    client.force_login(world.alice)
    response = client.get(reverse("core:job_detail", args=[job.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "导出党员名册" in html
    assert 'data-width="40"' in html
    assert "正在导出第 4 页" in html
    assert 'hx-trigger="every 1s"' in html
    assert "<html" in html
    assert "style=" not in html  # CSP forbids inline styles


def test_htmx_polls_get_only_the_partial(client, world):
    job = make_job(world.alice, status="running", total=10, done=7)
    client.force_login(world.alice)
    response = client.get(reverse("core:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="job-progress"' in html
    assert 'data-width="70"' in html
    assert "HX-Request" in response["Vary"]


def test_a_finished_job_stops_polling_and_offers_its_result(client, world):
    job = make_job(world.alice)
    job_start(job.pk, total=2)
    job_finish(job.pk, result_url="/audit/export/7/")
    client.force_login(world.alice)
    html = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "hx-trigger" not in html
    assert 'href="/audit/export/7/"' in html
    assert 'data-width="100"' in html


@pytest.mark.parametrize("url", ["https://evil.example/x", "//evil.example/x", "javascript:x"])
def test_a_result_link_off_the_site_is_not_shown(client, world, url):
    job = make_job(world.alice, status="done", result_url=url)
    client.force_login(world.alice)
    html = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "evil.example" not in html
    assert "javascript:" not in html
    assert 'data-testid="job-result"' not in html


def test_a_failed_job_shows_its_reason_without_polling(client, world):
    job = make_job(world.alice)
    job_fail(job.pk, message="文件格式不正确")
    client.force_login(world.alice)
    html = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "文件格式不正确" in html
    assert "hx-trigger" not in html
    assert "bg-danger" in html


def test_only_the_owner_sees_a_job(client, world):
    job = make_job(world.alice)
    assert_access_matrix(
        client,
        url=reverse("core:job_detail", args=[job.pk]),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_a_missing_job_answers_404(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("core:job_detail", args=[uuid.uuid4()])).status_code == 404


def test_the_job_page_rejects_post(client, world):
    job = make_job(world.alice)
    client.force_login(world.alice)
    assert client.post(reverse("core:job_detail", args=[job.pk])).status_code == 405


# -- job list ----------------------------------------------------------------------------------


def test_the_job_list_shows_only_my_jobs(client, world):
    make_job(world.alice)
    job_create(owner=world.dave, kind="x", title="戴维的导出")
    client.force_login(world.alice)
    html = client.get(reverse("core:job_list")).content.decode()
    assert "导出党员名册" in html
    assert "戴维的导出" not in html


def test_the_job_list_answers_every_logged_in_user(client, world):
    assert_access_matrix(
        client,
        url=reverse("core:job_list"),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"no_role": 200, "out_of_scope": 200},
    )


def test_the_job_list_is_paginated(client, world):
    Job.objects.bulk_create(
        [Job(owner=world.alice, kind="x", title=f"任务 {n}") for n in range(25)]
    )
    client.force_login(world.alice)
    page2 = client.get(reverse("core:job_list"), {"page": 2}).content.decode()
    assert page2.count('data-testid="job-row"') == 5


def _queries_for(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_job_list_query_count_does_not_grow_with_jobs(client, world):
    url = reverse("core:job_list")
    client.force_login(world.alice)
    client.get(url)  # the first request of a session writes its activity stamp
    Job.objects.bulk_create([Job(owner=world.alice, kind="x", title=f"任务 {n}") for n in range(5)])
    few = _queries_for(client, url)
    Job.objects.bulk_create([Job(owner=world.alice, kind="x", title=f"又 {n}") for n in range(10)])
    assert _queries_for(client, url) == few


# -- in the browser ----------------------------------------------------------------------------


@pytest.mark.browser
def test_the_job_page_follows_the_progress_until_done_then_stops_polling(
    browser_session, live_world
):
    job = make_job(live_world.alice, status="running", total=10, done=2, message="正在导出第 2 页")
    browser_session.sign_in(live_world.alice)
    from playwright.sync_api import expect

    page = browser_session.page
    browser_session.goto(f"/jobs/{job.pk}/")
    bar = page.locator("#job-progress-bar")
    expect(bar).to_have_attribute("style", "width: 20%;")
    browser_session.screenshot("job-running")

    Job.objects.filter(pk=job.pk).update(done=7, message="正在导出第 7 页")
    expect(bar).to_have_attribute("style", "width: 70%;", timeout=5000)
    expect(page.locator("#job-progress")).to_contain_text("正在导出第 7 页")

    job_finish(job.pk, result_url="/jobs/")
    expect(page.locator("[data-testid=job-result]")).to_be_visible(timeout=5000)
    expect(bar).to_have_attribute("style", "width: 100%;")
    browser_session.screenshot("job-done")

    polls = []
    page.on("request", lambda request: polls.append(request.url))
    page.wait_for_timeout(2500)
    assert polls == []


@pytest.mark.browser
def test_the_job_list_in_the_browser(browser_session, live_world):
    make_job(live_world.alice, status="running", total=200, done=130, message="正在导入第 130 行")
    job = make_job(live_world.alice)
    job_fail(job.pk, message="第 3 行缺少身份证号，请修改后重新导入")
    job = make_job(live_world.alice)
    job_start(job.pk, total=5)
    job_finish(job.pk, result_url="/jobs/")
    browser_session.sign_in(live_world.alice)
    browser_session.goto("/jobs/")
    assert browser_session.page.locator("[data-testid=job-row]").count() == 3
    browser_session.screenshot("job-list")
