"""Every rule of domain §1.2 as a pure check: both sides of each boundary date, the month-end
clamp, working days over the holiday calendar (a holiday and a 调休 Saturday), rule versions."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from dangjian.core.models import CalendarDay, RuleVersion
from dangjian.development import checks
from dangjian.development import rules as R
from dangjian.development.checks import HARD_RULES

pytestmark = pytest.mark.django_db


def test_every_rule_has_a_label_and_a_source():
    from dangjian.core.rules import definition

    for key in [getattr(R, name) for name in R.__all__]:
        rule = definition(key)
        assert rule.label and rule.source, key
    assert "第十二条" in definition(R.CULTIVATION_MIN_MONTHS).source


# ---------------------------------------------------------------- AGE_MIN


def test_age_eighteen_on_the_application_date():
    birth = date(2006, 3, 1)
    block = checks.check_age(birth, date(2024, 2, 29))
    assert block.rule_key == R.AGE_MIN and block.earliest == date(2024, 3, 1)
    assert "年满18周岁" in block.message and "2024-03-01" in block.message
    assert checks.check_age(birth, date(2024, 3, 1)) is None


def test_age_of_a_leap_day_birthday():
    birth = date(2004, 2, 29)
    block = checks.check_age(birth, date(2022, 2, 28))
    assert block.earliest == date(2022, 3, 1)
    assert checks.check_age(birth, date(2022, 3, 1)) is None


# ---------------------------------------------------------------- TALK_DEADLINE


def test_talk_within_one_month_clamped_at_month_end():
    received = date(2024, 1, 31)
    assert checks.check_talk(received, date(2024, 2, 29)) is None
    block = checks.check_talk(received, date(2024, 3, 1))
    assert block.rule_key == R.TALK_DEADLINE_MONTHS
    assert block.earliest is None and block.overridable
    assert block.dates["谈话期限"] == date(2024, 2, 29)
    assert "第七条" in block.message


# ---------------------------------------------------------------- ACTIVIST_MIN_WAIT


def test_activist_six_months_after_the_application():
    applied = date(2024, 1, 10)
    block = checks.check_activist_wait(applied, date(2024, 7, 9))
    assert block.earliest == date(2024, 7, 10)
    assert checks.check_activist_wait(applied, date(2024, 7, 10)) is None


def test_activist_wait_is_configurable_and_zero_turns_it_off():
    RuleVersion.objects.create(key=R.ACTIVIST_MIN_WAIT_MONTHS, value=0, valid_from=date(2024, 1, 1))
    assert checks.check_activist_wait(date(2024, 1, 10), date(2024, 1, 11)) is None
    RuleVersion.objects.create(key=R.ACTIVIST_MIN_WAIT_MONTHS, value=3, valid_from=date(2024, 6, 1))
    from dangjian.core.rules import invalidate

    invalidate(R.ACTIVIST_MIN_WAIT_MONTHS)
    assert checks.check_activist_wait(date(2024, 4, 1), date(2024, 6, 30)) is not None
    assert checks.check_activist_wait(date(2024, 4, 1), date(2024, 7, 1)) is None


# ---------------------------------------------------------------- ACTIVIST_REVIEW


def test_review_every_six_months():
    start = date(2024, 7, 15)
    assert checks.check_reviews(start, date(2025, 1, 14), []) is None  # no complete window yet
    block = checks.check_reviews(start, date(2025, 1, 15), [])
    assert block.rule_key == R.ACTIVIST_REVIEW_MONTHS
    assert block.dates == {"考察期开始": start, "考察期结束": date(2025, 1, 14)}
    assert checks.check_reviews(start, date(2025, 1, 15), [date(2025, 1, 14)]) is None
    # the second window lacks one
    block = checks.check_reviews(start, date(2025, 7, 15), [date(2024, 12, 1)])
    assert block.dates["考察期开始"] == date(2025, 1, 15)
    assert (
        checks.check_reviews(start, date(2025, 7, 15), [date(2024, 12, 1), date(2025, 7, 14)])
        is None
    )


# ---------------------------------------------------------------- CULTIVATION_MIN


def test_candidate_one_year_after_activist():
    block = checks.check_cultivation(date(2025, 3, 1), date(2026, 2, 28))
    assert block.message.startswith(
        "确定为发展对象须在列为入党积极分子满1年后：列为积极分子 2025-03-01，"
        "最早可于 2026-03-01 确定（依据："
    )
    assert block.earliest == date(2026, 3, 1)
    assert checks.check_cultivation(date(2025, 3, 1), date(2026, 3, 1)) is None


# ---------------------------------------------------------------- TRAINING_MIN


@pytest.mark.parametrize(
    ("days", "hours", "ok"),
    [(3, 0, True), (2, 24, True), (2, Decimal("23.5"), False), (0, 0, False), (5, 40, True)],
)
def test_training_three_days_or_24_hours(days, hours, ok):
    block = checks.check_training(days, hours, date(2025, 8, 6))
    assert (block is None) == ok
    if block:
        assert block.rule_key == R.TRAINING_MIN_DAYS and "第十七条" in block.message


# ---------------------------------------------------------------- sponsors


def test_contacts_one_or_two():
    assert checks.check_contacts(0, date(2025, 1, 1)) is not None
    assert checks.check_contacts(1, date(2025, 1, 1)) is None
    assert checks.check_contacts(2, date(2025, 1, 1)) is None
    assert checks.check_contacts(3, date(2025, 1, 1)) is not None


def test_exactly_two_introducers_who_are_full_members_not_under_probation():
    on = date(2025, 7, 21)
    assert checks.check_introducer_count(1, on).rule_key == R.INTRODUCERS
    assert checks.check_introducer_count(2, on) is None
    good = {"is_full_member": True, "in_good_standing": True, "probation_until": None, "on": on}
    assert checks.check_introducer_standing("张三", **good) is None
    block = checks.check_introducer_standing(
        "张三", **{**good, "probation_until": date(2026, 1, 1)}
    )
    assert "留党察看" in block.message and not block.overridable
    assert checks.check_introducer_standing("张三", **{**good, "is_full_member": False})
    assert checks.check_introducer_standing("张三", **{**good, "in_good_standing": False})


def test_introducer_under_probation_is_blocked_by_the_service(world):
    from dangjian.development import services
    from dangjian.development.tests.factories import make_full_members, open_case
    from dangjian.members.models import Discipline, RewardPunishment

    member = make_full_members(world.branch1, 1)[0]
    RewardPunishment.objects.create(
        member=member, kind="punishment", title="留党察看一年", discipline=Discipline.PROBATION,
        decided_on=date(2024, 1, 1), ends_on=date(2025, 1, 1), issuer="一矿党委",
    )  # fmt: skip
    case = open_case(world)
    with pytest.raises(checks.StepBlocked) as caught:
        services.sponsor_add(actor=world.bob, case=case, kind="introducer", member=member,
                             assigned_on=date(2024, 6, 1))  # fmt: skip
    assert caught.value.blocks[0].rule_key == checks.INTRODUCER_STANDING_RULE
    # rights restored after the probation ended
    services.sponsor_add(actor=world.bob, case=case, kind="introducer", member=member,
                         assigned_on=date(2025, 1, 2))  # fmt: skip


# ---------------------------------------------------------------- 政审


def test_political_review_missing_failed_or_expired():
    on = date(2025, 8, 20)
    assert checks.check_political_review(None, None, on).rule_key == checks.POLITICAL_REVIEW_RULE
    failed = checks.check_political_review(date(2025, 8, 1), False, on)
    assert "不合格" in failed.message and not failed.overridable
    assert checks.check_political_review(date(2024, 8, 20), True, on) is None
    expired = checks.check_political_review(date(2024, 8, 19), True, on)
    assert expired.rule_key == R.POLITICAL_REVIEW_VALID_MONTHS


# ---------------------------------------------------------------- PUBLICITY (working days)


def test_publicity_counts_working_days_over_a_holiday_and_a_makeup_saturday():
    CalendarDay.objects.create(date=date(2024, 9, 28), kind="workday", name="国庆调休")
    CalendarDay.objects.create(date=date(2024, 9, 30), kind="holiday", name="国庆")
    CalendarDay.objects.create(date=date(2024, 10, 1), kind="holiday", name="国庆")
    # Fri 27 (work), Sat 28 (调休 work), Sun 29, Mon 30 (holiday), Tue 1 (holiday), Wed 2, Thu 3
    assert checks.publicity_working_days(date(2024, 9, 27), date(2024, 10, 2)) == 3
    block = checks.publicity_length_ok(date(2024, 9, 27), date(2024, 10, 3), date(2024, 10, 10))
    assert block.rule_key == R.PUBLICITY_WORKING_DAYS
    assert block.earliest == date(2024, 10, 4)
    assert (
        checks.publicity_length_ok(date(2024, 9, 27), date(2024, 10, 4), date(2024, 10, 10)) is None
    )


def _publicity(starts, ends, result="no_objection"):
    return SimpleNamespace(starts_on=starts, ends_on=ends, result=result)


def test_publicity_must_have_ended_before_the_step():
    monday, friday = date(2025, 8, 11), date(2025, 8, 15)
    assert checks.check_publicity("发展对象公示", None, date(2025, 8, 20)).earliest is None
    block = checks.check_publicity("发展对象公示", _publicity(monday, friday), friday)
    assert block.earliest == date(2025, 8, 16)
    assert (
        checks.check_publicity("发展对象公示", _publicity(monday, friday), date(2025, 8, 16))
        is None
    )
    pending = checks.check_publicity(
        "公示", _publicity(monday, friday, "pending"), date(2025, 8, 18)
    )
    assert pending.rule_key == checks.PUBLICITY_RESULT_RULE
    upheld = checks.check_publicity("公示", _publicity(monday, friday, "upheld"), date(2025, 8, 18))
    assert "影响发展" in upheld.message and not upheld.overridable
    short = checks.check_publicity("公示", _publicity(monday, date(2025, 8, 14)), date(2025, 8, 18))
    assert short.rule_key == R.PUBLICITY_WORKING_DAYS


# ---------------------------------------------------------------- LEAVING_SOON


def test_no_acceptance_when_leaving_within_three_months():
    meeting = date(2025, 9, 2)
    assert checks.check_leaving_soon(None, meeting) is None
    block = checks.check_leaving_soon(date(2025, 12, 1), meeting)
    assert block.rule_key == R.LEAVING_SOON_MONTHS and "第十九条" in block.message
    assert checks.check_leaving_soon(date(2025, 12, 2), meeting) is None


# ---------------------------------------------------------------- APPROVAL_DEADLINE


def test_approval_within_three_months_and_never_after_six():
    meeting = date(2025, 9, 2)
    assert checks.check_approval_deadline(meeting, date(2025, 12, 2)) is None
    late = checks.check_approval_deadline(meeting, date(2025, 12, 3))
    assert late.rule_key == R.APPROVAL_DEADLINE_MONTHS and late.overridable
    assert checks.check_approval_hard_max(meeting, date(2026, 3, 2)) is None
    hard = checks.check_approval_hard_max(meeting, date(2026, 3, 3))
    assert hard.rule_key == R.APPROVAL_HARD_MAX_MONTHS and not hard.overridable
    assert R.APPROVAL_HARD_MAX_MONTHS in HARD_RULES


# ---------------------------------------------------------------- PROBATION, EXTENSION, CONVERSION


def test_probation_ends_a_year_after_the_branch_meeting():
    assert checks.probation_end(date(2025, 9, 2)) == date(2026, 9, 2)
    assert checks.probation_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert checks.probation_end(date(2025, 9, 2), 6) == date(2027, 3, 2)
    assert checks.check_probation_over(date(2026, 9, 2), date(2026, 9, 1)).earliest == date(
        2026, 9, 2
    )
    assert checks.check_probation_over(date(2026, 9, 2), date(2026, 9, 2)) is None


@pytest.mark.parametrize(
    ("months", "ok"), [(None, False), (5, False), (6, True), (12, True), (13, False)]
)
def test_extension_six_to_twelve_months(months, ok):
    block = checks.check_extension(months, False, date(2026, 9, 2))
    assert (block is None) == ok
    if block:
        assert not block.overridable


def test_extension_only_once():
    block = checks.check_extension(6, True, date(2026, 9, 2))
    assert block.rule_key == checks.EXTENSION_ONCE_RULE


def test_conversion_approval_within_three_months():
    meeting = date(2026, 9, 2)
    kwargs = {"rule_key": R.CONVERSION_APPROVAL_MONTHS, "what": "支部大会讨论转正"}
    assert checks.check_approval_deadline(meeting, date(2026, 12, 2), **kwargs) is None
    block = checks.check_approval_deadline(meeting, date(2026, 12, 3), **kwargs)
    assert block.rule_key == R.CONVERSION_APPROVAL_MONTHS and "第三十四条" in block.message


def test_a_step_needs_a_passed_vote_on_its_date():
    on = date(2025, 9, 2)
    assert checks.check_vote("接收预备党员", None, on).rule_key == checks.VOTE_RULE
    failed = SimpleNamespace(passed=False, meeting_on=on)
    assert "未通过" in checks.check_vote("接收预备党员", failed, on).message
    assert (
        checks.check_vote("接收预备党员", SimpleNamespace(passed=True, meeting_on=on), on) is None
    )


def test_the_blocked_error_carries_every_block():
    blocks = [checks.check_cultivation(date(2025, 3, 1), date(2026, 2, 1)),
              checks.check_training(0, 0, date(2026, 2, 1))]  # fmt: skip
    error = checks.StepBlocked(blocks)
    assert error.rule_key == R.CULTIVATION_MIN_MONTHS
    assert error.messages == [b.message for b in blocks]
    assert error.remedy == "最早可于 2026-03-01 办理。"
    assert blocks[0].as_dict()["dates"] == {"列为积极分子": "2025-03-01", "最早日期": "2026-03-01"}
