"""Running a search for a viewer: match and rank in the database, limit to what the viewer may
read (in SQL, before paging), page with LIMIT/OFFSET, then load the page's items and build the
highlighted titles and snippets.

Queries per search: one COUNT, one page of document ids, one for the page's articles (and one
for its download items when there are any, one for attachment text when a hit is only in an
attachment), plus the viewer's organisations (once per request). When nothing matches every
word, the search retries with titles similar to the query (PostgreSQL with pg_trgm), then
with any of its words; such a page says it is `fuzzy`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from dangjian.portal.models import Article, ArticleAttachment, Column, DownloadItem, Site
from dangjian.portal.visibility import articles_readable_by, readable
from dangjian.search import backends, highlight
from dangjian.search.models import SearchDocument
from dangjian.search.segment import query_terms

PER_PAGE = 20
MAX_PER_PAGE = 100
MIN_QUERY_CHARS = 2
MAX_QUERY_CHARS = 100

Kind = SearchDocument.Kind
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Hit:
    kind: str
    title_html: str
    snippet_html: str
    score: float
    url: str
    site: Site
    column: Column | None
    date: dt.datetime | None
    article: Article | None = None
    item: DownloadItem | None = None
    in_attachment: str = ""  # title of the attachment the snippet comes from

    @property
    def object(self):
        return self.article or self.item


@dataclass
class Outcome:
    """What the page needs besides the hits."""

    query: str
    terms: list[str] = field(default_factory=list)
    fuzzy: bool = False
    error: str = ""


class SearchPage(Page):
    outcome: Outcome

    @property
    def terms(self):
        return self.outcome.terms

    @property
    def fuzzy(self):
        return self.outcome.fuzzy


def downloads_readable_by(user):
    """The download items `user` may read (item, folder and its ancestors)."""
    try:
        from dangjian.portal.services.downloads import readable_items
    except ImportError:  # the downloads library is not there: item and folder only
        from dangjian.portal.models import DownloadFolder

        return DownloadItem.objects.filter(
            readable(user, DownloadItem),
            readable(user, DownloadFolder, "folder__"),
            is_active=True,
            site__is_active=True,
        )
    return readable_items(user)


def check_query(q: str) -> str:
    """A Chinese message when the query cannot be searched, else ""."""
    text = _CONTROL.sub(" ", q or "").strip()
    if not text:
        return "请输入要搜索的词语。"
    if len(text) > MAX_QUERY_CHARS:
        return f"搜索词太长了，请不要超过 {MAX_QUERY_CHARS} 个字。"
    if len(text) < MIN_QUERY_CHARS:
        return f"搜索词太短，请至少输入 {MIN_QUERY_CHARS} 个字（如“党建”“支部”）。"
    if not query_terms(text):
        return "搜索词里没有可检索的文字，请换个说法。"
    return ""


def scoped(documents, user, *, kinds=None):
    """Only documents of items `user` may read now — one subquery per kind, in SQL."""
    kinds = kinds or (Kind.ARTICLE, Kind.DOWNLOAD)
    condition = Q(pk__in=[])
    if Kind.ARTICLE in kinds:
        condition |= Q(kind=Kind.ARTICLE, object_id__in=articles_readable_by(user).values("pk"))
    if Kind.DOWNLOAD in kinds:
        condition |= Q(kind=Kind.DOWNLOAD, object_id__in=downloads_readable_by(user).values("pk"))
    return documents.filter(condition)


def filtered(documents, *, site=None, column=None, date_from=None, date_to=None):
    if site is not None:
        lookup = {"site": site} if isinstance(site, Site) else {"site__code": site}
        documents = documents.filter(**lookup)
    if column is not None:
        # A column includes its sub-columns (舆论宣传 → 新闻动态 …), as the column page does.
        if isinstance(column, Column):
            documents = documents.filter(Q(column=column) | Q(column__parent=column))
        else:
            documents = documents.filter(Q(column__slug=column) | Q(column__parent__slug=column))
    if date_from is not None:
        documents = documents.filter(published_at__date__gte=date_from)
    if date_to is not None:
        documents = documents.filter(published_at__date__lte=date_to)
    return documents


def _ranked(documents):
    return documents.order_by("-score", "-published_at", "-id").values_list(
        "id", "kind", "object_id", "score"
    )


def _paginate(rows, page, per_page) -> Page:
    paginator = Paginator(rows, per_page)
    try:
        return paginator.page(page)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(max(1, paginator.num_pages))


def search(
    q: str,
    *,
    user,
    site=None,
    column=None,
    date_from=None,
    date_to=None,
    page=1,
    per_page: int = PER_PAGE,
    kinds=None,
) -> SearchPage:
    """A page of hits for `q` that `user` may read, best first. `site` is a Site or its code,
    `column` a Column or its slug, dates are inclusive `datetime.date`s."""
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    outcome = Outcome(query=_CONTROL.sub(" ", q or "").strip())
    outcome.error = check_query(outcome.query)
    if outcome.error:
        return _page(Paginator([], per_page).page(1), outcome)
    outcome.terms = query_terms(outcome.query)

    def run(documents):
        documents = filtered(
            documents, site=site, column=column, date_from=date_from, date_to=date_to
        )
        result = _paginate(_ranked(scoped(documents, user, kinds=kinds)), page, per_page)
        result.object_list = list(result.object_list)
        return result

    result = run(backends.matching(outcome.terms))
    if not result.paginator.count and backends.trigram_available():
        # Titles close to the query (PostgreSQL with pg_trgm: a typo in a title) are nearer
        # than items sharing any one of its words, so they are tried first.
        with backends.trigram_threshold():
            candidate = run(backends.similar_titles(outcome.query))
        if candidate.paginator.count:
            result, outcome.fuzzy = candidate, True
    if not result.paginator.count and len(outcome.terms) > 1:
        candidate = run(backends.matching(outcome.terms, any_term=True))
        if candidate.paginator.count:
            result, outcome.fuzzy = candidate, True
    hits = _hits(result.object_list, outcome.terms)
    result.object_list = hits
    return _page(result, outcome)


def _page(page: Page, outcome: Outcome) -> SearchPage:
    page.__class__ = SearchPage
    page.outcome = outcome
    return page


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _hits(rows, terms) -> list[Hit]:
    pattern = highlight.pattern_for(terms)
    article_ids = [object_id for _, kind, object_id, _ in rows if kind == Kind.ARTICLE]
    item_ids = [object_id for _, kind, object_id, _ in rows if kind == Kind.DOWNLOAD]
    articles = (
        Article.objects.filter(pk__in=article_ids)
        .select_related("site", "column")
        .only(
            "id",
            "title",
            "summary",
            "body_text",
            "published_at",
            "site__id",
            "site__code",
            "site__name",
            "column__id",
            "column__name",
            "column__slug",
        )
        .in_bulk()
        if article_ids
        else {}
    )
    items = (
        DownloadItem.objects.filter(pk__in=item_ids)
        .select_related("site", "current_version")
        .only(
            "id",
            "title",
            "description",
            "updated_at",
            "site__id",
            "site__code",
            "site__name",
            "current_version__id",
            "current_version__text",
        )
        .in_bulk()
        if item_ids
        else {}
    )
    # A hit only in an attachment shows the attachment's text (one query for the page).
    need_files = [
        pk
        for pk, article in articles.items()
        if highlight.first_hit(article.body_text, pattern) < 0
        and highlight.first_hit(article.summary, pattern) < 0
        and highlight.first_hit(article.title, pattern) < 0
    ]
    files = {}
    if need_files and pattern is not None:
        for article_id, title, text in ArticleAttachment.objects.filter(
            article_id__in=need_files
        ).values_list("article_id", "title", "text"):
            if article_id not in files and highlight.first_hit(text, pattern) >= 0:
                files[article_id] = (title, text)
    hits = []
    for _, kind, object_id, score in rows:
        if kind == Kind.ARTICLE:
            article = articles.get(object_id)
            if article is None:
                continue
            hits.append(_article_hit(article, pattern, score, files.get(object_id)))
        else:
            item = items.get(object_id)
            if item is None:
                continue
            hits.append(_item_hit(item, pattern, score))
    return hits


def _article_hit(article, pattern, score, attachment) -> Hit:
    text, in_attachment = article.body_text, ""
    body_hit = highlight.first_hit(text, pattern) >= 0
    if not body_hit and highlight.first_hit(article.summary, pattern) >= 0:
        text = article.summary
    elif attachment is not None:
        in_attachment, text = attachment
    elif not text.strip():
        text = article.summary
    return Hit(
        kind=Kind.ARTICLE,
        title_html=highlight.mark(article.title, pattern),
        snippet_html=highlight.snippet(text, pattern),
        score=float(score or 0),
        url=_url("portal:article", article.pk),
        site=article.site,
        column=article.column,
        date=article.published_at,
        article=article,
        in_attachment=in_attachment,
    )


def _item_hit(item, pattern, score) -> Hit:
    text = item.description
    version_text = item.current_version.text if item.current_version else ""
    if highlight.first_hit(text, pattern) < 0 and highlight.first_hit(version_text, pattern) >= 0:
        text = version_text
    return Hit(
        kind=Kind.DOWNLOAD,
        title_html=highlight.mark(item.title, pattern),
        snippet_html=highlight.snippet(text or version_text, pattern),
        score=float(score or 0),
        url=_url("portal:download_item", item.site.code, item.pk),
        site=item.site,
        column=None,
        date=item.updated_at,
        item=item,
    )
