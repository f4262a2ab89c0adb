"""save_article / restore_revision / revision_diff against the real sanitiser and database."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.portal.models import Article, ArticleAction, MediaAsset, Tag, Visibility
from dangjian.portal.services import workflow
from dangjian.portal.services.articles import (
    body_to_text,
    restore_revision,
    revision_diff,
    save_article,
)
from dangjian.portal.signals import article_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(module_portal, db):
    return module_portal


WORD_TABLE = (
    '<p class="MsoNormal">表一：<span style="mso-bidi-font-size:10.5pt">发展党员情况</span></p>'
    '<table class="MsoTableGrid" border="1"><tbody>'
    "<tr><td>支部</td><td>人数</td></tr><tr><td>综采一队</td><td>12</td></tr>"
    "</tbody></table>"
)


def draft(portal, *, actor=None, column="news", body="<p>党建工作会议召开</p>", **data):
    site = portal.mine_site
    return save_article(
        actor=actor or portal.erin,
        site=site,
        column=portal.column(site, column),
        data={"title": "一矿召开党建工作会议", "body": body, **data},
        tags=["党建"],
        audience=[],
    )


def asset(site, kind=MediaAsset.Kind.IMAGE, **extra):
    return MediaAsset.objects.create(
        site=site, kind=kind, title="图", file="portal/x.jpg", file_kind="jpeg", **extra
    )


def test_it_creates_a_draft_with_a_first_revision_and_audit(
    portal, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    article_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            article = draft(portal)
    finally:
        article_changed.disconnect(receiver)
    assert article.status == Article.Status.DRAFT
    assert article.created_by == portal.erin
    assert article.visibility == Visibility.PUBLIC  # the news column's default
    assert article.revision_number == 1
    assert list(article.revisions.values_list("number", "title")) == [(1, "一矿召开党建工作会议")]
    assert list(article.tags.values_list("name", flat=True)) == ["党建"]
    assert AuditEntry.objects.filter(
        action="portal.article_create", object_id=str(article.pk)
    ).exists()
    assert received == [
        {
            "article_id": article.pk,
            "site_id": portal.mine_site.pk,
            "reason": "save",
            "signal": article_changed,
        }
    ]


def test_it_sanitises_the_body_and_keeps_table_text(portal):
    body = (
        '<p onclick="steal()">正文<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">链接</a><iframe src="https://evil.example"></iframe>'
        + WORD_TABLE
    )
    article = draft(portal, body=body)
    assert "<script" not in article.body and "onclick" not in article.body
    assert "javascript:" not in article.body and "iframe" not in article.body
    assert "<table" in article.body and "<td>综采一队</td>" in article.body
    assert "alert" not in article.body_text
    assert "综采一队 12" in article.body_text  # table cells stay apart
    assert "发展党员情况" in article.body_text


def test_body_text_separates_blocks_and_unescapes():
    assert body_to_text("<p>支部&amp;党建</p><p>第二段</p><ul><li>一</li><li>二</li></ul>") == (
        "支部&党建 第二段 一 二"
    )


def test_it_links_body_media_and_cover_of_the_same_site_only(portal):
    site = portal.mine_site
    picture, cover = asset(site), asset(site)
    poster = asset(site)
    video = asset(site, MediaAsset.Kind.VIDEO, poster=poster)
    foreign = asset(portal.mine2_site)
    body = (
        f'<p><img src="/portal/media/{picture.key}/800/" alt="图"></p>'
        f'<video controls src="/portal/media/{video.key}/"></video>'
        f'<p><img src="/portal/media/{foreign.key}/800/"></p>'
    )
    article = draft(portal, body=body, cover=cover)
    assert set(article.media.all()) == {picture, cover, video, poster}
    save_article(
        actor=portal.erin, article=article, site=site, column=article.column,
        data={"body": "<p>没有图片了</p>", "cover": None},
    )  # fmt: skip
    assert list(article.media.all()) == []


def test_it_refuses_a_cover_from_another_site_or_a_video_cover(portal):
    with pytest.raises(ServiceError, match="本站点"):
        draft(portal, cover=asset(portal.mine2_site))
    with pytest.raises(ServiceError, match="封面须是图片"):
        draft(portal, cover=asset(portal.mine_site, MediaAsset.Kind.VIDEO))
    with pytest.raises(ServiceError, match="封面图片无效"):
        draft(portal, cover="not-a-key")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "  "}, "请填写标题"),
        ({"title": "长" * 201}, "标题不能超过 200 字"),
        ({"summary": "摘" * 501}, "摘要不能超过 500 字"),
        ({"visibility": "secret"}, "请选择公开范围"),
        ({"visibility": Visibility.ORGANIZATIONS}, "至少选择一个组织"),
        ({"publish_at": "明天"}, "时间格式不正确"),
    ],
)
def test_it_refuses_bad_input_in_chinese(portal, data, message):
    with pytest.raises(ServiceError, match=message):
        draft(portal, **data)
    assert not Article.objects.exists()


def test_expiry_must_follow_publishing_and_lie_ahead(portal):
    now = timezone.now()
    with pytest.raises(ServiceError, match="下线时间须晚于定时发布时间"):
        draft(portal, publish_at=now + dt.timedelta(days=2), expire_at=now + dt.timedelta(days=1))
    with pytest.raises(ServiceError, match="下线时间已经过去"):
        draft(portal, expire_at=now - dt.timedelta(hours=1))


def test_audience_must_lie_inside_the_site(portal):
    site = portal.mine_site
    column = portal.column(site, "disclosure")
    data = {"title": "党务公开", "body": "<p>内容</p>", "visibility": Visibility.ORGANIZATIONS}
    with pytest.raises(ServiceError, match="不在范围内"):
        save_article(actor=portal.erin, site=site, column=column, data=data, tags=[],
                     audience=[portal.branch3])  # fmt: skip
    article = save_article(actor=portal.erin, site=site, column=column, data=data, tags=[],
                           audience=[portal.branch1])  # fmt: skip
    assert list(article.audience.all()) == [portal.branch1]
    save_article(actor=portal.erin, article=article, site=site, column=column,
                 data={"visibility": Visibility.MEMBERS})  # fmt: skip
    assert not article.audience.exists()


def test_columns_must_belong_to_the_site_be_active_and_not_downloads(portal):
    site = portal.mine_site
    with pytest.raises(ServiceError, match="不属于本站点"):
        save_article(actor=portal.erin, site=site, column=portal.column(portal.mine2_site, "news"),
                     data={"title": "标题"})  # fmt: skip
    with pytest.raises(ServiceError, match="下载专区"):
        save_article(actor=portal.erin, site=site, column=portal.column(site, "downloads"),
                     data={"title": "标题"})  # fmt: skip
    column = portal.column(site, "policies")
    column.is_active = False
    column.save()
    with pytest.raises(ServiceError, match="已停用"):
        save_article(actor=portal.erin, site=site, column=column, data={"title": "标题"})


def test_writers_come_from_scope_or_the_column_publishers(portal):
    site = portal.mine_site
    news = portal.column(site, "news")
    assert workflow.can_write(portal.erin, news)
    assert workflow.can_write(portal.alice, news)
    assert not workflow.can_write(portal.dave, news)  # 组织部 of the other mine
    assert not workflow.can_write(portal.mia, news)
    with pytest.raises(ServiceError, match="没有向该栏目撰稿"):
        draft(portal, actor=portal.mia)
    news.publishers.add(portal.mia)  # a named contributor without a role
    assert workflow.can_write(portal.mia, news)
    assert not workflow.can_write(portal.erin, news)  # the list now limits the writers
    assert draft(portal, actor=portal.mia).created_by == portal.mia


def test_tags_are_cleaned_deduplicated_and_limited(portal):
    article = draft(portal)
    site = portal.mine_site
    save_article(actor=portal.erin, article=article, site=site, column=article.column,
                 data={}, tags=[" 支部 ", "#党建", "支部", ""])  # fmt: skip
    assert sorted(article.tags.values_list("name", flat=True)) == ["党建", "支部"]
    assert Tag.objects.count() == 2
    with pytest.raises(ServiceError, match="标签最多 10 个"):
        save_article(actor=portal.erin, article=article, site=site, column=article.column,
                     data={}, tags=[f"标签{i}" for i in range(11)])  # fmt: skip


def test_a_text_change_makes_a_revision_and_a_settings_change_does_not(portal):
    article = draft(portal)
    site = portal.mine_site
    save_article(actor=portal.erin, article=article, site=site, column=article.column,
                 data={"pinned_until": timezone.now() + dt.timedelta(days=3)})  # fmt: skip
    assert article.revisions.count() == 1
    save_article(actor=portal.erin, article=article, site=site, column=article.column,
                 data={"body": "<p>党建工作会议召开，部署全年任务</p>"}, note="补充")  # fmt: skip
    assert article.revision_number == 2
    assert article.revisions.get(number=2).note == "补充"
    assert AuditEntry.objects.filter(action="portal.article_update").count() == 2


def test_the_author_cannot_edit_while_in_review_but_the_reviewer_can(portal):
    article = draft(portal)
    workflow.submit(portal.erin, article)
    site, column = portal.mine_site, article.column
    with pytest.raises(ServiceError, match="审核中"):
        save_article(actor=portal.erin, article=article, site=site, column=column,
                     data={"title": "改标题"})  # fmt: skip
    save_article(actor=portal.frank, article=article, site=site, column=column,
                 data={"title": "一矿召开2026年党建工作会议"})  # fmt: skip
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED
    assert article.title == "一矿召开2026年党建工作会议"


def test_a_live_article_is_edited_only_by_an_approver_and_stays_live(
    portal, django_capture_on_commit_callbacks
):
    article = draft(portal)
    workflow.submit(portal.erin, article)
    workflow.review(portal.frank, article)
    workflow.approve(portal.alice, article)
    site, column = portal.mine_site, article.column
    for writer in (portal.erin, portal.frank):
        with pytest.raises(ServiceError, match="审批人"):
            save_article(actor=writer, article=article, site=site, column=column,
                         data={"title": "改"})  # fmt: skip
    received = []
    article_changed.connect(lambda sender, **kw: received.append(kw["reason"]), weak=False,
                            dispatch_uid="test-live-edit")  # fmt: skip
    try:
        with django_capture_on_commit_callbacks(execute=True):
            save_article(actor=portal.alice, article=article, site=site, column=column,
                         data={"body": "<p>更正后的正文</p>"})  # fmt: skip
    finally:
        article_changed.disconnect(dispatch_uid="test-live-edit")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.revision_number == 2
    assert received == ["save"]
    entry = AuditEntry.objects.filter(action="portal.article_update").latest("id")
    assert entry.message == "修改已发布的文章"


def test_an_article_cannot_move_to_another_site(portal):
    article = draft(portal)
    with pytest.raises(ServiceError, match="不能移到其他站点"):
        save_article(actor=portal.erin, article=article, site=portal.mine2_site,
                     column=portal.column(portal.mine2_site, "news"), data={})  # fmt: skip


def test_out_of_scope_editor_is_refused(portal):
    article = draft(portal)
    with pytest.raises(ServiceError):
        save_article(actor=portal.dave, article=article, site=portal.mine_site,
                     column=article.column, data={"title": "改"})  # fmt: skip
    article.refresh_from_db()
    assert article.title == "一矿召开党建工作会议"


def test_restore_brings_back_an_old_text_as_a_new_revision(portal):
    article = draft(portal)
    site = portal.mine_site
    save_article(actor=portal.erin, article=article, site=site, column=article.column,
                 data={"title": "新标题", "body": "<p>改写后的正文</p>"})  # fmt: skip
    restore_revision(actor=portal.erin, article=article, number=1)
    article.refresh_from_db()
    assert article.title == "一矿召开党建工作会议"
    assert article.body_text == "党建工作会议召开"
    assert article.revision_number == 3
    assert article.revisions.get(number=3).note == "恢复第 1 版"
    assert article.actions.get().kind == ArticleAction.Kind.RESTORE
    assert AuditEntry.objects.filter(action="portal.article_restore").exists()
    with pytest.raises(ServiceError, match="没有第 9 版"):
        restore_revision(actor=portal.erin, article=article, number=9)


def test_restore_follows_the_edit_rules(portal):
    article = draft(portal)
    with pytest.raises(ServiceError):
        restore_revision(actor=portal.dave, article=article, number=1)


def test_revision_diff_marks_changed_added_and_removed_blocks(portal):
    article = draft(portal, body="<p>第一段</p><p>第二段 <b>旧</b></p><p>删掉的段</p>")
    save_article(actor=portal.erin, article=article, site=portal.mine_site, column=article.column,
                 data={"title": "新标题<b>", "body": "<p>第一段</p><p>第二段 新</p>"})  # fmt: skip
    rows = revision_diff(article, 1, 2)
    kinds = [(row.field, row.kind) for row in rows]
    assert ("title", "changed") in kinds
    assert ("body", "same") in kinds
    title = next(row for row in rows if row.field == "title")
    assert "&lt;b&gt;" in title.new_html and "<ins>" in title.new_html  # escaped, marked
    changed = [row for row in rows if row.field == "body" and row.kind != "same"]
    assert any(
        "<del>旧</del>" in row.old_html and "<ins>新</ins>" in row.new_html for row in changed
    )
    assert any(row.kind == "removed" and row.old == "删掉的段" for row in changed)
    with pytest.raises(ServiceError):
        revision_diff(article, 1, 7)


def test_workflow_actions_on_a_missing_article_are_404(portal):
    article = draft(portal)
    Article.objects.filter(pk=article.pk).delete()
    with pytest.raises(Http404):
        workflow.submit(portal.erin, article)


def test_a_never_published_draft_can_be_deleted_by_its_writer(portal):
    from dangjian.portal.services.articles import delete_article

    article = draft(portal)
    with pytest.raises(ServiceError, match="没有删除"):
        delete_article(actor=portal.dave, article=article)
    workflow.submit(portal.erin, article)
    with pytest.raises(ServiceError, match="从未发布过"):
        delete_article(actor=portal.erin, article=article)
    workflow.return_article(portal.frank, article, "不需要了")
    delete_article(actor=portal.erin, article=article)
    assert not Article.objects.filter(pk=article.pk).exists()
    assert AuditEntry.objects.filter(action="portal.article_delete").exists()
