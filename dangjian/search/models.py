"""The search index: one `SearchDocument` per indexed item, holding its segmented text.

The full-text structures live beside the table, created by migration 0002 for the database in
use: on SQLite an FTS5 table `search_fts` (external content = this table, kept in step by
triggers, rowid = document id); on PostgreSQL a generated `search_vector tsvector` column of
this table with a GIN index, and a `pg_trgm` index on `title` for the fuzzy fallback. Neither is
a model field: the ORM writes the plain columns and the database does the rest.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", _("文章")
        DOWNLOAD = "download", _("下载资料")

    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    object_id = models.PositiveIntegerField(_("对象编号"))
    site = models.ForeignKey(
        "portal.Site", on_delete=models.CASCADE, related_name="+", verbose_name=_("站点")
    )
    column = models.ForeignKey(
        "portal.Column",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("栏目"),
    )
    title = models.CharField(_("标题"), max_length=200)
    title_tokens = models.TextField(blank=True)  # segmented title (weighted higher)
    content = models.TextField(blank=True)  # segmented subtitle, summary, body, tags, files
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("索引时间"), auto_now=True)

    class Meta:
        verbose_name = _("检索文档")
        verbose_name_plural = _("检索文档")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_object"),
        ]
        indexes = [models.Index(fields=["site", "published_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.object_id}：{self.title}"
