"""Bench rows of the portal (issue 6): the front page for an anonymous visitor and for a
logged-in member, each cold (the page cache just invalidated, as after a publication) and
cached; a mine's column list, an article page, the full-text search of a two-character word
over the whole group's articles, and the articles API.

The seed's group scale writes 50 000 articles over the sites of the group, its 二级党委 and its
mines (`core/seed/portal.py`); the mine measured is `prepare_world`'s (the 党委 with the most
organisations), the logged-in visitor is its bench 支部书记.

*Cold* rows: every timed request of a row whose URL carries `?bench=cold` is preceded by
`portal.cache.invalidate()` (a `request_started` receiver connected here, which ignores every
other request), so each one rebuilds the home blocks as the first visitor after a publication
does; the version bump itself is one cache increment.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.signals import request_started
from django.urls import reverse

from dangjian.core.bench.cases import BenchWorld, Case

COLD = "bench=cold"
SECRETARY = "secretary"
SEARCH_WORD = "党建"


def _invalidate_when_cold(sender, environ=None, **kwargs) -> None:
    if environ and environ.get("QUERY_STRING") == COLD:
        from dangjian.portal.cache import invalidate

        invalidate()


request_started.connect(_invalidate_when_cold, dispatch_uid="bench-portal-cold")


def _home(cold: bool) -> Callable[[BenchWorld], str]:
    return lambda world: reverse("portal:home") + (f"?{COLD}" if cold else "")


def _mine_site(world: BenchWorld):
    from dangjian.portal.models import Site

    return Site.objects.filter(organization=world.mine, is_active=True).first()


def _column(world: BenchWorld) -> str | None:
    site = _mine_site(world)
    return reverse("portal:column", args=[site.code, "news"]) if site else None


def _article(world: BenchWorld) -> str | None:
    """The mine's newest members-only article (a page the anonymous visitor may not see)."""
    from dangjian.portal.models import Visibility
    from dangjian.portal.visibility import articles_readable_by

    site = _mine_site(world)
    if site is None:
        return None
    article = (
        articles_readable_by(world.secretary)
        .filter(site=site, visibility=Visibility.MEMBERS)
        .order_by("-published_at")
        .values_list("pk", flat=True)
        .first()
    )
    return reverse("portal:article", args=[article]) if article else None


def _search(world: BenchWorld) -> str:
    return reverse("portal:search") + f"?q={SEARCH_WORD}"


def _api_notices(world: BenchWorld) -> str | None:
    """The mine's 通知公告 with the group's inherited ones, as the phone client lists them."""
    site = _mine_site(world)
    if site is None:
        return None
    return reverse("api:portal-article-list") + f"?site={site.code}&column=notices"


PORTAL_CASES = (
    Case("门户首页 · 匿名 · 冷（缓存刚失效）", _home(True), shown=f"/?{COLD}"),
    Case("门户首页 · 匿名 · 已缓存", _home(False)),
    Case("门户首页 · 支部书记 · 冷（缓存刚失效）", _home(True), SECRETARY, shown=f"/?{COLD}"),
    Case("门户首页 · 支部书记 · 已缓存", _home(False), SECRETARY),
    Case("栏目列表 · 一个矿的新闻动态（支部书记）", _column, SECRETARY),
    Case("文章页 · 党内公开（支部书记）", _article, SECRETARY, shown="/a/<id>/"),
    Case(f"全文搜索“{SEARCH_WORD}” · 全集团文章（支部书记）", _search, SECRETARY),
    Case(f"全文搜索“{SEARCH_WORD}” · 匿名（公开文章）", _search),
    Case("文章列表 API · 匿名", lambda world: reverse("api:portal-article-list")),
    Case("文章列表 API · 一个矿的通知公告（支部书记）", _api_notices, SECRETARY),
)
