"""The portal's back-end writes: a site's settings, its column tree and its home-page blocks.

Every function takes the acting user, checks that they hold `portal.manage_site` over the
site's organisation (404 otherwise, exactly as for a missing site), validates its input with
a Chinese `ServiceError`, writes one audit entry and, after commit, invalidates the portal's
page cache so the next request shows the change.

    site = site_open(actor=user, organization=org, name="", code="")
    site_update(actor=user, site=site, name=…, code=…, slogan=…, show_parent_items=…, is_active=…)
    column = column_save(actor=user, site=site, column=None, values={…}, publishers=[…])
    column_move(actor=user, column=column, direction="up")
    column_delete(actor=user, column=column)
    block = block_save(actor=user, site=site, block=None, values={…}, links=[("名称", "URL")])
    block_move / block_toggle / block_delete
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.http import Http404

from dangjian.accounts.models import RoleAssignment
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import require_in_scope
from dangjian.orgs.models import Organization, OrgType
from dangjian.portal import cache
from dangjian.portal.models import Column, HomeBlock, Site, Visibility
from dangjian.portal.permissions import MANAGE_SITE
from dangjian.portal.services.sites import default_site_code, open_site, parent_site

# Organisations that publish (domain: the group, 二级党委, mines and 党总支 have sub-sites).
SITE_ORG_TYPES = (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)
MAX_COLUMNS = 100  # per site: the tree is shown on one page and in the site navigation
MAX_BLOCKS = 40  # per site: the home page is one page
MAX_LINKS = 30
BLOCK_SIZE_RANGE = (1, 20)
SITE_FIELDS = ("name", "code", "slogan", "show_parent_items", "is_active")
COLUMN_FIELDS = (
    "parent",
    "name",
    "slug",
    "kind",
    "description",
    "order",
    "needs_review",
    "needs_secrecy_review",
    "default_visibility",
    "inherit_from",
    "show_in_nav",
    "is_active",
)
BLOCK_FIELDS = ("kind", "title", "column", "size", "width", "is_active")
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
SLUG_RULE = "只能用小写英文字母、数字和连字符（-），以字母或数字开头和结尾，最长 40 个字符"

# Which columns a block of each kind can show (None: the block takes no column).
BLOCK_COLUMN_KINDS: dict[str, tuple[str, ...] | None] = {
    HomeBlock.Kind.CAROUSEL: (Column.Kind.PICTURES,),
    HomeBlock.Kind.NOTICES: (Column.Kind.ARTICLES, Column.Kind.DISCLOSURE),
    HomeBlock.Kind.COLUMN: (
        Column.Kind.ARTICLES,
        Column.Kind.PICTURES,
        Column.Kind.VIDEOS,
        Column.Kind.DISCLOSURE,
    ),
    HomeBlock.Kind.DOWNLOADS: (Column.Kind.DOWNLOADS,),
    HomeBlock.Kind.QUICK_ENTRIES: None,
    HomeBlock.Kind.TODO: None,
    HomeBlock.Kind.STATISTICS: None,
    HomeBlock.Kind.LINKS: None,
}
# Kinds whose column may be left empty (the downloads block lists the whole library).
BLOCK_COLUMN_OPTIONAL = (HomeBlock.Kind.DOWNLOADS,)


# --- reading: what the user may manage ---------------------------------------------------------


def managed_sites(user):
    """The sites whose organisation lies in the user's `manage_site` scope."""
    return Site.objects.visible_to(user, MANAGE_SITE)


def get_managed_site_or_404(user, pk) -> Site:
    return _get_or_404(managed_sites(user).select_related("organization"), pk)


def get_managed_column_or_404(user, pk) -> Column:
    columns = Column.objects.filter(site__in=managed_sites(user)).select_related(
        "site__organization", "parent"
    )
    return _get_or_404(columns, pk)


def get_managed_block_or_404(user, pk) -> HomeBlock:
    blocks = HomeBlock.objects.filter(site__in=managed_sites(user)).select_related(
        "site__organization", "column"
    )
    return _get_or_404(blocks, pk)


def _get_or_404(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def openable_organizations(user):
    """Active 党委/党总支 in the user's scope that have no site yet."""
    return (
        Organization.objects.visible_to(user, MANAGE_SITE)
        .filter(is_active=True, org_type__in=SITE_ORG_TYPES, portal_site__isnull=True)
        .order_by("path")
    )


def publisher_candidates(site: Site):
    """Users who may be named as a column's publishers: active accounts holding a role on an
    organisation inside the site's subtree (its officers, branch secretaries, 宣传干事 …)."""
    holders = RoleAssignment.objects.filter(
        organization__path__startswith=site.organization.path,
        organization__is_active=True,
        admin_kind="",
    ).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=holders)
        .order_by("display_name", "username")
    )


def inheritable_columns(site: Site):
    """Columns a column of this site may also list: the active columns of the parent site."""
    above = parent_site(site.organization)
    if above is None:
        return Column.objects.none()
    return above.columns.filter(is_active=True).select_related("site").order_by("order", "id")


def parent_choices(site: Site, column: Column | None = None):
    """Top-level columns of the site (the tree has two levels), other than the column itself."""
    choices = site.columns.filter(parent__isnull=True)
    if column is not None and column.pk:
        choices = choices.exclude(pk=column.pk)
    return choices.order_by("order", "id")


def block_columns(site: Site):
    """Columns of the site a block may show (kinds are checked per block kind)."""
    return site.columns.select_related("parent").order_by("parent__order", "order", "id")


# --- sites -------------------------------------------------------------------------------------


def _require_manage(actor, site: Site) -> None:
    require_in_scope(actor, MANAGE_SITE, site.organization.path)


def _on_commit_invalidate() -> None:
    transaction.on_commit(cache.invalidate)


def _check_code(code: str, site: Site | None = None) -> str:
    code = (code or "").strip().lower()
    if not SLUG_PATTERN.match(code):
        raise ServiceError(f"站点代码{SLUG_RULE}。")
    taken = Site.objects.filter(code=code)
    if site is not None:
        taken = taken.exclude(pk=site.pk)
    other = taken.first()
    if other is not None:
        raise ServiceError(f"站点代码“{code}”已被“{other.name}”使用，请换一个。")
    return code


def site_open(*, actor, organization: Organization, name: str = "", code: str = "") -> Site:
    """Open a site for a 党委/党总支 in the actor's scope (`open_site` makes its columns)."""
    require_in_scope(actor, MANAGE_SITE, organization.path)
    if not organization.is_active:
        raise ServiceError(f"“{organization.display_name}”已撤销，不能开通站点。")
    if organization.org_type not in SITE_ORG_TYPES:
        raise ServiceError("只有党委、党总支可以开通站点；党支部的文章发到所属党委的站点。")
    if Site.objects.filter(organization=organization).exists():
        raise ServiceError(f"“{organization.display_name}”已经开通了站点。")
    code = _check_code(code or default_site_code(organization))
    name = (name or "").strip()
    if len(name) > 100:
        raise ServiceError("站点名称最多 100 个字。")
    try:
        with transaction.atomic():
            return open_site(organization, actor=actor, name=name, code=code)
    except IntegrityError as exc:  # another request took the code or opened the site
        raise ServiceError("站点代码已被占用或该组织刚刚开通了站点，请刷新后重试。") from exc


def site_update(*, actor, site: Site, **values) -> Site:
    _require_manage(actor, site)
    with transaction.atomic():
        site = Site.objects.select_for_update().select_related("organization").get(pk=site.pk)
        before = model_to_dict(site, fields=SITE_FIELDS)
        name = (values.get("name") or "").strip()
        if not name:
            raise ServiceError("请填写站点名称。")
        code = _check_code(values.get("code", ""), site)
        is_active = bool(values.get("is_active"))
        if not is_active and site.organization.is_root():
            raise ServiceError("这是平台首页所在的站点，不能停用。")
        site.name = name[:100]
        site.code = code
        site.slogan = (values.get("slogan") or "").strip()[:100]
        site.show_parent_items = bool(values.get("show_parent_items"))
        site.is_active = is_active
        try:
            with transaction.atomic():
                site.save()
        except IntegrityError as exc:
            raise ServiceError(f"站点代码“{code}”刚被其他站点使用，请换一个。") from exc
        audit_log(
            actor=actor,
            action="portal.site_update",
            obj=site,
            organization=site.organization,
            before=before,
            after=model_to_dict(site, fields=SITE_FIELDS),
            message=f"修改站点“{site.name}”的设置",
        )
        _on_commit_invalidate()
    return site


# --- columns -----------------------------------------------------------------------------------


def _column_snapshot(column: Column) -> dict:
    data = model_to_dict(column, fields=COLUMN_FIELDS)
    data["publishers"] = sorted(column.publishers.values_list("pk", flat=True))
    return data


def _check_slug(site: Site, slug: str, column: Column | None) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise ServiceError(f"栏目代码{SLUG_RULE}。")
    taken = site.columns.filter(slug=slug)
    if column is not None and column.pk:
        taken = taken.exclude(pk=column.pk)
    other = taken.first()
    if other is not None:
        raise ServiceError(f"本站栏目“{other.name}”已使用代码“{slug}”，请换一个。")
    return slug


def _check_parent(site: Site, parent: Column | None, column: Column | None) -> None:
    if parent is None:
        return
    if parent.site_id != site.pk:
        raise ServiceError("上级栏目必须是本站的栏目。")
    if column is not None and column.pk:
        if parent.pk == column.pk:
            raise ServiceError("栏目不能做自己的上级。")
        if column.children.exists():
            raise ServiceError(
                f"“{column.name}”下面还有子栏目，不能再放到其他栏目下面（栏目最多两级）。"
            )
    if parent.parent_id is not None:
        raise ServiceError(f"“{parent.name}”本身是子栏目，不能再设下级（栏目最多两级）。")


def _check_inherit(site: Site, inherit_from: Column | None) -> None:
    if inherit_from is None:
        return
    above = parent_site(site.organization)
    if above is None or inherit_from.site_id != above.pk:
        raise ServiceError("“继承上级栏目”只能选上级站点的栏目。")


def _check_kind_change(column: Column, kind: str) -> None:
    if not column.pk or column.kind == kind:
        return
    downloads = Column.Kind.DOWNLOADS
    if downloads in (column.kind, kind) and column.articles.exists():
        raise ServiceError(f"“{column.name}”已有文章，不能改为或改出“下载专区”类型；可以新建栏目。")
    for block in HomeBlock.objects.filter(column=column):
        fits = BLOCK_COLUMN_KINDS.get(block.kind) or ()
        if kind not in fits:
            raise ServiceError(
                f"首页区块“{block.title}”（{block.get_kind_display()}）使用本栏目，"
                f"改为“{Column.Kind(kind).label}”后无法显示；请先修改该区块。"
            )


def _column_values(site: Site, column: Column | None, values: dict) -> dict:
    cleaned = {name: values.get(name) for name in COLUMN_FIELDS}
    cleaned["name"] = (cleaned["name"] or "").strip()
    if not cleaned["name"]:
        raise ServiceError("请填写栏目名称。")
    cleaned["slug"] = _check_slug(site, cleaned["slug"], column)
    if cleaned["kind"] not in Column.Kind.values:
        raise ServiceError("请选择栏目类型。")
    if cleaned["default_visibility"] not in Visibility.values:
        raise ServiceError("请选择默认公开范围。")
    cleaned["description"] = (cleaned["description"] or "").strip()
    cleaned["order"] = max(0, int(cleaned["order"] or 0))
    for flag in ("needs_review", "needs_secrecy_review", "show_in_nav", "is_active"):
        cleaned[flag] = bool(cleaned[flag])
    if cleaned["kind"] == Column.Kind.DISCLOSURE:
        # 党务公开/企业信息公开: 审核 and 保密审查 before publishing (domain §8.4).
        cleaned["needs_review"] = True
        cleaned["needs_secrecy_review"] = True
    _check_parent(site, cleaned["parent"], column)
    _check_inherit(site, cleaned["inherit_from"])
    if column is not None:
        _check_kind_change(column, cleaned["kind"])
    return cleaned


def _check_publishers(site: Site, publishers) -> list:
    publishers = list(publishers or [])
    allowed = set(
        publisher_candidates(site)
        .filter(pk__in=[user.pk for user in publishers])
        .values_list("pk", flat=True)
    )
    outside = [user for user in publishers if user.pk not in allowed]
    if outside:
        names = "、".join(user.display_name or user.username for user in outside)
        raise ServiceError(f"{names} 在本站组织内没有任何职务，不能设为本栏目的投稿人员。")
    return publishers


def column_save(
    *, actor, site: Site, column: Column | None = None, values: dict, publishers=()
) -> Column:
    """Create or change a column of the site."""
    _require_manage(actor, site)
    if column is not None and column.site_id != site.pk:
        raise Http404
    with transaction.atomic():
        Site.objects.select_for_update().get(pk=site.pk)  # serialises order and slug checks
        if column is None and site.columns.count() >= MAX_COLUMNS:
            raise ServiceError(f"一个站点最多 {MAX_COLUMNS} 个栏目，请停用或删除不用的栏目。")
        if column is not None:
            column = Column.objects.select_for_update().get(pk=column.pk)
        cleaned = _column_values(site, column, values)
        publishers = _check_publishers(site, publishers)
        before = _column_snapshot(column) if column is not None else None
        if column is None:
            column = Column(site=site)
        for name, value in cleaned.items():
            setattr(column, name, value)
        try:
            with transaction.atomic():
                column.save()
        except IntegrityError as exc:
            raise ServiceError(f"本站已有代码为“{column.slug}”的栏目，请换一个。") from exc
        column.publishers.set(publishers)
        audit_log(
            actor=actor,
            action="portal.column_save",
            obj=column,
            organization=site.organization,
            before=before,
            after=_column_snapshot(column),
            message=f"{'修改' if before else '新增'}栏目“{column.name}”（{site.name}）",
        )
        _on_commit_invalidate()
    return column


def _swap(rows: list, index: int, direction: str) -> tuple | None:
    """Renumber the rows 10, 20, … and swap row `index` with its neighbour; the two moved
    rows, or None at an end of the list."""
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(rows):
        return None
    rows[index], rows[target] = rows[target], rows[index]
    for position, row in enumerate(rows, start=1):
        row.order = position * 10
    return rows[target], rows[index]


def column_move(*, actor, column: Column, direction: str) -> bool:
    """Move a column one place up or down among its siblings; False at either end."""
    site = column.site
    _require_manage(actor, site)
    with transaction.atomic():
        Site.objects.select_for_update().get(pk=site.pk)
        parent_id = Column.objects.select_for_update().get(pk=column.pk).parent_id
        siblings = list(site.columns.filter(parent_id=parent_id).order_by("order", "id"))
        index = next((i for i, row in enumerate(siblings) if row.pk == column.pk), None)
        moved = None if index is None else _swap(siblings, index, direction)
        if moved is None:
            return False
        Column.objects.bulk_update(siblings, ["order"])
        audit_log(
            actor=actor,
            action="portal.column_save",
            obj=column,
            organization=site.organization,
            after={"order": [row.pk for row in siblings]},
            message=f"栏目“{column.name}”{'上移' if direction == 'up' else '下移'}（{site.name}）",
        )
        _on_commit_invalidate()
    return True


def column_delete_refusal(column: Column) -> str:
    """Why the column cannot be deleted (Chinese), or "" when it can."""
    if column.articles.exists():
        return f"“{column.name}”里已有文章，不能删除；不再使用请在栏目设置中取消“启用”。"
    if column.children.exists():
        return f"“{column.name}”下面还有子栏目，请先删除或移走子栏目。"
    block = HomeBlock.objects.filter(column=column).first()
    if block is not None:
        return f"首页区块“{block.title}”使用本栏目，请先修改或删除该区块再删除栏目。"
    return ""


def column_delete(*, actor, column: Column) -> None:
    """Delete an empty column; one with articles, sub-columns or home blocks is refused (it
    can be switched off instead, which keeps its articles' history)."""
    site = column.site
    _require_manage(actor, site)
    with transaction.atomic():
        column = Column.objects.select_for_update().get(pk=column.pk)
        refusal = column_delete_refusal(column)
        if refusal:
            raise ServiceError(refusal)
        before = _column_snapshot(column)
        audit_log(
            actor=actor,
            action="portal.column_delete",
            obj=column,
            organization=site.organization,
            before=before,
            message=f"删除栏目“{column.name}”（{site.name}）",
        )
        column.delete()
        _on_commit_invalidate()


# --- home-page blocks --------------------------------------------------------------------------


def _block_snapshot(block: HomeBlock) -> dict:
    data = model_to_dict(block, fields=BLOCK_FIELDS)
    data["order"] = block.order
    data["config"] = block.config
    return data


def check_link_url(url: str) -> bool:
    """http(s) addresses and paths on this site; never javascript:, data: or //host."""
    url = (url or "").strip()
    if url.startswith("/"):
        return not url.startswith("//") and "\\" not in url
    return bool(re.match(r"^https?://[^\s/?#]+[^\s]*$", url, flags=re.IGNORECASE))


def clean_links(rows) -> list[dict]:
    """`[(name, url), …]` → `[{"name", "url"}]` without the blank rows. A refusal names the
    row (counted without the blank ones, as the form shows them again) and carries it in
    `exc.row` so the form can mark it."""
    filled = [
        ((name or "").strip(), (url or "").strip())
        for name, url in rows
        if (name or url or "").strip()
    ]
    if len(filled) > MAX_LINKS:
        raise ServiceError(f"一个区块最多 {MAX_LINKS} 个链接。")
    links = []
    for number, (name, url) in enumerate(filled, start=1):
        problem = _link_problem(name, url)
        if problem:
            error = ServiceError(f"第 {number} 行链接{problem}")
            error.row = number
            raise error
        links.append({"name": name, "url": url})
    return links


def _link_problem(name: str, url: str) -> str:
    if not name or not url:
        return "：名称和网址都要填写。"
    if len(name) > 30:
        return "：名称最多 30 个字。"
    if len(url) > 500 or not check_link_url(url):
        return (
            f"“{name}”的网址无效：请填写以 http:// 或 https:// 开头的网址，或以 / 开头的本站地址。"
        )
    return ""


def _block_values(site: Site, values: dict) -> dict:
    cleaned = {name: values.get(name) for name in BLOCK_FIELDS}
    kind = cleaned["kind"]
    if kind not in HomeBlock.Kind.values:
        raise ServiceError("请选择区块类型。")
    cleaned["title"] = (cleaned["title"] or "").strip()
    if not cleaned["title"]:
        raise ServiceError("请填写区块标题。")
    low, high = BLOCK_SIZE_RANGE
    size = cleaned["size"]
    if not isinstance(size, int) or not low <= size <= high:
        raise ServiceError(f"条数须在 {low} 到 {high} 之间。")
    if cleaned["width"] not in HomeBlock.Width.values:
        raise ServiceError("请选择区块宽度。")
    cleaned["is_active"] = bool(cleaned["is_active"])
    cleaned["column"] = _block_column(site, kind, cleaned["column"])
    return cleaned


def _block_column(site: Site, kind: str, column: Column | None) -> Column | None:
    fits = BLOCK_COLUMN_KINDS[kind]
    if fits is None:
        return None
    label = HomeBlock.Kind(kind).label
    if column is None:
        if kind in BLOCK_COLUMN_OPTIONAL:
            return None
        raise ServiceError(f"“{label}”区块要选择一个栏目。")
    if column.site_id != site.pk:
        raise ServiceError("区块只能显示本站的栏目。")
    if column.kind not in fits:
        wanted = "、".join(str(Column.Kind(k).label) for k in fits)
        raise ServiceError(
            f"“{label}”区块需要{wanted}类型的栏目，“{column.name}”是{column.get_kind_display()}。"
        )
    return column


def block_save(
    *, actor, site: Site, block: HomeBlock | None = None, values: dict, links=()
) -> HomeBlock:
    """Create or change a home-page block; a new block goes to the end of the page."""
    _require_manage(actor, site)
    if block is not None and block.site_id != site.pk:
        raise Http404
    with transaction.atomic():
        Site.objects.select_for_update().get(pk=site.pk)
        if block is None and site.blocks.count() >= MAX_BLOCKS:
            raise ServiceError(f"首页最多 {MAX_BLOCKS} 个区块，请先删除不用的区块。")
        if block is not None:
            block = HomeBlock.objects.select_for_update().get(pk=block.pk)
        cleaned = _block_values(site, values)
        before = _block_snapshot(block) if block is not None else None
        if block is None:
            last = site.blocks.order_by("-order").values_list("order", flat=True).first()
            block = HomeBlock(site=site, order=(last or 0) + 10)
        for name, value in cleaned.items():
            setattr(block, name, value)
        config = dict(block.config or {})
        if block.kind == HomeBlock.Kind.LINKS:
            config["links"] = clean_links(links)
        else:
            config.pop("links", None)
        block.config = config
        block.save()
        audit_log(
            actor=actor,
            action="portal.block_save",
            obj=block,
            organization=site.organization,
            before=before,
            after=_block_snapshot(block),
            message=f"{'修改' if before else '新增'}首页区块“{block.title}”（{site.name}）",
        )
        _on_commit_invalidate()
    return block


def block_move(*, actor, block: HomeBlock, direction: str) -> bool:
    site = block.site
    _require_manage(actor, site)
    with transaction.atomic():
        Site.objects.select_for_update().get(pk=site.pk)
        blocks = list(site.blocks.order_by("order", "id"))
        index = next((i for i, row in enumerate(blocks) if row.pk == block.pk), None)
        moved = None if index is None else _swap(blocks, index, direction)
        if moved is None:
            return False
        HomeBlock.objects.bulk_update(blocks, ["order"])
        audit_log(
            actor=actor,
            action="portal.block_save",
            obj=block,
            organization=site.organization,
            after={"order": [row.pk for row in blocks]},
            message=f"首页区块“{block.title}”{'上移' if direction == 'up' else '下移'}"
            f"（{site.name}）",
        )
        _on_commit_invalidate()
    return True


def block_toggle(*, actor, block: HomeBlock, is_active: bool) -> HomeBlock:
    site = block.site
    _require_manage(actor, site)
    with transaction.atomic():
        block = HomeBlock.objects.select_for_update().get(pk=block.pk)
        if block.is_active == is_active:
            return block
        block.is_active = is_active
        block.save(update_fields=["is_active"])
        audit_log(
            actor=actor,
            action="portal.block_save",
            obj=block,
            organization=site.organization,
            before={"is_active": not is_active},
            after={"is_active": is_active},
            message=f"{'显示' if is_active else '隐藏'}首页区块“{block.title}”（{site.name}）",
        )
        _on_commit_invalidate()
    return block


def block_delete(*, actor, block: HomeBlock) -> None:
    site = block.site
    _require_manage(actor, site)
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="portal.block_delete",
            obj=block,
            organization=site.organization,
            before=_block_snapshot(block),
            message=f"删除首页区块“{block.title}”（{site.name}）",
        )
        HomeBlock.objects.filter(pk=block.pk).delete()
        _on_commit_invalidate()
