"""稿件审核 pages: the queue, the review page and its POST actions — permission matrix, flows
through the real services, Chinese messages, double submits and the queue's query count."""

import pytest
from django.urls import reverse

from dangjian.core.navigation import menu_for
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.portal.models import Article, ArticleAction
from dangjian.portal.services import workflow
from dangjian.portal.services.articles import save_article

pytestmark = pytest.mark.django_db
Status = Article.Status


@pytest.fixture
def portal(module_portal, db):
    return module_portal


def submitted(portal, column="news", title="一矿召开党建工作会议", author=None):
    site = portal.mine_site
    author = author or portal.erin
    article = save_article(
        actor=author,
        site=site,
        column=portal.column(site, column),
        data={"title": title, "body": "<p>会议强调，要抓好支部建设。</p>"},
        tags=["党建"],
        audience=[],
    )
    return workflow.submit(author, article)


def statuses():
    return list(Article.objects.order_by("pk").values_list("pk", "status", "return_reason"))


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def post(client, user, name, article, data=None):
    client.force_login(user)
    page = client.get(reverse("portal:review_detail", args=[article.pk]))
    token = page.context["form_token"] if page.status_code == 200 else "0" * 32
    return client.post(
        reverse(name, args=[article.pk]), {"form_token": token, **(data or {})}, follow=True
    )


# ---------------------------------------------------------------- access


def test_queue_matrix(client, portal):
    assert_access_matrix(
        client, url=reverse("portal:review_queue"), in_scope=portal.frank, no_role=portal.charlie
    )
    client.force_login(portal.erin)  # a writer without review rights
    assert client.get(reverse("portal:review_queue")).status_code == 404


def test_detail_matrix(client, portal):
    article = submitted(portal)
    result = assert_access_matrix(
        client,
        url=reverse("portal:review_detail", args=[article.pk]),
        in_scope=portal.frank,
        out_of_scope=portal.dave,
        no_role=portal.charlie,
    )
    assert "一矿召开党建工作会议" in result.responses["in_scope"].content.decode()
    client.force_login(portal.erin)
    assert client.get(reverse("portal:review_detail", args=[article.pk])).status_code == 404
    client.force_login(portal.frank)
    assert client.get(reverse("portal:review_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("portal:review_pass", {}),
        ("portal:review_return", {"reason": "请补充会议时间"}),
    ],
)
def test_action_matrix(client, portal, name, data):
    article = submitted(portal)
    assert_access_matrix(
        client,
        url=reverse(name, args=[article.pk]),
        method="post",
        data={"form_token": "a" * 32, **data},
        in_scope=portal.frank,
        out_of_scope=portal.dave,
        no_role=portal.charlie,
        expect={"in_scope": 302},
        state=statuses,
    )
    article.refresh_from_db()
    assert article.status in (Status.REVIEWED, Status.RETURNED)


def test_actions_refuse_get(client, portal):
    article = submitted(portal)
    client.force_login(portal.frank)
    for name in ("review_pass", "review_approve", "review_return", "review_withdraw"):
        assert client.get(reverse(f"portal:{name}", args=[article.pk])).status_code == 405


def test_menu_entry_for_reviewers_and_approvers_only(portal):
    def labels(user):
        return [item["label"] for block in menu_for(user) for item in block["items"]]

    assert "稿件审核" in labels(portal.frank)
    assert "稿件审核" in labels(portal.alice)
    assert "稿件审核" not in labels(portal.erin)
    assert "稿件审核" not in labels(portal.mia)


# ---------------------------------------------------------------- the queue


def test_queue_lists_what_waits_for_the_viewer(client, portal):
    submitted(portal, title="待审核稿件甲")
    reviewed = submitted(portal, title="待审批稿件乙")
    workflow.review(portal.frank, reviewed)
    submitted(portal, title="宣传部长的稿件", author=portal.frank)
    client.force_login(portal.frank)
    page = client.get(reverse("portal:review_queue")).content.decode()
    assert "待审核稿件甲" in page and "待审批稿件乙" not in page and "宣传部长的稿件" not in page
    client.force_login(portal.alice)
    page = client.get(reverse("portal:review_queue")).content.decode()
    assert "待审核稿件甲" in page and "待审批稿件乙" in page and "宣传部长的稿件" in page
    client.force_login(portal.dave)
    page = client.get(reverse("portal:review_queue")).content.decode()
    assert "待审核稿件甲" not in page and "没有等待您审核或审批的稿件" in page


def test_queue_tabs_for_approvers(client, portal):
    article = submitted(portal, title="发布后的文章")
    workflow.review(portal.frank, article)
    workflow.approve(portal.alice, article)
    client.force_login(portal.alice)
    page = client.get(reverse("portal:review_queue") + "?tab=published").content.decode()
    assert "发布后的文章" in page
    client.force_login(portal.frank)  # a reviewer has no scheduled/published tabs
    response = client.get(reverse("portal:review_queue") + "?tab=published")
    assert response.context["tab"] == "pending"
    assert response.status_code == 200
    response = client.get(reverse("portal:review_queue") + "?tab=<script>&page=abc")
    assert response.status_code == 200


def test_queue_query_count_does_not_grow_with_rows(client, portal, django_assert_max_num_queries):
    for number in range(25):
        submitted(portal, title=f"稿件{number}")
    client.force_login(portal.alice)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:review_queue"))
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == 20
    with django_assert_max_num_queries(12):
        client.get(reverse("portal:review_queue") + "?page=2")


# ---------------------------------------------------------------- flows


def test_return_then_review_then_approve_through_the_pages(client, portal):
    article = submitted(portal, column="disclosure")
    response = post(client, portal.frank, "portal:review_return", article, {"reason": ""})
    assert "退回时请填写原因" in " ".join(messages_of(response))
    article.refresh_from_db()
    assert article.status == Status.SUBMITTED

    response = post(client, portal.frank, "portal:review_return", article, {"reason": "数据待核"})
    assert "已退回" in " ".join(messages_of(response))
    article.refresh_from_db()
    assert (article.status, article.return_reason) == (Status.RETURNED, "数据待核")
    workflow.submit(portal.erin, article)

    page = client.get(reverse("portal:review_detail", args=[article.pk])).content.decode()
    assert "已通过保密审查" in page and 'data-testid="review-pass"' in page
    response = post(client, portal.frank, "portal:review_pass", article)  # box not ticked
    assert "须经保密审查" in " ".join(messages_of(response))
    article.refresh_from_db()
    assert article.status == Status.SUBMITTED

    response = post(
        client, portal.frank, "portal:review_pass", article, {"secrecy_checked": "1", "note": "可"}
    )
    assert "已审核通过" in " ".join(messages_of(response))
    page = client.get(reverse("portal:review_detail", args=[article.pk])).content.decode()
    assert "须由其他审批人审批" not in page  # frank cannot approve at all
    assert 'data-testid="review-approve"' not in page

    response = post(client, portal.alice, "portal:review_approve", article)
    assert "已审批" in " ".join(messages_of(response))
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    page = client.get(reverse("portal:review_detail", args=[article.pk])).content.decode()
    assert "退回原因：数据待核" in page  # the trail keeps the return
    assert "已通过保密审查" in page and 'data-testid="review-withdraw"' in page


def test_a_double_click_acts_once(client, portal):
    article = submitted(portal)
    client.force_login(portal.frank)
    page = client.get(reverse("portal:review_detail", args=[article.pk]))
    data = {"form_token": page.context["form_token"]}
    url = reverse("portal:review_pass", args=[article.pk])
    client.post(url, data)
    response = client.post(url, data, follow=True)
    assert "没有重复保存" in " ".join(messages_of(response))
    assert article.actions.filter(kind=ArticleAction.Kind.REVIEW).count() == 1


def test_a_refused_step_is_a_message_not_an_error(client, portal):
    article = submitted(portal)
    workflow.review(portal.alice, article)
    response = post(client, portal.alice, "portal:review_approve", article)
    assert response.status_code == 200
    assert "审核和审批须由不同的人进行" in " ".join(messages_of(response))
    page = response.content.decode()
    assert "您已审核过这篇稿件" in page


def test_withdraw_from_the_page(client, portal):
    article = submitted(portal)
    workflow.review(portal.frank, article)
    workflow.approve(portal.alice, article)
    response = post(client, portal.alice, "portal:review_withdraw", article, {"reason": ""})
    assert "撤稿时请填写原因" in " ".join(messages_of(response))
    response = post(client, portal.alice, "portal:review_withdraw", article, {"reason": "重复"})
    assert "已撤下" in " ".join(messages_of(response))
    article.refresh_from_db()
    assert article.status == Status.WITHDRAWN


def test_the_page_shows_the_article_as_readers_will_see_it(client, portal):
    site = portal.mine_site
    article = save_article(
        actor=portal.erin,
        site=site,
        column=portal.column(site, "news"),
        data={
            "title": "标题<script>",
            "subtitle": "副标题",
            "source": "一矿宣传部",
            "body": "<p>正文</p><table><tr><td>单元格</td></tr></table><script>alert(1)</script>",
        },
        tags=["支部"],
    )
    workflow.submit(portal.erin, article)
    client.force_login(portal.frank)
    page = client.get(reverse("portal:review_detail", args=[article.pk])).content.decode()
    assert "标题&lt;script&gt;" in page and "<script>alert" not in page
    assert "<td>单元格</td>" in page and "来源：一矿宣传部" in page
    assert 'data-testid="trail-submit"' in page and "易琳" in page
