"""Writing the index: articles and download items into `SearchDocument` rows.

`index_articles(ids)` is the one bulk path (the signal receivers, the reindex command, the
seed and the bench all use it): a fixed number of queries per batch, segmentation in Python,
then one DELETE and one multi-row INSERT per batch inside one transaction (on SQLite the FTS
table follows through its triggers). An article that is not live (published and not expired)
is dropped from the index instead; so is a download item that is inactive or has no file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from dangjian.portal.models import Article, ArticleAttachment, DownloadItem
from dangjian.portal.visibility import live
from dangjian.search.models import SearchDocument
from dangjian.search.segment import index_tokens

BATCH = 1000
# Source text indexed per item (body, summary, tags and every attachment together). Beyond it
# the rest of a very long text is not searchable; PostgreSQL's tsvector also has a 1 MB limit.
MAX_SOURCE_CHARS = 200_000

Kind = SearchDocument.Kind


def _chunks(ids: list[int], size: int):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _clip(parts: Iterable[str]) -> str:
    text = "\n".join(part for part in parts if part)
    return text[:MAX_SOURCE_CHARS]


def _ids(values) -> list[int]:
    return sorted({int(value) for value in values})


def article_documents(ids: list[int], now=None) -> tuple[list[SearchDocument], list[int]]:
    """The documents of the live articles among `ids`, and the ids that are not live."""
    rows = list(
        Article.objects.filter(pk__in=ids)
        .filter(live(now=now or timezone.now()))
        .values(
            "id",
            "site_id",
            "column_id",
            "title",
            "subtitle",
            "summary",
            "source",
            "author",
            "body_text",
            "published_at",
        )
    )
    found = [row["id"] for row in rows]
    tags = defaultdict(list)
    for article_id, name in Article.tags.through.objects.filter(article_id__in=found).values_list(
        "article_id", "tag__name"
    ):
        tags[article_id].append(name)
    files = defaultdict(list)
    for article_id, title, text in (
        ArticleAttachment.objects.filter(article_id__in=found)
        .order_by("article_id", "order", "id")
        .values_list("article_id", "title", "text")
    ):
        files[article_id].extend((title, text))
    documents = [
        SearchDocument(
            kind=Kind.ARTICLE,
            object_id=row["id"],
            site_id=row["site_id"],
            column_id=row["column_id"],
            title=row["title"][:200],
            title_tokens=index_tokens(row["title"]),
            content=index_tokens(
                _clip(
                    [
                        row["subtitle"],
                        row["summary"],
                        row["body_text"],
                        " ".join(tags[row["id"]]),
                        row["source"],
                        row["author"],
                        *files[row["id"]],
                    ]
                )
            ),
            published_at=row["published_at"],
        )
        for row in rows
    ]
    return documents, sorted(set(ids) - set(found))


def download_documents(ids: list[int]) -> tuple[list[SearchDocument], list[int]]:
    rows = list(
        DownloadItem.objects.filter(
            pk__in=ids, is_active=True, current_version__isnull=False, site__is_active=True
        ).values(
            "id",
            "site_id",
            "title",
            "description",
            "folder__name",
            "current_version__title",
            "current_version__text",
            "updated_at",
        )
    )
    documents = [
        SearchDocument(
            kind=Kind.DOWNLOAD,
            object_id=row["id"],
            site_id=row["site_id"],
            column_id=None,
            title=row["title"][:200],
            title_tokens=index_tokens(row["title"]),
            content=index_tokens(
                _clip(
                    [
                        row["description"],
                        row["folder__name"],
                        row["current_version__title"],
                        row["current_version__text"],
                    ]
                )
            ),
            published_at=row["updated_at"],
        )
        for row in rows
    ]
    return documents, sorted(set(ids) - {row["id"] for row in rows})


def _write(kind: str, ids: list[int], build: Callable) -> int:
    written = 0
    with transaction.atomic():
        for chunk in _chunks(ids, BATCH):
            documents, _missing = build(chunk)
            SearchDocument.objects.filter(kind=kind, object_id__in=chunk).delete()
            SearchDocument.objects.bulk_create(documents, batch_size=250)
            written += len(documents)
    return written


def index_articles(ids: Iterable[int]) -> int:
    """(Re)index these articles; the ones that are not live leave the index. Returns how many
    are indexed."""
    return _write(Kind.ARTICLE, _ids(ids), article_documents)


def remove_articles(ids: Iterable[int]) -> int:
    deleted, _ = SearchDocument.objects.filter(kind=Kind.ARTICLE, object_id__in=_ids(ids)).delete()
    return deleted


def index_downloads(ids: Iterable[int]) -> int:
    return _write(Kind.DOWNLOAD, _ids(ids), download_documents)


def remove_downloads(ids: Iterable[int]) -> int:
    deleted, _ = SearchDocument.objects.filter(kind=Kind.DOWNLOAD, object_id__in=_ids(ids)).delete()
    return deleted


def reindex(site=None, progress: Callable[[int, int], None] | None = None) -> dict:
    """Rebuild the index of one site (or all): every live article and active download item is
    indexed again, and documents of items that no longer qualify are removed."""
    articles = Article.objects.filter(live())
    downloads = DownloadItem.objects.filter(is_active=True, current_version__isnull=False)
    documents = SearchDocument.objects.all()
    if site is not None:
        articles = articles.filter(site=site)
        downloads = downloads.filter(site=site)
        documents = documents.filter(site=site)
    article_ids = list(articles.values_list("pk", flat=True).order_by("pk"))
    download_ids = list(downloads.values_list("pk", flat=True).order_by("pk"))
    stale_articles = documents.filter(kind=Kind.ARTICLE).exclude(
        object_id__in=articles.values("pk")
    )
    stale_downloads = documents.filter(kind=Kind.DOWNLOAD).exclude(
        object_id__in=downloads.values("pk")
    )
    removed = stale_articles.delete()[0] + stale_downloads.delete()[0]
    total = len(article_ids) + len(download_ids)
    done = 0
    indexed = 0
    for kind, ids in ((Kind.ARTICLE, article_ids), (Kind.DOWNLOAD, download_ids)):
        build = article_documents if kind == Kind.ARTICLE else download_documents
        for chunk in _chunks(ids, BATCH):
            indexed += _write(kind, chunk, build)
            done += len(chunk)
            if progress:
                progress(done, total)
    return {"indexed": indexed, "removed": removed}
