"""dues.on_time against a hand-built ledger: a month is on time when settled within the month."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from dangjian.assessment import sources
from dangjian.assessment.models import Period, Scorecard
from dangjian.assessment.testing import leaf, make_period, make_template
from dangjian.dues.models import BaseCategory, Channel, EntryStatus, LedgerEntry, Payment
from dangjian.meetings.tests.compliance_helpers import branches
from dangjian.members.tests.factories import make_member

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
KEY = "dues.on_time"


@pytest.fixture
def aw(module_aw, db):
    return module_aw


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def month_row(member, month, status, *, due="20.00", paid="0", paid_on=None, catch_up=None):
    entry = LedgerEntry.objects.create(
        member=member,
        organization=member.organization,
        month=month,
        category=BaseCategory.EMPLOYED,
        amount_due=Decimal(due),
        amount_paid=Decimal(paid),
        status=status,
        paid_on=paid_on,
    )
    if paid_on is not None and Decimal(paid):
        Payment.objects.create(
            entry=entry,
            amount=Decimal(paid),
            paid_on=paid_on,
            channel=Channel.CASH,
            is_catch_up=month < paid_on.replace(day=1) if catch_up is None else catch_up,
        )
    return entry


OCT, SEP = dt.date(2026, 10, 1), dt.date(2026, 9, 1)


def ledger(aw):
    jia = make_member(aw.branch1, "甲按时")
    yi = make_member(aw.branch1, "乙欠缴")
    bing = make_member(aw.branch1, "丙补交")
    ding = make_member(aw.branch1, "丁免交")
    wu = make_member(aw.branch1, "戊部分")
    ji = make_member(aw.branch2, "己九月欠缴")
    month_row(jia, OCT, EntryStatus.PAID, paid="20.00", paid_on=dt.date(2026, 10, 15))
    month_row(yi, OCT, EntryStatus.UNPAID)
    month_row(yi, SEP, EntryStatus.UNPAID, due="18.50")
    month_row(bing, OCT, EntryStatus.PAID, paid="20.00", paid_on=dt.date(2026, 11, 3))
    month_row(ding, OCT, EntryStatus.WAIVED, due="0")
    month_row(wu, OCT, EntryStatus.PARTIAL, paid="10.00", paid_on=dt.date(2026, 10, 20))
    month_row(ji, SEP, EntryStatus.UNPAID)
    month_row(ji, OCT, EntryStatus.PAID, paid="20.00", paid_on=dt.date(2026, 10, 31))


def compute(period):
    cards = list(Scorecard.objects.filter(period=period).order_by("pk"))
    result = sources.get(KEY).compute(leaf(period.template, "1.1.1"), period, cards)
    return {card.organization_id: result[card.pk] for card in cards}


def test_october_counts_unpaid_partial_and_caught_up_months(aw):
    ledger(aw)
    found = compute(make_period(aw, targets=[aw.branch1, aw.branch2, aw.mine], month=OCT))
    one = found[aw.branch1.pk]
    assert one.occurrences == Decimal(3)
    assert one.lines == [
        "未按时交纳党费的党员3人：",
        "丙补交：2026年10月党费2026-11-03补交（应在当月交清）",
        "乙欠缴：2026年10月党费未交清（应交20.00元，已交0.00元）",
        "戊部分：2026年10月党费未交清（应交20.00元，已交10.00元）",
    ]
    # branch2's only late month is September, outside the period.
    assert found[aw.branch2.pk].occurrences == Decimal(0)
    assert found[aw.branch2.pk].lines == ["考核期内已结束月份的党费均按月交清，不扣分。"]
    # The mine's card covers its branches.
    assert found[aw.mine.pk].occurrences == Decimal(3)


def test_a_member_late_in_two_months_counts_once(aw):
    ledger(aw)
    period = make_period(aw, month=SEP)
    Period.objects.filter(pk=period.pk).update(ends_on=dt.date(2026, 10, 31))
    period.refresh_from_db()
    found = compute(period)
    assert found[aw.branch1.pk].occurrences == Decimal(3)
    assert (
        "乙欠缴：2026年09月党费未交清（应交18.50元，已交0.00元）；"
        "2026年10月党费未交清（应交20.00元，已交0.00元）"
    ) in found[aw.branch1.pk].lines
    assert found[aw.branch2.pk].occurrences == Decimal(1)


def test_the_current_month_is_not_judged(aw):
    member = make_member(aw.branch1, "庚")
    month_row(member, dt.date(2026, 11, 1), EntryStatus.UNPAID)
    found = compute(make_period(aw, month=dt.date(2026, 11, 1)))
    assert found[aw.branch1.pk].occurrences == Decimal(0)
    assert found[aw.branch1.pk].lines == ["考核期内尚无已结束的月份，党费交纳情况暂不计。"]


def test_queries_do_not_grow_with_the_cards(aw):
    template = make_template(aw, name="查询计数")
    many = branches(aw.mine, 18, prefix="F")
    for org in many:
        month_row(make_member(org, "欠缴"), OCT, EntryStatus.UNPAID)
    small = make_period(aw, template, month=OCT, name="两个")
    large = make_period(aw, template, targets=[aw.branch1, aw.branch2, *many], month=OCT)
    indicator = leaf(template, "1.1.1")
    counts = []
    for period in (small, large):
        cards = list(Scorecard.objects.filter(period=period))
        with CaptureQueriesContext(connection) as captured:
            result = sources.get(KEY).compute(indicator, period, cards)
        assert len(result) == len(cards)
        counts.append(len(captured))
    assert sum(item.occurrences for item in result.values()) == 18
    assert counts == [2, 2]


def test_many_cards_read_one_subtree_and_drop_what_no_card_covers(aw, monkeypatch):
    from dangjian.assessment.sources import completeness

    ledger(aw)
    (other,) = branches(aw.mine, 1, prefix="X")
    month_row(make_member(other, "辛未考核"), OCT, EntryStatus.UNPAID)
    monkeypatch.setattr(completeness, "MAX_PREFIXES", 1)
    period = make_period(aw, month=OCT)
    cards = list(Scorecard.objects.filter(period=period))
    tree = completeness.CardTree(cards)
    assert str(tree.condition("organization__path")) == str(
        Q(organization__path__startswith=aw.mine.path)
    )
    found = compute(period)
    assert found[aw.branch1.pk].occurrences == Decimal(3)
    assert found[aw.branch2.pk].occurrences == Decimal(0)
    assert not any("辛未考核" in line for item in found.values() for line in item.lines)
