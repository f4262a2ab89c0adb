"""What the portal tells the rest of the platform. Services send these *after commit*, so a
receiver (the home-page cache, the search index) never sees a change that was rolled back.

    article_changed.send(sender=Article, article_id=…, site_id=…, reason="publish")

`reason` is one of: "save" (text or settings edited), "publish", "unpublish" (withdrawn or
expired), "delete". `download_changed` is the same for the downloads library
(reasons "save", "delete").
"""

from django.dispatch import Signal

article_changed = Signal()
download_changed = Signal()


def send_after_commit(signal, **kwargs):
    from django.db import transaction

    from dangjian.portal.models import Article

    transaction.on_commit(lambda: signal.send(sender=Article, **kwargs))
