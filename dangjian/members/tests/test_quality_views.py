"""The 数据质量 pages: permission matrix, scope, findings list, the run button and its progress."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.core.jobs import job_create
from dangjian.core.models import Job
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.models import Category, QualityIssue
from dangjian.members.services import quality as service
from dangjian.members.services.quality import quality_run
from dangjian.members.tests.factories import make_member
from dangjian.orgs.counts import organization_refresh_counts
from dangjian.orgs.models import Organization

PHOTO = "members/photos/ok.jpg"


def good(organization, name, **fields):
    fields.setdefault("photo", PHOTO)
    return make_member(organization, name, **fields)


@pytest.fixture
def findings(world):
    alices = good(world.branch1, "张三", photo="")
    good(world.branch1, "李四")
    good(world.branch2, "王五", category=Category.PROBATIONARY, joined_on=date(2020, 1, 1))
    daves = good(world.branch3, "赵六", photo="")
    organization_refresh_counts()
    quality_run()
    return alices, daves


def state():
    return (
        sorted(QualityIssue.objects.values_list("pk", "check_code", "detail")),
        list(Job.objects.values_list("pk", "status")),
    )


def test_the_summary_page_matrix(client, world, findings):
    assert_access_matrix(
        client,
        url=reverse("members:quality"),
        in_scope=world.alice,
        no_role=world.charlie,
        expect={"no_role": 403},
    )


def test_a_findings_list_matrix_with_an_organisation_out_of_scope(client, world, findings):
    assert_access_matrix(
        client,
        url=f"{reverse('members:quality_findings', args=['missing_photo'])}?org={world.branch1.pk}",
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"no_role": 403},
    )


def test_the_run_post_matrix_changes_nothing_when_refused(
    client, world, findings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert_access_matrix(
            client,
            url=reverse("members:quality_run"),
            method="post",
            data={},
            in_scope=world.alice,
            no_role=world.charlie,
            expect={"no_role": 403, "in_scope": 302},
            state=state,
        )
    assert Job.objects.get().owner == world.alice


def test_the_run_refuses_get(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("members:quality_run")).status_code == 405


def test_dave_never_sees_alices_findings(client, world, findings):
    client.force_login(world.dave)
    response = client.get(reverse("members:quality_findings", args=["missing_photo"]))
    assert "赵六" in response.content.decode()
    assert "张三" not in response.content.decode()
    summary = client.get(reverse("members:quality")).content.decode()
    assert "综采一队党支部" not in summary and "通风区党支部" in summary


def test_the_summary_counts_findings_and_scores_in_the_users_scope(client, world, findings):
    client.force_login(world.alice)
    response = client.get(reverse("members:quality"))
    cards = {card["check"].code: card for card in response.context["cards"]}
    assert cards["missing_photo"]["count"] == 1  # dave's member is not counted
    assert cards["probation_overdue"]["count"] == 1
    assert cards["missing_photo"]["percent"] == 66  # 2 of 3 members have a photo
    assert response.context["summed"] == {"members": 3, "flagged": 2, "percent": 33}
    names = [score.organization.name for score in response.context["child_scores"]]
    assert names == ["综采一队党支部", "掘进二队党支部"]
    assert response.context["refreshed_at"] is not None


def test_the_child_table_sorts_by_score(client, world, findings):
    client.force_login(world.alice)
    response = client.get(reverse("members:quality"), {"sort": "score"})
    names = [score.organization.name for score in response.context["child_scores"]]
    assert names == ["掘进二队党支部", "综采一队党支部"]  # 0 before 50


def test_an_organisation_out_of_scope_answers_404_on_the_summary(client, world, findings):
    client.force_login(world.alice)
    assert client.get(reverse("members:quality"), {"org": world.branch3.pk}).status_code == 404
    assert client.get(reverse("members:quality"), {"org": "x²"}).status_code == 404
    narrowed = client.get(reverse("members:quality"), {"org": world.branch1.pk})
    assert narrowed.status_code == 200
    assert narrowed.context["summed"]["members"] == 2


def test_an_unknown_check_answers_404(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("members:quality_findings", args=["nope"])).status_code == 404


def test_the_findings_list_links_to_a_page_that_fixes_the_record(client, world, findings):
    alices, _ = findings
    client.force_login(world.alice)
    response = client.get(reverse("members:quality_findings", args=["missing_photo"]))
    (row,) = response.context["rows"]
    assert row["finding"].person_id == alices.person_id
    fixer = response.context["fix_label"]
    assert fixer in ("去修改", "查看党员")
    if row["fix_url"] is not None:  # members:edit / members:detail exist once their owners land
        assert str(alices.pk) in row["fix_url"]


def test_the_findings_list_has_no_query_growing_with_its_rows(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.alice)
    url = reverse("members:quality_findings", args=["missing_photo"])
    for index in range(5):
        good(world.branch1, f"甲{index}", photo="")
    quality_run()
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for index in range(10):
        good(world.branch2, f"乙{index}", photo="")
    quality_run()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 15


def test_the_summary_has_no_query_growing_with_organisations_or_members(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.alice)
    good(world.branch1, "甲", photo="")
    quality_run()
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("members:quality"))
    for index in range(6):
        branch = Organization.objects.add_child(
            world.mine, {"org_type": "branch", "name": f"新支部{index}", "code": f"N{index}"}
        )
        good(branch, f"乙{index}", photo="")
    quality_run()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("members:quality"))


def test_a_second_run_is_refused_with_a_clear_message(client, world, findings):
    job_create(
        owner=world.bob,
        kind=service.JOB_KIND,
        title="数据质量检查",
        params={"paths": [world.branch1.path]},
    )
    before = state()
    client.force_login(world.alice)
    response = client.post(reverse("members:quality_run"), follow=True)
    assert "正在进行" in response.content.decode() and "鲍勃" in response.content.decode()
    assert state() == before
    assert response.context["other_job"] is not None


def test_the_users_own_run_shows_a_progress_bar_that_reloads_when_done(client, world):
    job = job_create(
        owner=world.alice,
        kind=service.JOB_KIND,
        title="数据质量检查",
        params={"paths": [world.mine.path]},
    )
    client.force_login(world.alice)
    page = client.get(reverse("members:quality")).content.decode()
    assert 'data-testid="quality-progress"' in page
    progress = reverse("members:quality_progress", args=[job.pk])
    assert progress in page
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE, message="检查完成，共发现 0 个问题"
    )
    response = client.get(progress, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"
    assert "检查完成" in client.get(reverse("members:quality")).content.decode()


def test_someone_elses_progress_answers_404(client, world):
    job = job_create(owner=world.alice, kind=service.JOB_KIND, title="x", params={"paths": []})
    client.force_login(world.bob)
    assert client.get(reverse("members:quality_progress", args=[job.pk])).status_code == 404
    client.force_login(world.alice)
    response = client.get(reverse("members:quality_progress", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("members:quality")


def test_no_finding_shows_a_full_id_number(client, world):
    twin = good(world.branch1, "重号一")
    other = good(world.branch2, "重号二")
    from dangjian.core.crypto import lookup_hash
    from dangjian.members.models import Person

    Person.objects.filter(pk=other.person_id).update(
        id_number=twin.person.id_number, id_number_hash=lookup_hash(twin.person.id_number)
    )
    quality_run()
    client.force_login(world.alice)
    page = client.get(reverse("members:quality_findings", args=["duplicate_id"])).content.decode()
    assert "重号一" in page and "重号二" in page
    assert twin.person.id_number not in page


def test_a_scope_never_checked_shows_no_score_rather_than_a_perfect_one(client, world):
    good(world.branch1, "张三", photo="")
    organization_refresh_counts()
    client.force_login(world.alice)
    page = client.get(reverse("members:quality")).content.decode()
    assert "还没有检查结果" in page
    assert 'data-testid="quality-overall"' not in page
