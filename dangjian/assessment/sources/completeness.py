"""Source reading the member records' data quality (members app, `members.quality`).

`completeness.member_records` — the members the card's organisation holds (its 党员名册: 正常、
停止党籍、恢复党籍; for a 党委 or 党总支 card the members of its whole subtree) whose record
lacks required data. The required data are the members app's missing-data checks: 身份证号
(`missing_id`), 照片 (`missing_photo`) and 手机号 (`missing_mobile`); a leaf may narrow or
change the list with `source_params = {"checks": ["missing_id", …]}` (any code of
`members.quality.CHECKS`). occurrences = member records with at least one finding; a record
missing two items counts once. The lines name the member and what is missing (never the
personal values themselves).

It is a snapshot of the records when computed (the records have no history of completeness);
the assessor computes after the period ends, and recomputing later reflects the fixes made.

Queries: one per check over the smallest subtree holding every card, one for the names and one
for the paths of the organisations found, whatever the number of cards.

`CardTree` (also used by the dues and development sources) maps an organisation path to the
cards whose organisation contains it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q

from dangjian.assessment.models import TargetKind
from dangjian.assessment.sources import Computed, register
from dangjian.core.scope import prefix_q
from dangjian.orgs.models import Organization

DEFAULT_CHECKS = ("missing_id", "missing_photo", "missing_mobile")
MAX_PREFIXES = 50


class CardTree:
    """The cards of a period by their organisation's path: `cards_for(path)` gives the cards
    whose organisation is the organisation at `path` or one of its ancestors. One query (the
    card organisations' paths)."""

    def __init__(self, cards):
        self.cards = list(cards)
        ids = {card.organization_id for card in self.cards}
        self.paths = dict(Organization.objects.filter(pk__in=ids).values_list("pk", "path"))
        self.by_path: dict[str, list[int]] = defaultdict(list)
        for card in self.cards:
            path = self.paths.get(card.organization_id)
            if path:
                self.by_path[path].append(card.pk)
        self.lengths = sorted({len(path) for path in self.by_path})

    def tops(self) -> list[str]:
        """The card paths not under another card path (the subtrees to read)."""
        tops: list[str] = []
        for path in sorted(self.by_path):
            if not tops or not path.startswith(tops[-1]):
                tops.append(path)
        return tops

    def condition(self, lookup: str):
        """A Q of `lookup` lying in any card's subtree (None when there are no cards). Past
        MAX_PREFIXES subtrees (a period over a whole mine's branches) one prefix, the smallest
        subtree holding them all, replaces thousands of ORed LIKEs; `cards_for` then drops the
        rows of organisations no card covers."""
        tops = self.tops()
        if len(tops) > MAX_PREFIXES:
            return Q(**{f"{lookup}__startswith": self.common_path()})
        return prefix_q(lookup, tops)

    def common_path(self) -> str:
        """The path of the smallest subtree holding every card ("" = the whole tree)."""
        tops = self.tops()
        if not tops:
            return ""
        common = tops[0]
        for path in tops[1:]:
            while not path.startswith(common):
                common = common[: len(common) - Organization.steplen]
        return common

    def cards_for(self, path: str) -> list[int]:
        found: list[int] = []
        for length in self.lengths:
            if length > len(path):
                break
            found.extend(self.by_path.get(path[:length], ()))
        return found


@register(
    "completeness.member_records",
    "党员信息完整性（信息缺项的党员人数）",
    target_kind=TargetKind.ORGANIZATION,
    description="本组织（含下级组织）党员名册中缺少身份证号、照片或手机号等必填信息的党员，每人计一次。",
)
def member_records(indicator, period, cards) -> dict[int, Computed]:
    from dangjian.members.models import Person
    from dangjian.members.quality import CHECKS, Subtree, run_check

    cards = list(cards)
    if not cards:
        return {}
    tree = CardTree(cards)
    codes = [
        code
        for code in (indicator.source_params or {}).get("checks") or DEFAULT_CHECKS
        if code in CHECKS
    ]
    findings: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    if tree.cards:
        subtree = Subtree(path=tree.common_path())
        for code in codes:
            for finding in run_check(code, subtree):
                if finding.person_id is not None:
                    findings[finding.organization_id][finding.person_id].append(finding.detail)
    org_paths = (
        dict(Organization.objects.filter(pk__in=list(findings)).values_list("pk", "path"))
        if findings
        else {}
    )
    per_card: dict[int, dict[int, list[str]]] = defaultdict(dict)
    for org_id, people in findings.items():
        for card_id in tree.cards_for(org_paths.get(org_id, "")):
            per_card[card_id].update(people)
    person_ids = {pk for people in per_card.values() for pk in people}
    names = (
        dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "name"))
        if person_ids
        else {}
    )
    checked = "、".join(CHECKS[code].title.removeprefix("缺少") for code in codes)
    results = {}
    for card in tree.cards:
        people = per_card.get(card.pk, {})
        if not people:
            lines = [f"党员名册信息完整（检查项：{checked}），不扣分。"]
        else:
            ordered = sorted(people.items(), key=lambda item: (names.get(item[0], ""), item[0]))
            lines = [f"信息缺项的党员{len(people)}人（检查项：{checked}）："]
            lines += [
                f"{names.get(pk, '（未知）')}：{'、'.join(details)}" for pk, details in ordered
            ]
        results[card.pk] = Computed(occurrences=Decimal(len(people)), lines=lines)
    return results
