"""The dues ledger (党费, domain §2): rate tables, yearly bases, the monthly ledger, payments,
hardship reductions, the branch's monthly runs and base imports, and the yearly statement."""

from dangjian.dues.models.branch import BaseImport, BranchStatement, MonthlyRun  # noqa: F401
from dangjian.dues.models.choices import (  # noqa: F401
    FIXED_CATEGORIES,
    SCALE_OF_CATEGORY,
    SETTLED,
    UNSETTLED,
    BaseCategory,
    BaseSource,
    Channel,
    EntryStatus,
    HardshipKind,
    HardshipStatus,
    Scale,
)
from dangjian.dues.models.ledger import (  # noqa: F401
    DuesBase,
    Hardship,
    LedgerEntry,
    Payment,
    VoluntaryPayment,
)
from dangjian.dues.models.rates import FixedRate, RateBand, RateTable  # noqa: F401
