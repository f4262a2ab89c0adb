"""`/api/v1/articles/` and `/api/v1/columns/`: the published portal for the mobile client.

Every item's visibility is checked for an anonymous caller and for mia (member of branch 1 under
mine 1), nick (member of branch 3 under mine 2) and alice (组织部 of mine 1) in the list and on
the detail (404 outside the scope, as for a missing id); the filters, the order, the fields (no
internal ones), the column counts per viewer, and that the query count of a list does not grow
with its rows. The data is built once per module (the tests only read)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.portal.models import Article, ArticleAttachment, MediaAsset, Site, Tag, Visibility
from dangjian.portal.testing import build_portal_world, make_article

pytestmark = pytest.mark.django_db
API = "/api/v1"
XSS = (
    '<p>正文<img src=x onerror="alert(1)"><script>alert(2)</script>'
    '<a href="javascript:x">链</a></p>'
)


class Data:
    """The module's world and its articles, by name."""

    def __init__(self, portal):
        self.portal = portal
        now = timezone.now()
        mine, mine2, group = portal.mine_site, portal.mine2_site, portal.group_site
        self.public = make_article(
            mine, "news", "一矿安全生产再创佳绩", XSS, visibility=Visibility.PUBLIC,
            published_at=now - dt.timedelta(days=3), source="一矿党委",
            summary="安全生产周期突破一千天",
        )  # fmt: skip
        self.members = make_article(
            mine, "organization", "组工家园：三会一课经验交流",
            published_at=now - dt.timedelta(days=2),
        )  # fmt: skip
        self.mine_only = make_article(
            mine, "disclosure", "一矿党委党费收缴情况公示", visibility=Visibility.ORGANIZATIONS,
            audience=[portal.mine], published_at=now - dt.timedelta(days=1),
        )  # fmt: skip
        self.mine2_only = make_article(
            mine2, "disclosure", "二矿发展党员公示", visibility=Visibility.ORGANIZATIONS,
            audience=[portal.mine2],
        )  # fmt: skip
        self.pinned = make_article(
            mine, "notices", "关于开展主题党日活动的通知", visibility=Visibility.PUBLIC,
            published_at=now - dt.timedelta(days=30), pinned_until=now + dt.timedelta(days=7),
        )  # fmt: skip
        self.old_pin = make_article(
            mine, "notices", "过期置顶的通知", visibility=Visibility.PUBLIC,
            published_at=now - dt.timedelta(days=40), pinned_until=now - dt.timedelta(days=1),
        )  # fmt: skip
        self.group_notice = make_article(
            group, "notices", "集团党委关于安全生产的通知", visibility=Visibility.PUBLIC,
            published_at=now - dt.timedelta(days=5),
        )  # fmt: skip
        self.draft = make_article(
            mine, "news", "草稿不出现", visibility=Visibility.PUBLIC, status=Article.Status.DRAFT
        )
        self.submitted = make_article(
            mine, "news", "待审核不出现", visibility=Visibility.PUBLIC,
            status=Article.Status.SUBMITTED,
        )  # fmt: skip
        self.expired = make_article(
            mine, "news", "已下线不出现", visibility=Visibility.PUBLIC,
            expire_at=now - dt.timedelta(hours=1),
        )  # fmt: skip
        self.future_expiry = make_article(
            mine, "models", "先进典型：张师傅", visibility=Visibility.PUBLIC,
            published_at=now - dt.timedelta(days=4), expire_at=now + dt.timedelta(days=10),
        )  # fmt: skip
        safety = Tag.objects.create(name="安全生产")
        self.public.tags.add(safety, Tag.objects.create(name="一矿"))
        self.members.tags.add(safety)
        self.attachment = ArticleAttachment(article=self.public, title="安全生产通报.txt", order=1)
        self.attachment.file.save("a.txt", ContentFile("安全生产通报".encode()), save=False)
        self.attachment.size = 18
        self.attachment.file_kind = "txt"
        self.attachment.save()
        self.cover = MediaAsset.objects.create(
            site=mine, kind=MediaAsset.Kind.IMAGE, title="封面", file="portal/x.jpg",
            file_kind="jpeg", width=1600, height=900,
            renditions={"400": "portal/x-400.jpg", "800": "portal/x-800.jpg"},
        )  # fmt: skip
        Article.objects.filter(pk=self.public.pk).update(cover=self.cover, author="宣传部")

    def titles(self, *names) -> set[str]:
        return {getattr(self, name).title for name in names}


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield Data(build_portal_world())
        transaction.set_rollback(True)


@pytest.fixture
def data(built, db):
    return built


def _get(client, url, user=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def _titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


ALWAYS = ("public", "pinned", "old_pin", "group_notice", "future_expiry")


@pytest.mark.parametrize(
    ("viewer", "readable"),
    [
        (None, ALWAYS),
        ("mia", (*ALWAYS, "members", "mine_only")),
        ("nick", (*ALWAYS, "members", "mine2_only")),
        ("alice", (*ALWAYS, "members", "mine_only")),
    ],
)
def test_each_viewer_sees_exactly_what_they_may_read_in_list_and_detail(
    client, data, viewer, readable
):
    user = getattr(data.portal, viewer) if viewer else None
    assert _titles(_get(client, f"{API}/articles/?page_size=100", user)) == data.titles(*readable)
    everything = (
        *ALWAYS, "members", "mine_only", "mine2_only", "draft", "submitted", "expired",
    )  # fmt: skip
    for name in everything:
        response = client.get(f"{API}/articles/{getattr(data, name).pk}/")
        if name in readable:
            assert response.status_code == 200, (viewer, name)
        else:
            assert response.status_code == 404, (viewer, name)
            assert response.json()["error"]["code"] == "not_found"
            assert response.json()["error"]["message"] == "请求的对象不存在。"
    assert client.get(f"{API}/articles/99999999/").status_code == 404


def test_pinned_first_then_newest(client, data):
    response = _get(client, f"{API}/articles/?site=g-m1&page_size=100")
    titles = [row["title"] for row in response.json()["results"]]
    assert titles[0] == data.pinned.title
    assert [row["is_pinned"] for row in response.json()["results"]][:2] == [True, False]
    dates = [row["published_at"] for row in response.json()["results"][1:]]
    assert dates == sorted(dates, reverse=True)  # an expired pin is an ordinary item


def test_site_column_and_tag_filters(client, data):
    mine_site = _titles(_get(client, f"{API}/articles/?site=g-m1&page_size=100"))
    # The mine's 通知公告 inherits the group's: the group's notice is listed on the mine's site.
    assert mine_site == data.titles("public", "pinned", "old_pin", "group_notice", "future_expiry")
    group_site = _titles(_get(client, f"{API}/articles/?site=g"))
    assert group_site == data.titles("group_notice")
    notices = _titles(_get(client, f"{API}/articles/?site=g-m1&column=notices"))
    assert notices == data.titles("pinned", "old_pin", "group_notice")
    # 舆论宣传 lists its sub-columns (新闻动态, 先进典型).
    publicity = _titles(_get(client, f"{API}/articles/?site=g-m1&column=publicity"))
    assert publicity == data.titles("public", "future_expiry")
    assert _titles(_get(client, f"{API}/articles/?column=disclosure")) == set()
    tagged = _titles(_get(client, f"{API}/articles/?tag=安全生产", data.portal.mia))
    assert tagged == data.titles("public", "members")
    assert _titles(_get(client, f"{API}/articles/?tag=安全生产")) == data.titles("public")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("site=nowhere", "site", "没有代码为“nowhere”的站点。"),
        ("site=g-m1&column=nothing", "column", "站点“g-m1”没有代码为“nothing”的栏目。"),
        ("column=nothing", "column", "任何站点没有代码为“nothing”的栏目。"),
        ("tag=" + "长" * 101, "tag", "不能超过 100 个字符。"),
        ("page=abc", None, None),
    ],
)
def test_bad_parameters_answer_400_or_404_in_chinese(client, data, query, field, message):
    response = _get(client, f"{API}/articles/?{query}")
    body = response.json()["error"]
    if field is None:
        assert response.status_code == 404
        assert body["code"] == "not_found"
        return
    assert response.status_code == 400
    assert body["details"][field] == [message]
    assert body["message"] == message


def test_list_fields_have_addresses_and_no_internal_fields(client, data):
    rows = _get(client, f"{API}/articles/?tag=一矿").json()["results"]
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {
        "id", "site", "column", "title", "subtitle", "summary", "author", "source",
        "published_at", "is_pinned", "cover", "url", "view_count", "tags",
    }  # fmt: skip
    assert row["site"] == {"code": "g-m1", "name": data.portal.mine_site.name}
    assert row["column"] == {"slug": "news", "name": "新闻动态"}
    assert row["cover"] == f"/portal/media/{data.cover.key}/800/"
    assert row["url"] == f"/a/{data.public.pk}/"
    assert sorted(row["tags"]) == ["一矿", "安全生产"]
    assert (row["author"], row["source"], row["summary"]) == (
        "宣传部",
        "一矿党委",
        "安全生产周期突破一千天",
    )


def test_detail_has_the_sanitised_body_and_attachments_but_no_trail(client, data):
    body = _get(client, f"{API}/articles/{data.public.pk}/").json()
    for internal in ("status", "created_by", "updated_by", "audience", "actions", "revisions",
                     "secrecy_checked", "return_reason", "visibility", "body_text"):  # fmt: skip
        assert internal not in body
    assert "正文" in body["body"]
    for payload in ("onerror", "<script", "javascript:", "alert(2)"):
        assert payload not in body["body"]
    assert body["attachments"] == [
        {
            "id": data.attachment.pk,
            "name": "安全生产通报.txt",
            "size": 18,
            "url": f"/portal/attachments/{data.attachment.pk}/",
        }
    ]
    assert body["expire_at"] is None


def test_columns_of_a_site_with_counts_per_viewer(client, data):
    anonymous = _get(client, f"{API}/columns/?site=g-m1&page_size=50").json()["results"]
    slugs = [row["slug"] for row in anonymous]
    assert slugs[:4] == ["notices", "organization", "publicity", "news"]
    assert {row["site"] for row in anonymous} == {"g-m1"}
    by_slug = {row["slug"]: row for row in anonymous}
    assert by_slug["news"]["parent"] == "publicity"
    assert by_slug["photos"]["kind"] == "pictures"
    assert by_slug["photos"]["kind_display"] == "图片新闻"
    assert by_slug["notices"]["inherits"] == {"site": "g", "column": "notices"}
    assert by_slug["news"]["inherits"] is None
    assert by_slug["news"]["article_count"] == 1
    assert by_slug["disclosure"]["article_count"] == 0
    members = _get(client, f"{API}/columns/?site=g-m1&page_size=50", data.portal.mia).json()
    counts = {row["slug"]: row["article_count"] for row in members["results"]}
    assert (counts["disclosure"], counts["organization"], counts["notices"]) == (1, 1, 2)
    nick = _get(client, f"{API}/columns/?site=g-m1&page_size=50", data.portal.nick).json()
    assert {row["slug"]: row["article_count"] for row in nick["results"]}["disclosure"] == 0
    detail = client.get(f"{API}/columns/{by_slug['disclosure']['id']}/").json()
    assert (detail["slug"], detail["article_count"]) == ("disclosure", 0)
    everything = _get(client, f"{API}/columns/?page_size=200").json()
    assert {row["site"] for row in everything["results"]} == {"g", "g-m1", "g-m2"}
    assert _get(client, f"{API}/columns/?site=nowhere").status_code == 400


def test_inactive_sites_and_columns_are_not_published(client, data):
    data.portal.mine_site.columns.filter(slug="models").update(is_active=False)
    assert data.future_expiry.title not in _titles(_get(client, f"{API}/articles/"))
    assert client.get(f"{API}/articles/{data.future_expiry.pk}/").status_code == 404
    Site.objects.filter(code="g").update(is_active=False)
    assert data.group_notice.title not in _titles(_get(client, f"{API}/articles/"))
    assert _get(client, f"{API}/articles/?site=g").status_code == 400
    assert _get(client, f"{API}/columns/?site=g").status_code == 400


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_rows(client, data):
    portal = data.portal
    client.force_login(portal.mia)
    urls = [
        f"{API}/articles/?page_size=50",
        f"{API}/articles/?site=g-m1&column=notices",
        f"{API}/columns/?site=g-m1",
        f"{API}/articles/{data.public.pk}/",
    ]
    before = [_queries(client, url) for url in urls]
    tag = Tag.objects.create(name="三会一课")
    for index in range(12):
        article = make_article(
            portal.mine_site, "notices" if index % 2 else "news", f"新增{index}",
            visibility=Visibility.ORGANIZATIONS if index % 3 else Visibility.MEMBERS,
            audience=[portal.mine, portal.branch1] if index % 3 else (),
        )  # fmt: skip
        article.tags.add(tag, Tag.objects.create(name=f"标签{index}"))
        Article.objects.filter(pk=article.pk).update(cover=data.cover)
        attachment = ArticleAttachment(article=data.public, title=f"附件{index}.txt", order=index)
        attachment.file.name = f"portal/{index}.txt"
        attachment.save()
    after = [_queries(client, url) for url in urls]
    assert after == before
    assert max(after) <= 10


def test_anonymous_callers_may_only_read(client, data):
    response = client.post(f"{API}/articles/", {"title": "x"}, content_type="application/json")
    assert response.status_code in (401, 405)
    client.force_login(data.portal.alice)
    response = client.delete(f"{API}/articles/{data.public.pk}/")
    assert response.status_code in (403, 405)
    assert Article.objects.filter(pk=data.public.pk).exists()


def test_the_schema_of_these_endpoints_validates():
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema
    from rest_framework.routers import DefaultRouter

    from dangjian.portal.api_articles import routes

    router = DefaultRouter()
    for prefix, viewset, basename in routes:
        router.register(prefix, viewset, basename=basename)
    patterns = [path("api/v1/", include(router.urls))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    validate_schema(schema)
    assert {"/api/v1/articles/", "/api/v1/articles/{id}/", "/api/v1/columns/"} <= set(
        schema["paths"]
    )
    fields = schema["components"]["schemas"]["ArticleDetail"]["properties"]
    assert "body" in fields and "created_by" not in fields
