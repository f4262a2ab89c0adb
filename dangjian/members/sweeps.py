"""Periodic sweeps of the member records (see core/scheduler.py). Each is safe to run twice."""

from datetime import time, timedelta

from dangjian.core.scheduler import periodic
from dangjian.members.exporting import member_exports_expire
from dangjian.members.services.quality import quality_sweep_start


@periodic("members.quality_checks", every=timedelta(days=1), first_run=time(1, 0))
def run_quality_checks(*, now):
    """Each night, every data-quality check over the whole tree, as a task with a progress job
    (skipped while another run is unfinished), so the page's findings are at most a day old."""
    quality_sweep_start()


@periodic("members.expire_exports", every=timedelta(days=1), first_run=time(2, 30))
def expire_member_exports(*, now):
    """Exported rosters hold personal data: delete them once past their retention (等保
    8.1.4.10 residual information), as the audit exports are."""
    member_exports_expire(now=now)
