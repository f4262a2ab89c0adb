"""The database side of a query: how words match and rank on SQLite (FTS5, bm25) and on
PostgreSQL (tsvector, ts_rank_cd; pg_trgm similarity for the fuzzy fallback).

Each function returns a queryset of `SearchDocument` narrowed to the matching rows and
annotated with `score` (higher is better on both databases), so the caller adds the scope and
the filters with the ORM, and pages with LIMIT/OFFSET.

Terms reach the database only as bound parameters. The words come from `segment` and hold
letters and digits only; they are still quoted for FTS5, which has its own query syntax.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction

from dangjian.search.models import SearchDocument

TITLE_WEIGHT = 10.0  # bm25 column weight of the title on SQLite (content: 1.0)
# ts_rank_cd weights {D, C, B, A}: the title (A) counts ten times the content (B).
PG_WEIGHTS = "{0.1, 0.1, 0.1, 1.0}"
TRIGRAM_THRESHOLD = 0.5


def vendor() -> str:
    return connection.vendor


def fts5_expression(terms: list[str], *, any_term: bool = False) -> str:
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    return (" OR " if any_term else " AND ").join(quoted)


def tsquery_expression(terms: list[str], *, any_term: bool = False) -> str:
    # to_tsquery syntax; every term is quoted as a lexeme (letters and digits only anyway).
    quoted = ["'" + term.replace("'", "''").replace("\\", "") + "'" for term in terms]
    return (" | " if any_term else " & ").join(quoted)


def matching(terms: list[str], *, any_term: bool = False):
    """Documents containing every term (or any, with `any_term`), annotated with `score`."""
    documents = SearchDocument.objects.all()
    if not terms:
        return documents.none()
    if vendor() == "sqlite":
        expression = fts5_expression(terms, any_term=any_term)
        # bm25 is negative, lower is better: the score is its opposite.
        return documents.extra(  # noqa: S610 — fixed SQL, terms bound as parameters
            tables=["search_fts"],
            where=["search_fts.rowid = search_searchdocument.id", "search_fts MATCH %s"],
            params=[expression],
            select={"score": f"-bm25(search_fts, {TITLE_WEIGHT}, 1.0)"},
        )
    if vendor() == "postgresql":
        expression = tsquery_expression(terms, any_term=any_term)
        return documents.extra(  # noqa: S610 — fixed SQL, terms bound as parameters
            where=["search_searchdocument.search_vector @@ to_tsquery('simple', %s)"],
            params=[expression],
            select={
                "score": (
                    f"ts_rank_cd('{PG_WEIGHTS}'::float4[], "
                    "search_searchdocument.search_vector, to_tsquery('simple', %s))"
                )
            },
            select_params=[expression],
        )
    return _portable(documents, terms, any_term=any_term)


def _portable(documents, terms, *, any_term):
    """Any other database: plain containment in the segmented text, title hits first. Slow on a
    large index, but correct — nothing needs a particular database to work."""
    from django.db.models import Case, IntegerField, Q, Value, When

    conditions = [Q(title_tokens__contains=term) | Q(content__contains=term) for term in terms]
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = (combined | condition) if any_term else (combined & condition)
    title_hit = Q(title_tokens__contains=terms[0])
    return documents.filter(combined).annotate(
        score=Case(When(title_hit, then=Value(10)), default=Value(1), output_field=IntegerField())
    )


def trigram_available() -> bool:
    if vendor() != "postgresql":
        return False
    cached = getattr(connection, "_dangjian_trigram", None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            cached = cursor.fetchone() is not None
        connection._dangjian_trigram = cached
    return cached


@contextmanager
def trigram_threshold():
    """Inside: the `<%` operator accepts titles at TRIGRAM_THRESHOLD word similarity (pg_trgm's
    default 0.6 misses one mistyped character in an eight-character Chinese title). The
    setting is local to a transaction, so it never leaks into other queries."""
    with transaction.atomic():
        if trigram_available():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                    [str(TRIGRAM_THRESHOLD)],
                )
        yield


def similar_titles(query: str):
    """PostgreSQL with pg_trgm: titles similar to the query (the fuzzy fallback), else none.
    Evaluate it inside `trigram_threshold()`."""
    documents = SearchDocument.objects.all()
    if not query or not trigram_available():
        return documents.none()
    # `<%` is word similarity (the query against the closest stretch of the title), the
    # operator the trigram GIN index serves.
    return documents.extra(
        where=["%s <%% search_searchdocument.title"],
        params=[query],
        select={"score": "word_similarity(%s, search_searchdocument.title)"},
        select_params=[query],
    )
