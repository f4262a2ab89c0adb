"""The index and the query: segmentation, two-character words, ranking, scope, sync with the
portal's signals, filters and highlighting — on the database the suite runs on (SQLite FTS5 or
PostgreSQL tsvector)."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from dangjian.portal.models import Article, Visibility
from dangjian.portal.testing import build_portal_world, make_article
from dangjian.search import search
from dangjian.search.indexing import index_articles
from dangjian.search.segment import index_tokens, query_terms

pytestmark = pytest.mark.django_db

NEWS = (
    "<p>一矿党委召开党建工作推进会，总结上半年支部标准化规范化建设情况，"
    "部署下半年“三会一课”和主题党日活动。</p>"
)


def titles(page):
    return [hit.article.title if hit.article else hit.item.title for hit in page.object_list]


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    """One world and a small corpus for the read-only tests of this module."""
    with django_db_blocker.unblock(), transaction.atomic():
        p = build_portal_world()
        now = timezone.now()
        articles = {
            "meeting": make_article(
                p.mine_site,
                "news",
                "一矿召开推进会",
                NEWS,
                visibility=Visibility.PUBLIC,
                published_at=now - dt.timedelta(days=3),
            ),
            "title_hit": make_article(
                p.mine_site,
                "news",
                "党建引领安全生产",
                "<p>煤矿一线职工的故事。</p>",
                visibility=Visibility.PUBLIC,
                published_at=now - dt.timedelta(days=10),
            ),
            "mine_only": make_article(
                p.mine_site,
                "disclosure",
                "一矿内部党务公开",
                "<p>支部委员会换届选举结果公示。</p>",
                visibility=Visibility.ORGANIZATIONS,
                audience=[p.mine],
                published_at=now - dt.timedelta(days=1),
            ),
            "members": make_article(
                p.mine2_site,
                "notices",
                "二矿通知",
                "<p>各党支部按时缴纳党费。</p>",
                visibility=Visibility.MEMBERS,
                published_at=now - dt.timedelta(days=40),
            ),
            "draft": make_article(
                p.mine_site,
                "news",
                "草稿里的党建",
                "<p>党建</p>",
                visibility=Visibility.PUBLIC,
                status=Article.Status.DRAFT,
            ),
            "script": make_article(
                p.mine_site,
                "news",
                "<script>alert(1)</script>党建标题",
                visibility=Visibility.PUBLIC,
                published_at=now - dt.timedelta(days=20),
            ),
        }
        # plain text as the article service stores it (entities decoded)
        Article.objects.filter(pk=articles["script"].pk).update(body_text="正文 a<b 党建 & 工作")
        index_articles([a.pk for a in articles.values()])
        yield p, articles
        transaction.set_rollback(True)


@pytest.fixture
def data(corpus, db):
    return corpus


def test_segmentation_keeps_the_short_words_inside_longer_ones():
    tokens = index_tokens("第一党支部召开支部委员会，推进党建工作。ＡＢＣ-123").split()
    assert {"支部", "党支部", "党建", "工作", "委员", "委员会", "abc", "123"} <= set(tokens)
    assert "，" not in tokens and "。" not in tokens
    assert query_terms("党建的工作") == ["党建", "工作"]


def test_a_two_character_word_from_the_body_finds_the_article(data):
    assert "一矿召开推进会" in titles(search("支部", user=None))
    assert "一矿召开推进会" in titles(search("党建", user=None))
    assert "一矿召开推进会" in titles(search("主题党日", user=None))


def test_a_title_hit_ranks_above_a_body_hit(data):
    found = titles(search("党建", user=None))
    assert found.index("党建引领安全生产") < found.index("一矿召开推进会")
    assert "草稿里的党建" not in found  # a draft is never indexed


def test_results_are_limited_to_what_the_viewer_may_read(data):
    p = data[0]
    for user in (p.mia, p.alice, p.frank):
        assert titles(search("换届", user=user)) == ["一矿内部党务公开"]
    for user in (p.nick, p.dave, None):
        assert titles(search("换届", user=user)) == []
    assert titles(search("党费", user=p.nick)) == ["二矿通知"]
    assert titles(search("党费", user=None)) == []  # members only: not for visitors


def test_filters_by_site_column_and_date(data):
    p = data[0]
    everywhere = set(titles(search("支部", user=p.alice)))
    assert {"一矿召开推进会", "一矿内部党务公开", "二矿通知"} <= everywhere
    assert "二矿通知" not in titles(search("支部", user=p.alice, site="g-m1"))
    assert titles(search("支部", user=p.alice, site=p.mine2_site)) == ["二矿通知"]
    assert titles(search("支部", user=p.alice, column="disclosure")) == ["一矿内部党务公开"]
    # a parent column includes its children (舆论宣传 → 新闻动态)
    assert "一矿召开推进会" in titles(search("支部", user=p.alice, column="publicity"))
    today = timezone.localdate()
    recent = titles(search("支部", user=p.alice, date_from=today - dt.timedelta(days=5)))
    assert set(recent) == {"一矿召开推进会", "一矿内部党务公开"}
    old = titles(search("支部", user=p.alice, date_to=today - dt.timedelta(days=30)))
    assert old == ["二矿通知"]


def test_titles_and_snippets_are_escaped_with_the_words_marked(data):
    a = data[1]
    page = search("党建", user=None)
    hit = next(h for h in page.object_list if h.article == a["script"])
    assert "<script>" not in hit.title_html
    assert hit.title_html == "&lt;script&gt;alert(1)&lt;/script&gt;<mark>党建</mark>标题"
    assert "a&lt;b <mark>党建</mark> &amp; 工作" in hit.snippet_html
    meeting = next(h for h in page.object_list if h.article == a["meeting"])
    assert "<mark>党建</mark>工作推进会" in meeting.snippet_html
    assert hit.url == f"/a/{a['script'].pk}/"


def test_a_snippet_is_cut_around_the_first_hit():
    from dangjian.search.highlight import pattern_for, snippet

    text = "开头" * 100 + "支部建设" + "结尾" * 100
    html = snippet(text, pattern_for(["支部"]))
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>支部</mark>建设" in html
    assert len(html.replace("<mark>", "").replace("</mark>", "")) <= 125


def test_short_empty_and_unmatched_queries(data):
    p = data[0]
    assert search("党", user=None).outcome.error.startswith("搜索词太短")
    assert search("   ", user=None).outcome.error == "请输入要搜索的词语。"
    assert search("！！", user=None).outcome.error
    assert search("量子计算机", user=p.alice).paginator.count == 0
    # no article has both words: the page falls back to any of them and says so
    page = search("换届 党费", user=p.alice)
    assert page.fuzzy and set(titles(page)) == {"一矿内部党务公开", "二矿通知"}
    assert not search("支部 换届", user=p.alice).fuzzy


def test_paging_happens_in_the_database(data):
    p = data[0]
    first = search("支部", user=p.alice, per_page=2)
    second = search("支部", user=p.alice, per_page=2, page=2)
    assert first.paginator.count == 3 and len(first.object_list) == 2
    assert len(second.object_list) == 1
    assert not set(titles(first)) & set(titles(second))
    assert titles(search("支部", user=p.alice, per_page=2, page=99)) == titles(second)


def test_the_query_count_does_not_grow_with_the_hits(data, django_assert_max_num_queries):
    p = data[0]
    search("支部", user=p.alice)  # the viewer's organisations are read once per user
    with django_assert_max_num_queries(3):
        page = search("支部", user=p.alice)
        assert len(page.object_list) == 3
