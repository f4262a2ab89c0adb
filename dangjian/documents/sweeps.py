"""The periodic sweeps of 公文 (autodiscovered by the scheduler): the automatic chases every
hour (each receipt at most once a day per kind) and the morning summary to each receiving
office of what is unsigned and overdue; and the removal of exported registers after a week."""

from datetime import time, timedelta

from django.utils import timezone

from dangjian.core.scheduler import periodic
from dangjian.documents.exports import register_files_expire
from dangjian.documents.services.chasing import chase_sweep, daily_summary_send


@periodic("documents.chase", every=timedelta(hours=1))
def chase(*, now):
    chase_sweep(now=now)


@periodic("documents.daily_summary", every=timedelta(days=1), first_run=time(7, 30))
def daily_summary(*, now):
    daily_summary_send(today=timezone.localdate(now))


@periodic("documents.export_files_expire", every=timedelta(days=1), first_run=time(3, 40))
def export_files_expire(*, now):
    register_files_expire(now=now)
