"""Serving portal pictures, videos and article attachments — after the read test.

A media file (`/portal/media/<key>/`, a rendition `/portal/media/<key>/<width>/`) is sent when
an article the viewer may read uses it (in its body or as its cover — the carousel shows the
covers of readable picture news), or when the viewer works on the asset's site in the back-end
(writers, reviewers, approvers, site administrators, and whoever uploaded it). Otherwise 404,
exactly like a missing key.

Cache: a file used by a live article that anyone may read is `public, max-age=86400` (proxies
and browsers may keep it a day); one readable only after logging in is `private, max-age=600`;
one seen only by back-end workers (a draft's pictures) is `private, no-store`.

An attachment (`/portal/attachments/<pk>/`) is sent when its article is live and readable by
the viewer, or the viewer works on the article in the back-end; each reader download counts
once (F() update, not for the continuation of a range request).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Q
from django.http import Http404
from django.urls import path
from django.views.decorators.http import require_safe

from dangjian.core.uploads import serve_range
from dangjian.portal.models import ArticleAttachment, MediaAsset
from dangjian.portal.services.media import may_see_article_backend, rendition_name, works_on_site
from dangjian.portal.visibility import articles_readable_by

PUBLIC_CACHE = "public, max-age=86400"
PRIVATE_CACHE = "private, max-age=600"
NO_STORE = "private, no-store"


def _used_by_readable(user, asset: MediaAsset) -> bool:
    return (
        articles_readable_by(user)
        .filter(Q(media=asset) | Q(cover=asset))
        .order_by()
        .values("pk")[:1]
        .exists()
    )


def _cache_policy(user, asset: MediaAsset) -> str | None:
    """How the file may be cached, or None when the viewer may not have it."""
    if _used_by_readable(AnonymousUser(), asset):
        return PUBLIC_CACHE
    if not user.is_authenticated:
        return None
    if _used_by_readable(user, asset):
        return PRIVATE_CACHE
    if asset.uploaded_by_id == user.pk or works_on_site(user, asset.site):
        return NO_STORE
    return None


@require_safe
def media_file(request, key, width=None):
    asset = MediaAsset.objects.select_related("site__organization").filter(key=key).first()
    if asset is None:
        raise Http404
    cache = _cache_policy(request.user, asset)
    if cache is None:
        raise Http404
    name = rendition_name(asset, width)
    field_file = asset.file if name == asset.file.name else _stored(asset, name)
    kind = name.rsplit(".", 1)[-1].lower()
    kind = {"jpg": "jpeg"}.get(kind, kind)
    return serve_range(
        request,
        field_file,
        kind=kind,
        download_name=f"{asset.title}.{name.rsplit('.', 1)[-1]}",
        inline=True,
        cache=cache,
    )


def _stored(asset: MediaAsset, name: str):
    """A FieldFile for a rendition's stored name (same storage as the original)."""
    from django.db.models.fields.files import FieldFile

    return FieldFile(asset, asset._meta.get_field("file"), name)


@require_safe
def attachment_file(request, pk):
    attachment = (
        ArticleAttachment.objects.select_related("article__site__organization")
        .filter(pk=pk)
        .first()
    )
    if attachment is None:
        raise Http404
    article = attachment.article
    reader = articles_readable_by(request.user).filter(pk=article.pk).exists()
    if not reader and not may_see_article_backend(request.user, article):
        raise Http404
    if reader and _first_request(request):
        ArticleAttachment.objects.filter(pk=attachment.pk).update(
            download_count=F("download_count") + 1
        )
    name = attachment.file.name
    extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
    return serve_range(
        request,
        attachment.file,
        kind=attachment.file_kind,
        download_name=f"{attachment.title}.{extension}",
        inline=request.GET.get("inline") == "1",
    )


def _first_request(request) -> bool:
    """A new download, not the continuation of one (Range starting after byte 0) nor HEAD."""
    if request.method != "GET":
        return False
    wanted = request.headers.get("Range", "").replace(" ", "")
    return not wanted or wanted.startswith("bytes=0-")


urlpatterns = [
    path("portal/media/<uuid:key>/", media_file, name="media"),
    path("portal/media/<uuid:key>/<int:width>/", media_file, name="media_rendition"),
    path("portal/attachments/<int:pk>/", attachment_file, name="attachment"),
]
