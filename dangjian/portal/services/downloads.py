"""The downloads library of a site (下载专区 / 其他共享信息): folders, items and their versions.

    folder = folder_create(actor=user, site=site, name="表格模板")
    item = item_create(actor=user, folder=folder, title="入党申请书模板", file=upload)
    version_add(actor=user, item=item, file=upload, note="按 2026 年新格式修订")
    readable_items(user)          # the active items a viewer may read, folders included

Who *manages* is `portal.manage_downloads` over the site's organisation; every write checks it
(a ServiceError otherwise), is audited (portal.download_*) and, after commit, sends
`download_changed(item_id=…, site_id=…, reason="save" | "delete")` for each item whose
content or readers changed (the search index and the home page listen).

Who *reads* is the visibility of the item AND of its folder and the folder's ancestors: a file
in a folder limited to a mine is never shown outside the mine, whatever the item says. Folders
nest at most `MAX_DEPTH` levels, so that test stays a fixed set of joins.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.rules import rule_value
from dangjian.core.scope import scope_of
from dangjian.core.uploads import (
    DOCX,
    EXTENSIONS,
    GIF,
    JPEG,
    MB,
    MP4,
    OLE,
    PDF,
    PNG,
    PPTX,
    TXT,
    WEBM,
    WEBP,
    XLSX,
    check_upload,
)
from dangjian.orgs.models import Organization
from dangjian.portal import rules
from dangjian.portal.models import (
    DownloadFolder,
    DownloadItem,
    DownloadVersion,
    Site,
    Visibility,
)
from dangjian.portal.permissions import MANAGE_DOWNLOADS
from dangjian.portal.signals import download_changed, send_after_commit
from dangjian.portal.visibility import readable

MAX_DEPTH = 3
MAX_FOLDERS = 200  # per site: the tree is shown whole on the page
DOWNLOAD_KINDS = frozenset({PDF, DOCX, XLSX, PPTX, OLE, TXT, JPEG, PNG, GIF, WEBP, MP4, WEBM})
FOLDER_FIELDS = ("name", "parent", "order", "visibility")
ITEM_FIELDS = ("title", "description", "folder", "visibility", "is_active")


# --- reading ----------------------------------------------------------------------------------


def folder_readable(user, prefix: str = "") -> Q:
    """Q over DownloadFolder (or through `prefix`): the folder and all its ancestors readable."""
    condition = readable(user, DownloadFolder, prefix)
    step = prefix
    for _ in range(MAX_DEPTH - 1):
        step = f"{step}parent__"
        condition &= Q(**{f"{step}isnull": True}) | readable(user, DownloadFolder, step)
    return condition


def readable_items(user, site: Site | None = None):
    """Active items of active sites that `user` may read (item, folder and ancestors)."""
    items = DownloadItem.objects.filter(
        readable(user, DownloadItem),
        folder_readable(user, "folder__"),
        is_active=True,
        site__is_active=True,
    )
    if site is not None:
        items = items.filter(site=site)
    return items


def readable_folders(user, site: Site):
    return DownloadFolder.objects.filter(folder_readable(user), site=site)


# --- who may ----------------------------------------------------------------------------------


def may_manage(user, site: Site) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return scope_of(user).covers(MANAGE_DOWNLOADS, site.organization.path)


def managed_sites(user):
    """Active sites whose downloads `user` manages."""
    return Site.objects.visible_to(user, MANAGE_DOWNLOADS).select_related("organization")


def _require(actor, site: Site) -> None:
    if not may_manage(actor, site):
        raise ServiceError("您没有管理该站点下载专区的权限。")


# --- validation -------------------------------------------------------------------------------


def _clean_visibility(site: Site, visibility: str, audience) -> list[Organization]:
    if visibility not in Visibility.values:
        raise ServiceError("请选择公开范围。")
    audience = list(audience or [])
    if visibility != Visibility.ORGANIZATIONS:
        return []
    if not audience:
        raise ServiceError("公开范围选择“指定组织”时，请至少选择一个可见的组织。")
    outside = [org for org in audience if not org.path.startswith(site.organization.path)]
    if outside:
        names = "、".join(org.name for org in outside[:3])
        raise ServiceError(f"可见组织只能是本站点所属组织及其下级：{names} 不在范围内。")
    return audience


def _clean_name(value: str, what: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ServiceError(f"请填写{what}。")
    if len(text) > max_length:
        raise ServiceError(f"{what}最长 {max_length} 个字。")
    return text


def _depth(folder: DownloadFolder | None) -> int:
    depth = 0
    while folder is not None:
        depth += 1
        folder = folder.parent
    return depth


def _subtree_height(folder: DownloadFolder) -> int:
    children = list(DownloadFolder.objects.filter(parent=folder))
    return 1 + max((_subtree_height(child) for child in children), default=0)


def _subtree_ids(folder: DownloadFolder) -> list[int]:
    ids, frontier = [folder.pk], [folder.pk]
    while frontier:
        frontier = list(
            DownloadFolder.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def _check_parent(site: Site, parent: DownloadFolder | None, moving=None) -> None:
    if parent is None:
        return
    if parent.site_id != site.pk:
        raise ServiceError("上级文件夹不属于这个站点。")
    if moving is not None and parent.pk in _subtree_ids(moving):
        raise ServiceError("不能把文件夹移到它自己或它的下级文件夹里。")
    height = _subtree_height(moving) if moving is not None else 1
    if _depth(parent) + height > MAX_DEPTH:
        raise ServiceError(f"文件夹最多 {MAX_DEPTH} 层。")


def _check_file(file) -> str:
    limit = int(rule_value(rules.DOWNLOAD_MAX_MB))
    try:
        return check_upload(file, kinds=DOWNLOAD_KINDS, max_bytes=limit * MB, what="文件")
    except ValidationError as exc:
        raise ServiceError(exc.messages[0]) from exc


def _changed(items, site: Site, reason: str = "save") -> None:
    for item_id in items:
        send_after_commit(download_changed, item_id=item_id, site_id=site.pk, reason=reason)


def _snapshot_folder(folder: DownloadFolder) -> dict:
    return {
        "name": folder.name,
        "parent": folder.parent_id,
        "order": folder.order,
        "visibility": folder.visibility,
        "audience": sorted(folder.audience.values_list("pk", flat=True)) if folder.pk else [],
    }


def _snapshot_item(item: DownloadItem) -> dict:
    return {
        "title": item.title,
        "description": item.description,
        "folder": item.folder_id,
        "visibility": item.visibility,
        "is_active": item.is_active,
        "audience": sorted(item.audience.values_list("pk", flat=True)) if item.pk else [],
        "current_version": item.current_version_id,
    }


# --- folders ----------------------------------------------------------------------------------


def folder_create(
    *,
    actor,
    site: Site,
    name: str,
    parent: DownloadFolder | None = None,
    visibility: str = Visibility.MEMBERS,
    audience=(),
    order: int = 0,
) -> DownloadFolder:
    _require(actor, site)
    name = _clean_name(name, "文件夹名称", 100)
    audience = _clean_visibility(site, visibility, audience)
    _check_parent(site, parent)
    if DownloadFolder.objects.filter(site=site).count() >= MAX_FOLDERS:
        raise ServiceError(f"一个站点最多 {MAX_FOLDERS} 个文件夹。")
    if DownloadFolder.objects.filter(site=site, parent=parent, name=name).exists():
        raise ServiceError(f"这一层已经有名为“{name}”的文件夹。")
    with transaction.atomic():
        folder = DownloadFolder.objects.create(
            site=site,
            parent=parent,
            name=name,
            order=max(0, int(order or 0)),
            visibility=visibility,
            created_by=actor,
        )
        folder.audience.set(audience)
        audit_log(
            actor=actor,
            action="portal.download_folder_save",
            obj=folder,
            organization=site.organization,
            after=_snapshot_folder(folder),
        )
    return folder


def folder_update(
    *,
    actor,
    folder: DownloadFolder,
    name: str,
    parent: DownloadFolder | None,
    visibility: str,
    audience=(),
    order: int = 0,
) -> DownloadFolder:
    """Rename, move, reorder or change who may read a folder."""
    site = folder.site
    _require(actor, site)
    name = _clean_name(name, "文件夹名称", 100)
    audience = _clean_visibility(site, visibility, audience)
    _check_parent(site, parent, moving=folder)
    clash = DownloadFolder.objects.filter(site=site, parent=parent, name=name).exclude(pk=folder.pk)
    if clash.exists():
        raise ServiceError(f"这一层已经有名为“{name}”的文件夹。")
    with transaction.atomic():
        before = _snapshot_folder(folder)
        folder.name, folder.parent, folder.visibility = name, parent, visibility
        folder.order = max(0, int(order or 0))
        folder.save()
        folder.audience.set(audience)
        after = _snapshot_folder(folder)
        audit_log(
            actor=actor,
            action="portal.download_folder_save",
            obj=folder,
            organization=site.organization,
            before=before,
            after=after,
        )
        if before["visibility"] != after["visibility"] or before["audience"] != after["audience"]:
            _changed(
                DownloadItem.objects.filter(folder_id__in=_subtree_ids(folder)).values_list(
                    "pk", flat=True
                ),
                site,
            )
    return folder


def folder_delete(*, actor, folder: DownloadFolder) -> None:
    """Delete an empty folder (no sub-folders, no items — deactivated items count too)."""
    site = folder.site
    _require(actor, site)
    if folder.children.exists():
        raise ServiceError("文件夹里还有下级文件夹，请先移走或删除它们。")
    if folder.items.exists():
        raise ServiceError("文件夹里还有资料（包括已停用的），请先把资料移到其他文件夹。")
    with transaction.atomic():
        before = _snapshot_folder(folder)
        audit_log(
            actor=actor,
            action="portal.download_folder_delete",
            obj=folder,
            organization=site.organization,
            before=before,
        )
        folder.delete()


# --- items and versions -----------------------------------------------------------------------


def _new_version(*, actor, item: DownloadItem, file, kind: str, note: str, number: int):
    version = DownloadVersion(
        item=item,
        number=number,
        note=(note or "").strip()[:200],
        title=item.title[:200],
        file_kind=kind,
        size=file.size,
        uploaded_by=actor,
    )
    file.seek(0)
    version.file.save(f"d.{EXTENSIONS[kind]}", file, save=False)
    try:
        version.save()
    except BaseException:
        version.file.storage.delete(version.file.name)
        raise
    return version


def _enqueue_extraction(version_pk: int) -> None:
    from dangjian.portal.services.media import _enqueue_extraction as enqueue

    enqueue("download", version_pk)  # the search task runs after commit


def item_create(
    *,
    actor,
    folder: DownloadFolder,
    title: str,
    file,
    description: str = "",
    visibility: str = Visibility.MEMBERS,
    audience=(),
    note: str = "",
) -> DownloadItem:
    """A new item with its first version."""
    site = folder.site
    _require(actor, site)
    title = _clean_name(title, "资料名称", 200)
    audience = _clean_visibility(site, visibility, audience)
    if file is None:
        raise ServiceError("请选择要上传的文件。")
    kind = _check_file(file)
    with transaction.atomic():
        item = DownloadItem.objects.create(
            site=site,
            folder=folder,
            title=title,
            description=(description or "").strip()[:500],
            visibility=visibility,
            created_by=actor,
        )
        item.audience.set(audience)
        version = _new_version(
            actor=actor, item=item, file=file, kind=kind, note=note or "首次上传", number=1
        )
        item.current_version = version
        item.save(update_fields=["current_version", "updated_at"])
        audit_log(
            actor=actor,
            action="portal.download_save",
            obj=item,
            organization=site.organization,
            after={**_snapshot_item(item), "kind": kind, "size": version.size},
        )
        _enqueue_extraction(version.pk)
        _changed([item.pk], site)
    return item


def item_update(
    *,
    actor,
    item: DownloadItem,
    title: str,
    folder: DownloadFolder,
    description: str = "",
    visibility: str = Visibility.MEMBERS,
    audience=(),
) -> DownloadItem:
    site = item.site
    _require(actor, site)
    title = _clean_name(title, "资料名称", 200)
    audience = _clean_visibility(site, visibility, audience)
    if folder.site_id != site.pk:
        raise ServiceError("所选文件夹不属于这个站点。")
    with transaction.atomic():
        before = _snapshot_item(item)
        item.title, item.folder, item.visibility = title, folder, visibility
        item.description = (description or "").strip()[:500]
        item.save()
        item.audience.set(audience)
        audit_log(
            actor=actor,
            action="portal.download_save",
            obj=item,
            organization=site.organization,
            before=before,
            after=_snapshot_item(item),
        )
        _changed([item.pk], site)
    return item


def version_add(*, actor, item: DownloadItem, file, note: str = "") -> DownloadVersion:
    """Upload a new version (number + 1); it becomes the current one."""
    site = item.site
    _require(actor, site)
    if file is None:
        raise ServiceError("请选择要上传的文件。")
    kind = _check_file(file)
    with transaction.atomic():
        item = DownloadItem.objects.select_for_update().get(pk=item.pk)
        last = item.versions.aggregate(last=Max("number"))["last"] or 0
        version = _new_version(
            actor=actor, item=item, file=file, kind=kind, note=note, number=last + 1
        )
        before = item.current_version_id
        item.current_version = version
        item.save(update_fields=["current_version", "updated_at"])
        audit_log(
            actor=actor,
            action="portal.download_version",
            obj=item,
            organization=site.organization,
            before={"current_version": before},
            after={"number": version.number, "note": version.note, "kind": kind},
        )
        _enqueue_extraction(version.pk)
        _changed([item.pk], site)
    return version


def version_set_current(*, actor, item: DownloadItem, number: int) -> DownloadVersion:
    """Make an earlier (or later) version the one downloaded by default."""
    site = item.site
    _require(actor, site)
    version = item.versions.filter(number=number).first()
    if version is None:
        raise ServiceError(f"没有第 {number} 版。")
    with transaction.atomic():
        before = item.current_version_id
        item.current_version = version
        item.save(update_fields=["current_version", "updated_at"])
        audit_log(
            actor=actor,
            action="portal.download_version",
            obj=item,
            organization=site.organization,
            before={"current_version": before},
            after={"current_version": version.pk, "number": version.number},
        )
        _changed([item.pk], site)
    return version


def item_set_active(*, actor, item: DownloadItem, active: bool) -> DownloadItem:
    """Deactivate (停用: hidden from readers, kept with its versions) or reactivate an item."""
    site = item.site
    _require(actor, site)
    if item.is_active == active:
        return item
    with transaction.atomic():
        item.is_active = active
        item.save(update_fields=["is_active", "updated_at"])
        audit_log(
            actor=actor,
            action="portal.download_save" if active else "portal.download_delete",
            obj=item,
            organization=site.organization,
            before={"is_active": not active},
            after={"is_active": active},
        )
        _changed([item.pk], site, "save" if active else "delete")
    return item
