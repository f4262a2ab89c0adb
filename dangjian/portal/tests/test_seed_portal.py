"""The portal of the demo data (`dangjian seed --scale mine`, core/seed/portal.py): the group's
and the demo mine's sites, ~300 articles with a visibility mix, pictures with renditions, the
三审 trail, attachments, downloads, the search index, the editors' work in progress and the
demo logins of the 宣传干事 and 宣传部长. The demo mine is seeded once for the module (a smaller
mine than `make demo`'s, the portal part is the same)."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.richtext import sanitize_article_html
from dangjian.core.seed import DEMO_LOGINS, seed_database
from dangjian.core.seed.plan import MineShape
from dangjian.core.seed.portal import MINE_COLUMNS, document_bytes, draw_picture
from dangjian.core.tests.test_seed import skipping
from dangjian.portal.models import (
    Article,
    ArticleAction,
    ArticleAttachment,
    DownloadItem,
    MediaAsset,
    Site,
    Visibility,
)
from dangjian.portal.visibility import articles_readable_by

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    parts = skipping("write_meetings", "write_documents", "write_assessment")
    with django_db_blocker.unblock(), transaction.atomic(), parts:
        yield seed_database(scale="mine", seed=1, today=TODAY, shape=MineShape(members=400))
        transaction.set_rollback(True)


@pytest.fixture
def data(seeded, db):
    return seeded


def _mine() -> Site:
    return Site.objects.get(code="sy-k01")


def test_the_group_and_the_demo_mine_have_sites_with_their_columns(data):
    assert list(Site.objects.order_by("code").values_list("code", flat=True)) == ["sy", "sy-k01"]
    mine = _mine()
    assert mine.organization.code == "SY-K01"
    notices = mine.columns.get(slug="notices")
    assert notices.inherit_from == Site.objects.get(code="sy").columns.get(slug="notices")
    assert mine.blocks.filter(kind="carousel", column__slug="photos").exists()


def test_about_300_articles_over_every_column_and_the_last_twelve_months(data):
    mine = _mine()
    published = Article.objects.filter(site=mine, status=Article.Status.PUBLISHED)
    assert published.count() == sum(MINE_COLUMNS.values()) == 276
    assert 300 <= Article.objects.count() <= 340
    per_column = dict(published.values_list("column__slug").annotate(n=Count("pk")))
    assert per_column == MINE_COLUMNS
    dates = published.values_list("published_at", flat=True)
    assert min(dates).date() >= TODAY - timedelta(days=366)
    assert max(dates).date() < TODAY
    pinned = published.filter(column__slug="notices", pinned_until__date__gt=TODAY)
    assert pinned.count() == 3
    assert published.filter(expire_at__date__lt=TODAY).exists()  # taken-down notices
    assert len(set(published.values_list("title", flat=True))) > 200
    statuses = set(Article.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "reviewed", "returned", "published"}
    returned = Article.objects.get(status="returned")
    assert returned.return_reason and returned.created_by.username == "xuanchuan"


def test_the_visibility_mix_and_who_reads_what(data):
    mine = _mine()
    published = Article.objects.filter(site=mine, status=Article.Status.PUBLISHED)
    by_column = {
        slug: set(published.filter(column__slug=slug).values_list("visibility", flat=True))
        for slug in MINE_COLUMNS
    }
    for slug in ("news", "models", "photos", "enterprise"):
        assert by_column[slug] == {Visibility.PUBLIC}, slug
    assert by_column["organization"] == {Visibility.MEMBERS}
    assert by_column["notices"] == {Visibility.PUBLIC, Visibility.MEMBERS}
    assert by_column["disclosure"] == {Visibility.ORGANIZATIONS}
    depths = set(
        published.filter(column__slug="disclosure").values_list("audience__depth", flat=True)
    )
    assert min(depths) == mine.organization.depth  # the whole mine …
    assert max(depths) > mine.organization.depth  # … or one branch
    public = published.filter(visibility=Visibility.PUBLIC).count()
    assert 100 < public < published.count() - 50
    member = User.objects.get(username="dangyuan")
    anonymous_titles = set(articles_readable_by(None).values_list("pk", flat=True))
    member_titles = set(articles_readable_by(member).values_list("pk", flat=True))
    assert anonymous_titles < member_titles
    limited = published.filter(visibility=Visibility.ORGANIZATIONS)
    branch = member.person.membership.organization
    for article in limited:
        paths = [org.path for org in article.audience.all()]
        inside = any(branch.path.startswith(path) for path in paths)
        assert (article.pk in member_titles) == inside


def test_pictures_have_renditions_and_are_used_by_the_articles(data):
    images = MediaAsset.objects.filter(kind=MediaAsset.Kind.IMAGE)
    assert images.count() == 18
    for asset in images:
        assert (asset.width, asset.height) == (1280, 720)
        assert set(asset.renditions) == {"320", "800"}
        for name in [asset.file.name, *asset.renditions.values()]:
            assert default_storage.exists(name)
    photos = Article.objects.filter(site=_mine(), column__slug="photos")
    assert not photos.filter(cover__isnull=True).exists()
    with_pictures = Article.objects.filter(body__contains="<img")
    assert with_pictures.exists()
    for article in with_pictures[:20]:
        keys = set(re.findall(r"/portal/media/([0-9a-f-]{36})/", article.body))
        assert keys == {str(key) for key in article.media.values_list("key", flat=True)}


def test_bodies_are_sanitised_text_with_word_tables_and_the_trail_is_complete(data):
    mine = _mine()
    for article in Article.objects.filter(site=mine)[:400]:
        assert sanitize_article_html(article.body) == article.body
        assert article.body_text and "<" not in article.body_text
    disclosure = Article.objects.filter(site=mine, column__slug="disclosure")
    tables = disclosure.filter(body__contains="<table").count()
    assert tables >= disclosure.count() // 2
    dues = disclosure.filter(title__contains="党费").first()
    assert "应交人数" in dues.body and "<td>" in dues.body
    published = Article.objects.filter(site=mine, status=Article.Status.PUBLISHED)
    kinds = dict(
        ArticleAction.objects.filter(article__in=published)
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    assert kinds == dict.fromkeys(("submit", "review", "approve", "publish"), published.count())
    checked = ArticleAction.objects.filter(article__column__slug="disclosure", kind="review")
    assert checked.exists() and not checked.filter(secrecy_checked=False).exists()
    assert set(
        ArticleAction.objects.filter(kind="review").values_list("actor__username", flat=True)
    ) == {"xcbz"}


def test_attachments_downloads_and_the_search_index(data):
    attachments = ArticleAttachment.objects.all()
    assert attachments.count() >= 5
    for attachment in attachments:
        assert attachment.text_status == ArticleAttachment.TextStatus.DONE
        assert attachment.text.startswith(attachment.article.title)
        assert default_storage.exists(attachment.file.name)
    items = DownloadItem.objects.filter(site=_mine()).select_related("current_version")
    assert items.count() == 10
    assert {item.folder.name for item in items} == {"表格模板", "发展党员", "学习资料", "制度汇编"}
    for item in items:
        assert item.current_version.number == item.versions.count()
    assert items.filter(folder__parent__isnull=False).exists()
    from dangjian.search import search

    hits = search("党建", user=User.objects.get(username="dangyuan"))
    assert hits.paginator.count > 20
    assert search("支部", user=None).paginator.count > 5


def test_the_demo_editors_have_their_roles_on_the_mine(data):
    mine = _mine().organization
    grants = {
        assignment.user.username: (assignment.role.code, assignment.organization_id)
        for assignment in RoleAssignment.objects.filter(
            user__username__in=["xuanchuan", "xcbz"]
        ).select_related("user", "role")
    }
    assert grants == {
        "xuanchuan": ("propaganda_officer", mine.pk),
        "xcbz": ("propaganda_head", mine.pk),
    }
    waiting = Article.objects.filter(status="submitted", site=_mine())
    assert waiting.count() == 2


def test_pictures_and_documents_are_deterministic():
    assert draw_picture(random.Random(3), "一矿 · 主题党日") == draw_picture(
        random.Random(3), "一矿 · 主题党日"
    )
    data, kind = document_bytes(["标题", "第一段"])
    assert kind in ("docx", "txt") and data


def test_the_readme_lists_every_demo_login():
    readme = (Path(settings.BASE_DIR).parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("| 角色 | 登录名 |", 1)[1].split("\n\n", 1)[0]
    logins = re.findall(r"^\| [^|]+ \| `([a-z]+)` \|", table, flags=re.MULTILINE)
    assert logins == [spec.username for spec in DEMO_LOGINS]
