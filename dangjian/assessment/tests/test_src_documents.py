"""documents.sign_timeliness and documents.reply_rate against hand-computed receipts."""

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
from dangjian.core.testing.world import grant, make_user
from dangjian.documents.models import DocType, IssuerPrefix, Receipt
from dangjian.documents.testing import DocumentsWorld, issue_now
from dangjian.meetings.tests.compliance_helpers import branches

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TZ)


@pytest.fixture
def aw(module_aw, db):
    return module_aw


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(month, day, hour=12):
    return dt.datetime(2026, month, day, hour, 0, tzinfo=TZ)


def receipt(org, title, *, due=None, signed=None, status=None, number="", **extra):
    status = status or (Receipt.Status.SIGNED if signed else Receipt.Status.RECEIVED)
    return Receipt.objects.create(
        organization=org,
        doc_type=DocType.NOTICE,
        title=title,
        number=number,
        source_name="中共一矿委员会",
        sent_at=(due or at(10, 1)) - dt.timedelta(days=1),
        sign_due_at=due,
        signed_at=signed,
        status=status,
        **extra,
    )


def compute(key, period, code="3.1.1"):
    cards = list(Scorecard.objects.filter(period=period).order_by("pk"))
    result = sources.get(key).compute(leaf(period.template, code), period, cards)
    return {card.organization_id: result[card.pk] for card in cards}


def test_sign_timeliness_counts_late_and_unsigned_receipts_due_in_the_period(aw):
    receipt(
        aw.branch1, "按时签收的通知", due=at(10, 10), signed=at(10, 9), number="一矿党〔2026〕1号"
    )
    receipt(
        aw.branch1,
        "逾期签收的通知",
        due=at(10, 12),
        signed=at(10, 14, 9),
        number="一矿党〔2026〕2号",
    )
    receipt(aw.branch1, "未签收的通知", due=at(10, 20))
    # Not counted: due in another month, withdrawn, returned, another organisation's.
    receipt(aw.branch1, "九月的通知", due=at(9, 28))
    receipt(aw.branch1, "撤回的通知", due=at(10, 15), status=Receipt.Status.CANCELLED)
    receipt(aw.branch1, "退回的通知", due=at(10, 16), status=Receipt.Status.RETURNED)
    receipt(aw.branch3, "二矿的通知", due=at(10, 16))
    period = make_period(aw, month=dt.date(2026, 10, 1))
    found = compute("documents.sign_timeliness", period)
    one = found[aw.branch1.pk]
    assert one.occurrences == Decimal(2)
    assert one.lines == [
        "签收时限在本期的收文3件：按时签收1件，逾期签收1件，逾期未签收1件。",
        "一矿党〔2026〕2号《逾期签收的通知》："
        "签收时限2026-10-12 12:00，2026-10-14 09:00签收，逾期签收",
        "（无文号）《未签收的通知》：签收时限2026-10-20 12:00，逾期未签收",
    ]
    two = found[aw.branch2.pk]
    assert two.occurrences == Decimal(0)
    assert two.lines == ["本考核期内没有签收时限到期的收文，不扣分。"]


def test_a_limit_not_reached_yet_is_not_counted(aw):
    receipt(aw.branch1, "明天到期的通知", due=at(11, 26))
    receipt(aw.branch1, "昨天到期的通知", due=at(11, 24))
    found = compute("documents.sign_timeliness", make_period(aw, month=dt.date(2026, 11, 1)))
    one = found[aw.branch1.pk]
    assert one.occurrences == Decimal(1)
    assert one.lines[0] == (
        "签收时限在本期的收文2件：按时签收0件，逾期签收0件，逾期未签收1件，尚未到期1件（不计）。"
    )


def test_a_document_dispatched_for_real_is_judged_by_its_own_limit(aw):
    prefix = IssuerPrefix.objects.create(
        organization=aw.mine, code="一矿党", header="中共一矿委员会文件", is_default=True
    )
    olivia = make_user("olivia", "区丽")
    grant(olivia, "party_office", aw.mine)
    dw = DocumentsWorld(
        aw.world, prefix, aw.oscar, olivia, aw.lee, aw.cora, aw.mia, aw.max, aw.nick
    )
    document = issue_now(dw, "关于做好冬季安全生产的通知", to=[aw.branch1], issued_at=at(10, 9, 9))
    copy = Receipt.objects.get(document=document, organization=aw.branch1)
    assert copy.sign_due_at is not None and copy.sign_due_at.month == 10
    found = compute("documents.sign_timeliness", make_period(aw, month=dt.date(2026, 10, 1)))
    one = found[aw.branch1.pk]
    assert one.occurrences == Decimal(1)
    assert one.lines[1].startswith(f"{document.number}《关于做好冬季安全生产的通知》：签收时限")
    assert one.lines[1].endswith("逾期未签收")


def test_reply_rate_counts_late_and_missing_replies(aw):
    common = {"reply_required": True, "due": at(10, 1), "signed": at(10, 1, 8)}
    receipt(
        aw.branch1, "按时回复", deadline=dt.date(2026, 10, 10), replied_at=at(10, 10, 20), **common
    )
    # Replied 10-11 00:30 local: the day after the deadline.
    receipt(
        aw.branch1,
        "逾期回复",
        deadline=dt.date(2026, 10, 10),
        replied_at=dt.datetime(2026, 10, 11, 0, 30, tzinfo=TZ),
        number="一矿党〔2026〕9号",
        **common,
    )
    receipt(aw.branch1, "未回复", deadline=dt.date(2026, 10, 31), **common)
    receipt(aw.branch1, "十一月期限", deadline=dt.date(2026, 11, 2), **common)
    receipt(aw.branch1, "无需回复", deadline=dt.date(2026, 10, 5), due=at(10, 1), signed=at(10, 1))
    found = compute("documents.reply_rate", make_period(aw, month=dt.date(2026, 10, 1)))
    one = found[aw.branch1.pk]
    assert one.occurrences == Decimal(2)
    assert one.lines == [
        "需回复且办理期限在本期的收文3件：按时回复1件，逾期回复1件，逾期未回复1件。",
        "一矿党〔2026〕9号《逾期回复》：办理期限2026-10-10，2026-10-11回复，逾期回复",
        "（无文号）《未回复》：办理期限2026-10-31，逾期未回复",
    ]
    assert found[aw.branch2.pk].occurrences == Decimal(0)
    assert found[aw.branch2.pk].lines == ["本考核期内没有办理期限到期、需要回复的收文，不扣分。"]


@pytest.mark.parametrize("key", ["documents.sign_timeliness", "documents.reply_rate"])
def test_queries_do_not_grow_with_the_cards(aw, key):
    template = make_template(aw, name="查询计数")
    many = branches(aw.mine, 18, prefix="D")
    for org in [aw.branch1, *many]:
        receipt(org, "通知", due=at(10, 5), reply_required=True, deadline=dt.date(2026, 10, 9))
    small = make_period(aw, template, month=dt.date(2026, 10, 1), name="两个")
    large = make_period(
        aw, template, targets=[aw.branch1, aw.branch2, *many], month=dt.date(2026, 10, 1)
    )
    indicator = leaf(template, "3.1.1")
    counts = []
    for period in (small, large):
        cards = list(Scorecard.objects.filter(period=period))
        with CaptureQueriesContext(connection) as captured:
            result = sources.get(key).compute(indicator, period, cards)
        assert sum(item.occurrences for item in result.values()) == len(cards) - 1
        counts.append(len(captured))
    assert counts == [1, 1]
