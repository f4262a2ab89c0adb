"""Account housekeeping (see core/scheduler.py). Each sweep is safe to run twice."""

from datetime import time, timedelta

from dangjian.accounts.services.users import users_deactivate_dormant
from dangjian.core.scheduler import periodic


@periodic("accounts.deactivate_dormant", every=timedelta(days=1), first_run=time(1, 30))
def deactivate_dormant_accounts(*, now):
    users_deactivate_dormant(now=now)
