"""The index follows the portal: publish, save, unpublish, expiry and the reindex command."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dangjian.portal.models import Article, Visibility
from dangjian.portal.signals import article_changed, send_after_commit
from dangjian.portal.testing import make_article
from dangjian.search import search
from dangjian.search.indexing import index_articles, reindex
from dangjian.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def titles(page):
    return [hit.object.title for hit in page.object_list]


def test_the_index_follows_publish_unpublish_and_delete(portal, django_capture_on_commit_callbacks):
    article = make_article(
        portal.mine_site,
        "news",
        "安全生产月",
        "<p>开展标准化班组建设</p>",
        visibility=Visibility.PUBLIC,
    )
    with django_capture_on_commit_callbacks(execute=True):
        send_after_commit(
            article_changed, article_id=article.pk, site_id=article.site_id, reason="publish"
        )
    assert titles(search("班组", user=None)) == ["安全生产月"]

    Article.objects.filter(pk=article.pk).update(body_text="开展党员先锋岗活动")
    with django_capture_on_commit_callbacks(execute=True):
        send_after_commit(
            article_changed, article_id=article.pk, site_id=article.site_id, reason="save"
        )
    assert titles(search("班组", user=None)) == []
    assert titles(search("先锋岗", user=None)) == ["安全生产月"]

    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN)
    with django_capture_on_commit_callbacks(execute=True):
        send_after_commit(
            article_changed, article_id=article.pk, site_id=article.site_id, reason="unpublish"
        )
    assert not SearchDocument.objects.filter(object_id=article.pk).exists()
    assert titles(search("先锋岗", user=None)) == []

    # saving a draft that is not live keeps it out of the index
    with django_capture_on_commit_callbacks(execute=True):
        send_after_commit(
            article_changed, article_id=article.pk, site_id=article.site_id, reason="save"
        )
    assert not SearchDocument.objects.filter(object_id=article.pk).exists()


def test_an_expired_article_is_not_found_before_the_sweep(portal):
    article = make_article(
        portal.mine_site,
        "news",
        "过期通知",
        "<p>年度述职评议</p>",
        visibility=Visibility.PUBLIC,
        expire_at=timezone.now() + dt.timedelta(hours=1),
    )
    index_articles([article.pk])
    assert titles(search("述职", user=None)) == ["过期通知"]
    Article.objects.filter(pk=article.pk).update(expire_at=timezone.now() - dt.timedelta(minutes=1))
    assert titles(search("述职", user=None)) == []


def test_reindex_rebuilds_a_site_and_drops_stale_documents(portal):
    live = make_article(portal.mine_site, "news", "标准化支部", visibility=Visibility.PUBLIC)
    gone = make_article(portal.mine_site, "news", "撤下的支部稿", visibility=Visibility.PUBLIC)
    other = make_article(portal.mine2_site, "news", "二矿支部", visibility=Visibility.PUBLIC)
    index_articles([gone.pk, other.pk])
    Article.objects.filter(pk=gone.pk).update(status=Article.Status.WITHDRAWN)
    result = reindex(site=portal.mine_site)
    assert result == {"indexed": 1, "removed": 1}
    assert set(titles(search("支部", user=None))) == {"标准化支部", "二矿支部"}
    assert set(SearchDocument.objects.values_list("object_id", flat=True)) == {live.pk, other.pk}


def test_the_reindex_command_reports_what_it_did(portal, capsys):
    make_article(portal.mine_site, "news", "支部书记述职", visibility=Visibility.PUBLIC)
    call_command("reindex", "--site", "g-m1")
    assert "已索引 1 条" in capsys.readouterr().out
    assert titles(search("述职", user=None)) == ["支部书记述职"]
    with pytest.raises(CommandError, match="no-such-site"):
        call_command("reindex", "--site", "no-such-site")


def test_a_typo_finds_the_nearest_titles(portal):
    from django.db import connection

    near = make_article(
        portal.mine_site, "policies", "机电设备检修规程", visibility=Visibility.PUBLIC
    )
    other = make_article(portal.mine_site, "policies", "煤矿规程汇编", visibility=Visibility.PUBLIC)
    index_articles([near.pk, other.pk])
    assert search("机电设备检修规程", user=None).fuzzy is False
    page = search("机电设备检休规程", user=None)  # 修 mistyped as 休
    assert page.fuzzy
    if connection.vendor == "postgresql":  # pg_trgm: the similar title only
        assert titles(page) == ["机电设备检修规程"]
    else:  # any of the words, the closest first
        assert titles(page) == ["机电设备检修规程", "煤矿规程汇编"]


def test_reindex_puts_back_a_lost_sqlite_trigger(portal, capsys):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 triggers exist on SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER search_document_ai")
    call_command("reindex")
    assert "已恢复检索触发器 search_document_ai" in capsys.readouterr().out
    later = make_article(portal.mine_site, "news", "党员积分制管理", visibility=Visibility.PUBLIC)
    index_articles([later.pk])
    assert titles(search("积分制", user=None)) == ["党员积分制管理"]
