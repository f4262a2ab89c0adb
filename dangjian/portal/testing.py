"""The portal's test world, on top of `core.testing.world`:

    集团党委 ─ site "g"  (group_site)
    ├── 一矿党委 ─ site "g-m1" (mine_site)   ← erin: 宣传干事, frank: 宣传部长, alice: 组织部
    │   ├── 综采一队党支部 (branch1)             ← bob: 书记; member "mia" (a plain party member)
    └── 二矿党委 ─ site "g-m2" (mine2_site)   ← dave: 组织部; member "nick" (branch3)

`make_article(...)` writes an article straight into a state (published by default) without the
workflow, for tests of the reading side (lists, search, media, API).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from dangjian.core.richtext import sanitize_article_html
from dangjian.core.testing.world import World, build_world, grant, make_user, member_user
from dangjian.portal.models import Article, Column, Site, Visibility
from dangjian.portal.services.sites import open_site


@dataclass
class PortalWorld:
    world: World
    group_site: Site
    mine_site: Site
    mine2_site: Site
    erin: object  # 宣传干事, mine
    frank: object  # 宣传部长, mine
    mia: object  # party member of branch1, no role
    nick: object  # party member of branch3 (mine 2), no role

    def __getattr__(self, name):
        return getattr(self.world, name)

    def column(self, site: Site, slug: str) -> Column:
        return site.columns.get(slug=slug)


def build_portal_world() -> PortalWorld:
    world = build_world()
    group_site = open_site(world.group, actor=world.sysadmin)
    mine_site = open_site(world.mine, actor=world.sysadmin)
    mine2_site = open_site(world.mine2, actor=world.sysadmin)
    erin = make_user("erin", "易琳")
    grant(erin, "propaganda_officer", world.mine)
    frank = make_user("frank", "方锐")
    grant(frank, "propaganda_head", world.mine)
    mia = member_user("mia", "米娅", world.branch1)
    nick = member_user("nick", "聂克", world.branch3)
    return PortalWorld(world, group_site, mine_site, mine2_site, erin, frank, mia, nick)


def make_article(
    site: Site,
    column_slug: str,
    title: str,
    body: str = "<p>正文</p>",
    *,
    visibility: str = Visibility.MEMBERS,
    audience=(),
    status: str = Article.Status.PUBLISHED,
    published_at=None,
    author=None,
    **fields,
) -> Article:
    from django.utils.html import strip_tags

    body = sanitize_article_html(body)
    article = Article.objects.create(
        site=site,
        column=site.columns.get(slug=column_slug),
        title=title,
        body=body,
        body_text=strip_tags(body),
        visibility=visibility,
        status=status,
        published_at=published_at
        or (timezone.now() if status == Article.Status.PUBLISHED else None),
        created_by=author,
        **fields,
    )
    if audience:
        article.audience.set(audience)
    return article
