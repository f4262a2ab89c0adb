"""The audit log's daily housekeeping (see core/scheduler.py). Each sweep is safe to run twice."""

from datetime import time, timedelta

from dangjian.audit.services import audit_exports_expire, audit_purge, audit_verify
from dangjian.core.scheduler import periodic


@periodic("audit.purge", every=timedelta(days=1), first_run=time(2, 0))
def purge_expired_entries(*, now):
    """Entries older than the retention rule go; an anchor keeps the rest verifiable."""
    audit_purge(now=now)


@periodic("audit.verify", every=timedelta(days=1), first_run=time(2, 30))
def verify_chain_daily(*, now):
    """A daily proof that nobody altered the log; the audit page shows the last result."""
    audit_verify()


@periodic("audit.expire_exports", every=timedelta(days=1), first_run=time(3, 30))
def expire_exported_workbooks(*, now):
    audit_exports_expire(now=now)
