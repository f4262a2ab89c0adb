"""The 支部大会 vote tally (domain §1.3), pure.

Quorum: voting members present > QUORUM_FRACTION of those entitled (应到会有表决权人数).
Pass: yes votes + the written yes opinions of absent voting members (filed before the meeting)
> PASS_FRACTION of the entitled full members — counted against those entitled, never against
those present. 预备党员 have no vote and are never counted (`entitled_voters`).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from fractions import Fraction

from dangjian.core.rules import rule_value
from dangjian.development.rules import PASS_FRACTION, QUORUM_FRACTION


@dataclass(frozen=True)
class Tally:
    has_quorum: bool
    passed: bool
    needed_present: int  # the smallest attendance that makes a quorum
    needed_yes: int  # the smallest number of yes votes (with written ones) that passes
    message: str


def more_than(fraction, whole: int) -> int:
    """The smallest whole number strictly greater than `fraction × whole`."""
    exact = Fraction(str(fraction)) * whole
    return math.floor(exact) + 1


def tally(
    *,
    entitled: int,
    present: int,
    yes: int,
    written_yes: int = 0,
    quorum_fraction=None,
    pass_fraction=None,
) -> Tally:
    """Judge one vote. The fractions default to the rules in force today."""
    quorum_fraction = rule_value(QUORUM_FRACTION) if quorum_fraction is None else quorum_fraction
    pass_fraction = rule_value(PASS_FRACTION) if pass_fraction is None else pass_fraction
    needed_present = more_than(quorum_fraction, entitled)
    needed_yes = more_than(pass_fraction, entitled)
    has_quorum = entitled > 0 and present >= needed_present
    votes_for = yes + written_yes
    passed = has_quorum and votes_for >= needed_yes
    if not has_quorum:
        message = (
            f"未达到法定人数：应到会有表决权的正式党员 {entitled} 人，实到 {present} 人，"
            f"须超过半数（至少 {needed_present} 人）方可开会表决。"
        )
    elif passed:
        message = (
            f"通过：赞成 {yes} 票、书面赞成 {written_yes} 票，合计 {votes_for} 票，"
            f"超过应到会有表决权的正式党员 {entitled} 人的半数（至少 {needed_yes} 票）。"
        )
    else:
        message = (
            f"未通过：赞成 {yes} 票、书面赞成 {written_yes} 票，合计 {votes_for} 票，"
            f"须超过应到会有表决权的正式党员 {entitled} 人的半数（至少 {needed_yes} 票）。"
        )
    return Tally(has_quorum, passed, needed_present, needed_yes, message)


def entitled_voters(organization, on: datetime.date) -> int:
    """Full members of the branch in good standing on the meeting date (预备党员 never vote).

    A member who became a full member after the meeting date did not yet have a vote; the
    records do not keep past categories of people who left, so the count is today's roll read
    back to the date through `full_member_on` — editable on the vote when it differs.
    """
    from django.db.models import Q

    from dangjian.members.models import Category, Member
    from dangjian.members.models.choices import IN_GOOD_STANDING

    return (
        Member.objects.filter(
            organization=organization,
            category=Category.FULL,
            status__in=IN_GOOD_STANDING,
        )
        .filter(Q(full_member_on__isnull=True) | Q(full_member_on__lte=on))
        .count()
    )
