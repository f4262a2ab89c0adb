"""Serializers of the portal's read API (`/api/v1/articles/`, `/api/v1/columns/`).

What a reader of the mobile client gets: the published text, where it was published and the
addresses of its page, cover and attachments — never the internal side of an article (the 三审
trail, the reviewers, who wrote it as an account, its status, audience or revisions). The body
is the sanitised HTML stored on save (`core.richtext.sanitize_article_html`).

Addresses are paths relative to the site (as everywhere in the API); pictures and attachments
behind them are scope-checked again when they are fetched.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from rest_framework import serializers

from dangjian.portal.models import Article, ArticleAttachment, Column, MediaAsset, Site

COVER_WIDTH = 800  # the rendition a phone shows full-width


def _reverse(name: str, args: list, fallback: str) -> str:
    """The named page's path; the contract's path while the page's part is not merged yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def article_url(article_id: int) -> str:
    return _reverse("portal:article", [article_id], f"/a/{article_id}/")


def cover_url(asset: MediaAsset | None, width: int = COVER_WIDTH) -> str | None:
    """The address of a picture's rendition closest to `width` (never wider than the
    picture's largest rendition), or of the original when it has no renditions."""
    if asset is None:
        return None
    try:
        from dangjian.portal.services.media import media_url
    except ImportError:
        media_url = None
    chosen = _rendition_width(asset, width)
    if media_url is not None:
        return media_url(asset, chosen)
    if chosen is None:
        return _reverse("portal:media", [asset.key], f"/portal/media/{asset.key}/")
    return _reverse("portal:media", [asset.key, chosen], f"/portal/media/{asset.key}/{chosen}/")


def _rendition_width(asset: MediaAsset, width: int) -> int | None:
    widths = sorted(int(key) for key in (asset.renditions or {}) if str(key).isdigit())
    if not widths:
        return None
    fitting = [w for w in widths if w <= width]
    return fitting[-1] if fitting else widths[0]


class SiteBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["code", "name"]


class ColumnBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Column
        fields = ["slug", "name"]


class ArticleListSerializer(serializers.ModelSerializer):
    site = SiteBriefSerializer(read_only=True)
    column = ColumnBriefSerializer(read_only=True)
    cover = serializers.SerializerMethodField(
        help_text="封面图（宽 800 的缩略图）地址；无封面为 null"
    )
    url = serializers.SerializerMethodField(help_text="文章网页地址")
    tags = serializers.SerializerMethodField()
    is_pinned = serializers.BooleanField(read_only=True, help_text="当前是否置顶")

    class Meta:
        model = Article
        fields = [
            "id",
            "site",
            "column",
            "title",
            "subtitle",
            "summary",
            "author",
            "source",
            "published_at",
            "is_pinned",
            "cover",
            "url",
            "view_count",
            "tags",
        ]

    def get_cover(self, article) -> str | None:
        return cover_url(article.cover)

    def get_url(self, article) -> str:
        return article_url(article.pk)

    def get_tags(self, article) -> list[str]:
        return [tag.name for tag in article.tags.all()]


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="title")
    url = serializers.SerializerMethodField()

    class Meta:
        model = ArticleAttachment
        fields = ["id", "name", "size", "url"]

    def get_url(self, attachment) -> str:
        return _reverse(
            "portal:attachment", [attachment.pk], f"/portal/attachments/{attachment.pk}/"
        )


class ArticleDetailSerializer(ArticleListSerializer):
    body = serializers.CharField(read_only=True, help_text="正文 HTML（保存时已净化）")
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(ArticleListSerializer.Meta):
        fields = [*ArticleListSerializer.Meta.fields, "expire_at", "body", "attachments"]


class ColumnSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="站点代码")
    parent = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="上级栏目代码"
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    inherits = serializers.SerializerMethodField(
        help_text="同时列出的上级站点栏目（站点代码、栏目代码）；没有为 null"
    )
    article_count = serializers.SerializerMethodField(help_text="本栏目中调用者可读的文章数")

    class Meta:
        model = Column
        fields = [
            "id",
            "site",
            "slug",
            "name",
            "parent",
            "kind",
            "kind_display",
            "description",
            "order",
            "inherits",
            "article_count",
        ]

    def get_inherits(self, column) -> dict | None:
        source = column.inherit_from
        if source is None or not column.site.show_parent_items:
            return None
        return {"site": source.site.code, "column": source.slug}

    def get_article_count(self, column) -> int:
        return self.context.get("counts", {}).get(column.pk, 0)
