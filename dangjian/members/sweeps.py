"""Periodic sweeps of the member records (see core/scheduler.py). Each is safe to run twice."""

from datetime import time, timedelta

from dangjian.core.scheduler import periodic
from dangjian.members.services.quality import quality_sweep_start


@periodic("members.quality_checks", every=timedelta(days=1), first_run=time(1, 0))
def run_quality_checks(*, now):
    """Each night, every data-quality check over the whole tree, as a task with a progress job
    (skipped while another run is unfinished), so the page's findings are at most a day old."""
    quality_sweep_start()
