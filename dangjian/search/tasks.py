"""Index maintenance, run by the task worker (immediately in tests). Tasks take ids and are
idempotent: indexing an article twice writes the same row, removing a missing one is a no-op."""

from django_tasks import task


@task()
def index_articles_task(ids: list[int]) -> None:
    from dangjian.search.indexing import index_articles

    index_articles(ids)


@task()
def remove_articles_task(ids: list[int]) -> None:
    from dangjian.search.indexing import remove_articles

    remove_articles(ids)


@task()
def index_downloads_task(ids: list[int]) -> None:
    from dangjian.search.indexing import index_downloads

    index_downloads(ids)


@task()
def remove_downloads_task(ids: list[int]) -> None:
    from dangjian.search.indexing import remove_downloads

    remove_downloads(ids)


@task()
def extract_text_task(kind: str, pk: int) -> None:
    from dangjian.search.extract import run_extraction

    run_extraction(kind, pk)
