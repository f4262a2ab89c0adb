"""The public portal pages: front page, sub-site, column list and article, read by each person.

mine_site (g-m1):  "全矿通报" limited to 一矿党委 (mine), "党内通知" for members, "公开新闻" public
mia   (branch1 member)  reads all three          nick (mine 2 member) not the mine-only one
alice (组织部 mine)     reads all three          dave (组织部 mine 2) not the mine-only one
anonymous               the public one only
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.portal.models import Article, Visibility
from dangjian.portal.testing import make_article
from dangjian.portal.tests.site_world import refreshed

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(module_portal, db):
    return refreshed(module_portal)


MINE_ONLY = "全矿通报：安全生产专项整治"
MEMBERS = "党内通知：主题党日安排"
PUBLIC = "公开新闻：综采一队创新高"


@pytest.fixture
def items(portal):
    mine = make_article(
        portal.mine_site,
        "notices",
        MINE_ONLY,
        visibility=Visibility.ORGANIZATIONS,
        audience=[portal.mine],
    )
    members = make_article(portal.mine_site, "notices", MEMBERS)
    public = make_article(portal.mine_site, "news", PUBLIC, visibility=Visibility.PUBLIC)
    return {"mine": mine, "members": members, "public": public}


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


READERS = {
    # person → (reads mine-only, reads members-only, reads public)
    "anonymous": (False, False, True),
    "mia": (True, True, True),
    "alice": (True, True, True),
    "nick": (False, True, True),
    "dave": (False, True, True),
}


@pytest.mark.parametrize("person", READERS)
def test_each_person_reads_exactly_the_items_in_their_scope_on_every_page(
    client, portal, items, person
):
    user = None if person == "anonymous" else getattr(portal, person)
    login(client, user)
    for key, allowed in zip(("mine", "members", "public"), READERS[person], strict=True):
        response = client.get(reverse("portal:article", args=[items[key].pk]))
        assert response.status_code == (200 if allowed else 404), (person, key)
    notices = client.get(reverse("portal:column", args=["g-m1", "notices"])).content.decode()
    news = client.get(reverse("portal:column", args=["g-m1", "news"])).content.decode()
    home = client.get(reverse("portal:site", args=["g-m1"])).content.decode()
    reads_mine, reads_members, reads_public = READERS[person]
    for page in (home, notices):
        assert (MINE_ONLY in page) is reads_mine, person
        assert (MEMBERS in page) is reads_members, person
    for page in (home, news):
        assert (PUBLIC in page) is reads_public, person


def test_the_front_page_is_the_root_organisations_site(client, portal):
    make_article(
        portal.group_site, "news", "集团新闻：年度工作会召开", visibility=Visibility.PUBLIC
    )
    make_article(portal.mine_site, "news", "一矿新闻不在集团首页", visibility=Visibility.PUBLIC)
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert portal.group_site.name in page
    assert "集团新闻：年度工作会召开" in page
    assert "一矿新闻不在集团首页" not in page
    assert 'data-testid="site-login"' in page  # anonymous: a 登录 button
    assert 'data-testid="todo-block"' not in page  # 我的待办 is for logged-in users…
    assert 'data-testid="todo-login"' in page  # …a visitor is invited to log in there


def test_the_root_sites_own_address_redirects_to_the_front_page(client, portal):
    response = client.get(reverse("portal:site", args=[portal.group_site.code]))
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_member_of_a_mine_is_offered_their_own_site_on_the_front_page(client, portal):
    client.force_login(portal.mia)
    front = client.get("/").content.decode()
    assert 'data-testid="switch-site"' in front
    assert f"进入{portal.mine_site.name}" in front
    assert reverse("portal:site", args=["g-m1"]) in front
    own = client.get(reverse("portal:site", args=["g-m1"])).content.decode()
    assert 'data-testid="switch-site"' not in own  # already there
    assert portal.group_site.name in own  # the way up to the group's site


def test_nick_is_offered_the_second_mines_site(client, portal):
    client.force_login(portal.nick)
    page = client.get(reverse("portal:site", args=["g-m1"])).content.decode()
    assert f"进入{portal.mine2_site.name}" in page


def test_anonymous_visitors_get_no_site_switch(client, portal):
    assert 'data-testid="switch-site"' not in client.get("/").content.decode()


def test_an_inactive_site_or_column_is_not_found(client, portal, items):
    column = portal.column(portal.mine_site, "notices")
    column.is_active = False
    column.save()
    client.force_login(portal.mia)
    assert client.get(reverse("portal:column", args=["g-m1", "notices"])).status_code == 404
    assert client.get(reverse("portal:article", args=[items["members"].pk])).status_code == 404
    portal.mine_site.is_active = False
    portal.mine_site.save()
    assert client.get(reverse("portal:site", args=["g-m1"])).status_code == 404
    assert client.get(reverse("portal:column", args=["g-m1", "news"])).status_code == 404
    assert client.get(reverse("portal:article", args=[items["public"].pk])).status_code == 404


def test_unknown_addresses_are_not_found(client, portal):
    assert client.get("/s/no-such-site/").status_code == 404
    assert client.get("/s/g-m1/c/no-such-column/").status_code == 404
    assert client.get("/a/999999/").status_code == 404
    assert client.get("/a/99999999999999999999999/").status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.SUBMITTED},
        {"status": Article.Status.WITHDRAWN},
        {"expire_at": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)},
    ],
    ids=["draft", "submitted", "withdrawn", "expired"],
)
def test_an_item_that_is_not_live_is_not_found_even_for_its_writers(client, portal, fields):
    article = make_article(
        portal.mine_site, "news", "未上线的稿件", visibility=Visibility.PUBLIC, **fields
    )
    client.force_login(portal.frank)
    assert client.get(reverse("portal:article", args=[article.pk])).status_code == 404
    listing = client.get(reverse("portal:column", args=["g-m1", "news"])).content.decode()
    assert "未上线的稿件" not in listing


def test_a_column_lists_pinned_items_first_then_the_newest(client, portal):
    now = timezone.now()
    day = datetime.timedelta(days=1)
    make_article(portal.mine_site, "news", "最新的一篇", published_at=now)
    make_article(portal.mine_site, "news", "较早的一篇", published_at=now - day)
    make_article(
        portal.mine_site, "news", "置顶的旧文", published_at=now - 9 * day, pinned_until=now + day
    )
    make_article(
        portal.mine_site, "news", "置顶已过期", published_at=now - 5 * day, pinned_until=now - day
    )
    client.force_login(portal.mia)
    page = client.get(reverse("portal:column", args=["g-m1", "news"])).content.decode()
    order = [
        page.index(title) for title in ("置顶的旧文", "最新的一篇", "较早的一篇", "置顶已过期")
    ]
    assert order == sorted(order)
    assert page.count("dj-pin") == 1


def test_a_column_shows_the_items_of_the_column_it_inherits_from(client, portal):
    make_article(portal.group_site, "notices", "集团通知：全面从严治党部署")
    make_article(portal.mine_site, "notices", "一矿通知：支部换届")
    client.force_login(portal.mia)
    url = reverse("portal:column", args=["g-m1", "notices"])
    page = client.get(url).content.decode()
    assert "集团通知：全面从严治党部署" in page
    assert "一矿通知：支部换届" in page
    portal.mine_site.show_parent_items = False
    portal.mine_site.save()
    page = client.get(url).content.decode()
    assert "集团通知：全面从严治党部署" not in page
    assert "一矿通知：支部换届" in page


def test_inherited_items_keep_their_own_scope(client, portal):
    make_article(
        portal.group_site,
        "notices",
        "只发二矿的集团通知",
        visibility=Visibility.ORGANIZATIONS,
        audience=[portal.mine2],
    )
    client.force_login(portal.mia)
    page = client.get(reverse("portal:column", args=["g-m1", "notices"])).content.decode()
    assert "只发二矿的集团通知" not in page


def test_a_parent_column_lists_its_sub_columns_and_their_items(client, portal):
    make_article(portal.mine_site, "models", "先进典型：最美矿工", visibility=Visibility.PUBLIC)
    page = client.get(reverse("portal:column", args=["g-m1", "publicity"])).content.decode()
    assert "先进典型：最美矿工" in page
    for name in ("新闻动态", "先进典型", "图片新闻", "视频"):
        assert name in page


def test_picture_and_video_columns_are_grids(client, portal):
    make_article(portal.mine_site, "photos", "图片新闻：井下新装备", visibility=Visibility.PUBLIC)
    make_article(portal.mine_site, "videos", "视频：安全警示教育片", visibility=Visibility.PUBLIC)
    page = client.get(reverse("portal:column", args=["g-m1", "photos"])).content.decode()
    assert "dj-grid-item" in page
    assert "图片新闻：井下新装备" in page
    page = client.get(reverse("portal:column", args=["g-m1", "videos"])).content.decode()
    assert "dj-grid-cover dj-video" in page
    assert "视频：安全警示教育片" in page


def test_a_column_is_paginated_in_the_database(client, portal):
    for number in range(25):
        make_article(
            portal.mine_site, "news", f"第{number:02d}号新闻", visibility=Visibility.PUBLIC
        )
    first = client.get(reverse("portal:column", args=["g-m1", "news"])).content.decode()
    second = client.get(reverse("portal:column", args=["g-m1", "news"]) + "?page=2").content
    assert first.count("第") >= 20 and "第24号新闻" in first and "第04号新闻" not in first
    assert "第04号新闻" in second.decode()
    assert (
        client.get(reverse("portal:column", args=["g-m1", "news"]) + "?page=x").status_code == 200
    )


def test_the_article_page_shows_the_article_and_counts_the_visit(client, portal):
    body = "<p>全体党员参加学习。</p><table><tr><td>支部</td><td>人数</td></tr></table>"
    article = make_article(
        portal.mine_site,
        "news",
        "学习贯彻全会精神",
        body,
        visibility=Visibility.PUBLIC,
        subtitle="一矿党委理论学习中心组专题学习",
        source="一矿党委宣传部",
        view_count=41,
    )
    Article.objects.filter(pk=article.pk).update(author="易琳")
    article.tags.create(name="理论学习")
    url = reverse("portal:article", args=[article.pk])
    page = client.get(url).content.decode()
    for text in ("学习贯彻全会精神", "一矿党委理论学习中心组专题学习", "一矿党委宣传部", "易琳"):
        assert text in page
    assert "<td>支部</td>" in page  # the sanitised body is printed as HTML
    assert "理论学习" in page
    assert "浏览：42 次" in page
    client.get(url)
    article.refresh_from_db()
    assert article.view_count == 43


def test_the_article_page_links_the_previous_and_next_readable_items(client, portal):
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    older = make_article(portal.mine_site, "news", "上一篇公开", published_at=now - 2 * hour,
                         visibility=Visibility.PUBLIC)  # fmt: skip
    make_article(portal.mine_site, "news", "内部的中间一篇", published_at=now - hour)
    current = make_article(portal.mine_site, "news", "当前文章", published_at=now,
                           visibility=Visibility.PUBLIC)  # fmt: skip
    newer = make_article(portal.mine_site, "news", "下一篇公开", published_at=now + hour,
                         visibility=Visibility.PUBLIC)  # fmt: skip
    page = client.get(reverse("portal:article", args=[current.pk])).content.decode()
    assert reverse("portal:article", args=[older.pk]) in page
    assert reverse("portal:article", args=[newer.pk]) in page
    assert "内部的中间一篇" not in page  # the anonymous reader's neighbour skips it


def test_the_review_trail_is_shown_to_the_sites_editors_only(client, portal):
    article = make_article(
        portal.mine_site, "news", "有审核记录的文章", visibility=Visibility.PUBLIC
    )
    url = reverse("portal:article", args=[article.pk])
    for user in (None, portal.mia, portal.dave):
        client.logout()
        login(client, user)
        assert 'data-testid="article-trail"' not in client.get(url).content.decode()
    client.force_login(portal.frank)
    assert 'data-testid="article-trail"' in client.get(url).content.decode()


def test_a_downloads_column_leads_to_the_sites_library(client, portal):
    response = client.get(reverse("portal:column", args=["g-m1", "downloads"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:downloads", args=["g-m1"])


def test_the_front_page_says_so_when_the_root_site_is_not_open(client, portal):
    portal.group_site.is_active = False
    portal.group_site.save()
    response = client.get("/")
    assert response.status_code == 200
    assert "门户网站尚未开通" in response.content.decode()


def test_post_is_refused(client, portal):
    assert client.post("/").status_code == 405
    assert client.post(reverse("portal:site", args=["g-m1"])).status_code == 405


def test_the_column_list_runs_a_fixed_number_of_queries(
    client, portal, django_assert_max_num_queries
):
    for number in range(30):
        make_article(portal.mine_site, "news", f"新闻{number}", visibility=Visibility.PUBLIC)
    client.force_login(portal.mia)
    url = reverse("portal:column", args=["g-m1", "news"])
    client.get(url)  # the header's column tree is cached from here on
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_the_article_page_runs_a_fixed_number_of_queries(
    client, portal, django_assert_max_num_queries
):
    article = make_article(portal.mine_site, "news", "查询次数", visibility=Visibility.PUBLIC)
    for number in range(5):
        article.tags.create(name=f"标签{number}")
    client.force_login(portal.frank)
    url = reverse("portal:article", args=[article.pk])
    client.get(url)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200


def test_the_article_page_leads_with_the_cover_unless_the_body_has_pictures(client, portal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.portal.services.media import upload_media
    from dangjian.portal.tests.media_files import image_bytes

    cover = upload_media(
        actor=portal.erin,
        site=portal.mine_site,
        file=SimpleUploadedFile("c.jpg", image_bytes((1200, 800)), content_type="image/jpeg"),
    )
    plain = make_article(portal.mine_site, "news", "只有封面", visibility=Visibility.PUBLIC,
                         cover=cover)  # fmt: skip
    plain.media.add(cover)
    page = client.get(reverse("portal:article", args=[plain.pk])).content.decode()
    assert f'class="dj-article-cover"><img src="/portal/media/{cover.key}/' in page
    body = f'<p>正文</p><p><img src="/portal/media/{cover.key}/800/"></p>'
    pictured = make_article(portal.mine_site, "news", "正文有图", body, cover=cover,
                            visibility=Visibility.PUBLIC)  # fmt: skip
    page = client.get(reverse("portal:article", args=[pictured.pk])).content.decode()
    assert "dj-article-cover" not in page
