"""Pictures, videos and article attachments of the portal (issue 6 §8).

    asset = upload_media(actor=request.user, site=site, file=request.FILES["file"])
    media_url(asset, 800)    # "/portal/media/<key>/800/": the smallest rendition ≥ 800 px

Pictures (JPEG/PNG/GIF/WEBP) are checked by their bytes, opened with a pixel guard against
decompression bombs, turned upright (EXIF orientation) and stripped of EXIF/GPS/XMP: the kept
"original" is the upright full-size picture without metadata (the uploaded bytes themselves are
kept only when they carry no metadata at all). Renditions 320/800/1600 px wide are made below
the original width (never upscaled), as JPEG, or PNG when the picture really uses transparency.
Animated GIFs are kept as they are, without renditions.

Videos (MP4/WebM) are stored as uploaded — no transcoding, no poster, duration unknown (0): a
browser plays H.264 MP4 and VP8/VP9 WebM natively and seeks through range requests.

Attachments of an article (PDF, Word, Excel, PowerPoint, text) are checked the same way and
their text is extracted afterwards by the search app's task, when that app provides it.
"""

from __future__ import annotations

import importlib.util
import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

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
    OLE,
    PDF,
    PNG,
    PPTX,
    TXT,
    VIDEOS,
    WEB_IMAGES,
    XLSX,
    check_upload,
)
from dangjian.portal import rules
from dangjian.portal.models import Article, ArticleAttachment, Column, MediaAsset, Site
from dangjian.portal.permissions import (
    APPROVE_ARTICLE,
    MANAGE_SITE,
    REVIEW_ARTICLE,
    WRITE_ARTICLE,
)
from dangjian.portal.signals import article_changed, send_after_commit

RENDITION_WIDTHS = (320, 800, 1600)
ATTACHMENT_KINDS = frozenset({PDF, DOCX, XLSX, PPTX, OLE, TXT})
JPEG_QUALITY = 85
FULL_JPEG_QUALITY = 92
# Image.info keys that carry no personal data (anything else — exif, xmp, comments, PNG text
# chunks — makes us re-encode the picture without it).
_HARMLESS_INFO = frozenset(
    {
        "dpi", "gamma", "transparency", "icc_profile", "srgb", "interlace", "aspect",
        "progressive", "progression", "jfif", "jfif_version", "jfif_unit", "jfif_density",
        "adobe", "adobe_transform", "duration", "loop", "background", "version",
        "chromaticity", "compression", "lossless", "extension", "optimize",
    }
)  # fmt: skip


# --- who may ---------------------------------------------------------------------------------


def _covers(user, permission: str, site: Site) -> bool:
    return scope_of(user).covers(permission, site.organization.path)


def _publisher_somewhere(user, site: Site) -> bool:
    return Column.publishers.through.objects.filter(
        column__site_id=site.pk, user_id=user.pk
    ).exists()


def may_upload_media(user, site: Site) -> bool:
    """Writers and site administrators of the site, and the named publishers of its columns."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if _covers(user, WRITE_ARTICLE, site) or _covers(user, MANAGE_SITE, site):
        return True
    return _publisher_somewhere(user, site)


def works_on_site(user, site: Site) -> bool:
    """Back-end workers of a site (write, review, approve, manage) see every asset of it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return any(
        _covers(user, code, site)
        for code in (WRITE_ARTICLE, REVIEW_ARTICLE, APPROVE_ARTICLE, MANAGE_SITE)
    )


def may_edit_attachments(user, article: Article) -> bool:
    """Drafts and returned items: their writers (site writers, the author, the column's named
    publishers). Items under review or live: the approvers of the site."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    site = article.site
    if article.status == Article.Status.WITHDRAWN:
        return False
    if article.status in (Article.Status.DRAFT, Article.Status.RETURNED):
        if _covers(user, WRITE_ARTICLE, site) or article.created_by_id == user.pk:
            return True
        return article.column.publishers.filter(pk=user.pk).exists()
    return _covers(user, APPROVE_ARTICLE, site)


def may_see_article_backend(user, article: Article) -> bool:
    """Someone who works on the article in the back-end (its author or a worker of its site)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return article.created_by_id == user.pk or works_on_site(user, article.site)


# --- URLs -------------------------------------------------------------------------------------


def media_url(asset: MediaAsset, width: int | None = None) -> str:
    if width:
        return reverse("portal:media_rendition", args=[asset.key, int(width)])
    return reverse("portal:media", args=[asset.key])


def attachment_url(attachment: ArticleAttachment) -> str:
    return reverse("portal:attachment", args=[attachment.pk])


def rendition_name(asset: MediaAsset, width: int | None) -> str:
    """The stored name to send for a requested width: the smallest rendition at least that
    wide, else the original (which is the widest)."""
    if not width or not asset.renditions:
        return asset.file.name
    fitting = sorted(int(w) for w in asset.renditions if int(w) >= width)
    if not fitting:
        return asset.file.name
    return asset.renditions[str(fitting[0])]


# --- pictures ---------------------------------------------------------------------------------


class _Picture:
    """The result of processing an uploaded picture."""

    def __init__(self):
        self.full: bytes | None = None  # None: keep the uploaded bytes
        self.full_kind = ""
        self.width = 0
        self.height = 0
        self.renditions: list[tuple[int, bytes, str]] = []


def _has_alpha(image) -> bool:
    if image.mode in ("RGBA", "LA", "PA"):
        alpha = image.getchannel("A")
        return alpha.getextrema()[0] < 255
    return image.mode == "P" and "transparency" in image.info


def _encode(image, *, alpha: bool, quality: int) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    icc = image.info.get("icc_profile")
    if alpha:
        image = image.convert("RGBA")
        image.save(buffer, "PNG", optimize=True, **({"icc_profile": icc} if icc else {}))
        return buffer.getvalue(), PNG
    image = image.convert("RGB")
    options = {"quality": quality, "optimize": True, "progressive": True}
    if icc:
        options["icc_profile"] = icc
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue(), JPEG


def _process_picture(file, kind: str) -> _Picture:
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = int(rule_value(rules.IMAGE_MAX_PIXELS)) * 1_000_000
    result = _Picture()
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file)
            width, height = image.size
            if width * height > limit:
                megapixels = width * height / 1_000_000
                raise ServiceError(
                    f"图片像素过大（{width}×{height}，约 {megapixels:.0f} 百万像素），"
                    f"超过了 {limit // 1_000_000} 百万像素的上限，请缩小后再上传。"
                )
            animated = getattr(image, "is_animated", False)
            if kind == GIF and animated:
                result.width, result.height = width, height
                result.full_kind = GIF
                return result
            image.load()
            exif = image.getexif()
            clean = not (set(image.info) - _HARMLESS_INFO) and not len(exif)
            upright = ImageOps.exif_transpose(image)
            alpha = _has_alpha(upright)
            result.width, result.height = upright.size
            if clean and kind in (JPEG, PNG, GIF):
                result.full_kind = kind  # nothing to strip: keep the uploaded bytes
            else:
                result.full, result.full_kind = _encode(
                    upright, alpha=alpha, quality=FULL_JPEG_QUALITY
                )
            for target in RENDITION_WIDTHS:
                if target >= result.width:
                    break
                copy = upright.copy()
                target_height = max(1, round(result.height * target / result.width))
                copy = copy.resize((target, target_height), Image.Resampling.LANCZOS)
                data, rendition_kind = _encode(copy, alpha=alpha, quality=JPEG_QUALITY)
                result.renditions.append((target, data, rendition_kind))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ServiceError("图片像素过大，可能是恶意构造的文件，已拒绝。请缩小后再上传。") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ServiceError("图片文件已损坏或无法读取，请用看图软件另存后再上传。") from exc
    finally:
        file.seek(0)
    return result


def _check(file, *, kinds, max_mb: int, what: str) -> str:
    try:
        return check_upload(file, kinds=kinds, max_bytes=int(max_mb) * MB, what=what)
    except ValidationError as exc:
        raise ServiceError(exc.messages[0]) from exc


def _title_of(file, fallback: str) -> str:
    name = (getattr(file, "name", "") or "").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem.strip() or fallback)[:200]


def upload_media(*, actor, site: Site, file, alt: str = "") -> MediaAsset:
    """Store a picture (with renditions) or a video for `site`. Raises ServiceError."""
    if not may_upload_media(actor, site):
        raise ServiceError("您没有向该站点上传图片或视频的权限。")
    if file is None:
        raise ServiceError("请选择要上传的图片或视频。")
    video_mb = int(rule_value(rules.VIDEO_MAX_MB))
    image_mb = int(rule_value(rules.IMAGE_MAX_MB))
    kind = _check(
        file, kinds=WEB_IMAGES | VIDEOS, max_mb=max(video_mb, image_mb), what="图片或视频"
    )
    is_video = kind in VIDEOS
    limit_mb = video_mb if is_video else image_mb
    if file.size > limit_mb * MB:
        what = "视频" if is_video else "图片"
        raise ServiceError(f"上传的{what}有 {file.size / MB:.1f} MB，超过了 {limit_mb} MB 的上限。")
    picture = None if is_video else _process_picture(file, kind)
    asset = MediaAsset(
        site=site,
        kind=MediaAsset.Kind.VIDEO if is_video else MediaAsset.Kind.IMAGE,
        title=_title_of(file, "视频" if is_video else "图片"),
        alt=(alt or "").strip()[:200],
        uploaded_by=actor,
    )
    stored: list[str] = []
    try:
        if picture is not None and picture.full is not None:
            asset.file_kind = picture.full_kind
            asset.size = len(picture.full)
            asset.file.save(
                f"m.{EXTENSIONS[picture.full_kind]}", ContentFile(picture.full), save=False
            )
        else:
            asset.file_kind = picture.full_kind if picture else kind
            asset.size = file.size
            file.seek(0)
            asset.file.save(f"m.{EXTENSIONS[asset.file_kind]}", file, save=False)
        stored.append(asset.file.name)
        if picture is not None:
            asset.width, asset.height = picture.width, picture.height
            base = asset.file.name.rsplit(".", 1)[0]
            for width, data, rendition_kind in picture.renditions:
                name = asset.file.storage.save(
                    f"{base}-{width}.{EXTENSIONS[rendition_kind]}", ContentFile(data)
                )
                stored.append(name)
                asset.renditions[str(width)] = name
        with transaction.atomic():
            asset.save()
            audit_log(
                actor=actor,
                action="portal.media_upload",
                obj=asset,
                organization=site.organization,
                after={
                    "kind": asset.kind,
                    "file_kind": asset.file_kind,
                    "size": asset.size,
                    "width": asset.width,
                    "height": asset.height,
                    "renditions": sorted(int(w) for w in asset.renditions),
                },
            )
    except BaseException:
        for name in stored:
            asset.file.storage.delete(name)
        raise
    return asset


def delete_media_files(asset: MediaAsset) -> None:
    """Remove an asset's stored files (the original and its renditions)."""
    storage = asset.file.storage
    for name in [asset.file.name, *asset.renditions.values()]:
        if name:
            storage.delete(name)


# --- attachments ------------------------------------------------------------------------------


def _enqueue_extraction(kind: str, pk: int) -> None:
    """Ask the search app to extract the file's text once the transaction commits (its
    `enqueue_extraction` defers to the commit itself), when that app provides the task."""
    if importlib.util.find_spec("dangjian.search.extract") is None:
        return
    from dangjian.search.extract import enqueue_extraction

    enqueue_extraction(kind, pk)


def upload_attachment(*, actor, article: Article, file, title: str = "") -> ArticleAttachment:
    """Attach a document (PDF, Word, Excel, PowerPoint, 97-2003 Office, text) to an article."""
    if not may_edit_attachments(actor, article):
        raise ServiceError("您不能修改这篇文章的附件（只有草稿和退回修改的文章可以修改）。")
    kind = _check(
        file,
        kinds=ATTACHMENT_KINDS,
        max_mb=int(rule_value(rules.ATTACHMENT_MAX_MB)),
        what="附件",
    )
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        limit = int(rule_value(rules.ATTACHMENTS_PER_ARTICLE))
        count = article.attachments.count()
        if count >= limit:
            raise ServiceError(f"一篇文章最多上传 {limit} 个附件。")
        attachment = ArticleAttachment(
            article=article,
            title=(title or "").strip()[:200] or _title_of(file, "附件"),
            file_kind=kind,
            size=file.size,
            uploaded_by=actor,
            order=count,
        )
        file.seek(0)
        attachment.file.save(f"a.{EXTENSIONS[kind]}", file, save=False)
        try:
            attachment.save()
            audit_log(
                actor=actor,
                action="portal.attachment_upload",
                obj=article,
                organization=article.site.organization,
                after={"attachment": attachment.title, "kind": kind, "size": attachment.size},
            )
        except BaseException:
            attachment.file.storage.delete(attachment.file.name)
            raise
        _enqueue_extraction("attachment", attachment.pk)  # runs after commit
    return attachment


def delete_attachment(*, actor, attachment: ArticleAttachment) -> None:
    article = attachment.article
    if not may_edit_attachments(actor, article):
        raise ServiceError("您不能修改这篇文章的附件（只有草稿和退回修改的文章可以修改）。")
    name = attachment.file.name
    storage = attachment.file.storage
    with transaction.atomic():
        title = attachment.title
        attachment.delete()
        audit_log(
            actor=actor,
            action="portal.attachment_delete",
            obj=article,
            organization=article.site.organization,
            before={"attachment": title},
        )
        transaction.on_commit(lambda: storage.delete(name))
        # The article's search entry held the attachment's text: have it rebuilt.
        send_after_commit(
            article_changed, article_id=article.pk, site_id=article.site_id, reason="save"
        )


def assets_used_by(article_q: Q) -> Q:
    """MediaAsset rows used (in the body or as cover) by the articles matching `article_q`
    (a Q over Article)."""
    used = Article.objects.filter(article_q)
    return Q(pk__in=used.values("media")) | Q(pk__in=used.values("cover"))
