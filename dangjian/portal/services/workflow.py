"""The review workflow of portal articles (domain §8.4: 提出 → 审核 → 审批 → 发布).

    draft ──submit──▶ submitted ──review──▶ reviewed ──approve──▶ published
      ▲                  │                     │          └──(publish_at later)──▶ approved
      │                  └──────return─────────┘                                    │
    returned ◀───────────────(reason)                          publish_due() ◀──────┘
    withdrawn ◀──withdraw (approver, reason)── published / approved

Who does what, over the site's organisation subtree (`portal.permissions`):

* 撰稿 (submit): a writer of the column (`can_write`). A column that does not need review
  publishes on submit — unless it asks for the 保密审查 (党务公开, 企业信息公开), which always
  goes through review.
* 审核 (review): REVIEW_ARTICLE, never the author of the article; the 保密审查 box is required
  where the column asks for it.
* 审批 (approve): APPROVE_ARTICLE, never the person who reviewed this round — the 三审 are
  three looks by at least two people besides the author's.
* 退回 (return): from submitted (reviewers and approvers) or reviewed (approvers), with a reason.
* 撤稿 (withdraw): approvers, from published or approved, with a reason.

Every step locks the row, writes an `ArticleAction` (the trail printed under the article), an
audit entry and a notification, and tells the rest of the portal after commit
(`signals.article_changed`). A step that does not fit the article's state is refused with a
Chinese `ServiceError`; an article the actor may not see at all is a 404.
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_of
from dangjian.portal.models import Article, ArticleAction, Column
from dangjian.portal.permissions import APPROVE_ARTICLE, REVIEW_ARTICLE, WRITE_ARTICLE
from dangjian.portal.signals import article_changed, send_after_commit

Status = Article.Status
Kind = ArticleAction.Kind

SYSTEM_PUBLISHER = "系统（定时发布）"
REASON_MAX = 500
NOTE_MAX = 500
EDITABLE_BY_WRITERS = (Status.DRAFT, Status.RETURNED, Status.WITHDRAWN)
IN_REVIEW = (Status.SUBMITTED, Status.REVIEWED)
APPROVED_OR_LIVE = (Status.APPROVED, Status.PUBLISHED)
EXPIRY_MARK = "portal:expiry-swept-at"
EXPIRY_LOOKBACK = datetime.timedelta(days=1)  # first run, or after the cache was cleared
NOTIFY_CATEGORY = "portal"

STATE_MESSAGES = {
    Status.SUBMITTED: "该文章已提交审核，请勿重复提交。",
    Status.REVIEWED: "该文章已审核通过，正在等待审批。",
    Status.APPROVED: "该文章已审批通过，等待定时发布。",
    Status.PUBLISHED: "该文章已经发布。",
    Status.RETURNED: "该文章已退回撰稿人修改。",
    Status.WITHDRAWN: "该文章已撤稿。",
    Status.DRAFT: "该文章还是草稿，尚未提交审核。",
}


# ---------------------------------------------------------------- who may do what


def _site_path(obj) -> str:
    """The site's organisation path of a column or an article."""
    return obj.site.organization.path


def can_write(user, column: Column) -> bool:
    """May `user` write and submit articles in `column`? WRITE_ARTICLE over the site's
    organisation — limited to `column.publishers` when that list is not empty — or being one
    of the column's publishers (a named contributor without the role)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not column.is_active or column.kind == Column.Kind.DOWNLOADS:
        return False
    publishers = set(column.publishers.values_list("pk", flat=True))
    if user.pk in publishers:
        return True
    return not publishers and scope_of(user).covers(WRITE_ARTICLE, _site_path(column))


def can_review(user, article: Article) -> bool:
    """REVIEW_ARTICLE over the article's site (the author is refused by `review` itself)."""
    return scope_of(user).covers(REVIEW_ARTICLE, _site_path(article))


def can_approve(user, article: Article) -> bool:
    return scope_of(user).covers(APPROVE_ARTICLE, _site_path(article))


def can_see_in_review(user, article: Article) -> bool:
    """Reviewers and approvers of the site see the article on the review pages."""
    return can_review(user, article) or can_approve(user, article)


def can_edit(user, article: Article) -> bool:
    """May `user` change the article's text and settings now (see `edit_refusal`)?"""
    return edit_refusal(user, article) is None


def edit_refusal(user, article: Article) -> str | None:
    """Why `user` may not edit the article in its present state, or None when they may.
    Drafts, returned and withdrawn articles: the column's writers. In review: the reviewers
    and approvers of the site, never the author (the text under review is not changed behind
    the reviewer's back). Approved or live: approvers only (the article stays live)."""
    if article.status in EDITABLE_BY_WRITERS:
        if can_write(user, article.column):
            return None
        return "您没有向该栏目撰稿的权限。"
    if article.status in IN_REVIEW:
        if article.created_by_id == user.pk:
            return "稿件正在审核中，暂不能修改；如需修改，请联系审核人退回。"
        if can_see_in_review(user, article):
            return None
        return "稿件正在审核中，只有审核人和审批人可以修改。"
    if can_approve(user, article):
        return None
    return "已审批或已发布的文章只有审批人可以修改。"


def needs_review(column: Column) -> bool:
    """Does an article of this column go through 审核 and 审批? Always when the column asks
    for the 保密审查 (党务公开, 企业信息公开), whatever its `needs_review` says."""
    return column.needs_review or needs_secrecy_review(column)


def needs_secrecy_review(column: Column) -> bool:
    return column.needs_secrecy_review or column.kind == Column.Kind.DISCLOSURE


# ---------------------------------------------------------------- the transitions


def submit(actor, article: Article, *, now: datetime.datetime | None = None) -> Article:
    """提交审核: draft, returned or withdrawn → submitted. In a column without review the
    article is published at once (or approved until its `publish_at`)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(article)
        if not can_write(actor, locked.column):
            _refuse_or_hide(actor, locked, "您没有向该栏目撰稿的权限。")
        if locked.status not in EDITABLE_BY_WRITERS:
            raise ServiceError(STATE_MESSAGES[locked.status])
        _check_ready(locked)
        before = locked.status
        locked.return_reason = ""
        if needs_review(locked.column):
            locked.secrecy_checked = False
            _move(locked, actor, Kind.SUBMIT, Status.SUBMITTED, now=now)
            _audit(actor, "portal.article_submit", locked, before)
            _notify(
                _holders(REVIEW_ARTICLE, locked, exclude=actor),
                locked,
                title=f"待审核稿件：{locked.title}",
                body=f"{_name(actor)}向“{locked.column.name}”栏目提交了稿件，请审核。",
                url=_review_url(locked),
                key=f"portal:submitted:{locked.pk}:{now:%Y%m%d%H%M%S%f}",
            )
        else:
            _approve_and_publish(actor, locked, now=now, note="栏目无需审核，直接发布")
            _audit(actor, "portal.article_publish", locked, before, message="栏目无需审核")
    return _refresh(article, locked)


def review(
    actor,
    article: Article,
    *,
    secrecy_checked: bool = False,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Article:
    """审核通过 (with the 保密审查 where required): submitted → reviewed."""
    now = now or timezone.now()
    note = _clean(note, label="审核意见", maximum=NOTE_MAX)
    with transaction.atomic():
        locked = _locked(article)
        if not can_review(actor, locked):
            _refuse_or_hide(actor, locked, "您没有审核本站稿件的权限。")
        if locked.status != Status.SUBMITTED:
            raise ServiceError(STATE_MESSAGES[locked.status])
        if locked.created_by_id == actor.pk:
            raise ServiceError("不能审核自己撰写的稿件，请由其他审核人审核。")
        if needs_secrecy_review(locked.column) and not secrecy_checked:
            raise ServiceError(
                f"“{locked.column.name}”栏目的稿件须经保密审查：请确认稿件不涉及国家秘密和"
                "工作秘密后勾选“已通过保密审查”。"
            )
        before = locked.status
        locked.secrecy_checked = bool(secrecy_checked)
        _move(
            locked, actor, Kind.REVIEW, Status.REVIEWED, now=now, note=note,
            secrecy_checked=locked.secrecy_checked,
        )  # fmt: skip
        _audit(actor, "portal.article_review", locked, before, message=note)
        _notify(
            _holders(APPROVE_ARTICLE, locked, exclude=actor),
            locked,
            title=f"待审批稿件：{locked.title}",
            body=f"{_name(actor)}已审核通过，请审批发布。" + (f"审核意见：{note}" if note else ""),
            url=_review_url(locked),
            key=f"portal:reviewed:{locked.pk}:{now:%Y%m%d%H%M%S%f}",
        )
    return _refresh(article, locked)


def approve(
    actor, article: Article, note: str = "", *, now: datetime.datetime | None = None
) -> Article:
    """审批: reviewed → published now, or → approved until the article's `publish_at`."""
    now = now or timezone.now()
    note = _clean(note, label="审批意见", maximum=NOTE_MAX)
    with transaction.atomic():
        locked = _locked(article)
        if not can_approve(actor, locked):
            _refuse_or_hide(actor, locked, "您没有审批本站稿件的权限。")
        direct = locked.status == Status.SUBMITTED and not needs_review(locked.column)
        if locked.status != Status.REVIEWED and not direct:
            if locked.status == Status.SUBMITTED:
                raise ServiceError("稿件尚未审核，请等审核通过后再审批。")
            raise ServiceError(STATE_MESSAGES[locked.status])
        if needs_secrecy_review(locked.column) and not locked.secrecy_checked:
            raise ServiceError("稿件尚未通过保密审查，不能审批发布。")
        if _last_reviewer_id(locked) == actor.pk:
            raise ServiceError(
                "审核和审批须由不同的人进行：您已审核过这篇稿件，请由其他审批人审批。"
            )
        before = locked.status
        _approve_and_publish(actor, locked, now=now, note=note)
        _audit(actor, "portal.article_approve", locked, before, message=note)
    return _refresh(article, locked)


def return_article(
    actor, article: Article, reason: str, *, now: datetime.datetime | None = None
) -> Article:
    """退回修改 with a reason, from either review step; the author is told."""
    now = now or timezone.now()
    reason = _clean(reason, label="退回原因", maximum=REASON_MAX, required=True)
    with transaction.atomic():
        locked = _locked(article)
        if not can_see_in_review(actor, locked):
            _refuse_or_hide(actor, locked, "您没有审核本站稿件的权限。")
        if locked.status not in IN_REVIEW:
            raise ServiceError(STATE_MESSAGES[locked.status])
        if locked.status == Status.REVIEWED and not can_approve(actor, locked):
            raise ServiceError("稿件已审核通过，正在等待审批；只有审批人可以退回。")
        before = locked.status
        locked.return_reason = reason
        locked.secrecy_checked = False
        _move(locked, actor, Kind.RETURN, Status.RETURNED, now=now, note=reason)
        _audit(actor, "portal.article_return", locked, before, message=reason)
        _notify_author(
            locked,
            title=f"稿件被退回：{locked.title}",
            body=f"{_name(actor)}退回了您的稿件。退回原因：{reason}。请修改后重新提交。",
            key=f"portal:returned:{locked.pk}:{now:%Y%m%d%H%M%S%f}",
        )
    return _refresh(article, locked)


def withdraw(
    actor, article: Article, reason: str, *, now: datetime.datetime | None = None
) -> Article:
    """撤稿: a published or scheduled article is taken off the site, with a reason."""
    now = now or timezone.now()
    reason = _clean(reason, label="撤稿原因", maximum=REASON_MAX, required=True)
    with transaction.atomic():
        locked = _locked(article)
        if not can_approve(actor, locked):
            _refuse_or_hide(actor, locked, "只有审批人可以撤稿。")
        if locked.status not in APPROVED_OR_LIVE:
            raise ServiceError("只有已发布或等待定时发布的文章可以撤稿。")
        before = locked.status
        _move(locked, actor, Kind.WITHDRAW, Status.WITHDRAWN, now=now, note=reason)
        _audit(actor, "portal.article_withdraw", locked, before, message=reason)
        _notify_author(
            locked,
            title=f"文章已撤稿：{locked.title}",
            body=f"{_name(actor)}撤下了这篇文章。原因：{reason}",
            key=f"portal:withdrawn:{locked.pk}:{now:%Y%m%d%H%M%S%f}",
        )
        if before == Status.PUBLISHED:
            _changed(locked, "unpublish")
    return _refresh(article, locked)


def publish_due(now: datetime.datetime | None = None) -> dict[str, int]:
    """The minute sweep: approved articles whose `publish_at` has come are published (by
    "系统（定时发布）"); live articles whose `expire_at` passed since the last run are announced
    as unpublished (their status stays 已发布 — `visibility.live()` already hides them — so
    the cache and the search index drop them). Idempotent: a second run finds nothing."""
    now = now or timezone.now()
    published = sum(_publish_one(pk, now) for pk in _due_ids(now))
    return {"published": published, "expired": _announce_expired(now)}


# ---------------------------------------------------------------- helpers


def _locked(article: Article) -> Article:
    """The article row locked until the end of the transaction, re-read with its site,
    organisation and column (a double click is serialised: the second sees the first's work)."""
    try:
        return (
            Article.objects.select_for_update(of=("self",))
            .select_related("site__organization", "column")
            .get(pk=article.pk)
        )
    except Article.DoesNotExist as exc:
        raise Http404 from exc


def _refresh(target: Article, source: Article) -> Article:
    for field in Article._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.fields_cache = dict(source._state.fields_cache)
    return target


def _refuse_or_hide(actor, article: Article, message: str):
    """Somebody who may not even write on the site does not learn the article exists (404);
    a colleague of the site without the needed permission is told why."""
    scope = scope_of(actor)
    path = _site_path(article)
    if any(scope.covers(code, path) for code in (WRITE_ARTICLE, REVIEW_ARTICLE, APPROVE_ARTICLE)):
        raise ServiceError(message)
    if article.created_by_id == getattr(actor, "pk", None):
        raise ServiceError(message)
    raise Http404


def _check_ready(article: Article) -> None:
    if not article.title.strip():
        raise ServiceError("请填写标题后再提交。")
    if not article.body_text.strip() and not article.cover_id and not article.media.exists():
        raise ServiceError("正文是空的，请填写正文后再提交。")
    if article.column.kind == Column.Kind.PICTURES and not article.cover_id:
        raise ServiceError("图片新闻须有封面图片（首页轮播使用），请上传封面后再提交。")
    if article.column.kind == Column.Kind.VIDEOS and not article.media.filter(kind="video"):
        raise ServiceError("视频栏目的稿件须在正文中插入视频。")
    if article.visibility == Article.Visibility.ORGANIZATIONS and not article.audience.exists():
        raise ServiceError("公开范围为“指定组织”时，请至少选择一个组织。")


def _approve_and_publish(actor, article: Article, *, now, note: str) -> None:
    """Record the 审批 and, unless the article waits for its `publish_at`, the 发布."""
    _move(article, actor, Kind.APPROVE, Status.APPROVED, now=now, note=note)
    if article.publish_at and article.publish_at > now:
        return
    article.published_at = now
    _move(article, actor, Kind.PUBLISH, Status.PUBLISHED, now=now)
    _changed(article, "publish")
    _notify_author(
        article,
        title=f"文章已发布：{article.title}",
        body=f"您的稿件已由{_name(actor)}审批发布。",
        key=f"portal:published:{article.pk}:{now:%Y%m%d%H%M%S%f}",
        exclude=actor,
        url=_article_url(article),
    )


def _move(
    article: Article,
    actor,
    kind: str,
    to_status: str,
    *,
    now,
    note: str = "",
    secrecy_checked: bool = False,
) -> None:
    """Change the status and write the trail row."""
    from_status = article.status
    article.status = to_status
    if actor is not None:
        article.updated_by = actor
    article.save()
    ArticleAction.objects.create(
        article=article,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_name=_name(actor),
        note=note,
        secrecy_checked=secrecy_checked,
        at=now,
    )


def _last_reviewer_id(article: Article) -> int | None:
    return (
        article.actions.filter(kind=Kind.REVIEW)
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )


def _due_ids(now) -> list[int]:
    return list(
        Article.objects.filter(status=Status.APPROVED, publish_at__lte=now)
        .order_by("publish_at", "pk")
        .values_list("pk", flat=True)
    )


def _publish_one(pk: int, now) -> int:
    with transaction.atomic():
        article = (
            Article.objects.select_for_update(of=("self",))
            .select_related("site__organization", "column")
            .filter(pk=pk, status=Status.APPROVED, publish_at__lte=now)
            .first()
        )
        if article is None:  # withdrawn or published by another run meanwhile
            return 0
        article.published_at = article.publish_at
        _move(article, None, Kind.PUBLISH, Status.PUBLISHED, now=now, note="定时发布")
        audit_log(
            actor=None,
            actor_name=SYSTEM_PUBLISHER,
            action="portal.article_publish",
            obj=article,
            organization=article.site.organization,
            before={"status": Status.APPROVED},
            after={"status": Status.PUBLISHED, "published_at": article.published_at},
            message="定时发布",
        )
        _changed(article, "publish")
        _notify_author(
            article,
            title=f"文章已定时发布：{article.title}",
            body=f"您的稿件已按计划于 {timezone.localtime(article.published_at):%Y-%m-%d %H:%M}"
            " 发布。",
            key=f"portal:published:{article.pk}:{now:%Y%m%d%H%M%S%f}",
            url=_article_url(article),
        )
    return 1


def _announce_expired(now) -> int:
    since = cache.get(EXPIRY_MARK) or (now - EXPIRY_LOOKBACK)
    if since > now:
        since = now - EXPIRY_LOOKBACK
    rows = list(
        Article.objects.filter(
            status=Status.PUBLISHED, expire_at__gt=since, expire_at__lte=now
        ).values_list("pk", "site_id")
    )
    for pk, site_id in rows:
        send_after_commit(article_changed, article_id=pk, site_id=site_id, reason="unpublish")
    cache.set(EXPIRY_MARK, now, timeout=None)
    return len(rows)


def _changed(article: Article, reason: str) -> None:
    send_after_commit(
        article_changed, article_id=article.pk, site_id=article.site_id, reason=reason
    )


def _audit(actor, action: str, article: Article, before_status: str, *, message: str = ""):
    return audit_log(
        actor=actor,
        action=action,
        obj=article,
        organization=article.site.organization,
        before={"status": before_status},
        after={"status": article.status, "secrecy_checked": article.secrecy_checked},
        message=message,
    )


def _holders(permission: str, article: Article, *, exclude=None) -> list[int]:
    """Users holding `permission` by a grant on the site's organisation; when nobody there
    does, on the nearest organisation above that has them (so a group-level reviewer is not
    told about every mine's drafts, yet a site without its own reviewer is not left silent)."""
    from dangjian.accounts.models import Role, RoleAssignment

    path = _site_path(article)
    step = type(article.site.organization).steplen
    paths = [path[:end] for end in range(step, len(path) + 1, step)]
    roles = [role.pk for role in Role.objects.all() if permission in (role.permissions or [])]
    rows = RoleAssignment.objects.filter(
        role_id__in=roles, organization__path__in=paths, user__is_active=True
    ).values_list("organization__path", "user_id")
    by_path: dict[str, set[int]] = {}
    for holder_path, user_id in rows:
        by_path.setdefault(holder_path, set()).add(user_id)
    excluded = getattr(exclude, "pk", None)
    for holder_path in reversed(paths):
        found = by_path.get(holder_path, set()) - {excluded}
        if found:
            return sorted(found)
    return []


def _notify(user_ids, article: Article, *, title: str, body: str, url: str, key: str) -> int:
    if not user_ids:
        return 0
    from dangjian.notifications.services import notify

    return notify(
        recipients=list(user_ids),
        title=title,
        body=body,
        url=url,
        category=NOTIFY_CATEGORY,
        obj=article,
        dedupe_key=key,
    )


def _notify_author(article: Article, *, title, body, key, exclude=None, url: str = "") -> int:
    author = article.created_by_id
    if not author or author == getattr(exclude, "pk", None):
        return 0
    return _notify(
        [author], article, title=title, body=body, url=url or _edit_url(article), key=key
    )


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _review_url(article: Article) -> str:
    return _url("portal:review_detail", article.pk)


def _edit_url(article: Article) -> str:
    return _url("portal:article_edit", article.pk) or _review_url(article)


def _article_url(article: Article) -> str:
    return _url("portal:article", article.pk)


def _name(actor) -> str:
    if actor is None:
        return SYSTEM_PUBLISHER
    return (getattr(actor, "display_name", "") or actor.get_username())[:50]


def _clean(value, *, label: str, maximum: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(f"请填写{label}。")
    if len(text) > maximum:
        raise ServiceError(f"{label}不能超过 {maximum} 字（现在 {len(text)} 字）。")
    return text


def pending_for(user):
    """The articles waiting for `user`'s step: submitted ones of sites they review (not their
    own), reviewed ones of sites they approve (not those they reviewed themselves). One query
    when evaluated; use it for the queue and the pending count."""
    from django.db.models import OuterRef, Subquery

    from dangjian.core.scope import scope_condition

    if user is None or not user.is_authenticated or not user.is_active:
        return Article.objects.none()
    scope = scope_of(user)
    conditions = Q(pk__in=[])
    reviewing = scope_condition("site__organization__path", scope.paths_for(REVIEW_ARTICLE))
    if reviewing is not None:
        conditions |= reviewing & Q(status=Status.SUBMITTED) & ~Q(created_by=user)
    approving = scope_condition("site__organization__path", scope.paths_for(APPROVE_ARTICLE))
    if approving is not None:
        not_mine = Q(last_reviewer__isnull=True) | ~Q(last_reviewer=user.pk)
        conditions |= approving & Q(status=Status.REVIEWED) & not_mine
        direct = Q(column__needs_review=False, column__needs_secrecy_review=False)
        conditions |= approving & Q(status=Status.SUBMITTED) & direct & ~Q(created_by=user)
    last_reviewer = (
        ArticleAction.objects.filter(article=OuterRef("pk"), kind=Kind.REVIEW)
        .order_by("-at", "-id")
        .values("actor_id")[:1]
    )
    return Article.objects.annotate(last_reviewer=Subquery(last_reviewer)).filter(conditions)


def reviewers_of(article: Article) -> list[int]:
    """Users told when the article is submitted (see `_holders`)."""
    return _holders(REVIEW_ARTICLE, article)


def approvers_of(article: Article) -> list[int]:
    return _holders(APPROVE_ARTICLE, article)


__all__ = [
    "SYSTEM_PUBLISHER",
    "approve",
    "approvers_of",
    "can_approve",
    "can_edit",
    "can_review",
    "can_see_in_review",
    "can_write",
    "edit_refusal",
    "needs_review",
    "needs_secrecy_review",
    "pending_for",
    "publish_due",
    "return_article",
    "review",
    "reviewers_of",
    "submit",
    "withdraw",
]
