"""Writing articles: create and edit, revisions with their diff, restore.

    article = save_article(actor=user, site=site, column=column, data={...},
                           tags=["党建"], audience=[org])            # a new draft
    article = save_article(actor=user, article=article, site=site, column=column, data=..., ...)
    restore_revision(actor=user, article=article, number=2)
    rows = revision_diff(article, 1, 3)

The body is sanitised on every save (`core.richtext.sanitize_article_html`) and its plain text
kept in `body_text` (lists and search); the pictures and videos it shows — and the cover — are
linked in `Article.media`, which is what the media view checks before serving a file to a reader.
A change of title, subtitle, summary or body writes a new `ArticleRevision`.

Who may edit in which state is `workflow.edit_refusal`: writers in draft/returned, the
reviewers while in review (never the author), approvers once approved or live — a live article
stays live and its edit is audited and announced (`article_changed(reason="save")`).
"""

from __future__ import annotations

import datetime
import difflib
import re
import uuid
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from dangjian.audit.services import audit_log
from dangjian.core import richtext
from dangjian.core.exceptions import ServiceError
from dangjian.portal.models import (
    Article,
    ArticleAction,
    ArticleRevision,
    Column,
    MediaAsset,
    Site,
    Tag,
    Visibility,
)
from dangjian.portal.services.workflow import (
    _locked,
    _name,
    _refresh,
    can_approve,
    can_edit,
    can_review,
    can_write,
    edit_refusal,
)
from dangjian.portal.signals import article_changed, send_after_commit

__all__ = [
    "DiffRow",
    "body_to_text",
    "can_approve",
    "can_edit",
    "can_review",
    "can_write",
    "delete_article",
    "edit_refusal",
    "media_keys",
    "restore_revision",
    "revision_diff",
    "save_article",
]

TITLE_MAX = 200
SUBTITLE_MAX = 200
SOURCE_MAX = 100
AUTHOR_MAX = 100
SUMMARY_MAX = 500
BODY_MAX = 1_000_000  # characters of sanitised HTML (a long report with tables)
TAG_MAX = 30
TAGS_MAX = 10
NOTE_MAX = 200
TEXT_FIELDS = ("title", "subtitle", "summary", "body")
PLAIN_FIELDS = {
    "title": ("标题", TITLE_MAX),
    "subtitle": ("副标题", SUBTITLE_MAX),
    "source": ("来源", SOURCE_MAX),
    "author": ("作者", AUTHOR_MAX),
    "summary": ("摘要", SUMMARY_MAX),
}
DATE_FIELDS = {"pinned_until": "置顶至", "publish_at": "定时发布", "expire_at": "下线时间"}
MEDIA_URL = re.compile(
    r"/portal/media/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/"
)
BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
     "blockquote", "table", "thead", "tbody", "ul", "ol", "figure", "figcaption", "pre"}
)  # fmt: skip


def _sanitize(html: str) -> str:
    sanitize = getattr(richtext, "sanitize_article_html", richtext.sanitize_html)
    return sanitize(html or "")


# ---------------------------------------------------------------- save


def save_article(
    *,
    actor,
    article: Article | None = None,
    site: Site,
    column: Column,
    data: dict,
    tags: list[str] | None = None,
    audience: list | None = None,
    note: str = "",
) -> Article:
    """Create a draft (`article=None`) or change an article. `data` holds any of title,
    subtitle, source, author, summary, body, cover (a MediaAsset, its key or None),
    visibility, pinned_until, publish_at, expire_at; a key left out keeps its value (a new
    article: empty, visibility from the column). `tags=None` / `audience=None` keep them."""
    if article is None:
        return _create(actor=actor, site=site, column=column, data=data, tags=tags,
                       audience=audience, note=note)  # fmt: skip
    return _update(actor=actor, article=article, site=site, column=column, data=data, tags=tags,
                   audience=audience, note=note)  # fmt: skip


def _create(*, actor, site, column, data, tags, audience, note) -> Article:
    _check_column(site, column)
    if not can_write(actor, column):
        raise ServiceError("您没有向该栏目撰稿的权限。")
    values = _clean_values(data, site=site, current=None)
    values.setdefault("visibility", column.default_visibility)
    audience = _clean_audience(site, values["visibility"], audience or [])
    _check_dates(values, current=None)
    with transaction.atomic():
        article = Article(site=site, column=column, created_by=actor, updated_by=actor)
        for field, value in values.items():
            setattr(article, field, value)
        article.save()
        article.audience.set(audience)
        if tags:
            article.tags.set(_tags(tags))
        _link_media(article)
        _revise(article, actor, note or "新建")
        audit_log(
            actor=actor,
            action="portal.article_create",
            obj=article,
            organization=site.organization,
            after=_summary(article),
        )
        _changed(article, "save")
    return article


def _update(*, actor, article, site, column, data, tags, audience, note) -> Article:
    if site.pk != article.site_id:
        raise ServiceError("文章不能移到其他站点；请在本站点内选择栏目。")
    _check_column(site, column)
    with transaction.atomic():
        locked = _locked(article)
        refusal = edit_refusal(actor, locked)
        if refusal:
            raise ServiceError(refusal)
        if column.pk != locked.column_id:
            _check_move(actor, locked, column)
        values = _clean_values(data, site=site, current=locked)
        visibility = values.get("visibility", locked.visibility)
        if audience is None and visibility == Visibility.ORGANIZATIONS:
            audience = list(locked.audience.all())
        chosen = _clean_audience(site, visibility, audience or [])
        _check_dates(values, current=locked)
        before = _summary(locked)
        text_changed = any(
            field in values and values[field] != getattr(locked, field) for field in TEXT_FIELDS
        )
        locked.column = column
        for field, value in values.items():
            setattr(locked, field, value)
        locked.updated_by = actor
        locked.save()
        if audience is not None or visibility != Visibility.ORGANIZATIONS:
            locked.audience.set(chosen)
        if tags is not None:
            locked.tags.set(_tags(tags))
        _link_media(locked)
        if text_changed:
            _revise(locked, actor, note)
        after = _summary(locked)
        audit_log(
            actor=actor,
            action="portal.article_update",
            obj=locked,
            organization=site.organization,
            before={k: v for k, v in before.items() if after.get(k) != v},
            after={k: v for k, v in after.items() if before.get(k) != v},
            message="修改已发布的文章" if locked.status == Article.Status.PUBLISHED else note,
        )
        _changed(locked, "save")
    return _refresh(article, locked)


def _check_column(site: Site, column: Column) -> None:
    if column.site_id != site.pk:
        raise ServiceError("所选栏目不属于本站点，请重新选择栏目。")
    if not site.is_active:
        raise ServiceError("该站点已停用，不能发布文章。")
    if not column.is_active:
        raise ServiceError(f"“{column.name}”栏目已停用，请选择其他栏目。")
    if column.kind == Column.Kind.DOWNLOADS:
        raise ServiceError("下载专区的资料请在“下载专区管理”中上传，不能作为文章发布。")


def _check_move(actor, article: Article, column: Column) -> None:
    """Moving to another column needs the right to write there; a reviewed or live article
    may not move into a column whose 保密审查 it has not passed."""
    from dangjian.portal.services.workflow import needs_secrecy_review

    if article.status in (Article.Status.DRAFT, Article.Status.RETURNED, Article.Status.WITHDRAWN):
        if not can_write(actor, column):
            raise ServiceError(f"您没有向“{column.name}”栏目撰稿的权限。")
        return
    if needs_secrecy_review(column) and not article.secrecy_checked:
        raise ServiceError(f"“{column.name}”栏目的稿件须经保密审查；请退回撰稿人后重新提交审核。")


def _clean_values(data: dict, *, site: Site, current: Article | None) -> dict:
    values: dict = {}
    for field, (label, maximum) in PLAIN_FIELDS.items():
        if field in data or current is None:
            text = " ".join(str(data.get(field) or "").split())
            if len(text) > maximum:
                raise ServiceError(f"{label}不能超过 {maximum} 字（现在 {len(text)} 字）。")
            values[field] = text
    if not values.get("title", current.title if current else ""):
        raise ServiceError("请填写标题。")
    if "body" in data or current is None:
        body = _sanitize(str(data.get("body") or ""))
        if len(body) > BODY_MAX:
            raise ServiceError("正文过长，请精简，或把全文作为附件上传。")
        values["body"] = body
        values["body_text"] = body_to_text(body)
    if "visibility" in data:
        if data["visibility"] not in Visibility.values:
            raise ServiceError("请选择公开范围：向社会公开、党内公开或指定组织。")
        values["visibility"] = data["visibility"]
    if "cover" in data:
        values["cover"] = _clean_cover(site, data["cover"])
    for field, label in DATE_FIELDS.items():
        if field in data:
            values[field] = _clean_datetime(data[field], label)
    return values


def _clean_cover(site: Site, cover) -> MediaAsset | None:
    if cover in (None, ""):
        return None
    if not isinstance(cover, MediaAsset):
        try:
            key = uuid.UUID(str(cover))
        except ValueError as exc:
            raise ServiceError("封面图片无效，请重新上传。") from exc
        cover = MediaAsset.objects.filter(key=key).first()
    if cover is None or cover.site_id != site.pk:
        raise ServiceError("封面图片须是上传到本站点的图片，请重新上传。")
    if cover.kind != MediaAsset.Kind.IMAGE:
        raise ServiceError("封面须是图片，不能是视频。")
    return cover


def _clean_datetime(value, label: str) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, datetime.datetime):
        raise ServiceError(f"{label}的时间格式不正确，请重新选择。")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _check_dates(values: dict, *, current: Article | None) -> None:
    publish_at = values.get("publish_at", current.publish_at if current else None)
    expire_at = values.get("expire_at", current.expire_at if current else None)
    if publish_at and expire_at and expire_at <= publish_at:
        raise ServiceError("下线时间须晚于定时发布时间。")
    if "expire_at" in values and expire_at and expire_at <= timezone.now():
        raise ServiceError("下线时间已经过去，请选择将来的时间或留空。")


def _clean_audience(site: Site, visibility: str, audience) -> list:
    if visibility != Visibility.ORGANIZATIONS:
        return []
    chosen = list(dict.fromkeys(audience))
    if not chosen:
        raise ServiceError("公开范围为“指定组织”时，请至少选择一个组织。")
    root = site.organization.path
    outside = [org for org in chosen if not org.path.startswith(root)]
    if outside:
        names = "、".join(org.name for org in outside[:3])
        raise ServiceError(f"只能选择本站点所属组织及其下级组织：{names} 不在范围内。")
    return chosen


def _tags(names) -> list[Tag]:
    cleaned: list[str] = []
    for name in names:
        text = " ".join(str(name).split()).strip("#＃，,;；")
        if not text or text in cleaned:
            continue
        if len(text) > TAG_MAX:
            raise ServiceError(f"标签“{text[:10]}…”过长：每个标签不超过 {TAG_MAX} 字。")
        cleaned.append(text)
    if len(cleaned) > TAGS_MAX:
        raise ServiceError(f"标签最多 {TAGS_MAX} 个。")
    if not cleaned:
        return []
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=cleaned)}
    for name in cleaned:
        if name not in existing:
            try:
                with transaction.atomic():
                    existing[name] = Tag.objects.create(name=name)
            except IntegrityError:  # created by a concurrent save
                existing[name] = Tag.objects.get(name=name)
    return [existing[name] for name in cleaned]


def media_keys(html: str) -> set[uuid.UUID]:
    """The media keys referenced by `/portal/media/<key>/…` URLs in a body."""
    return {uuid.UUID(found) for found in MEDIA_URL.findall(html or "")}


def _link_media(article: Article) -> None:
    """`Article.media` = the site's assets used in the body, the cover and their posters."""
    keys = media_keys(article.body)
    assets = list(MediaAsset.objects.filter(site=article.site_id, key__in=keys)) if keys else []
    ids = {asset.pk for asset in assets}
    ids |= {asset.poster_id for asset in assets if asset.poster_id}
    if article.cover_id:
        ids.add(article.cover_id)
    article.media.set(sorted(ids))


def _revise(article: Article, actor, note: str) -> ArticleRevision:
    article.revision_number += 1
    Article.objects.filter(pk=article.pk).update(revision_number=article.revision_number)
    return ArticleRevision.objects.create(
        article=article,
        number=article.revision_number,
        title=article.title,
        subtitle=article.subtitle,
        summary=article.summary,
        body=article.body,
        note=(note or "")[:NOTE_MAX],
        created_by=actor,
    )


def _summary(article: Article) -> dict:
    return {
        "title": article.title,
        "column": article.column_id,
        "status": article.status,
        "visibility": article.visibility,
        "revision": article.revision_number,
        "publish_at": article.publish_at.isoformat() if article.publish_at else None,
        "expire_at": article.expire_at.isoformat() if article.expire_at else None,
        "pinned_until": article.pinned_until.isoformat() if article.pinned_until else None,
    }


def _changed(article: Article, reason: str) -> None:
    send_after_commit(
        article_changed, article_id=article.pk, site_id=article.site_id, reason=reason
    )


def delete_article(*, actor, article: Article) -> None:
    """Delete a draft or returned article that was never published (its revisions, trail and
    attachments go with it). A published article is withdrawn instead, so its trail stays."""
    with transaction.atomic():
        locked = _locked(article)
        if not (can_write(actor, locked.column) or locked.created_by_id == actor.pk):
            raise ServiceError("您没有删除这篇稿件的权限。")
        deletable = (Article.Status.DRAFT, Article.Status.RETURNED)
        if locked.status not in deletable or locked.published_at is not None:
            raise ServiceError("只能删除从未发布过的草稿或退回的稿件；已发布的文章请撤稿。")
        audit_log(
            actor=actor,
            action="portal.article_delete",
            obj=locked,
            organization=locked.site.organization,
            before=_summary(locked),
        )
        pk, site_id = locked.pk, locked.site_id
        locked.delete()
        send_after_commit(article_changed, article_id=pk, site_id=site_id, reason="delete")


# ---------------------------------------------------------------- plain text


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def body_to_text(html: str) -> str:
    """The text of a body: tags dropped, blocks and table cells kept apart by one space."""
    return " ".join(body_to_lines(html))


def body_to_lines(html: str) -> list[str]:
    """The text of each block (paragraph, list item, table cell) of a body."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    text = unescape("".join(parser.parts))
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


# ---------------------------------------------------------------- revisions


def restore_revision(*, actor, article: Article, number: int) -> Article:
    """Bring back the text of revision `number` (title, subtitle, summary, body) as a new
    revision; the article keeps its state, and the same edit rules apply as to a save."""
    with transaction.atomic():
        locked = _locked(article)
        refusal = edit_refusal(actor, locked)
        if refusal:
            raise ServiceError(refusal)
        revision = locked.revisions.filter(number=number).first()
        if revision is None:
            raise ServiceError(f"没有第 {number} 版，请从版本列表中选择。")
        before = {"revision": locked.revision_number, "title": locked.title}
        locked.title, locked.subtitle = revision.title, revision.subtitle
        locked.summary = revision.summary
        locked.body = _sanitize(revision.body)
        locked.body_text = body_to_text(locked.body)
        locked.updated_by = actor
        locked.save()
        _link_media(locked)
        _revise(locked, actor, f"恢复第 {number} 版")
        ArticleAction.objects.create(
            article=locked,
            kind=ArticleAction.Kind.RESTORE,
            from_status=locked.status,
            to_status=locked.status,
            actor=actor,
            actor_name=_name(actor),
            note=f"恢复第 {number} 版",
        )
        audit_log(
            actor=actor,
            action="portal.article_restore",
            obj=locked,
            organization=locked.site.organization,
            before=before,
            after={"revision": locked.revision_number, "title": locked.title, "from": number},
        )
        _changed(locked, "save")
    return _refresh(article, locked)


@dataclass(frozen=True)
class DiffRow:
    """One row of a revision diff. `kind`: "same", "added", "removed" or "changed";
    `old_html` / `new_html` are escaped text, with <del>/<ins> around changed characters."""

    field: str  # "title", "subtitle", "summary" or "body"
    label: str  # 标题, 副标题, 摘要, 正文
    kind: str
    old: str
    new: str
    old_html: SafeString
    new_html: SafeString


FIELD_LABELS = {"title": "标题", "subtitle": "副标题", "summary": "摘要", "body": "正文"}


def revision_diff(article: Article, a: int, b: int) -> list[DiffRow]:
    """The differences from revision `a` to revision `b` of the article, block by block
    (paragraphs, list items and table cells of the body; the title, subtitle and summary as
    one block each). Unchanged blocks are rows of kind "same"."""
    revisions = {rev.number: rev for rev in article.revisions.filter(number__in=[a, b])}
    missing = [n for n in (a, b) if n not in revisions]
    if missing:
        raise ServiceError(f"没有第 {missing[0]} 版，请从版本列表中选择。")
    old, new = revisions[a], revisions[b]
    rows: list[DiffRow] = []
    for field in ("title", "subtitle", "summary"):
        rows += _diff_blocks(field, _lines(getattr(old, field)), _lines(getattr(new, field)))
    rows += _diff_blocks("body", body_to_lines(old.body), body_to_lines(new.body))
    return rows


def _lines(text: str) -> list[str]:
    return [text] if text else []


def _diff_blocks(field: str, old: list[str], new: list[str]) -> list[DiffRow]:
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [_row(field, "same", line, line) for line in old[i1:i2]]
        elif tag == "delete":
            rows += [_row(field, "removed", line, "") for line in old[i1:i2]]
        elif tag == "insert":
            rows += [_row(field, "added", "", line) for line in new[j1:j2]]
        else:
            left, right = old[i1:i2], new[j1:j2]
            for index in range(max(len(left), len(right))):
                before = left[index] if index < len(left) else ""
                after = right[index] if index < len(right) else ""
                kind = "changed" if before and after else ("removed" if before else "added")
                rows.append(_row(field, kind, before, after))
    return rows


def _row(field: str, kind: str, old: str, new: str) -> DiffRow:
    if kind == "changed":
        old_html, new_html = _inline_diff(old, new)
    else:
        old_html, new_html = mark_safe(escape(old)), mark_safe(escape(new))  # noqa: S308
    return DiffRow(field, FIELD_LABELS[field], kind, old, new, old_html, new_html)


def _inline_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both texts escaped, with the changed characters in <del> (old) and <ins> (new)."""
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        before, after = escape(old[i1:i2]), escape(new[j1:j2])
        if tag == "equal":
            left.append(before)
            right.append(after)
            continue
        if before:
            left.append(f"<del>{before}</del>")
        if after:
            right.append(f"<ins>{after}</ins>")
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308
