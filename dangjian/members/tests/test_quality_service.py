"""Running the checks: replacement of a subtree's findings, idempotence, scores, the job and the
nightly sweep."""

from datetime import date, timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.jobs import job_create
from dangjian.core.models import Job
from dangjian.core.scheduler import registered_sweeps
from dangjian.members.models import Category, Member, Person, QualityIssue, Status
from dangjian.members.services import quality as service
from dangjian.members.services.quality import (
    completeness_scores,
    quality_run,
    quality_start,
    quality_sweep_start,
)
from dangjian.members.tests.factories import make_member
from dangjian.orgs.counts import organization_refresh_counts
from dangjian.orgs.models import Organization

PHOTO = "members/photos/ok.jpg"


def good(organization, name, **fields):
    fields.setdefault("photo", PHOTO)
    return make_member(organization, name, **fields)


def fresh(*organizations):
    """The organisations as stored now (their member counts were refreshed)."""
    return list(Organization.objects.filter(pk__in=[org.pk for org in organizations]))


def rows():
    return sorted(
        QualityIssue.objects.values_list("check_code", "person_id", "organization_id", "detail")
    )


@pytest.fixture
def flawed(world):
    """branch1: 4 members in good standing, 2 with problems (one has two); branch2: 2 members,
    1 without a mobile; branch3 (other mine): 1 without a photo; plus people not counted."""
    members = {
        "ok1": good(world.branch1, "王一"),
        "ok2": good(world.branch1, "王二"),
        "no_photo_no_mobile": good(world.branch1, "李三", photo="", mobile=""),
        "overdue": good(
            world.branch1, "李四", category=Category.PROBATIONARY, joined_on=date(2020, 1, 1)
        ),
        "ok3": good(world.branch2, "赵五"),
        "no_mobile": good(world.branch2, "赵六", mobile=""),
        "suspended_no_photo": good(world.branch2, "钱七", status=Status.SUSPENDED, photo=""),
        "other_mine": good(world.branch3, "孙八", photo=""),
    }
    organization_refresh_counts()
    return members


def test_a_run_stores_the_findings_and_is_idempotent(world, flawed):
    counts = quality_run()
    first = rows()
    assert counts["missing_photo"] == 3 and counts["missing_mobile"] == 2
    assert counts["probation_overdue"] == 1
    assert len(first) == sum(counts.values()) == 6
    quality_run()
    assert rows() == first


def test_a_subtree_run_replaces_only_that_subtree(world, flawed):
    quality_run()
    Person.objects.filter(pk=flawed["no_mobile"].person_id).update(mobile="13900000000")
    Person.objects.filter(pk=flawed["other_mine"].person_id).update(photo=PHOTO)
    quality_run(organization=world.mine)
    people = set(QualityIssue.objects.values_list("person_id", flat=True))
    assert flawed["no_mobile"].person_id not in people
    assert flawed["other_mine"].person_id in people  # outside the run: untouched


def test_a_run_is_audited_with_its_counts(world, flawed):
    quality_run(organization=world.mine, actor=world.alice)
    entry = AuditEntry.objects.get(action="members.quality_run")
    assert entry.actor == world.alice
    assert entry.organization_path == world.mine.path
    assert entry.after["counts"]["missing_photo"] == 2


def test_a_run_outside_the_actors_scope_is_refused(world, flawed):
    with pytest.raises(Http404):
        quality_run(organization=world.branch3, actor=world.alice)
    with pytest.raises(Http404):
        quality_run(actor=world.alice)  # the whole tree needs a grant on the root
    assert not QualityIssue.objects.exists()


def test_the_completeness_score_matches_a_hand_count(world, flawed):
    quality_run()
    scores = {
        s.organization.pk: s
        for s in completeness_scores(fresh(world.mine, world.branch1, world.branch2, world.branch3))
    }
    # branch1: 4 in good standing, 2 flagged → 50; branch2: 2 counted (the suspended one is
    # not in good standing), 1 flagged → 50; mine: 6 counted, 3 flagged → 50.
    assert (scores[world.branch1.pk].members, scores[world.branch1.pk].flagged) == (4, 2)
    assert scores[world.branch1.pk].percent == 50
    assert (scores[world.branch2.pk].members, scores[world.branch2.pk].flagged) == (2, 1)
    assert (scores[world.mine.pk].members, scores[world.mine.pk].flagged) == (6, 3)
    assert scores[world.mine.pk].percent == 50
    assert scores[world.mine.pk].check_percent("missing_mobile") == 66  # 4 of 6, rounded down
    assert scores[world.mine.pk].check_percent("missing_photo") == 83  # 5 of 6
    assert scores[world.branch3.pk].percent == 0


def test_an_organisation_without_members_has_no_score(world):
    (score,) = completeness_scores(fresh(world.branch2))
    assert score.members == 0 and score.percent is None


def test_a_score_is_never_rounded_up_to_a_hundred(world):
    for index in range(199):
        good(world.branch1, f"党员{index}")
    good(world.branch1, "缺照片", photo="")
    organization_refresh_counts()
    quality_run()
    (score,) = completeness_scores(fresh(world.branch1))
    assert score.percent == 99


def test_starting_a_run_queues_a_job_that_runs_the_users_scope(
    world, flawed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = quality_start(actor=world.alice)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == job.total
    assert job.params == {"paths": [world.mine.path]}
    organizations = set(QualityIssue.objects.values_list("organization__path", flat=True))
    assert all(path.startswith(world.mine.path) for path in organizations)


def test_a_second_run_over_an_overlapping_scope_is_refused(world, flawed):
    job_create(
        owner=world.bob,
        kind=service.JOB_KIND,
        title="数据质量检查",
        params={"paths": [world.branch1.path]},
    )
    with pytest.raises(ServiceError, match="正在进行"):
        quality_start(actor=world.alice)
    assert Job.objects.count() == 1
    job = quality_start(actor=world.dave)  # another mine: no overlap
    assert job.owner == world.dave


def test_an_abandoned_run_no_longer_blocks(world, flawed):
    stuck = job_create(
        owner=world.bob,
        kind=service.JOB_KIND,
        title="数据质量检查",
        params={"paths": [world.branch1.path]},
    )
    Job.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=3))
    assert quality_start(actor=world.alice).owner == world.alice


def test_the_nightly_sweep_runs_the_whole_tree_once(
    world, flawed, django_capture_on_commit_callbacks
):
    sweep = registered_sweeps()["members.quality_checks"]
    with django_capture_on_commit_callbacks(execute=True):
        sweep.func(now=timezone.now())
    job = Job.objects.get(kind=service.JOB_KIND)
    assert job.owner is None and job.status == Job.Status.DONE
    assert QualityIssue.objects.filter(person_id=flawed["other_mine"].person_id).exists()
    entry = AuditEntry.objects.get(action="members.quality_run")
    assert entry.actor is None and entry.actor_name == "定时任务"


def test_the_nightly_sweep_skips_while_a_run_is_unfinished(world):
    job_create(owner=world.bob, kind=service.JOB_KIND, title="x", params={"paths": ["0001"]})
    assert quality_sweep_start() is None
    assert Job.objects.count() == 1


def test_a_job_whose_owner_lost_the_permission_fails_without_writing(world, flawed):
    job = job_create(
        owner=world.charlie,
        kind=service.JOB_KIND,
        title="x",
        params={"paths": [world.mine.path]},
    )
    service.quality_run_task.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "权限" in job.message
    assert not QualityIssue.objects.exists()


def test_findings_of_removed_people_go_with_them(world, flawed):
    quality_run()
    Member.objects.filter(pk=flawed["no_mobile"].pk).delete()
    Person.objects.filter(pk=flawed["no_mobile"].person_id).delete()
    assert not QualityIssue.objects.filter(person_id=flawed["no_mobile"].person_id).exists()


def test_scores_follow_the_latest_run(world, flawed):
    quality_run()
    (before,) = completeness_scores(fresh(world.branch2))
    Person.objects.filter(pk=flawed["no_mobile"].person_id).update(mobile="13900000001")
    quality_run(organization=world.branch2)
    (after,) = completeness_scores(fresh(world.branch2))
    assert (before.flagged, after.flagged) == (1, 0)
    assert after.percent == 100
