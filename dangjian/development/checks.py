"""One pure check per rule of domain §1.2 (and the §1.3 vote result a step rests on).

Each check takes plain values (dates, counts) and returns None when the rule is met, or a
`Blocked` that says which rule, its source, the dates involved and the earliest date the step
can pass (None when no date helps, e.g. a missing introducer). Rule values are read for the
date of the step (`rule_value(key, on=…)`), so a record is judged by the rule then in force.
The services gather the facts of a case and run the checks of the step (`services.rules`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from dangjian.core.exceptions import RuleViolation
from dangjian.core.rules import definition, rule_source, rule_value
from dangjian.core.workdays import add_working_days, working_days_between
from dangjian.development import rules as R
from dangjian.orgs.dates import add_months, add_years

ORDER_RULE = "development.step_order"
VOTE_RULE = "development.vote_result"
PUBLICITY_RESULT_RULE = "development.publicity_result"
POLITICAL_REVIEW_RULE = "development.political_review"
EXTENSION_ONCE_RULE = "development.extension_once"
INTRODUCER_STANDING_RULE = "development.introducer_standing"
PROBATION_END_RULE = "development.probation_end"

# Rules that no one may override (the law sets them, or overriding them makes no sense).
HARD_RULES = frozenset(
    {
        R.AGE_MIN,
        R.APPROVAL_HARD_MAX_MONTHS,
        R.EXTENSION_MIN_MONTHS,
        R.EXTENSION_MAX_MONTHS,
        R.INTRODUCERS,
        EXTENSION_ONCE_RULE,
        INTRODUCER_STANDING_RULE,
        ORDER_RULE,
        VOTE_RULE,
        PUBLICITY_RESULT_RULE,
        POLITICAL_REVIEW_RULE,
        PROBATION_END_RULE,
    }
)
_DEVELOPMENT = "《中国共产党发展党员工作细则》（中办发〔2014〕33号）"
_FIXED = {
    ORDER_RULE: ("发展程序", f"{_DEVELOPMENT}第二条：坚持发展党员的程序"),
    VOTE_RULE: (
        "支部大会表决结果",
        f"{_DEVELOPMENT}第二十条至第二十二条；《中国共产党章程》第五条",
    ),
    PUBLICITY_RESULT_RULE: ("公示结果", f"{_DEVELOPMENT}第十八条：公示有异议的，须核实后再作决定"),
    POLITICAL_REVIEW_RULE: (
        "政治审查",
        f"{_DEVELOPMENT}第十六条：未经政治审查或者政治审查不合格的，不能发展入党",
    ),
    EXTENSION_ONCE_RULE: ("延长预备期只能一次", "《中国共产党章程》第七条；地方实施办法（⚙️）"),
    INTRODUCER_STANDING_RULE: (
        "入党介绍人须为正式党员且未受留党察看处分",
        "《中国共产党章程》第五条；受留党察看处分、尚未恢复党员权利的党员，不能作入党介绍人",
    ),
    PROBATION_END_RULE: (
        "预备期满方可讨论转正",
        "《中国共产党章程》第七条：预备党员的预备期满，党的支部应当及时讨论他能否转为正式党员",
    ),
}


@dataclass(frozen=True)
class Blocked:
    """A rule that blocks a step, said in a way the clerk can act on."""

    rule_key: str
    label: str
    source: str
    message: str
    dates: dict[str, datetime.date] = field(default_factory=dict)
    earliest: datetime.date | None = None
    overridable: bool = True

    def as_dict(self) -> dict:
        return {
            "rule_key": self.rule_key,
            "label": self.label,
            "source": self.source,
            "message": self.message,
            "dates": {label: day.isoformat() for label, day in self.dates.items()},
            "earliest": self.earliest.isoformat() if self.earliest else None,
            "overridable": self.overridable,
        }


class StepBlocked(RuleViolation):
    """One or more rules block a step. `blocks` holds every one; the exception's own
    `rule_key`/`source`/`remedy` are those of the first, so generic handlers still work."""

    def __init__(self, blocks: Iterable[Blocked]):
        self.blocks = list(blocks)
        first = self.blocks[0]
        remedy = f"最早可于 {first.earliest:%Y-%m-%d} 办理。" if first.earliest else ""
        super().__init__(first.message, rule_key=first.rule_key, remedy="")
        self.source = first.source
        self.remedy = remedy
        # Every block's sentence, for forms that list them all.
        self.error_list = [RuleViolation(b.message, rule_key=b.rule_key) for b in self.blocks]

    @property
    def messages(self) -> list[str]:
        return [block.message for block in self.blocks]


def _d(day: datetime.date) -> str:
    return f"{day:%Y-%m-%d}"


def blocked(
    rule_key: str,
    text: str,
    *,
    on: datetime.date,
    dates: dict[str, datetime.date] | None = None,
    earliest: datetime.date | None = None,
) -> Blocked:
    """A Blocked for a rule: the label and source come from the rule table (or the fixed
    procedural rules above); the message ends with the source."""
    if rule_key in _FIXED:
        label, source = _FIXED[rule_key]
    else:
        label, source = definition(rule_key).label, rule_source(rule_key, on=on)
    return Blocked(
        rule_key=rule_key,
        label=label,
        source=source,
        message=f"{text}（依据：{source}）",
        dates=dates or {},
        earliest=earliest,
        overridable=rule_key not in HARD_RULES,
    )


# ---------------------------------------------------------------- 申请、谈话、积极分子


def age_on(birth: datetime.date, day: datetime.date) -> int:
    """Full years of age on a day (a 29 February birthday counts from 1 March)."""
    years = day.year - birth.year
    return years - ((day.month, day.day) < (birth.month, birth.day))


def check_age(birth: datetime.date, applied_on: datetime.date) -> Blocked | None:
    minimum = rule_value(R.AGE_MIN, on=applied_on)
    if age_on(birth, applied_on) >= minimum:
        return None
    earliest = add_years(birth, minimum)
    if age_on(birth, earliest) < minimum:  # born on 29 February: of age on 1 March
        earliest += datetime.timedelta(days=1)
    return blocked(
        R.AGE_MIN,
        f"申请入党须年满{minimum}周岁：出生日期 {_d(birth)}，申请日期 {_d(applied_on)}，"
        f"年满{minimum}周岁之日为 {_d(earliest)}，最早可于该日递交申请",
        on=applied_on,
        dates={"出生日期": birth, "申请日期": applied_on},
        earliest=earliest,
    )


def check_talk(received_on: datetime.date, talked_on: datetime.date) -> Blocked | None:
    months = rule_value(R.TALK_DEADLINE_MONTHS, on=talked_on)
    due = add_months(received_on, months)
    if talked_on <= due:
        return None
    return blocked(
        R.TALK_DEADLINE_MONTHS,
        f"收到入党申请书后须在{months}个月内派人谈话：收到申请 {_d(received_on)}，"
        f"应于 {_d(due)} 前谈话，谈话日期 {_d(talked_on)} 已超过期限，须写明理由例外放行",
        on=talked_on,
        dates={"收到申请": received_on, "谈话期限": due, "谈话日期": talked_on},
    )


def check_activist_wait(applied_on: datetime.date, done_on: datetime.date) -> Blocked | None:
    months = rule_value(R.ACTIVIST_MIN_WAIT_MONTHS, on=done_on)
    earliest = add_months(applied_on, months)
    if months <= 0 or done_on >= earliest:
        return None
    return blocked(
        R.ACTIVIST_MIN_WAIT_MONTHS,
        f"确定为入党积极分子须在递交入党申请书满{months}个月后：递交申请 {_d(applied_on)}，"
        f"最早可于 {_d(earliest)} 确定",
        on=done_on,
        dates={"递交申请": applied_on, "最早日期": earliest},
        earliest=earliest,
    )


def review_windows(
    start: datetime.date, until: datetime.date, months: int
) -> list[tuple[datetime.date, datetime.date]]:
    """The complete half-year windows [start + k·m, start + (k+1)·m) that ended by `until`."""
    windows = []
    k = 0
    while True:
        first, end = add_months(start, k * months), add_months(start, (k + 1) * months)
        if end > until:
            return windows
        windows.append((first, end))
        k += 1


def check_reviews(
    start: datetime.date,
    done_on: datetime.date,
    review_dates: Iterable[datetime.date],
    *,
    what: str = "入党积极分子",
) -> Blocked | None:
    """A 考察 record in every complete 6-month window since `start` (细则第十一条)."""
    months = rule_value(R.ACTIVIST_REVIEW_MONTHS, on=done_on)
    dates = sorted(review_dates)
    for first, end in review_windows(start, done_on, months):
        if not any(first <= day < end for day in dates):
            last_day = end - datetime.timedelta(days=1)
            return blocked(
                R.ACTIVIST_REVIEW_MONTHS,
                f"党支部须每{months}个月对{what}考察一次：{_d(first)} 至 {_d(last_day)} "
                f"没有考察记录，请先补录该期间的考察",
                on=done_on,
                dates={"考察期开始": first, "考察期结束": last_day},
            )
    return None


def check_cultivation(activist_on: datetime.date, done_on: datetime.date) -> Blocked | None:
    months = rule_value(R.CULTIVATION_MIN_MONTHS, on=done_on)
    earliest = add_months(activist_on, months)
    if done_on >= earliest:
        return None
    span = f"{months // 12}年" if months % 12 == 0 else f"{months}个月"
    return blocked(
        R.CULTIVATION_MIN_MONTHS,
        f"确定为发展对象须在列为入党积极分子满{span}后：列为积极分子 {_d(activist_on)}，"
        f"最早可于 {_d(earliest)} 确定",
        on=done_on,
        dates={"列为积极分子": activist_on, "最早日期": earliest},
        earliest=earliest,
    )


# ---------------------------------------------------------------- 发展对象


def check_training(days: int, hours: Decimal, on: datetime.date) -> Blocked | None:
    min_days = rule_value(R.TRAINING_MIN_DAYS, on=on)
    min_hours = rule_value(R.TRAINING_MIN_HOURS, on=on)
    if days >= min_days or Decimal(hours) >= Decimal(str(min_hours)):
        return None
    return blocked(
        R.TRAINING_MIN_DAYS,
        f"发展对象须经不少于{min_days}天或{min_hours}学时的集中培训：已登记培训 {days} 天、"
        f"{Decimal(hours).normalize():f} 学时，请先补足培训",
        on=on,
    )


def check_contacts(count: int, on: datetime.date) -> Blocked | None:
    maximum = rule_value(R.CONTACTS_MAX, on=on)
    if 1 <= count <= maximum:
        return None
    return blocked(
        R.CONTACTS_MAX,
        f"须指定1至{maximum}名正式党员作培养联系人，现为 {count} 名",
        on=on,
    )


def check_introducer_count(count: int, on: datetime.date) -> Blocked | None:
    needed = rule_value(R.INTRODUCERS, on=on)
    if count == needed:
        return None
    return blocked(R.INTRODUCERS, f"须有{needed}名正式党员作入党介绍人，现为 {count} 名", on=on)


def check_introducer_standing(
    name: str,
    *,
    is_full_member: bool,
    in_good_standing: bool,
    probation_until: datetime.date | None,
    on: datetime.date,
) -> Blocked | None:
    """A 介绍人 is a 正式党员 in good standing not under 留党察看 on the date."""
    if probation_until is not None:
        return blocked(
            INTRODUCER_STANDING_RULE,
            f"{name}正受留党察看处分（至 {_d(probation_until)}），尚未恢复党员权利，不能作入党"
            "介绍人，请另行确定介绍人",
            on=on,
            dates={"留党察看期满": probation_until},
        )
    if not is_full_member or not in_good_standing:
        return blocked(
            INTRODUCER_STANDING_RULE,
            f"{name}不是党籍正常的正式党员，不能作入党介绍人或培养联系人",
            on=on,
        )
    return None


def check_political_review(
    concluded_on: datetime.date | None, passed: bool | None, on: datetime.date
) -> Blocked | None:
    if concluded_on is None:
        return blocked(POLITICAL_REVIEW_RULE, "尚未登记政治审查结论，请先完成政审", on=on)
    if not passed:
        return blocked(
            POLITICAL_REVIEW_RULE,
            f"政治审查结论为不合格（{_d(concluded_on)}），不能发展入党",
            on=on,
            dates={"政审结论": concluded_on},
        )
    months = rule_value(R.POLITICAL_REVIEW_VALID_MONTHS, on=on)
    valid_until = add_months(concluded_on, months)
    if on <= valid_until:
        return None
    return blocked(
        R.POLITICAL_REVIEW_VALID_MONTHS,
        f"政审结论有效期为{months}个月：结论日期 {_d(concluded_on)}，已于 {_d(valid_until)} 失效，"
        "请重新进行政治审查",
        on=on,
        dates={"政审结论": concluded_on, "有效期至": valid_until},
    )


def publicity_length_ok(starts_on: datetime.date, ends_on: datetime.date, on) -> Blocked | None:
    """A 公示 lasts at least N working days, counting its first day (holiday calendar)."""
    needed = rule_value(R.PUBLICITY_WORKING_DAYS, on=on)
    counted = publicity_working_days(starts_on, ends_on)
    if counted >= needed:
        return None
    earliest_end = publicity_earliest_end(starts_on, needed)
    return blocked(
        R.PUBLICITY_WORKING_DAYS,
        f"公示须不少于{needed}个工作日：{_d(starts_on)} 至 {_d(ends_on)} 仅 {counted} 个工作日，"
        f"公示结束日最早为 {_d(earliest_end)}",
        on=on,
        dates={"公示开始": starts_on, "公示结束": ends_on},
        earliest=earliest_end,
    )


def publicity_working_days(starts_on: datetime.date, ends_on: datetime.date) -> int:
    """Working days from the first to the last day of a 公示, both included."""
    return max(0, working_days_between(starts_on - datetime.timedelta(days=1), ends_on))


def publicity_earliest_end(starts_on: datetime.date, needed: int) -> datetime.date:
    return add_working_days(starts_on - datetime.timedelta(days=1), needed)


def check_publicity(
    purpose_label: str,
    publicity,  # a Publicity row or None
    done_on: datetime.date,
) -> Blocked | None:
    """The 公示 of this purpose exists, lasted long enough, ended before the step and found no
    upheld objection."""
    if publicity is None:
        return blocked(
            R.PUBLICITY_WORKING_DAYS,
            f"办理前须进行{purpose_label}，尚无公示记录，请先登记公示",
            on=done_on,
        )
    too_short = publicity_length_ok(publicity.starts_on, publicity.ends_on, done_on)
    if too_short is not None:
        return too_short
    if done_on <= publicity.ends_on:
        earliest = publicity.ends_on + datetime.timedelta(days=1)
        return blocked(
            R.PUBLICITY_WORKING_DAYS,
            f"{purpose_label}期间不能办理：公示 {_d(publicity.starts_on)} 至 "
            f"{_d(publicity.ends_on)}，最早可于 {_d(earliest)} 办理",
            on=done_on,
            dates={"公示开始": publicity.starts_on, "公示结束": publicity.ends_on},
            earliest=earliest,
        )
    if publicity.result in ("pending", "upheld"):
        text = (
            "公示结果尚未登记，请先登记公示结果"
            if publicity.result == "pending"
            else "公示中反映的问题经核实影响发展，不能继续办理"
        )
        return blocked(
            PUBLICITY_RESULT_RULE,
            f"{purpose_label}：{text}",
            on=done_on,
            dates={"公示结束": publicity.ends_on},
        )
    return None


# ---------------------------------------------------------------- 接收、审批


def check_leaving_soon(
    planned_leave_on: datetime.date | None, meeting_on: datetime.date
) -> Blocked | None:
    if planned_leave_on is None:
        return None
    months = rule_value(R.LEAVING_SOON_MONTHS, on=meeting_on)
    limit = add_months(meeting_on, months)
    if planned_leave_on >= limit:
        return None
    return blocked(
        R.LEAVING_SOON_MONTHS,
        f"发展对象{months}个月内将离开本单位的，一般不办理接收预备党员手续：预计离开 "
        f"{_d(planned_leave_on)}，早于支部大会 {_d(meeting_on)} 后{months}个月（{_d(limit)}）",
        on=meeting_on,
        dates={"支部大会": meeting_on, "预计离开": planned_leave_on},
    )


def check_vote(purpose_label: str, vote, done_on: datetime.date) -> Blocked | None:
    """A passed 支部大会 vote of the purpose held on the step's date."""
    if vote is None:
        return blocked(
            VOTE_RULE,
            f"{_d(done_on)} 没有{purpose_label}的支部大会表决记录，请先登记表决结果",
            on=done_on,
        )
    if not vote.passed:
        return blocked(
            VOTE_RULE,
            f"{_d(vote.meeting_on)} 支部大会{purpose_label}表决未通过，不能办理",
            on=done_on,
            dates={"支部大会": vote.meeting_on},
        )
    return None


def check_approval_deadline(
    meeting_on: datetime.date,
    done_on: datetime.date,
    *,
    rule_key: str = R.APPROVAL_DEADLINE_MONTHS,
    what: str = "支部大会通过接收预备党员",
) -> Blocked | None:
    months = rule_value(rule_key, on=done_on)
    due = add_months(meeting_on, months)
    if done_on <= due:
        return None
    return blocked(
        rule_key,
        f"上级党委须在{what}后{months}个月内审批：支部大会 {_d(meeting_on)}，审批期限 {_d(due)}，"
        f"审批日期 {_d(done_on)} 已超期",
        on=done_on,
        dates={"支部大会": meeting_on, "审批期限": due, "审批日期": done_on},
    )


def check_approval_hard_max(meeting_on: datetime.date, done_on: datetime.date) -> Blocked | None:
    months = rule_value(R.APPROVAL_HARD_MAX_MONTHS, on=done_on)
    due = add_months(meeting_on, months)
    if done_on <= due:
        return None
    return blocked(
        R.APPROVAL_HARD_MAX_MONTHS,
        f"党委审批最长不得超过支部大会后{months}个月：支部大会 {_d(meeting_on)}，最迟 {_d(due)}，"
        f"已无法审批，此规定不能例外放行，须重新履行接收程序",
        on=done_on,
        dates={"支部大会": meeting_on, "最迟审批日期": due},
    )


# ---------------------------------------------------------------- 预备期、转正


def probation_end(accepted_on: datetime.date, extension_months: int | None = None):
    """The 预备期 end: the 支部大会 date + 12 months (党章第七条), plus any extension."""
    end = add_months(accepted_on, rule_value(R.PROBATION_MONTHS, on=accepted_on))
    return add_months(end, extension_months) if extension_months else end


def check_probation_over(end: datetime.date, done_on: datetime.date) -> Blocked | None:
    if done_on >= end:
        return None
    return blocked(
        PROBATION_END_RULE,
        f"预备期满方可讨论转正：预备期至 {_d(end)}，最早可于该日召开支部大会讨论转正",
        on=done_on,
        dates={"预备期满": end},
        earliest=end,
    )


def check_extension(months: int | None, already_extended: bool, on) -> Blocked | None:
    if already_extended:
        return blocked(EXTENSION_ONCE_RULE, "预备期只能延长一次，该预备党员已延长过预备期", on=on)
    minimum = rule_value(R.EXTENSION_MIN_MONTHS, on=on)
    maximum = rule_value(R.EXTENSION_MAX_MONTHS, on=on)
    if months is not None and minimum <= months <= maximum:
        return None
    return blocked(
        R.EXTENSION_MAX_MONTHS if months and months > maximum else R.EXTENSION_MIN_MONTHS,
        f"延长预备期须在{minimum}至{maximum}个月之间，填写的为 {months or 0} 个月",
        on=on,
    )


def check_prerequisites(step_label: str, missing: list[str], on) -> Blocked | None:
    if not missing:
        return None
    return blocked(
        ORDER_RULE,
        f"“{step_label}”须在以下步骤完成后办理：{'、'.join(missing)}",
        on=on,
    )
