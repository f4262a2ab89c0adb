"""Periodic sweeps of the notifications app (see core/scheduler.py)."""

from datetime import time, timedelta

from django.utils import timezone

from dangjian.core.scheduler import periodic
from dangjian.notifications.services import deliveries_retry, digests_dispatch


@periodic("notifications.retry_deliveries", every=timedelta(minutes=5))
def retry_deliveries(*, now):
    deliveries_retry(now=now)


@periodic("notifications.daily_digest", every=timedelta(days=1), first_run=time(7, 30))
def daily_digest(*, now):
    """Each morning, yesterday's unread notifications in one e-mail per digest reader."""
    digests_dispatch(day=timezone.localdate(now) - timedelta(days=1))
