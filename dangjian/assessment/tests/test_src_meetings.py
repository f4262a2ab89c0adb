"""meetings.sanhui_yike: missing meetings against the 三会一课 requirements judged in the period,
with one line per requirement period and the meetings held, hand-computed."""

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
from dangjian.meetings.models import Attendance, Meeting
from dangjian.meetings.tests.compliance_helpers import branches, meetings
from dangjian.orgs.models import Organization

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SOURCE = "meetings.sanhui_yike"


@pytest.fixture
def aw(module_aw, db):
    return module_aw


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def compute(period, indicator=None):
    indicator = indicator or leaf(period.template, "1.1.1")
    cards = list(Scorecard.objects.filter(period=period).order_by("pk"))
    return sources.get(SOURCE).compute(indicator, period, cards), cards


def held(org, code, day, topic, status=Meeting.Status.HELD):
    (meeting,) = meetings(org, code, day, status=status)
    Meeting.objects.filter(pk=meeting.pk).update(topic=topic)


def by_org(result, cards):
    return {card.organization_id: result[card.pk] for card in cards}


def test_september_judges_the_third_quarter_and_the_month(aw):
    # branch1: 党员大会 in August, 主题党日 in September; no 党课 in Q3 → 1 missing.
    held(aw.branch1, "congress", dt.date(2026, 8, 12), "学习贯彻党的二十届四中全会精神")
    held(aw.branch1, "theme_day", dt.date(2026, 9, 10), "安全生产主题党日")
    # Not counted: cancelled, another quarter, another organisation's.
    held(aw.branch1, "lecture", dt.date(2026, 9, 20), "取消的党课", Meeting.Status.CANCELLED)
    held(aw.branch1, "lecture", dt.date(2026, 10, 8), "十月党课")
    held(aw.branch3, "lecture", dt.date(2026, 9, 8), "二矿党课")
    period = make_period(aw, month=dt.date(2026, 9, 1))
    result, cards = compute(period)
    found = by_org(result, cards)
    one = found[aw.branch1.pk]
    assert one.occurrences == Decimal(1)
    assert one.lines[0] == "缺开会议共1次。"
    assert "支部党员大会（每季度至少1次）2026年第3季度：应开1次，实开1次，已落实" in one.lines
    assert "　　2026-08-12 支部党员大会：学习贯彻党的二十届四中全会精神" in one.lines
    assert "党课（每季度至少1次）2026年第3季度：应开1次，实开0次，缺1次" in one.lines
    assert "主题党日（每月至少1次）2026年9月：应开1次，实开1次，已落实" in one.lines
    assert "　　2026-09-10 主题党日：安全生产主题党日" in one.lines
    assert not any("十月党课" in line or "取消" in line for line in one.lines)
    # The meeting list follows its requirement line.
    congress = one.lines.index(
        "支部党员大会（每季度至少1次）2026年第3季度：应开1次，实开1次，已落实"
    )
    assert one.lines[congress + 1].startswith("　　2026-08-12")
    # branch2 held nothing: 党员大会, 党课 and 主题党日 missing.
    two = found[aw.branch2.pk]
    assert two.occurrences == Decimal(3)
    assert "支部党员大会（每季度至少1次）2026年第3季度：应开1次，实开0次，缺1次" in two.lines
    # No yearly requirement is judged in September; August's 主题党日 belongs to August.
    assert not any("2026年度" in line or "2026年8月" in line for line in two.lines)


def test_a_missed_quarterly_congress_is_judged_in_the_quarters_last_month(aw):
    held(aw.branch2, "lecture", dt.date(2026, 7, 3), "七月党课")
    held(aw.branch2, "theme_day", dt.date(2026, 8, 5), "八月主题党日")
    august = make_period(aw, month=dt.date(2026, 8, 1))
    result, cards = compute(august)
    two = by_org(result, cards)[aw.branch2.pk]
    assert two.occurrences == Decimal(0)
    assert two.lines == [
        "缺开会议共0次。",
        "主题党日（每月至少1次）2026年8月：应开1次，实开1次，已落实",
        "　　2026-08-05 主题党日：八月主题党日",
    ]


def test_december_judges_the_month_quarter_half_year_and_year(aw):
    period = make_period(aw, month=dt.date(2025, 12, 1))
    result, cards = compute(period)
    two = by_org(result, cards)[aw.branch2.pk]
    # 主题党日 Dec, 党员大会 Q4, 党课 Q4, 组织生活会, 民主评议, 谈心谈话 (year) — all missing.
    assert two.occurrences == Decimal(6)
    assert sum("缺1次" in line for line in two.lines) == 6
    assert any(line.startswith("每年开展1次民主评议党员2025年度：") for line in two.lines)


def test_an_open_month_is_not_judged_yet(aw):
    period = make_period(aw, month=dt.date(2026, 11, 1))
    result, cards = compute(period)
    one = by_org(result, cards)[aw.branch1.pk]
    assert one.occurrences == Decimal(0)
    assert one.lines[0].startswith("本考核期内没有需要考核的三会一课要求")
    assert "主题党日（每月至少1次）2026年11月：应开1次，已开0次，尚未到期，不计" in one.lines


def test_a_new_branch_has_nothing_to_judge(aw):
    (new,) = branches(aw.mine, 1, prefix="NEW")
    Organization.objects.filter(pk=new.pk).update(founded_on=dt.date(2026, 9, 15))
    period = make_period(aw, targets=[new], month=dt.date(2026, 9, 1))
    result, cards = compute(period)
    only = result[cards[0].pk]
    assert only.occurrences == Decimal(0)
    assert only.lines[0] == "本考核期内没有需要考核的三会一课要求（尚无已到期的应开会议）。"
    assert all("不考核" in line for line in only.lines[1:]) and len(only.lines) > 1


def test_queries_do_not_grow_with_the_cards(aw):
    template = make_template(aw, name="查询计数")
    many = branches(aw.mine, 18, prefix="Q")
    for org in many[:5]:
        held(org, "congress", dt.date(2026, 9, 3), "党员大会")
    small = make_period(aw, template, month=dt.date(2026, 9, 1), name="两个")
    large = make_period(
        aw,
        template,
        targets=[aw.branch1, aw.branch2, *many],
        month=dt.date(2026, 9, 1),
        name="二十个",
    )
    indicator = leaf(template, "1.1.1")
    counts = []
    for period in (small, large):
        cards = list(Scorecard.objects.filter(period=period))
        with CaptureQueriesContext(connection) as captured:
            result = sources.get(SOURCE).compute(indicator, period, cards)
        assert len(result) == len(cards)
        counts.append(len(captured))
    assert len(cards) == 20
    assert counts[0] == counts[1] <= 9, counts


def attend(meeting, person, status):
    Attendance.objects.create(meeting=meeting, person=person, status=status)


def test_member_attendance_counts_absences_without_leave(aw):
    kinds = [("congress", 12, "党员大会"), ("lecture", 20, "党课"), ("theme_day", 28, "主题党日")]
    rows = {}
    for code, day, topic in kinds:
        held(aw.branch1, code, dt.date(2026, 10, day), topic)
        rows[code] = Meeting.objects.get(organization=aw.branch1, held_on=dt.date(2026, 10, day))
    planned = Meeting.objects.filter(pk=rows["theme_day"].pk)
    mia, max_ = aw.mia.person, aw.max.person
    attend(rows["congress"], mia, Attendance.Status.ABSENT)
    attend(rows["lecture"], mia, Attendance.Status.ABSENT)
    attend(rows["theme_day"], mia, Attendance.Status.ABSENT)
    attend(rows["congress"], max_, Attendance.Status.LEAVE)
    attend(rows["lecture"], max_, Attendance.Status.PRESENT)
    # A meeting still only notified does not count yet.
    planned.update(status=Meeting.Status.NOTIFIED)
    period = make_period(aw, targets=[], month=dt.date(2026, 10, 1))
    cards = Scorecard.objects.bulk_create(
        Scorecard(period=period, organization=aw.branch1, member=person.membership, target_name=n)
        for person, n in ((mia, "米娅"), (max_, "马骁"))
    )
    indicator = leaf(period.template, "1.1.1")
    with CaptureQueriesContext(connection) as captured:
        result = sources.get("meetings.member_attendance").compute(indicator, period, cards)
    assert len(captured) == 2  # the members' people, the absences
    assert result[cards[0].pk].occurrences == Decimal(2)
    assert result[cards[0].pk].lines == [
        "考核期内无故缺席组织生活2次：",
        "2026-10-12 支部党员大会：党员大会，缺席",
        "2026-10-20 党课：党课，缺席",
    ]
    assert result[cards[1].pk].occurrences == Decimal(0)
    assert result[cards[1].pk].lines == ["考核期内没有无故缺席组织生活的记录，不扣分。"]
    assert sources.get("meetings.member_attendance").target_kind == "member"
