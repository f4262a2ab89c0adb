"""The search page `/search/` and the API `/api/v1/search/`: scope per viewer, filters, messages
for bad input (never a 500), highlighting, query counts."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from dangjian.portal.models import Visibility
from dangjian.portal.testing import build_portal_world, make_article
from dangjian.search.indexing import index_articles

pytestmark = pytest.mark.django_db

URL = "/search/"
API = "/api/v1/search/"


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        p = build_portal_world()
        now = timezone.now()
        articles = [
            make_article(
                p.mine_site,
                "news",
                f"一矿党建动态第{n}期",
                "<p>各党支部深入开展“三会一课”，推进支部标准化建设。</p>",
                visibility=Visibility.PUBLIC,
                published_at=now - dt.timedelta(days=n),
            )
            for n in range(1, 26)
        ]
        articles.append(
            make_article(
                p.mine_site,
                "disclosure",
                "一矿党委换届选举结果",
                "<p>经党员大会选举，产生新一届党委委员。</p>",
                visibility=Visibility.ORGANIZATIONS,
                audience=[p.mine],
            )
        )
        articles.append(
            make_article(
                p.mine2_site,
                "notices",
                "二矿党费收缴通知",
                "<p>请各党支部按时收缴党费。</p>",
                visibility=Visibility.MEMBERS,
            )
        )
        index_articles([a.pk for a in articles])
        yield p
        transaction.set_rollback(True)


@pytest.fixture
def p(corpus, db):
    return corpus


def page_text(response):
    assert response.status_code == 200
    return response.content.decode()


def test_a_visitor_finds_public_items_with_the_words_marked(client, p):
    html = page_text(client.get(URL, {"q": "支部"}))
    assert "找到 <strong>25</strong> 条" in html
    assert "<mark>支部</mark>" in html
    assert "换届" not in html and "党费" not in html
    assert "page=2" in html  # 25 hits, 20 a page


def test_the_scope_is_the_viewers_in_the_page_and_the_api(client, p):
    for user, sees in ((p.mia, True), (p.alice, True), (p.nick, False), (p.dave, False)):
        client.force_login(user)
        html = page_text(client.get(URL, {"q": "换届"}))
        assert ("一矿党委<mark>换届</mark>选举结果" in html) is sees, user
        body = client.get(API, {"q": "换届"}).json()
        assert (body["count"] == 1) is sees, user
    client.logout()
    assert client.get(API, {"q": "换届"}).json()["count"] == 0
    assert client.get(API, {"q": "党费"}).json()["count"] == 0
    client.force_login(p.nick)
    results = client.get(API, {"q": "党费"}).json()["results"]
    assert [hit["title"] for hit in results] == ["二矿党费收缴通知"]
    assert results[0]["title_html"] == "二矿<mark>党费</mark>收缴通知"
    assert results[0]["site"] == {"code": "g-m2", "name": p.mine2_site.name}
    assert results[0]["column"]["slug"] == "notices"
    assert results[0]["url"].startswith("/a/")


def test_filters_on_the_page(client, p):
    client.force_login(p.alice)
    html = page_text(client.get(URL, {"q": "支部", "site": "g-m2"}))
    assert "找到 <strong>1</strong> 条" in html and "二矿" in html
    html = page_text(client.get(URL, {"q": "支部", "site": "g-m1", "column": "publicity"}))
    assert "找到 <strong>25</strong> 条" in html
    since = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    html = page_text(client.get(URL, {"q": "三会一课", "from": since}))
    assert "找到 <strong>3</strong> 条" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "党"}, "搜索词太短"),
        ({"q": ""}, "请输入要搜索的词语"),
        ({"q": "党" * 101}, "搜索词太长了"),
        ({"q": "支部", "from": "2026-13-01"}, "日期格式应为"),
        ({"q": "支部", "from": "2026-05-02", "to": "2026-05-01"}, "截止日期不能早于起始日期"),
        ({"q": "支部", "site": "nope"}, "没有这个站点"),
        ({"q": "支部", "site": "g-m1", "column": "nope"}, "该站点没有这个栏目"),
        ({"q": "支部", "page": "abc"}, "找到"),
        ({"q": "支部", "page": "9999"}, "找到"),
    ],
)
def test_bad_input_gets_a_chinese_message(client, p, params, message):
    assert message in page_text(client.get(URL, params))


def test_nothing_found_says_so(client, p):
    html = page_text(client.get(URL, {"q": "量子计算"}))
    assert "没有找到与“量子计算”相关的内容" in html


def test_the_page_runs_a_fixed_number_of_queries(client, p, django_assert_max_num_queries):
    client.force_login(p.alice)
    with django_assert_max_num_queries(12):
        page_text(client.get(URL, {"q": "支部"}))
    client.logout()
    with django_assert_max_num_queries(8):
        page_text(client.get(URL, {"q": "支部", "site": "g-m1", "column": "news"}))


def test_the_api_pages_and_refuses_bad_input(client, p, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        body = client.get(API, {"q": "支部", "page_size": 10, "page": 2}).json()
    assert body["count"] == 25 and len(body["results"]) == 10
    assert "page=3" in body["next"] and "page=1" in body["previous"]
    assert body["terms"] == ["支部"] and body["fuzzy"] is False
    for params, field in (
        ({}, "q"),
        ({"q": "党"}, "q"),
        ({"q": "支部", "site": "nope"}, "site"),
        ({"q": "支部", "from": "May"}, "from"),
        ({"q": "支部", "page_size": 1000}, "page_size"),
        ({"q": "支部\x00"}, "q"),
        ({"q": "支部", "column": "news\x00"}, "column"),
    ):
        response = client.get(API, params)
        assert response.status_code == 400, params
        error = response.json()["error"]
        assert field in error["details"]
        assert any("\u4e00" <= char <= "\u9fff" for char in error["message"])
    assert client.get(API, {"q": "支部", "page": 50}).status_code == 404
