"""Source reading the 发展党员 cases (development app, domain §1.2).

`development.deadlines` — the deadlines of the development cases of the card's organisation (and,
for a 党委 or 党总支 card, of its subtree) that fell due in the period and were missed: a
deadline (`development.deadlines.case_deadlines`, kind DUE) whose date lies in [starts_on,
ends_on] and that was done after its date, or is not done and its date has passed. Only the
deadlines the branch must meet count (`responsible == "branch"`: 谈话, 半年考察, 公示结果,
讨论转正); those of the upper 党委 (审批) are the 党委's and are left out of a branch's
card — they are listed on the case page and the development app's own overdue list.

occurrences = missed deadlines. Queries: the card organisations' paths, the cases, their
review steps and their pending 公示 (the same two reads `deadlines_rebuild` attaches), and the
rule values once per run (`rules_memo`) — whatever the number of cards.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from dangjian.assessment.models import TargetKind
from dangjian.assessment.sources import Computed, register
from dangjian.assessment.sources.completeness import CardTree
from dangjian.development.deadlines import BRANCH, DUE, case_deadlines, rules_memo
from dangjian.development.models import (
    CaseStep,
    DevelopmentCase,
    Publicity,
    PublicityResult,
    StepCode,
)

REVIEW_CODES = (StepCode.ACTIVIST_REVIEW, StepCode.PROBATION_REVIEW)
# What the deadlines read of a case, without the applicant's encrypted personal fields.
CASE_FIELDS = tuple(
    field.name
    for field in DevelopmentCase._meta.concrete_fields
    if field.name not in ("close_reason",)
)


def _attach(cases) -> None:
    """The review dates and pending 公示 of the cases, as `case_deadlines` reads them."""
    ids = [case.pk for case in cases]
    reviews: dict[int, dict[str, list]] = {}
    steps = CaseStep.objects.filter(case_id__in=ids, code__in=REVIEW_CODES)
    for case_id, code, done_on in steps.values_list("case_id", "code", "done_on"):
        reviews.setdefault(case_id, {}).setdefault(code, []).append(done_on)
    publicities: dict[int, list] = defaultdict(list)
    for publicity in Publicity.objects.filter(case_id__in=ids, result=PublicityResult.PENDING):
        publicities[publicity.case_id].append(publicity)
    for case in cases:
        case.review_dates = reviews.get(case.pk, {})
        case.pending_publicities = publicities.get(case.pk, [])


@register(
    "development.deadlines",
    "发展党员工作按期办理（错过期限的事项数）",
    target_kind=TargetKind.ORGANIZATION,
    description="考核期内到期、应由党支部办理的发展党员期限（谈话、考察、公示、讨论转正等），逾期办理或到期未办的，每项计一次。",
)
def deadlines(indicator, period, cards) -> dict[int, Computed]:
    cards = list(cards)
    if not cards:
        return {}
    tree = CardTree(cards)
    today = timezone.localdate()
    condition = tree.condition("organization__path")
    missed: dict[int, list] = defaultdict(list)
    if condition is not None and period.starts_on < today:
        cases = list(
            DevelopmentCase.objects.filter(condition, received_on__lte=period.ends_on)
            .select_related("person", "organization")
            .only(*CASE_FIELDS, "person__name", "organization__path")
            .order_by("organization__path", "pk")
        )
        if cases:
            _attach(cases)
        with rules_memo():
            for case in cases:
                for item in case_deadlines(case, today):
                    if item.kind != DUE or item.responsible != BRANCH:
                        continue
                    if not (period.starts_on <= item.due_on <= period.ends_on):
                        continue
                    if item.done_on is not None and item.done_on <= item.due_on:
                        continue
                    if item.done_on is None and item.due_on >= today:
                        continue
                    if item.done_on is not None:
                        late = (item.done_on - item.due_on).days
                        text = f"{item.done_on:%Y-%m-%d}办理，逾期{late}天"
                    else:
                        text = "逾期未办理"
                    line = f"{case.person.name}：{item.label}，期限{item.due_on:%Y-%m-%d}，{text}"
                    for card_id in tree.cards_for(case.organization.path):
                        missed[card_id].append((item.due_on, line))
    results = {}
    for card in tree.cards:
        found = sorted(missed.get(card.pk, []), key=lambda pair: pair[0])
        if not found:
            lines = ["考核期内到期的发展党员工作期限均按期办理（或没有到期事项），不扣分。"]
        else:
            lines = [f"错过发展党员工作期限{len(found)}项：", *(line for _, line in found)]
        results[card.pk] = Computed(occurrences=Decimal(len(found)), lines=lines)
    return results
