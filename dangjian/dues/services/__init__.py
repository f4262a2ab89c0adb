"""Writes of the dues ledger. Every service is keyword-only, runs in one transaction, re-checks
the actor's scope (404 outside it) and writes its audit entry."""

from dangjian.dues.services.bases import base_set, default_category  # noqa: F401
from dangjian.dues.services.hardship import (  # noqa: F401
    hardship_decide,
    hardship_request,
    hardship_withdraw,
)
from dangjian.dues.services.payments import (  # noqa: F401
    payment_record,
    payroll_mark,
    voluntary_payment_record,
)
from dangjian.dues.services.run import monthly_run, monthly_run_start  # noqa: F401
from dangjian.dues.services.statements import (  # noqa: F401
    statement_prepare,
    statement_publish,
    statement_unpublish,
)
