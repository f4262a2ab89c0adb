"""completeness.member_records: members held with missing required data, by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.assessment import sources
from dangjian.assessment.models import Indicator, Scorecard
from dangjian.assessment.testing import leaf, make_period, make_template
from dangjian.meetings.tests.compliance_helpers import branches
from dangjian.members.models import Person, Status
from dangjian.members.tests.factories import make_member

KEY = "completeness.member_records"


@pytest.fixture
def aw(module_aw, db):
    return module_aw


def complete(org, name, **fields):
    member = make_member(org, name, **fields)
    Person.objects.filter(pk=member.person_id).update(photo="people/photo.jpg")
    return member


def compute(period, indicator=None):
    indicator = indicator or leaf(period.template, "1.1.1")
    cards = list(Scorecard.objects.filter(period=period).order_by("pk"))
    result = sources.get(KEY).compute(indicator, period, cards)
    return {card.organization_id: result[card.pk] for card in cards}


def roster(aw):
    # The world's mia (米娅) and max (马骁) of branch1 have no ID number, photo or mobile.
    complete(aw.branch1, "甲齐全")
    complete(aw.branch1, "乙缺手机", mobile="")
    complete(aw.branch1, "丙已转出", mobile="", id_number="", status=Status.TRANSFERRED_OUT)
    complete(aw.branch2, "丁齐全")


def test_members_missing_required_data_count_once_each(aw):
    roster(aw)
    found = compute(make_period(aw, targets=[aw.branch1, aw.branch2, aw.mine]))
    one = found[aw.branch1.pk]
    assert one.occurrences == Decimal(3)
    assert one.lines == [
        "信息缺项的党员3人（检查项：身份证号、照片、手机号）：",
        "乙缺手机：未登记手机号",
        "米娅：未登记身份证号、未上传照片、未登记手机号",
        "马骁：未登记身份证号、未上传照片、未登记手机号",
    ]
    assert found[aw.branch2.pk].occurrences == Decimal(0)
    assert found[aw.branch2.pk].lines == [
        "党员名册信息完整（检查项：身份证号、照片、手机号），不扣分。"
    ]
    assert found[aw.mine.pk].occurrences == Decimal(3)


def test_a_leaf_may_choose_the_checks(aw):
    roster(aw)
    period = make_period(aw)
    indicator = leaf(period.template, "1.1.1")
    Indicator.objects.filter(pk=indicator.pk).update(source_params={"checks": ["missing_mobile"]})
    indicator.refresh_from_db()
    one = compute(period, indicator)[aw.branch1.pk]
    assert one.occurrences == Decimal(3)
    assert one.lines[0] == "信息缺项的党员3人（检查项：手机号）："
    assert one.lines[2] == "米娅：未登记手机号"


def test_queries_do_not_grow_with_the_cards(aw):
    template = make_template(aw, name="查询计数")
    many = branches(aw.mine, 18, prefix="C")
    for org in many:
        complete(org, "缺手机", mobile="")
    small = make_period(aw, template, month=dt.date(2026, 10, 1), name="两个")
    large = make_period(aw, template, targets=[aw.branch1, aw.branch2, *many])
    indicator = leaf(template, "1.1.1")
    counts = []
    for period in (small, large):
        cards = list(Scorecard.objects.filter(period=period))
        with CaptureQueriesContext(connection) as captured:
            result = sources.get(KEY).compute(indicator, period, cards)
        assert len(result) == len(cards)
        counts.append(len(captured))
    assert sum(item.occurrences for item in result.values()) == 20
    assert counts == [6, 6]
