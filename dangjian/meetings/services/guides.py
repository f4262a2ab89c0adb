"""Writes of the monthly guide (组织生活指南): an upper organisation drafts the month's guide
(title, body, suggested topics, materials), publishes it to its whole subtree and may withdraw
it. Publishing tells the secretaries of the subtree in one bulk `notify` call (one insert per 500
recipients, deduplicated per guide), however many branches lie below.
"""

from __future__ import annotations

import datetime

import nh3
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.services import audit_log, snapshot
from dangjian.core.exceptions import ServiceError
from dangjian.core.richtext import sanitize_html
from dangjian.core.scope import prefix_q, require_in_scope
from dangjian.core.uploads import DOCUMENTS, EXTENSIONS, MB, check_upload
from dangjian.meetings.models import Category, Guide, GuideFile, GuideTopic
from dangjian.meetings.permissions import MANAGE_GUIDE, MANAGE_MEETING
from dangjian.notifications.services import notify
from dangjian.orgs.models import Organization, OrgType

MAX_TOPICS = 30
MAX_FILE_BYTES = 20 * MB
MAX_FILES = 20


def clean_body(html: str) -> str:
    """The guide's body as safe HTML: plain text from a textarea keeps its paragraphs."""
    html = (html or "").strip()
    if html and "<" not in html:
        paragraphs = [line.strip() for line in html.splitlines() if line.strip()]
        html = "".join(f"<p>{nh3.clean_text(line)}</p>" for line in paragraphs)
    return sanitize_html(html)


def publishing_organizations(user):
    """Organisations the user may publish guides for: upper organisations (not 党小组)."""
    return (
        Organization.objects.visible_to(user, MANAGE_GUIDE)
        .filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
    )


def _clean_topics(topics) -> list[tuple[str, str, str]]:
    cleaned = []
    categories = set(Category.values)
    for category, title, description in topics or ():
        title = (title or "").strip()
        description = (description or "").strip()
        if not title and not description:
            continue
        if not title:
            raise ServiceError("每个主题都要填写标题；不需要的行请清空说明。")
        if category not in categories:
            raise ServiceError(f"请为主题“{title}”选择适用的会议。")
        if len(title) > 200:
            raise ServiceError(f"主题“{title[:20]}…”太长，请控制在 200 字以内。")
        cleaned.append((category, title, description[:2000]))
    if len(cleaned) > MAX_TOPICS:
        raise ServiceError(f"一期指南最多 {MAX_TOPICS} 个主题。")
    return cleaned


def guide_save(
    *,
    actor,
    title: str,
    month: datetime.date,
    body: str = "",
    topics=(),
    organization: Organization | None = None,
    guide: Guide | None = None,
) -> Guide:
    """Create a draft guide, or change one (a published guide may be corrected: its readers see
    the change; the notice is not sent again)."""
    title = (title or "").strip()
    if not title:
        raise ServiceError("请填写指南标题。")
    if len(title) > 200:
        raise ServiceError("标题太长，请控制在 200 字以内。")
    if month is None:
        raise ServiceError("请选择指南所属的月份。")
    month = month.replace(day=1)
    rows = _clean_topics(topics)
    with transaction.atomic():
        if guide is not None:
            guide = (
                Guide.objects.select_for_update().select_related("organization").get(pk=guide.pk)
            )
            organization = guide.organization
        if organization is None:
            raise ServiceError("请选择发布指南的党组织。")
        require_in_scope(actor, MANAGE_GUIDE, organization.path)
        if not organization.is_active:
            raise ServiceError(f"“{organization}”已撤销，不能发布指南。")
        if organization.org_type == OrgType.GROUP:
            raise ServiceError("组织生活指南由党支部的上级党组织发布，党小组不能发布。")
        if guide is not None and guide.status == Guide.Status.WITHDRAWN:
            raise ServiceError("已撤回的指南不能再修改；如需重新下发，请新建一期指南。")
        before = snapshot(guide, ("title", "month")) if guide is not None else None
        if guide is None:
            guide = Guide(organization=organization, created_by=actor)
        guide.title = title
        guide.month = month
        guide.body = clean_body(body)
        guide.save()
        guide.topics.all().delete()
        GuideTopic.objects.bulk_create(
            GuideTopic(guide=guide, category=c, title=t, description=d, sort_order=index)
            for index, (c, t, d) in enumerate(rows)
        )
        audit_log(
            actor=actor,
            action="meetings.guide_save",
            obj=guide,
            organization=organization,
            before=before,
            after={**snapshot(guide, ("title", "month")), "topics": len(rows)},
        )
    return guide


def _locked(guide: Guide, actor) -> Guide:
    locked = Guide.objects.select_for_update().select_related("organization").get(pk=guide.pk)
    require_in_scope(actor, MANAGE_GUIDE, locked.organization.path)
    return locked


def guide_publish(*, actor, guide: Guide) -> int:
    """Publish a draft to the whole subtree and tell the secretaries below. Returns how many
    were told (0 on a repeat: publishing twice changes nothing)."""
    with transaction.atomic():
        guide = _locked(guide, actor)
        if guide.status == Guide.Status.PUBLISHED:
            return 0
        if not guide.topics.exists() and not guide.body:
            raise ServiceError("指南还没有内容：请至少填写正文或一个主题后再发布。")
        before = guide.status
        guide.status = Guide.Status.PUBLISHED
        guide.published_at = timezone.now()
        guide.save(update_fields=["status", "published_at", "updated_at"])
        audit_log(
            actor=actor,
            action="meetings.guide_publish",
            obj=guide,
            organization=guide.organization,
            before={"status": before},
            after={"status": guide.status},
        )
        return notify(
            recipients=subtree_secretaries(guide.organization),
            title=f"{guide.organization.display_name}发布了{guide.month:%Y年%m月}组织生活指南：{guide.title}",
            body="请在计划本月组织生活时参考指南中的主题和学习材料。",
            url=reverse("meetings:guide_detail", args=[guide.pk]),
            category="meetings",
            obj=guide,
            dedupe_key=f"meetings:guide:{guide.pk}",
        )


def subtree_secretaries(organization: Organization):
    """Users who organise meetings (`meetings.manage_meeting`) through a grant on an
    organisation strictly below the publisher: the secretaries and clerks of the subtree, as one
    query (the publisher's own staff wrote the guide; the three administrators are not told)."""
    from dangjian.accounts.models import Role, RoleAssignment

    role_ids = [
        role.pk
        for role in Role.objects.only("pk", "permissions")
        if MANAGE_MEETING in (role.permissions or ())
    ]
    grants = RoleAssignment.objects.filter(
        prefix_q("organization__path", [organization.path]),
        role_id__in=role_ids,
        organization__is_active=True,
        admin_kind="",
    ).exclude(organization_id=organization.pk)
    return (
        get_user_model()
        .objects.filter(pk__in=grants.values("user_id"), is_active=True)
        .order_by("pk")
    )


def guide_withdraw(*, actor, guide: Guide) -> Guide:
    """Withdraw a published guide: the subtree no longer sees it (drafts are simply deleted)."""
    with transaction.atomic():
        guide = _locked(guide, actor)
        if guide.status != Guide.Status.PUBLISHED:
            raise ServiceError("只有已发布的指南可以撤回。")
        guide.status = Guide.Status.WITHDRAWN
        guide.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=actor,
            action="meetings.guide_withdraw",
            obj=guide,
            organization=guide.organization,
            before={"status": Guide.Status.PUBLISHED},
            after={"status": guide.status},
        )
    return guide


def guide_add_file(*, actor, guide: Guide, upload, title: str = "") -> GuideFile:
    """Attach a material (PDF, Word, Excel or an image, ≤ 20 MB), checked by its content."""
    with transaction.atomic():
        guide = _locked(guide, actor)
        if guide.status == Guide.Status.WITHDRAWN:
            raise ServiceError("已撤回的指南不能再上传材料。")
        if guide.files.count() >= MAX_FILES:
            raise ServiceError(f"一期指南最多上传 {MAX_FILES} 份材料。")
        try:
            kind = check_upload(upload, kinds=DOCUMENTS, max_bytes=MAX_FILE_BYTES, what="学习材料")
        except ValidationError as exc:
            raise ServiceError(exc.messages[0]) from exc
        name = (title or "").strip() or (upload.name.rsplit(".", 1)[0] if upload.name else "")
        stored = GuideFile(
            guide=guide,
            title=(name or "学习材料")[:200],
            file_kind=kind,
            size=upload.size,
            uploaded_by=actor,
        )
        stored.file.save(f"guide.{EXTENSIONS[kind]}", upload, save=False)
        stored.save()
        audit_log(
            actor=actor,
            action="meetings.guide_save",
            obj=guide,
            organization=guide.organization,
            after={"file_added": stored.title, "kind": kind},
        )
    return stored


def guide_delete_file(*, actor, stored: GuideFile) -> None:
    with transaction.atomic():
        guide = _locked(stored.guide, actor)
        if guide.status == Guide.Status.WITHDRAWN:
            raise ServiceError("已撤回的指南不能再修改材料。")
        title = stored.title
        stored.file.delete(save=False)
        stored.delete()
        audit_log(
            actor=actor,
            action="meetings.guide_save",
            obj=guide,
            organization=guide.organization,
            before={"file": title},
            after={"file_removed": title},
        )
