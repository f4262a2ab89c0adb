"""Who may open the editor's pages: the permission matrix (anonymous → login, a member without
a role → 404, a writer of another mine → 404, the writer → 200), the same for the writes, and
the query-count guard of 我的稿件."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.portal.models import Article
from dangjian.portal.services import articles as article_services

pytestmark = pytest.mark.django_db


def draft(portal, title="稿件", author=None):
    return article_services.save_article(
        actor=author or portal.erin,
        site=portal.mine_site,
        column=portal.column(portal.mine_site, "news"),
        data={"title": title, "body": "<p>党建引领安全生产</p>"},
        tags=["安全生产"],
    )


@pytest.mark.parametrize(
    "name", ["portal:article_edit", "portal:article_preview", "portal:article_revisions",
             "portal:article_delete"],
)  # fmt: skip
def test_article_pages_matrix(client, portal, name):
    article = draft(portal)
    assert_access_matrix(
        client,
        url=reverse(name, args=[article.pk]),
        in_scope=portal.erin,
        out_of_scope=portal.dave,  # 组织部 of the other mine: writes there, not here
        no_role=portal.mia,  # a party member of the mine: reads the portal, never the drafts
    )


def test_list_and_new_matrix(client, portal):
    for name in ("portal:my_articles", "portal:article_new"):
        assert_access_matrix(client, url=reverse(name), in_scope=portal.erin, no_role=portal.mia)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("portal:article_submit", {}),
        ("portal:article_delete", {"confirm": "on"}),
        ("portal:article_restore", {}),
    ],
)
def test_writes_matrix(client, portal, name, data):
    article = draft(portal)
    args = [article.pk, 1] if name.endswith("restore") else [article.pk]
    assert_access_matrix(
        client,
        url=reverse(name, args=args),
        method="post",
        data=data,
        in_scope=portal.erin,
        out_of_scope=portal.dave,
        no_role=portal.mia,
        expect={"in_scope": 302},
        state=lambda: list(Article.objects.values("pk", "status", "title", "revision_number")),
    )


def test_edit_post_out_of_scope_changes_nothing(client, portal):
    article = draft(portal, title="原标题")
    data = {
        "column": article.column_id,
        "title": "被改掉了",
        "visibility": "public",
        "action": "submit",
    }
    for user in (portal.dave, portal.mia, portal.nick):
        client.force_login(user)
        assert (
            client.post(reverse("portal:article_edit", args=[article.pk]), data).status_code == 404
        )
    client.logout()
    assert client.post(reverse("portal:article_edit", args=[article.pk]), data).status_code == 302
    article.refresh_from_db()
    assert article.title == "原标题" and article.status == Article.Status.DRAFT


def test_a_site_writer_sees_a_colleagues_draft_a_reviewer_too(client, portal):
    article = draft(portal, author=portal.erin)
    client.force_login(portal.frank)  # 宣传部长 of the same mine
    assert client.get(reverse("portal:article_preview", args=[article.pk])).status_code == 200
    assert client.get(reverse("portal:article_edit", args=[article.pk])).status_code == 200


def test_named_publishers_of_a_column(client, portal):
    """A column naming its publishers: only they may choose it — a named person without any
    role writes there (and only there), the site's other writers no longer see it."""
    models_column = portal.column(portal.mine_site, "models")
    models_column.publishers.add(portal.charlie)
    client.force_login(portal.charlie)
    page = client.get(reverse("portal:article_new"))
    assert page.status_code == 200
    assert [c.slug for c in page.context["form"].fields["column"].queryset] == ["models"]
    data = {
        "site": portal.mine_site.pk,
        "column": portal.column(portal.mine_site, "news").pk,
        "title": "先进典型：张师傅",
        "body": "<p>三十年扎根井下</p>",
        "visibility": "public",
        "action": "save",
    }
    assert client.post(reverse("portal:article_new"), data).status_code == 400
    data["column"] = models_column.pk
    assert client.post(reverse("portal:article_new"), data).status_code == 302
    article = Article.objects.get()
    assert article.created_by == portal.charlie
    assert client.get(reverse("portal:my_articles")).status_code == 200
    client.force_login(portal.erin)
    slugs = {
        c.slug
        for c in client.get(reverse("portal:article_new")).context["form"].fields["column"].queryset
    }
    assert "models" not in slugs and "news" in slugs


def test_my_articles_queries_do_not_grow_with_the_list(client, portal):
    client.force_login(portal.erin)
    url = reverse("portal:my_articles")
    for index in range(3):
        draft(portal, title=f"稿件{index}")
    client.get(url)  # session and scope warm-up
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for index in range(3, 12):
        draft(portal, title=f"稿件{index}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) == 12
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    site_wide = f"{url}?scope=site&status=draft"
    client.get(site_wide)
    with CaptureQueriesContext(connection) as scoped:
        assert client.get(site_wide).status_code == 200
    assert len(scoped) <= len(few) + 2


def test_my_articles_query_budget(client, portal, django_assert_max_num_queries):
    for index in range(25):
        draft(portal, title=f"稿件{index}")
    client.force_login(portal.erin)
    url = reverse("portal:my_articles")
    client.get(url)
    with django_assert_max_num_queries(14):
        response = client.get(url, {"page": 2})
    assert len(response.context["page_obj"].object_list) == 5


def test_editor_page_query_budget(client, portal, django_assert_max_num_queries):
    article = draft(portal)
    client.force_login(portal.erin)
    url = reverse("portal:article_edit", args=[article.pk])
    client.get(url)
    with django_assert_max_num_queries(24):
        assert client.get(url).status_code == 200
