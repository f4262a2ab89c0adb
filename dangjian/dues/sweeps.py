"""Periodic sweeps of the dues ledger (see core/scheduler.py). Each is safe to run twice."""

from datetime import time, timedelta

from django.utils import timezone

from dangjian.core.scheduler import periodic
from dangjian.dues.services.alerts import arrears_alerts_send
from dangjian.dues.services.run import monthly_run_system


@periodic("dues.monthly_ledger", every=timedelta(days=1), first_run=time(1, 30))
def generate_monthly_ledger(*, now):
    """Each night, the current month's ledger rows for the whole tree (idempotent: only members
    without a row get one), so arrears and alerts never wait for a branch to start the run."""
    monthly_run_system(month=timezone.localdate(now))


@periodic("dues.arrears_alerts", every=timedelta(days=1), first_run=time(8, 0))
def send_arrears_alerts(*, now):
    """Each morning: members 3 months behind to their branch's dues managers, 6 months behind
    (自行脱党 warning) to the branch and the upper committee. Dedupe keys per member, month
    and level, so a second run the same month sends nothing."""
    arrears_alerts_send(today=timezone.localdate(now))
