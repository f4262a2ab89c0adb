"""Named members for the dues tests: 张三 (在职, branch 1), 李四 (离退休, branch 2), 王五 (branch 3,
outside Alice's mine)."""

import datetime
from decimal import Decimal

import pytest

from dangjian.dues.models import BaseCategory, DuesBase, LedgerEntry, RateTable
from dangjian.dues.services.bases import priced_fields
from dangjian.dues.services.common import Pricing
from dangjian.members.models import Employment
from dangjian.members.tests.factories import make_member


@pytest.fixture
def zhang(world):
    return make_member(world.branch1, "张三", joined_on=datetime.date(2010, 7, 1))


@pytest.fixture
def li(world):
    return make_member(
        world.branch2, "李四", joined_on=datetime.date(1990, 7, 1), employment=Employment.RETIRED
    )


@pytest.fixture
def wang(world):
    return make_member(world.branch3, "王五")


def give_base(member, year, base="4000.00", category=BaseCategory.EMPLOYED) -> DuesBase:
    """A base straight through the ORM (no audit), priced like the service prices it."""
    fields = priced_fields(
        Pricing.for_year(year), category, Decimal(base) if base is not None else None
    )
    return DuesBase.objects.create(member=member, year=year, source="manual", **fields)


def give_entry(member, month, amount="40.00", status="unpaid", paid=None) -> LedgerEntry:
    amount = Decimal(amount)
    return LedgerEntry.objects.create(
        member=member,
        organization=member.organization,
        month=month,
        category=BaseCategory.EMPLOYED,
        base=Decimal("4000.00"),
        rate=Decimal("0.01"),
        amount_due=amount,
        amount_paid=Decimal(paid) if paid is not None else (amount if status == "paid" else 0),
        status=status,
    )


@pytest.fixture
def rate_table(db):
    return RateTable.objects.get(effective_from=datetime.date(2008, 4, 1))
