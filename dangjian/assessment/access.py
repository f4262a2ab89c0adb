"""Who may do what with a scorecard and its leaves. Every view, API view and service starts here;
an object outside the rule answers 404 (exactly as a missing one).

    target side      the card's organisation's own SELF_CHECK holders (the branch's secretary
                     and 党务干事); for an organisation with nobody of its own, the SELF_CHECK
                     holders above it (the 组织部 fills in for a branch without an account).
                     A department holding SELF_CHECK over the whole mine is not the target
                     side of a branch that has its own secretary: it cannot self-check or
                     appeal on the branch's behalf. Self-check, evidence, submit, appeals
    managers         MANAGE_PERIOD over the period's owner: open, lock, publish, decide appeals,
                     see every card of the period at any time
    assessors        a leaf is scored by holders of the leaf's `scorer_role` whose grant of that
                     role covers the card's organisation and includes SCORE; a leaf without a
                     role by MANAGE_PERIOD holders over the card's organisation
    results          before publication only the target side, the managers and the assessors
                     see a card; from publication (公示) on, VIEW_RESULT over the card's
                     organisation too, and a member sees their own card and their own
                     branch's card
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from dangjian.accounts.holders import roles_with
from dangjian.accounts.models import RoleAssignment
from dangjian.assessment.models import Indicator, Period, Scorecard
from dangjian.assessment.permissions import MANAGE_PERIOD, SCORE, SELF_CHECK, VIEW_RESULT
from dangjian.core.scope import minimal_prefixes, scope_condition, scope_of

PUBLISHED = (Period.Status.PUBLISHED, Period.Status.FINAL)


def scorer_prefixes(user, role_id: int | None) -> tuple[str, ...]:
    """The subtrees over which the user scores leaves assigned to `role_id` (None: leaves
    without a role, scored by MANAGE_PERIOD holders)."""
    scope = scope_of(user)
    if role_id is None:
        return scope.paths_for(MANAGE_PERIOD)
    return minimal_prefixes(
        grant.path
        for grant in scope.grants
        if grant.role_id == role_id and SCORE in grant.permissions
    )


def scorer_role_ids(user) -> set[int]:
    """The roles through which the user scores (for the assessor's queue)."""
    return {
        grant.role_id
        for grant in scope_of(user).grants
        if grant.role_id is not None and SCORE in grant.permissions
    }


def is_assessor(user) -> bool:
    scope = scope_of(user)
    return scope.has(SCORE) or scope.has(MANAGE_PERIOD)


def can_score(user, card: Scorecard, indicator: Indicator) -> bool:
    path = card.organization.path
    return any(path.startswith(p) for p in scorer_prefixes(user, indicator.scorer_role_id))


def scorable_leaves_q(user, *, card_lookup: str = "") -> Q | None:
    """Q over (indicator, card) pairs the user may score: for LeafScore use card_lookup
    "scorecard__" and indicator lookups "indicator__…"; None when the user scores nothing."""
    scope = scope_of(user)
    conditions = []
    for role_id in scorer_role_ids(user):
        inside = scope_condition(f"{card_lookup}organization__path", scorer_prefixes(user, role_id))
        if inside is not None:
            conditions.append(Q(indicator__scorer_role_id=role_id) & inside)
    managers = scope_condition(f"{card_lookup}organization__path", scope.paths_for(MANAGE_PERIOD))
    if managers is not None:
        conditions.append(Q(indicator__scorer_role__isnull=True) & managers)
    if not conditions:
        return None
    result = conditions[0]
    for condition in conditions[1:]:
        result |= condition
    return result


def _self_check_roles() -> list[int]:
    return roles_with(SELF_CHECK)


def _own_holder_exists(role_ids) -> Exists:
    """For a Scorecard queryset: its organisation has an active SELF_CHECK holder of its own."""
    return Exists(
        RoleAssignment.objects.filter(
            organization_id=OuterRef("organization_id"),
            role_id__in=role_ids,
            user__is_active=True,
        )
    )


def target_cards(user):
    """The cards the user fills as the target side (the rule above), as one query."""
    scope = scope_of(user)
    inside = scope_condition("organization__path", scope.paths_for(SELF_CHECK))
    if inside is None:
        return Scorecard.objects.none()
    own = {g.organization_id for g in scope.grants if SELF_CHECK in g.permissions}
    return Scorecard.objects.filter(
        inside & (Q(organization_id__in=own) | ~_own_holder_exists(_self_check_roles()))
    )


def is_target_side(user, card: Scorecard) -> bool:
    scope = scope_of(user)
    if not scope.covers(SELF_CHECK, card.organization.path):
        return False
    if any(
        g.organization_id == card.organization_id and SELF_CHECK in g.permissions
        for g in scope.grants
    ):
        return True
    return not RoleAssignment.objects.filter(
        organization_id=card.organization_id,
        role_id__in=_self_check_roles(),
        user__is_active=True,
    ).exists()


def is_manager(user, period: Period) -> bool:
    return scope_of(user).covers(MANAGE_PERIOD, period.owner.path)


def periods_managed(user):
    return Period.objects.visible_to(user, MANAGE_PERIOD)


def cards_visible(user):
    """Every card the user may open, by the rules above (a queryset; one subtree test for all
    the working permissions together, one for the published results)."""
    scope = scope_of(user)
    working = [*scope.paths_for(SELF_CHECK), *scope.paths_for(MANAGE_PERIOD)]
    for role_id in scorer_role_ids(user):
        working.extend(scorer_prefixes(user, role_id))
    conditions = []
    condition = scope_condition("organization__path", minimal_prefixes(working))
    if condition is not None:
        conditions.append(condition)
    published = Q(period__status__in=PUBLISHED)
    readers = [p for p in scope.paths_for(VIEW_RESULT) if not any(p.startswith(w) for w in working)]
    condition = scope_condition("organization__path", minimal_prefixes(readers))
    if condition is not None:
        conditions.append(published & condition)
    own = own_cards_q(user)
    if own is not None:
        conditions.append(published & own)
    if not conditions:
        return Scorecard.objects.none()
    result = conditions[0]
    for condition in conditions[1:]:
        result |= condition
    return Scorecard.objects.filter(result)


def own_cards_q(user) -> Q | None:
    """A member's own card and their own branch's card (organisation cards only)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    from dangjian.members.models import Member

    membership = Member.objects.filter(person_id=person_id).values("organization_id").first()
    own = Q(member__person_id=person_id)
    if membership:
        own |= Q(member__isnull=True, organization_id=membership["organization_id"])
    return own


def card_or_404(user, pk, *, queryset=None) -> Scorecard:
    queryset = queryset if queryset is not None else Scorecard.objects.all()
    try:
        return (
            queryset.filter(pk__in=cards_visible(user).values("pk"))
            .select_related("period__template", "period__owner", "organization", "category")
            .get(pk=pk)
        )
    except (Scorecard.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def target_card_or_404(user, pk) -> Scorecard:
    card = card_or_404(user, pk)
    if not is_target_side(user, card):
        raise Http404
    return card


def managed_period_or_404(user, pk) -> Period:
    try:
        return periods_managed(user).select_related("template", "owner", "target_root").get(pk=pk)
    except (Period.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
