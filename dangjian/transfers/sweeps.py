"""Daily alerts of 组织关系转接 (domain §4), safe to run twice: each notification carries a
`dedupe_key`, and an expired letter is marked EXPIRED once (the second run finds none)."""

from datetime import time, timedelta

from django.utils import timezone

from dangjian.core.scheduler import periodic
from dangjian.transfers.services.alerts import transfer_alerts


@periodic("transfers.alerts", every=timedelta(days=1), first_run=time(7, 30))
def send_transfer_alerts(*, now):
    """Letters past their validity and not received; 回执 not back (or not sent) in time."""
    transfer_alerts(today=timezone.localdate(now))
