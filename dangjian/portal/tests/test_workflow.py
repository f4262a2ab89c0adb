"""The review workflow: every transition, every refusal, the trail, audit and notifications,
scheduled publishing and expiry (time-machine)."""

import datetime as dt

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.notifications.models import Notification
from dangjian.portal.models import Article, ArticleAction
from dangjian.portal.services import workflow
from dangjian.portal.services.articles import save_article
from dangjian.portal.signals import article_changed
from dangjian.portal.sweeps import publish_scheduled
from dangjian.portal.visibility import articles_readable_by

pytestmark = pytest.mark.django_db
Status = Article.Status
Kind = ArticleAction.Kind


@pytest.fixture
def portal(module_portal, db):
    return module_portal


@pytest.fixture
def signals():
    received = []

    def receiver(sender, **kwargs):
        received.append((kwargs["article_id"], kwargs["reason"]))

    article_changed.connect(receiver, dispatch_uid="wf-test")
    yield received
    article_changed.disconnect(dispatch_uid="wf-test")


def write(portal, column="news", *, actor=None, **data):
    site = portal.mine_site
    return save_article(
        actor=actor or portal.erin,
        site=site,
        column=portal.column(site, column),
        data={"title": "一矿开展主题党日活动", "body": "<p>支部党员参加主题党日</p>", **data},
        tags=[],
        audience=[],
    )


def inbox(user):
    return list(
        Notification.objects.filter(recipient=user, category="portal")
        .order_by("id")
        .values_list("title", flat=True)
    )


def trail(article):
    return list(article.actions.values_list("kind", "from_status", "to_status", "actor_name"))


# ---------------------------------------------------------------- the happy path


def test_the_three_reviews_publish_an_article_with_its_trail(
    portal, signals, django_capture_on_commit_callbacks
):
    article = write(portal)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(portal.erin, article)
        assert article.status == Status.SUBMITTED
        workflow.review(portal.frank, article, note="文字已核对")
        assert article.status == Status.REVIEWED
        workflow.approve(portal.alice, article, note="同意发布")
    assert article.status == Status.PUBLISHED
    assert article.published_at is not None
    assert trail(article) == [
        (Kind.SUBMIT, Status.DRAFT, Status.SUBMITTED, "易琳"),
        (Kind.REVIEW, Status.SUBMITTED, Status.REVIEWED, "方锐"),
        (Kind.APPROVE, Status.REVIEWED, Status.APPROVED, "艾丽"),
        (Kind.PUBLISH, Status.APPROVED, Status.PUBLISHED, "艾丽"),
    ]
    assert article.actions.get(kind=Kind.REVIEW).note == "文字已核对"
    assert articles_readable_by(portal.mia).filter(pk=article.pk).exists()
    actions = set(
        AuditEntry.objects.filter(object_id=str(article.pk)).values_list("action", flat=True)
    )
    assert {"portal.article_submit", "portal.article_review", "portal.article_approve"} <= actions
    assert signals[-1] == (article.pk, "publish")


def test_each_step_tells_the_next_person(portal):
    article = write(portal)
    workflow.submit(portal.erin, article)
    assert inbox(portal.frank) == ["待审核稿件：一矿开展主题党日活动"]
    assert inbox(portal.alice) == ["待审核稿件：一矿开展主题党日活动"]  # 组织部 reviews too
    assert inbox(portal.dave) == []  # the other mine's 组织部 is not told
    workflow.review(portal.frank, article)
    assert inbox(portal.alice)[-1] == "待审批稿件：一矿开展主题党日活动"
    assert "待审批稿件：一矿开展主题党日活动" not in inbox(portal.frank)  # cannot approve
    workflow.approve(portal.alice, article)
    assert inbox(portal.erin) == ["文章已发布：一矿开展主题党日活动"]


def test_a_return_carries_the_reason_to_the_author_and_resubmission_clears_it(portal):
    article = write(portal)
    workflow.submit(portal.erin, article)
    workflow.return_article(portal.frank, article, "第二段时间有误，请核实")
    assert article.status == Status.RETURNED
    assert article.return_reason == "第二段时间有误，请核实"
    assert inbox(portal.erin) == ["稿件被退回：一矿开展主题党日活动"]
    body = Notification.objects.get(recipient=portal.erin).body
    assert "第二段时间有误" in body
    save_article(actor=portal.erin, article=article, site=portal.mine_site,
                 column=article.column, data={"body": "<p>时间已核实</p>"})  # fmt: skip
    workflow.submit(portal.erin, article)
    assert article.status == Status.SUBMITTED and article.return_reason == ""
    assert article.actions.filter(kind=Kind.RETURN).get().note == "第二段时间有误，请核实"


def test_the_approver_may_return_a_reviewed_article(portal):
    article = write(portal)
    workflow.submit(portal.erin, article)
    workflow.review(portal.frank, article)
    with pytest.raises(ServiceError, match="只有审批人可以退回"):
        workflow.return_article(portal.frank, article, "再改改")
    workflow.return_article(portal.alice, article, "标题不够准确")
    assert article.status == Status.RETURNED
    assert article.secrecy_checked is False


# ---------------------------------------------------------------- refusals


def test_a_second_submit_is_refused_in_chinese(portal):
    article = write(portal)
    workflow.submit(portal.erin, article)
    with pytest.raises(ServiceError, match="该文章已提交审核，请勿重复提交"):
        workflow.submit(portal.erin, article)
    assert article.actions.count() == 1


def test_an_empty_article_cannot_be_submitted(portal):
    article = write(portal, body="<p> </p>")
    with pytest.raises(ServiceError, match="正文是空的"):
        workflow.submit(portal.erin, article)


def test_picture_news_needs_a_cover(portal):
    article = write(portal, "photos")
    with pytest.raises(ServiceError, match="封面"):
        workflow.submit(portal.erin, article)


def test_nobody_reviews_their_own_article(portal):
    article = write(portal, actor=portal.frank)
    workflow.submit(portal.frank, article)
    with pytest.raises(ServiceError, match="不能审核自己撰写的稿件"):
        workflow.review(portal.frank, article)
    assert article.status == Status.SUBMITTED


def test_a_writer_without_review_permission_cannot_review_or_approve(portal):
    article = write(portal, actor=portal.frank)
    workflow.submit(portal.frank, article)
    with pytest.raises(ServiceError, match="没有审核"):
        workflow.review(portal.erin, article)
    with pytest.raises(ServiceError, match="没有审批"):
        workflow.approve(portal.erin, article)
    with pytest.raises(ServiceError, match="没有审核"):
        workflow.return_article(portal.erin, article, "不行")


def test_out_of_scope_people_meet_a_404(portal):
    article = write(portal)
    workflow.submit(portal.erin, article)
    for step in (
        lambda user: workflow.review(user, article),
        lambda user: workflow.approve(user, article),
        lambda user: workflow.return_article(user, article, "理由"),
        lambda user: workflow.withdraw(user, article, "理由"),
    ):
        for outsider in (portal.dave, portal.mia, portal.charlie):
            with pytest.raises(Http404):
                step(outsider)
    article.refresh_from_db()
    assert article.status == Status.SUBMITTED and article.actions.count() == 1


def test_approval_needs_a_review_first_and_another_person(portal):
    article = write(portal)
    workflow.submit(portal.erin, article)
    with pytest.raises(ServiceError, match="尚未审核"):
        workflow.approve(portal.alice, article)
    workflow.review(portal.alice, article)
    with pytest.raises(ServiceError, match="审核和审批须由不同的人进行"):
        workflow.approve(portal.alice, article)
    assert article.status == Status.REVIEWED


def test_the_secrecy_review_is_required_in_disclosure_columns(portal):
    for slug in ("disclosure", "enterprise"):
        article = write(portal, slug)
        workflow.submit(portal.erin, article)
        with pytest.raises(ServiceError, match="保密审查"):
            workflow.review(portal.frank, article)
        assert article.status == Status.SUBMITTED
        workflow.review(portal.frank, article, secrecy_checked=True)
        assert article.secrecy_checked
        assert article.actions.get(kind=Kind.REVIEW).secrecy_checked


def test_a_secrecy_column_always_needs_review_even_when_switched_off(portal):
    column = portal.column(portal.mine_site, "disclosure")
    column.needs_review = False
    column.save()
    article = write(portal, "disclosure")
    workflow.submit(portal.erin, article)
    assert article.status == Status.SUBMITTED


def test_a_column_without_review_publishes_on_submit(
    portal, signals, django_capture_on_commit_callbacks
):
    column = portal.column(portal.mine_site, "organization")
    column.needs_review = False
    column.save()
    article = write(portal, "organization")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(portal.erin, article)
    assert article.status == Status.PUBLISHED
    assert [kind for kind, *_ in trail(article)] == [Kind.APPROVE, Kind.PUBLISH]
    assert article.actions.first().note == "栏目无需审核，直接发布"
    assert signals == [(article.pk, "publish")]


def test_return_needs_a_reason_and_a_state_in_review(portal):
    article = write(portal)
    with pytest.raises(ServiceError, match="请填写退回原因"):
        workflow.return_article(portal.frank, article, "  ")
    with pytest.raises(ServiceError, match="草稿"):
        workflow.return_article(portal.frank, article, "理由")


def test_review_refuses_wrong_states(portal):
    article = write(portal)
    with pytest.raises(ServiceError, match="还是草稿"):
        workflow.review(portal.frank, article)
    workflow.submit(portal.erin, article)
    workflow.review(portal.frank, article)
    with pytest.raises(ServiceError, match="已审核通过"):
        workflow.review(portal.frank, article)


# ---------------------------------------------------------------- withdraw


def test_an_approver_withdraws_a_live_article(portal, signals, django_capture_on_commit_callbacks):
    article = write(portal)
    workflow.submit(portal.erin, article)
    workflow.review(portal.frank, article)
    workflow.approve(portal.alice, article)
    with pytest.raises(ServiceError, match="只有审批人可以撤稿"):
        workflow.withdraw(portal.frank, article, "有误")
    with pytest.raises(ServiceError, match="请填写撤稿原因"):
        workflow.withdraw(portal.alice, article, "")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(portal.alice, article, "数据有误，核实后重发")
    assert article.status == Status.WITHDRAWN
    assert not articles_readable_by(portal.mia).filter(pk=article.pk).exists()
    assert signals == [(article.pk, "unpublish")]
    assert inbox(portal.erin)[-1] == "文章已撤稿：一矿开展主题党日活动"
    assert AuditEntry.objects.filter(action="portal.article_withdraw").exists()
    with pytest.raises(ServiceError, match="只有已发布"):
        workflow.withdraw(portal.alice, article, "再撤一次")
    workflow.submit(portal.erin, article)  # reworked and sent again
    assert article.status == Status.SUBMITTED


# ---------------------------------------------------------------- scheduled publishing


def test_scheduled_publishing_waits_for_its_time(
    portal, signals, django_capture_on_commit_callbacks
):
    start = timezone.now()
    publish_at = start + dt.timedelta(hours=2)
    article = write(portal, publish_at=publish_at)
    workflow.submit(portal.erin, article)
    workflow.review(portal.frank, article)
    workflow.approve(portal.alice, article)
    assert article.status == Status.APPROVED
    assert not articles_readable_by(portal.mia).filter(pk=article.pk).exists()
    assert workflow.publish_due(now=start + dt.timedelta(hours=1))["published"] == 0
    with time_machine.travel(publish_at + dt.timedelta(seconds=30), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            result = publish_scheduled(now=timezone.now())
        assert result["published"] == 1
        article.refresh_from_db()
        assert article.status == Status.PUBLISHED
        assert article.published_at == publish_at
        assert articles_readable_by(portal.mia).filter(pk=article.pk).exists()
        last = article.actions.last()
        assert (last.kind, last.actor_id, last.actor_name) == (
            Kind.PUBLISH, None, "系统（定时发布）",
        )  # fmt: skip
        assert workflow.publish_due()["published"] == 0  # idempotent
    assert (article.pk, "publish") in signals
    assert inbox(portal.erin)[-1] == "文章已定时发布：一矿开展主题党日活动"
    entry = AuditEntry.objects.filter(action="portal.article_publish").latest("id")
    assert entry.message == "定时发布"


def test_a_withdrawn_scheduled_article_is_never_published(portal):
    publish_at = timezone.now() + dt.timedelta(hours=1)
    article = write(portal, publish_at=publish_at)
    workflow.submit(portal.erin, article)
    workflow.review(portal.frank, article)
    workflow.approve(portal.alice, article)
    workflow.withdraw(portal.alice, article, "活动延期")
    assert workflow.publish_due(now=publish_at + dt.timedelta(minutes=1))["published"] == 0
    article.refresh_from_db()
    assert article.status == Status.WITHDRAWN


def test_expiry_hides_the_article_and_is_announced_once(
    portal, signals, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.delete(workflow.EXPIRY_MARK)
    expire_at = timezone.now() + dt.timedelta(days=1)
    article = write(portal, expire_at=expire_at)
    workflow.submit(portal.erin, article)
    workflow.review(portal.frank, article)
    workflow.approve(portal.alice, article)
    with django_capture_on_commit_callbacks(execute=True):
        assert workflow.publish_due(now=expire_at - dt.timedelta(minutes=1))["expired"] == 0
    with time_machine.travel(expire_at + dt.timedelta(minutes=1), tick=False):
        assert not articles_readable_by(portal.mia).filter(pk=article.pk).exists()
        with django_capture_on_commit_callbacks(execute=True):
            assert workflow.publish_due()["expired"] == 1
            assert workflow.publish_due()["expired"] == 0
    assert signals.count((article.pk, "unpublish")) == 1


def test_pending_for_lists_what_waits_for_each_person(portal):
    submitted = write(portal, title="待审核的稿件")
    workflow.submit(portal.erin, submitted)
    reviewed = write(portal, title="待审批的稿件")
    workflow.submit(portal.erin, reviewed)
    workflow.review(portal.frank, reviewed)
    own = write(portal, title="宣传部长自己的稿件", actor=portal.frank)
    workflow.submit(portal.frank, own)

    def titles(user):
        return set(workflow.pending_for(user).values_list("title", flat=True))

    assert titles(portal.frank) == {"待审核的稿件"}
    assert titles(portal.alice) == {"待审核的稿件", "待审批的稿件", "宣传部长自己的稿件"}
    assert titles(portal.erin) == set()
    assert titles(portal.dave) == set()
    workflow.review(portal.alice, own)
    assert titles(portal.alice) == {"待审核的稿件", "待审批的稿件"}  # she reviewed it herself


def test_the_sweep_runs_every_minute():
    from dangjian.core.scheduler import _SWEEPS

    sweep = _SWEEPS["portal.publish_due"]
    assert sweep.every == dt.timedelta(minutes=1)
    assert sweep.func is publish_scheduled
