"""The index follows the portal (`portal.signals`, sent after commit): an article that is
saved or published is indexed if it is live (and dropped if it is not); one that is unpublished
or deleted leaves the index. The same for the downloads library. The work runs as a task."""

from dangjian.core.tasks import enqueue_on_commit

INDEX_REASONS = frozenset({"save", "publish"})
REMOVE_REASONS = frozenset({"unpublish", "delete"})


def on_article_changed(sender, *, article_id, reason, **kwargs):
    from dangjian.search import tasks

    if reason in INDEX_REASONS:
        enqueue_on_commit(tasks.index_articles_task, [int(article_id)])
    elif reason in REMOVE_REASONS:
        enqueue_on_commit(tasks.remove_articles_task, [int(article_id)])


def on_download_changed(sender, *, reason, **kwargs):
    from dangjian.search import tasks

    item_id = kwargs.get("item_id") or kwargs.get("download_id") or kwargs.get("pk")
    if item_id is None:
        return
    if reason == "delete":
        enqueue_on_commit(tasks.remove_downloads_task, [int(item_id)])
    else:
        enqueue_on_commit(tasks.index_downloads_task, [int(item_id)])


def connect():
    from dangjian.portal.signals import article_changed, download_changed

    article_changed.connect(on_article_changed, dispatch_uid="search.article_changed")
    download_changed.connect(on_download_changed, dispatch_uid="search.download_changed")
