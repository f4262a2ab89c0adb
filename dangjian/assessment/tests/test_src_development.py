"""development.deadlines: the branch's development deadlines due in the period and missed."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.assessment import sources
from dangjian.assessment.models import Scorecard
from dangjian.assessment.testing import leaf, make_period, make_template
from dangjian.development.models import DevelopmentCase, State
from dangjian.meetings.tests.compliance_helpers import branches
from dangjian.members.tests.factories import make_person

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
KEY = "development.deadlines"
OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


@pytest.fixture
def aw(module_aw, db):
    return module_aw


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def case(org, name, received, *, state=State.APPLIED, **dates):
    return DevelopmentCase.objects.create(
        person=make_person(org, name),
        organization=org,
        state=state,
        applied_on=received - dt.timedelta(days=2),
        received_on=received,
        **dates,
    )


def compute(period):
    cards = list(Scorecard.objects.filter(period=period).order_by("pk"))
    result = sources.get(KEY).compute(leaf(period.template, "1.1.1"), period, cards)
    return {card.organization_id: result[card.pk] for card in cards}


def cases(aw):
    # 谈话 is due one month after the application is received
    # (rule development.talk_deadline_months).
    case(aw.branch1, "赵未谈", dt.date(2026, 9, 10))  # due 10-10, not done → missed
    case(
        aw.branch1,
        "钱晚谈",
        dt.date(2026, 9, 5),
        state=State.TALKED,
        talked_on=dt.date(2026, 10, 8),
    )
    case(
        aw.branch1,
        "孙按时",
        dt.date(2026, 9, 1),
        state=State.TALKED,
        talked_on=dt.date(2026, 9, 20),
    )
    case(aw.branch2, "李十一月", dt.date(2026, 10, 20))  # due 11-20, not done
    case(aw.branch2, "周未到期", dt.date(2026, 10, 30))  # due 11-30, after today
    # Accepted by the branch 2026-07-01, not approved: the 党委's 审批 deadline (10-01) is not the
    # branch's; its own 谈话 was on time.
    case(
        aw.branch2,
        "吴待审批",
        dt.date(2025, 3, 1),
        state=State.BRANCH_ACCEPTED,
        talked_on=dt.date(2025, 3, 20),
        accepted_on=dt.date(2026, 7, 1),
    )


def test_october_counts_the_branchs_missed_and_late_deadlines(aw):
    cases(aw)
    found = compute(make_period(aw, targets=[aw.branch1, aw.branch2, aw.mine], month=OCT))
    one = found[aw.branch1.pk]
    assert one.occurrences == Decimal(2)
    assert one.lines == [
        "错过发展党员工作期限2项：",
        "钱晚谈：派人谈话期限，期限2026-10-05，2026-10-08办理，逾期3天",
        "赵未谈：派人谈话期限，期限2026-10-10，逾期未办理",
    ]
    two = found[aw.branch2.pk]
    assert two.occurrences == Decimal(0)
    assert two.lines == ["考核期内到期的发展党员工作期限均按期办理（或没有到期事项），不扣分。"]
    assert found[aw.mine.pk].occurrences == Decimal(2)


def test_november_counts_only_what_has_fallen_due(aw):
    cases(aw)
    found = compute(make_period(aw, month=NOV))
    assert found[aw.branch2.pk].occurrences == Decimal(1)
    assert found[aw.branch2.pk].lines[1] == "李十一月：派人谈话期限，期限2026-11-20，逾期未办理"
    assert found[aw.branch1.pk].occurrences == Decimal(0)


def test_queries_do_not_grow_with_the_cards(aw):
    template = make_template(aw, name="查询计数")
    many = branches(aw.mine, 18, prefix="V")
    for org in [aw.branch1, *many]:
        case(org, "申请人", dt.date(2026, 9, 10))
    small = make_period(aw, template, month=OCT, name="两个")
    large = make_period(aw, template, targets=[aw.branch1, aw.branch2, *many], month=OCT)
    indicator = leaf(template, "1.1.1")
    # The rule values are read once, then cached (core.rules): warm them first.
    sources.get(KEY).compute(indicator, small, list(Scorecard.objects.filter(period=small)))
    counts = []
    for period in (small, large):
        cards = list(Scorecard.objects.filter(period=period))
        with CaptureQueriesContext(connection) as captured:
            result = sources.get(KEY).compute(indicator, period, cards)
        assert len(result) == len(cards)
        counts.append(len(captured))
    assert sum(item.occurrences for item in result.values()) == 19
    assert counts[0] == counts[1] <= 4, counts
