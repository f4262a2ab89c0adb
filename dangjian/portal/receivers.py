"""Receivers of `portal.signals`: the page cache.

Any change a reader could see — an article saved, published, withdrawn, expired or deleted, a
download changed — makes every cached portal fragment stale (`portal.cache.invalidate`). The
services send the signals after commit, so a rolled-back change never clears the cache.

Sites, columns and home blocks are edited through the management services, which invalidate on
commit themselves; the `post_save`/`post_delete` receivers below are the backstop for edits made
any other way (the shell, a data migration, the admin), so a page never lags behind its settings.
Invalidation only; no domain logic lives in signals.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dangjian.portal import cache
from dangjian.portal.models import Column, HomeBlock, Site
from dangjian.portal.signals import article_changed, download_changed


@receiver(article_changed, dispatch_uid="portal.cache.article_changed")
def article_changed_invalidates(sender, **kwargs):
    cache.invalidate()


@receiver(download_changed, dispatch_uid="portal.cache.download_changed")
def download_changed_invalidates(sender, **kwargs):
    cache.invalidate()


def _settings_changed(sender, **kwargs):
    transaction.on_commit(cache.invalidate)


for _model in (Site, Column, HomeBlock):
    post_save.connect(
        _settings_changed, sender=_model, dispatch_uid=f"portal.cache.save.{_model.__name__}"
    )
    post_delete.connect(
        _settings_changed, sender=_model, dispatch_uid=f"portal.cache.delete.{_model.__name__}"
    )
