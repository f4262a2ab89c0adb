"""The home page: its blocks, its cache per (site, visibility class), and what invalidates it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.portal.models import Article, HomeBlock, Visibility
from dangjian.portal.signals import article_changed, send_after_commit
from dangjian.portal.testing import make_article
from dangjian.portal.tests.site_world import refreshed

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(module_portal, db):
    return refreshed(module_portal)


def mine_home(client):
    return client.get(reverse("portal:site", args=["g-m1"])).content.decode()


def test_a_published_article_is_on_the_home_page_at_the_next_request(
    client, portal, django_capture_on_commit_callbacks
):
    client.force_login(portal.mia)
    assert "新发布的通知" not in mine_home(client)  # the page is now cached
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(portal.mine_site, "notices", "新发布的通知")
        send_after_commit(
            article_changed, article_id=article.pk, site_id=article.site_id, reason="publish"
        )
    assert "新发布的通知" in mine_home(client)


def test_the_cache_is_real_a_change_without_the_signal_waits_for_it(
    client, portal, django_capture_on_commit_callbacks
):
    mine_home(client)
    make_article(portal.mine_site, "news", "悄悄写入的新闻", visibility=Visibility.PUBLIC)
    assert "悄悄写入的新闻" not in mine_home(client)
    with django_capture_on_commit_callbacks(execute=True):
        send_after_commit(article_changed, article_id=0, site_id=0, reason="save")
    assert "悄悄写入的新闻" in mine_home(client)


def test_a_rolled_back_change_does_not_clear_the_cache(
    client, portal, django_capture_on_commit_callbacks
):
    mine_home(client)
    make_article(portal.mine_site, "news", "回滚时的新闻", visibility=Visibility.PUBLIC)
    with django_capture_on_commit_callbacks(execute=False):
        send_after_commit(article_changed, article_id=0, site_id=0, reason="save")
    assert "回滚时的新闻" not in mine_home(client)


def test_editing_a_block_invalidates_the_home_page(
    client, portal, django_capture_on_commit_callbacks
):
    assert "通知公告" in mine_home(client)
    block = portal.mine_site.blocks.get(kind=HomeBlock.Kind.NOTICES)
    with django_capture_on_commit_callbacks(execute=True):
        block.title = "上级精神"
        block.save()
    assert "上级精神" in mine_home(client)


def test_the_cache_is_kept_per_visibility_class(client, portal):
    make_article(portal.mine_site, "notices", "仅党内可见", visibility=Visibility.MEMBERS)
    assert "仅党内可见" not in mine_home(client)  # anonymous first: caches the "anon" page
    client.force_login(portal.mia)
    assert "仅党内可见" in mine_home(client)
    client.force_login(portal.nick)
    make_article(
        portal.mine_site,
        "notices",
        "仅一矿可见",
        visibility=Visibility.ORGANIZATIONS,
        audience=[portal.mine],
    )
    assert "仅一矿可见" not in mine_home(client)  # nick's class, built now without it
    client.force_login(portal.mia)
    assert "仅一矿可见" not in mine_home(client)  # mia's page was cached before it was written


def test_a_cached_anonymous_home_page_costs_at_most_three_queries(
    client, portal, django_assert_max_num_queries
):
    make_article(portal.group_site, "news", "集团新闻", visibility=Visibility.PUBLIC)
    client.get("/")
    with django_assert_max_num_queries(3):
        page = client.get("/").content.decode()
    assert "集团新闻" in page


def test_a_cached_logged_in_home_page_stays_small(client, portal, django_assert_max_num_queries):
    client.force_login(portal.frank)
    mine_home(client)
    # session, user, scope, membership, inbox count, own site, site, two todo providers
    with django_assert_max_num_queries(12):
        mine_home(client)


def _cold_queries(client, url) -> int:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_cold_home_page_does_not_grow_with_the_number_of_articles(client, portal):
    client.force_login(portal.mia)
    url = reverse("portal:site", args=["g-m1"])
    for slug in ("notices", "news", "organization", "disclosure", "models", "photos"):
        make_article(portal.mine_site, slug, f"{slug}-1", visibility=Visibility.PUBLIC)
    _cold_queries(client, url)  # first request of the process: lazy per-process caches
    few = _cold_queries(client, url)
    for number in range(4):
        for slug in ("notices", "news", "organization", "disclosure", "models", "photos"):
            make_article(portal.mine_site, slug, f"{slug}-{number}", visibility=Visibility.PUBLIC)
    many = _cold_queries(client, url)
    assert many == few
    # A ceiling, not a target: the "my todo" block asks every app's provider (at most two
    # queries each; 公文 added two for a plain member in issue 7).
    assert few <= 32


def test_blocks_follow_the_site_order_and_width(client, portal):
    blocks = portal.mine_site.blocks
    blocks.filter(kind=HomeBlock.Kind.NOTICES).update(order=1, width=HomeBlock.Width.FULL)
    blocks.exclude(kind=HomeBlock.Kind.NOTICES).update(is_active=False)
    blocks.filter(kind=HomeBlock.Kind.LINKS).update(is_active=True, order=0)
    page = mine_home(client)
    assert page.index('data-block="links"') < page.index('data-block="notices"')
    assert '<div class="col-12" data-block="notices">' in page
    assert 'data-block="news"' not in page and 'data-block="column"' not in page


def test_the_links_block_drops_unsafe_addresses(client, portal):
    block = portal.mine_site.blocks.get(kind=HomeBlock.Kind.LINKS)
    block.config = {
        "links": [
            {"name": "共产党员网", "url": "https://www.12371.cn/"},
            {"name": "本站下载", "url": "/s/g-m1/downloads/"},
            {"name": "恶意链接", "url": "javascript:alert(1)"},
            {"name": "协议相对", "url": "//evil.example/"},
            {"name": "", "url": "https://nameless.example/"},
        ]
    }
    block.save()
    page = mine_home(client)
    assert "https://www.12371.cn/" in page and "本站下载" in page
    assert "javascript:" not in page and "evil.example" not in page
    assert "nameless.example" not in page


def test_the_carousel_shows_readable_pictures_with_their_covers(client, portal):
    from dangjian.portal.models import MediaAsset

    cover = MediaAsset.objects.create(
        site=portal.mine_site, kind=MediaAsset.Kind.IMAGE, title="封面", file="x.jpg", alt="井口"
    )
    make_article(portal.mine_site, "photos", "图片新闻：井口晨景", visibility=Visibility.PUBLIC,
                 cover=cover)  # fmt: skip
    make_article(portal.mine_site, "photos", "没有封面的图片新闻", visibility=Visibility.PUBLIC)
    make_article(portal.mine_site, "photos", "内部图片新闻", cover=cover)
    page = mine_home(client)
    assert "图片新闻：井口晨景" in page
    assert f"/portal/media/{cover.key}/1600/" in page
    assert "没有封面的图片新闻" not in page  # a carousel needs a picture
    assert "内部图片新闻" not in page  # anonymous


def test_the_statistics_count_the_sites_subtree(client, portal):
    make_article(portal.mine_site, "news", "今年的新闻", visibility=Visibility.PUBLIC)
    make_article(portal.mine2_site, "news", "二矿的新闻", visibility=Visibility.PUBLIC)
    last_year = timezone.now() - datetime.timedelta(days=400)
    make_article(portal.mine_site, "news", "去年的新闻", visibility=Visibility.PUBLIC,
                 published_at=last_year)  # fmt: skip
    client.force_login(portal.mia)
    page = mine_home(client)
    stats = page[page.index('data-block="stats"') :]
    # 一矿: the mine, two branches and a party group; members: mia only; articles this year: 1
    assert '<span class="dj-stat">4</span> 个' in stats
    assert '<span class="dj-stat">1</span> 名' in stats
    assert '<span class="dj-stat">1</span> 篇' in stats
    # A visitor sees what was published, never the organisation's or members' numbers.
    client.logout()
    page = mine_home(client)
    stats = page[page.index('data-block="stats"') :]
    stats = stats[: stats.index("</section>")]
    assert '<span class="dj-stat">1</span> 篇' in stats
    assert "党员" not in stats and "党组织" not in stats


def test_the_downloads_block_lists_readable_items_only(client, portal):
    from django.core.files.base import ContentFile

    from dangjian.portal.services.downloads import folder_create, item_create

    folder = folder_create(actor=portal.alice, site=portal.mine_site, name="学习资料",
                           visibility=Visibility.PUBLIC)  # fmt: skip
    for title, visibility in (
        ("公开的表格模板", Visibility.PUBLIC),
        ("党内学习材料", Visibility.MEMBERS),
    ):
        item_create(
            actor=portal.alice,
            folder=folder,
            title=title,
            file=ContentFile("学习".encode(), name=f"{title}.txt"),
            visibility=visibility,
        )
    page = mine_home(client)
    assert "公开的表格模板" in page
    assert "党内学习材料" not in page


def test_quick_entries_invite_anonymous_visitors_to_log_in(client, portal):
    page = mine_home(client)
    section = page[page.index('data-block="entries"') :]
    assert "登录平台" in section[:2000]


def test_quick_entries_list_the_systems_the_viewer_may_use(client, portal):
    client.force_login(portal.alice)
    alice = mine_home(client)
    client.force_login(portal.mia)
    mia = mine_home(client)  # same page cache as alice's? no: the entries are never cached
    assert reverse("members:list") in alice
    assert reverse("members:list") not in mia


def test_the_todo_block_is_per_person_and_never_cached(client, portal):
    Article.objects.create(
        site=portal.mine_site,
        column=portal.column(portal.mine_site, "news"),
        title="退回的稿件",
        status=Article.Status.RETURNED,
        created_by=portal.erin,
        return_reason="请补充图片",
    )
    client.force_login(portal.erin)
    erin = mine_home(client)
    assert 'data-kind="portal.returned"' in erin
    client.force_login(portal.frank)  # same organisations as erin: same visibility class
    frank = mine_home(client)
    assert 'data-testid="todo-block"' in frank
    assert 'data-kind="portal.returned"' not in frank


def test_a_block_of_an_unknown_kind_or_with_bad_settings_is_left_out(client, portal):
    blocks = portal.mine_site.blocks
    blocks.filter(kind=HomeBlock.Kind.STATISTICS).update(kind="weather")
    blocks.filter(kind=HomeBlock.Kind.LINKS).update(config=["not", "a", "dict"])
    news = blocks.get(kind=HomeBlock.Kind.COLUMN, column__slug="news")
    news.column.is_active = False
    news.column.save()
    response = client.get(reverse("portal:site", args=["g-m1"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-block="weather"' not in page
    assert 'data-block="links"' in page and "暂无链接" in page
    assert "新闻动态</h2>" not in page
