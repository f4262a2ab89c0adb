"""Atom feeds of a column (`/s/<code>/c/<slug>/feed/`): the newest live items of the column
that the *caller* may read — a feed reader without a session gets public items only, a browser
with a session its own scope — through the same `blocks.column_articles` as the column page.
Summaries only (never the body), so a feed copied elsewhere carries no more than the list does.
"""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed

from dangjian.portal import blocks
from dangjian.portal.models import Column

ITEMS = 20


class ColumnFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, code, slug):
        site = get_object_or_404(blocks.active_sites(), code=code)
        column = get_object_or_404(
            Column.objects.select_related("site__organization", "inherit_from"),
            site=site,
            slug=slug,
            is_active=True,
        )
        if column.kind == Column.Kind.DOWNLOADS:
            raise Http404
        column.reader = request.user
        return column

    def title(self, column):
        return f"{column.site.name} · {column.name}"

    def subtitle(self, column):
        return column.description or f"{column.site.name}{column.name}栏目的最新文章"

    def link(self, column):
        return blocks.column_url(column.site, column)

    def items(self, column):
        return list(blocks.column_articles(column.reader, column)[:ITEMS])

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return article.summary or article.excerpt

    def item_link(self, article):
        return reverse("portal:article", args=[article.pk])

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return article.author or None


urlpatterns = [
    path("s/<slug:code>/c/<slug:slug>/feed/", ColumnFeed(), name="column_feed"),
]
