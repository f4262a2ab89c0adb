"""Atom feeds of a column: the caller's readable items only, summaries never bodies."""

import pytest
from django.urls import reverse

from dangjian.portal.models import Article, Visibility
from dangjian.portal.testing import make_article
from dangjian.portal.tests.site_world import refreshed

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(module_portal, db):
    return refreshed(module_portal)


def feed(client, code="g-m1", slug="news"):
    return client.get(reverse("portal:column_feed", args=[code, slug]))


def test_a_feed_lists_what_the_caller_may_read_and_no_body(client, portal):
    make_article(portal.mine_site, "news", "公开新闻：掘进进尺创新高", "<p>机密正文片段</p>",
                 visibility=Visibility.PUBLIC, summary="公开摘要")  # fmt: skip
    make_article(portal.mine_site, "news", "一矿内部：安全例会",
                 visibility=Visibility.ORGANIZATIONS, audience=[portal.mine])  # fmt: skip
    make_article(portal.mine_site, "news", "草稿不出现", status=Article.Status.DRAFT,
                 visibility=Visibility.PUBLIC)  # fmt: skip
    response = feed(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    text = response.content.decode()
    assert "公开新闻：掘进进尺创新高" in text and "公开摘要" in text
    assert "机密正文片段" not in text
    assert "一矿内部" not in text and "草稿不出现" not in text

    client.force_login(portal.mia)  # a member of 一矿
    assert "一矿内部：安全例会" in feed(client).content.decode()
    client.force_login(portal.nick)  # a member of 二矿
    assert "一矿内部" not in feed(client).content.decode()


def test_unknown_inactive_and_download_columns_have_no_feed(client, portal):
    assert feed(client, slug="nope").status_code == 404
    assert feed(client, code="nope").status_code == 404
    assert feed(client, slug="downloads").status_code == 404
    portal.mine_site.columns.filter(slug="news").update(is_active=False)
    assert feed(client).status_code == 404


def test_the_column_page_links_its_feed(client, portal):
    page = client.get(reverse("portal:column", args=["g-m1", "news"])).content.decode()
    assert reverse("portal:column_feed", args=["g-m1", "news"]) in page


def test_the_feed_query_count_does_not_grow(client, portal, django_assert_max_num_queries):
    for n in range(3):
        make_article(portal.mine_site, "news", f"新闻{n}", visibility=Visibility.PUBLIC)
    with django_assert_max_num_queries(6) as few:
        feed(client)
    for n in range(15):
        make_article(portal.mine_site, "news", f"更多新闻{n}", visibility=Visibility.PUBLIC)
    with django_assert_max_num_queries(len(few.captured_queries)):
        feed(client)
