"""The deadlines of a case (domain §1.2): what is due, by when, under which rule, and who must
act (the branch or the upper committee). Pure computation over a case and its prefetched
review steps and 公示 rows. The pending ones are stored (`CaseDeadline`) for the lists and
the reminder sweep (`services.deadlines`).
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils import timezone

from dangjian.core.rules import definition, rule_value
from dangjian.development import rules as R
from dangjian.development.checks import review_windows
from dangjian.development.models import PROBATION_STATES, PublicityResult, State, StepCode
from dangjian.orgs.dates import add_months

BRANCH = "branch"
COMMITTEE = "committee"
DUE = "due"  # must be done by this date
EARLIEST = "earliest"  # may be done from this date


@dataclass(frozen=True)
class Deadline:
    key: str  # stable per case and deadline, used in reminder dedupe keys
    label: str
    due_on: datetime.date
    rule_key: str
    responsible: str  # BRANCH or COMMITTEE
    kind: str = DUE
    done_on: datetime.date | None = None
    case: object = None

    @property
    def done(self) -> bool:
        return self.done_on is not None

    def is_overdue(self, today: datetime.date) -> bool:
        return self.kind == DUE and not self.done and self.due_on < today

    @property
    def source(self) -> str:
        return definition(self.rule_key).source

    @property
    def rule_label(self) -> str:
        return definition(self.rule_key).label


def _rule(key: str, today: datetime.date) -> int:
    """A rule value for the day, memoised for the duration of one list computation
    (`rules_memo`), so thousands of cases do not read the rule cache thousands of times."""
    memo = _MEMO.get()
    if memo is None:
        return rule_value(key, on=today)
    if (key, today) not in memo:
        memo[(key, today)] = rule_value(key, on=today)
    return memo[(key, today)]


_MEMO: ContextVar[dict | None] = ContextVar("development_rules_memo", default=None)


@contextmanager
def rules_memo():
    """Within the block, each rule is read once per day (lists and the reminder sweep)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _review_dates(case, code: str) -> list[datetime.date]:
    """The case's review dates: those `deadlines_rebuild` attached, else a query."""
    attached = getattr(case, "review_dates", None)
    if attached is not None:
        return attached.get(code, [])
    return list(case.steps.filter(code=code).values_list("done_on", flat=True))


def _publicities(case):
    attached = getattr(case, "pending_publicities", None)
    if attached is not None:
        return attached
    return case.publicities.filter(result=PublicityResult.PENDING)


def _next_review(case, start, code, label, today, stored=False) -> Deadline | None:
    months = _rule(R.ACTIVIST_REVIEW_MONTHS, today)
    reviews = _review_dates(case, code)
    horizon = add_months(today, months)
    if stored:
        # A stored row must stay right as days pass without a write: look far enough ahead
        # that the first window without a review is always found (it ends at the latest one
        # window after the one holding today or the last review).
        horizon = add_months(max([today, *reviews]), 2 * months)
    for first, end in review_windows(start, horizon, months):
        if not any(first <= day < end for day in reviews):
            last_day = end - datetime.timedelta(days=1)
            return Deadline(
                f"{code}:{first:%Y%m%d}", label, last_day, R.ACTIVIST_REVIEW_MONTHS, BRANCH
            )
    return None


def case_deadlines(
    case, today: datetime.date | None = None, *, stored: bool = False
) -> list[Deadline]:
    """The past (done or missed) and upcoming deadlines of the case, by date. `stored`: for
    the `CaseDeadline` rows, the next half-year review is given however far ahead it falls
    (the lists read only what is due within days, so they agree with the default)."""
    today = today or timezone.localdate()
    items: list[Deadline] = []
    add = items.append
    state = case.state
    talk_due = add_months(case.received_on, _rule(R.TALK_DEADLINE_MONTHS, today))
    add(
        Deadline(
            "talk", "派人谈话期限", talk_due, R.TALK_DEADLINE_MONTHS, BRANCH, done_on=case.talked_on
        )
    )
    if state == State.TALKED:
        months = _rule(R.ACTIVIST_MIN_WAIT_MONTHS, today)
        if months:
            add(
                Deadline(
                    "activist_earliest",
                    "最早可确定为入党积极分子",
                    add_months(case.applied_on, months),
                    R.ACTIVIST_MIN_WAIT_MONTHS,
                    BRANCH,
                    kind=EARLIEST,
                )
            )
    if case.activist_on and state in (State.ACTIVIST, State.CANDIDATE):
        review = _next_review(
            case, case.activist_on, StepCode.ACTIVIST_REVIEW, "入党积极分子半年考察", today, stored
        )
        if review:
            add(review)
    if case.activist_on and state in (State.ACTIVIST, State.CANDIDATE):
        earliest = add_months(case.activist_on, _rule(R.CULTIVATION_MIN_MONTHS, today))
        add(
            Deadline(
                "candidate_earliest",
                "最早可确定为发展对象",
                earliest,
                R.CULTIVATION_MIN_MONTHS,
                BRANCH,
                kind=EARLIEST,
                done_on=case.candidate_on,
            )
        )
    if case.is_open:
        for publicity in _publicities(case):
            if publicity.result == PublicityResult.PENDING:
                add(
                    Deadline(
                        f"publicity:{publicity.pk}",
                        f"{publicity.get_purpose_display()}结束，登记公示结果",
                        publicity.ends_on,
                        R.PUBLICITY_WORKING_DAYS,
                        BRANCH,
                    )
                )
    if case.accepted_on:
        approval_due = add_months(case.accepted_on, _rule(R.APPROVAL_DEADLINE_MONTHS, today))
        add(
            Deadline(
                "approval",
                "上级党委审批接收预备党员期限",
                approval_due,
                R.APPROVAL_DEADLINE_MONTHS,
                COMMITTEE,
                done_on=case.approved_on,
            )
        )
    if state in PROBATION_STATES:
        review = _next_review(
            case, case.accepted_on, StepCode.PROBATION_REVIEW, "预备党员半年考察", today, stored
        )
        if review:
            add(review)
    if case.probation_end and (state in PROBATION_STATES or case.conversion_meeting_on):
        add(
            Deadline(
                "probation_end",
                "预备期满，支部大会讨论转正",
                case.probation_end,
                R.PROBATION_MONTHS,
                BRANCH,
                done_on=case.conversion_meeting_on,
            )
        )
    if case.conversion_meeting_on:
        due = add_months(case.conversion_meeting_on, _rule(R.CONVERSION_APPROVAL_MONTHS, today))
        add(
            Deadline(
                "conversion_approval",
                "上级党委审批转正期限",
                due,
                R.CONVERSION_APPROVAL_MONTHS,
                COMMITTEE,
                done_on=case.converted_on,
            )
        )
    if not case.is_open:
        items = [item for item in items if item.done]
    items = [_with_case(item, case) for item in items]
    return sorted(items, key=lambda item: item.due_on)


def _with_case(item: Deadline, case) -> Deadline:
    return Deadline(
        item.key,
        item.label,
        item.due_on,
        item.rule_key,
        item.responsible,
        item.kind,
        item.done_on,
        case,
    )


def pending(deadlines, today: datetime.date) -> list[Deadline]:
    """The open `DUE` deadlines (neither done nor merely an earliest date)."""
    return [d for d in deadlines if d.kind == DUE and not d.done]
