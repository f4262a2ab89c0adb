"""Reads of 民主评议党员. Every one starts from `visible_to` (the branch's scope) or from the
caller's own person (a member's own participations and results).

Peer-rating counts are shown only once the 互评 phase is over: while it runs, watching the
counters change after one member's submission would tell what that member chose.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.http import Http404

from dangjian.appraisals.models import (
    PHASE_ORDER,
    Grade,
    Participant,
    Phase,
    RatingTally,
    Result,
    Round,
)
from dangjian.appraisals.permissions import MANAGE_APPRAISAL, VIEW_APPRAISAL
from dangjian.core.forms import parse_id
from dangjian.core.scope import get_visible_or_404, scope_of
from dangjian.core.search_select import OPTION_LIMIT
from dangjian.members.forms.pickers import search
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType


def rounds_visible_to(user, permission: str = VIEW_APPRAISAL, *, year=None, phase="", within=None):
    rounds = Round.objects.visible_to(user, permission).select_related("organization")
    if within is not None:
        rounds = rounds.filter(organization__path__startswith=within.path)
    if year:
        rounds = rounds.filter(year=year)
    if phase in Phase.values:
        rounds = rounds.filter(phase=phase)
    return rounds.order_by("-year", "organization__path", "pk")


# ---------------------------------------------------------------- the search-backed selects


def open_branches(user):
    """Where a round may be opened: active 党支部 (the `BRANCH_TYPES`) in the user's
    `appraisals.manage_appraisal` scope."""
    return (
        Organization.objects.visible_to(user, MANAGE_APPRAISAL)
        .filter(org_type__in=BRANCH_TYPES, is_active=True)
        .order_by("path")
    )


def branch_options(user, query: str = "", *, limit: int = OPTION_LIMIT) -> list:
    """The open form's branch search: name, short name or code contains the text."""
    found = search(open_branches(user), query, "name", "short_name", "code")
    return list(found.only("pk", "name", "short_name")[:limit])


def filter_organizations(user):
    """The organisations (not 党小组) whose subtree the rounds list can be narrowed to: active
    ones in the user's `appraisals.view_appraisal` scope."""
    return (
        Organization.objects.visible_to(user, VIEW_APPRAISAL)
        .exclude(org_type=OrgType.GROUP)
        .filter(is_active=True)
        .order_by("path")
    )


def organization_options(user, query: str = "", *, limit: int = OPTION_LIMIT) -> list:
    """The rounds list filter's search: name, short name or code contains the text."""
    found = search(filter_organizations(user), query, "name", "short_name", "code")
    return list(found.only("pk", "name", "short_name")[:limit])


def round_for(user, pk, permission: str = VIEW_APPRAISAL) -> Round:
    queryset = Round.objects.select_related("organization")
    return get_visible_or_404(queryset, user, permission, pk=parse_id(pk))


def round_participants(round_: Round):
    return round_.participants.select_related("party_group").order_by("-is_graded", "name", "pk")


def may_manage(user, round_: Round, permission: str) -> bool:
    return scope_of(user).covers(permission, round_.organization.path)


def counts_visible(round_: Round) -> bool:
    return PHASE_ORDER.index(round_.phase) > PHASE_ORDER.index(Phase.PEER)


@dataclass
class PeerCounts:
    """The peer ratings a member received: how many of each grade, nothing else."""

    excellent: int = 0
    qualified: int = 0
    basic: int = 0
    unqualified: int = 0

    @property
    def total(self) -> int:
        return self.excellent + self.qualified + self.basic + self.unqualified

    def as_dict(self) -> dict:
        return {grade: getattr(self, grade) for grade in Grade.values}


def peer_counts(round_: Round, participant_ids=None) -> dict[int, PeerCounts]:
    """Counts per grade per ratee (one query), empty while the 互评 phase is still running."""
    if not counts_visible(round_):
        return {}
    tallies = RatingTally.objects.filter(round=round_)
    if participant_ids is not None:
        tallies = tallies.filter(ratee_id__in=list(participant_ids))
    counts: dict[int, PeerCounts] = defaultdict(PeerCounts)
    for ratee_id, grade, count in tallies.values_list("ratee_id", "grade", "count"):
        setattr(counts[ratee_id], grade, count)
    return counts


def grading_rows(round_: Round) -> list:
    """The graded members with their peer counts beside them, then the 预备党员."""
    rows = list(round_participants(round_))
    counts = peer_counts(round_, [row.pk for row in rows if row.is_graded])
    for row in rows:
        row.peer = counts.get(row.pk, PeerCounts())
    return rows


# ---------------------------------------------------------------- the member's own view


def my_participations(user):
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return Participant.objects.none()
    return (
        Participant.objects.filter(member__person_id=person_id)
        .select_related("round__organization", "party_group")
        .order_by("-round__year", "-round__pk")
    )


def my_participation(user, round_pk) -> Participant:
    try:
        return my_participations(user).get(round_id=parse_id(round_pk))
    except Participant.DoesNotExist as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- results


def results_visible_to(user, *, year=None):
    results = Result.objects.visible_to(user, VIEW_APPRAISAL).select_related(
        "member__person", "organization"
    )
    if year:
        results = results.filter(year=year)
    return results.order_by("-year", "organization__path", "member__person__name", "pk")


def round_results(round_: Round):
    return round_.results.select_related("member__person").order_by("grade", "member__person__name")


def member_results(user, member):
    """A member's results of every year, for the 民主评议 tab of their record."""
    visible = Result.objects.visible_to(user, VIEW_APPRAISAL)  # the scope, or one's own
    return visible.filter(member=member).select_related("organization").order_by("-year")
