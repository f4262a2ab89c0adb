"""Opening a site (开通站点) with the book's default columns and a usable home page.

    site = open_site(organization, actor=request.user)

A new site gets the columns of 首页系统/信息交流: 通知公告, 组工家园, 舆论宣传 (新闻动态,
先进典型, 图片新闻, 视频), 党务公开, 企业信息公开, 政策法规, 下载专区 — 党务公开 and
企业信息公开 with the 保密审查 (domain §8.4) — and home-page blocks over them. A site below
another site takes its parent's 通知公告 as well (`Column.inherit_from`). Opening is idempotent:
an organisation has at most one site, and a second call returns it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from dangjian.audit.services import audit_log
from dangjian.portal.models import Column, HomeBlock, Site, Visibility


@dataclass(frozen=True)
class DefaultColumn:
    slug: str
    name: str
    kind: str = Column.Kind.ARTICLES
    visibility: str = Visibility.MEMBERS
    secrecy: bool = False
    parent: str = ""
    description: str = ""


DEFAULT_COLUMNS = (
    DefaultColumn("notices", "通知公告", description="上级和本级党组织的通知、公告"),
    DefaultColumn("organization", "组工家园", description="组织工作动态、党建经验、工作交流"),
    DefaultColumn("publicity", "舆论宣传", description="新闻动态、先进典型、图片与视频"),
    DefaultColumn("news", "新闻动态", parent="publicity", visibility=Visibility.PUBLIC),
    DefaultColumn("models", "先进典型", parent="publicity", visibility=Visibility.PUBLIC),
    DefaultColumn(
        "photos", "图片新闻", kind=Column.Kind.PICTURES, parent="publicity",
        visibility=Visibility.PUBLIC,
    ),
    DefaultColumn(
        "videos", "视频", kind=Column.Kind.VIDEOS, parent="publicity",
        visibility=Visibility.PUBLIC,
    ),
    DefaultColumn(
        "disclosure", "党务公开", kind=Column.Kind.DISCLOSURE, secrecy=True,
        description="按《中国共产党党务公开条例（试行）》公开的党务事项",
    ),
    DefaultColumn(
        "enterprise", "企业信息公开", kind=Column.Kind.DISCLOSURE, secrecy=True,
        visibility=Visibility.PUBLIC, description="依法向职工和社会公开的企业信息",
    ),
    DefaultColumn("policies", "政策法规", description="党内法规、上级文件与制度汇编"),
    DefaultColumn(
        "downloads", "下载专区", kind=Column.Kind.DOWNLOADS,
        description="表格模板、学习资料等共享文件",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class DefaultBlock:
    kind: str
    title: str
    column: str = ""
    width: str = HomeBlock.Width.HALF
    size: int = 8


DEFAULT_BLOCKS = (
    DefaultBlock(HomeBlock.Kind.CAROUSEL, "图片新闻", "photos", HomeBlock.Width.TWO_THIRDS, 5),
    DefaultBlock(HomeBlock.Kind.NOTICES, "通知公告", "notices", HomeBlock.Width.THIRD, 8),
    DefaultBlock(HomeBlock.Kind.TODO, "我的待办", width=HomeBlock.Width.THIRD, size=6),
    DefaultBlock(HomeBlock.Kind.COLUMN, "新闻动态", "news", HomeBlock.Width.TWO_THIRDS, 8),
    DefaultBlock(HomeBlock.Kind.COLUMN, "组工家园", "organization", HomeBlock.Width.HALF, 8),
    DefaultBlock(HomeBlock.Kind.COLUMN, "党务公开", "disclosure", HomeBlock.Width.HALF, 8),
    DefaultBlock(HomeBlock.Kind.QUICK_ENTRIES, "业务系统", width=HomeBlock.Width.FULL),
    DefaultBlock(HomeBlock.Kind.COLUMN, "先进典型", "models", HomeBlock.Width.THIRD, 6),
    DefaultBlock(HomeBlock.Kind.DOWNLOADS, "下载专区", "downloads", HomeBlock.Width.THIRD, 6),
    DefaultBlock(HomeBlock.Kind.STATISTICS, "党建数据", width=HomeBlock.Width.THIRD),
    DefaultBlock(HomeBlock.Kind.LINKS, "相关链接", width=HomeBlock.Width.FULL),
)


def default_site_code(organization) -> str:
    return (organization.code or f"org{organization.pk}").lower().replace("_", "-")[:40]


def parent_site(organization) -> Site | None:
    """The nearest site above the organisation (its ancestors' sites, deepest first)."""
    step = type(organization).steplen
    paths = [organization.path[:end] for end in range(step, len(organization.path), step)]
    return (
        Site.objects.filter(organization__path__in=paths, is_active=True)
        .order_by("-organization__depth")
        .first()
    )


@transaction.atomic
def open_site(organization, *, actor, name: str = "", code: str = "") -> Site:
    existing = Site.objects.filter(organization=organization).first()
    if existing is not None:
        return existing
    site = Site.objects.create(
        organization=organization,
        name=name or f"{organization.short_name or organization.name}党建网",
        code=code or default_site_code(organization),
    )
    above = parent_site(organization)
    columns: dict[str, Column] = {}
    for order, spec in enumerate(DEFAULT_COLUMNS, start=1):
        inherit = None
        if spec.slug == "notices" and above is not None:
            inherit = above.columns.filter(slug="notices").first()
        columns[spec.slug] = Column.objects.create(
            site=site,
            parent=columns.get(spec.parent),
            name=spec.name,
            slug=spec.slug,
            kind=spec.kind,
            description=spec.description,
            order=order * 10,
            needs_review=True,
            needs_secrecy_review=spec.secrecy,
            default_visibility=spec.visibility,
            inherit_from=inherit,
        )
    HomeBlock.objects.bulk_create(
        HomeBlock(
            site=site,
            kind=spec.kind,
            title=spec.title,
            column=columns.get(spec.column),
            width=spec.width,
            size=spec.size,
            order=order * 10,
            config={"links": []} if spec.kind == HomeBlock.Kind.LINKS else {},
        )
        for order, spec in enumerate(DEFAULT_BLOCKS, start=1)
    )
    audit_log(
        actor=actor,
        action="portal.site_create",
        obj=site,
        organization=organization,
        after={"name": site.name, "code": site.code},
    )
    from dangjian.portal.cache import invalidate

    transaction.on_commit(invalidate)
    return site
