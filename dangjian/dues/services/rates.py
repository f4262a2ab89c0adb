"""The built-in 2008 rate table (中组发〔2008〕3号, domain §2.1) as data.

Migration 0002 loads it; `builtin_rate_table_ensure()` loads it again where a test database was
flushed (transactional and browser tests empty every table, data migrations included).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

EFFECTIVE_FROM = datetime.date(2008, 4, 1)
NAME = "2008年党费收缴标准"
SOURCE = (
    "中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）第二条至第六条："
    "在职党员按月工资收入（税后）3000元以下（含）0.5%，3000—5000元（含）1%，"
    "5000—10000元（含）1.5%，10000元以上2%；离退休党员5000元以下（含）0.5%，5000元以上1%；"
    "农民党员每月0.2元至1元；学生党员、下岗失业、依靠抚恤或救济生活、领取最低生活保障金的党员每月0.2元。"
)
BANDS = [
    ("salary", Decimal("3000.00"), Decimal("0.0050")),
    ("salary", Decimal("5000.00"), Decimal("0.0100")),
    ("salary", Decimal("10000.00"), Decimal("0.0150")),
    ("salary", None, Decimal("0.0200")),
    ("pension", Decimal("5000.00"), Decimal("0.0050")),
    ("pension", None, Decimal("0.0100")),
]
FIXED = [
    ("farmer", Decimal("0.20"), Decimal("0.20"), Decimal("1.00")),
    ("student", Decimal("0.20"), Decimal("0.20"), Decimal("0.20")),
    ("unemployed", Decimal("0.20"), Decimal("0.20"), Decimal("0.20")),
    ("relief", Decimal("0.20"), Decimal("0.20"), Decimal("0.20")),
    ("subsistence", Decimal("0.20"), Decimal("0.20"), Decimal("0.20")),
]


def load_builtin(rate_table, rate_band, fixed_rate):
    """Create the table with these model classes (historical ones in the migration); a table
    already in force from that date is left as it is."""
    table, created = rate_table.objects.get_or_create(
        effective_from=EFFECTIVE_FROM, defaults={"name": NAME, "source": SOURCE}
    )
    if created:
        rate_band.objects.bulk_create(
            rate_band(table=table, scale=scale, upper_bound=upper, rate=rate)
            for scale, upper, rate in BANDS
        )
        fixed_rate.objects.bulk_create(
            fixed_rate(table=table, category=category, amount=amount, minimum=low, maximum=high)
            for category, amount, low, high in FIXED
        )
    return table


def builtin_rate_table_ensure():
    """The built-in table, created if a flushed database lost it. Not audited: it restores
    reference data the migration provides, it changes no one's dues."""
    from dangjian.dues.models import FixedRate, RateBand, RateTable

    return load_builtin(RateTable, RateBand, FixedRate)
