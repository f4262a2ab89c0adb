"""全文检索: Chinese full-text search over the portal's articles (titles, bodies, attachment
text) and the downloads library.

Text is segmented with rjieba (`segment.py`) and stored, space-separated, in `SearchDocument`
rows; the database does the matching and ranking — an FTS5 table on SQLite, a `tsvector` column
(+ `pg_trgm` on titles) on PostgreSQL (`backends.py`). Every query is limited, in SQL, to what
the viewer may read (`portal.visibility`).

    from dangjian.search import search
    page = search("党建", user=request.user, site="g-m1", page=2)
"""


def search(q, **kwargs):
    """See `dangjian.search.query.search` (imported lazily: this package loads with the apps)."""
    from dangjian.search.query import search as run

    return run(q, **kwargs)
