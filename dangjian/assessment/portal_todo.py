"""考核 on "my todo" (portal home and workbench):

待自查考核表     SELF_CHECK holders: cards of open periods in their subtree not yet submitted,
                or with leaves returned for more evidence (one query)
待评分细则       assessors (SCORE or MANAGE_PERIOD): the pending leaves of the assessor's
                queue (`selectors_queue.queue_summary`, a fixed number of aggregates)
待裁定申诉       managers: the open appeals of their published periods, from the periods'
                `appeal_open_count` counters (one query)
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from dangjian.assessment import access
from dangjian.assessment.models import Period, Scorecard
from dangjian.assessment.permissions import MANAGE_PERIOD, SELF_CHECK
from dangjian.core.scope import scope_condition, scope_of
from dangjian.portal.todo import TodoItem, register


def _url(name: str, *args) -> str:
    """A page of another part of the system; until it exists, 考核查询."""
    try:
        return reverse(f"assessment:{name}", args=args)
    except NoReverseMatch:
        return reverse("assessment:results_home")


def self_check_count(user) -> int:
    inside = scope_condition("organization__path", scope_of(user).paths_for(SELF_CHECK))
    if inside is None:
        return 0
    return (
        Scorecard.objects.filter(inside, period__status=Period.Status.OPEN)
        .filter(Q(status=Scorecard.Status.SELF_CHECK) | Q(returned_count__gt=0))
        .count()
    )


def scoring_count(user) -> int:
    from dangjian.assessment import selectors_queue

    return selectors_queue.queue_totals(selectors_queue.queue_summary(user))["pending"]


def appeals_waiting(user) -> list[tuple[int, int]]:
    """(period id, open appeals) of the user's published periods with appeals to decide."""
    return list(
        Period.objects.visible_to(user, MANAGE_PERIOD)
        .filter(status=Period.Status.PUBLISHED, appeal_open_count__gt=0)
        .order_by("-starts_on", "-pk")
        .values_list("pk", "appeal_open_count")
    )


@register
def assessment_todo(user, request) -> list[TodoItem]:
    scope = scope_of(user)
    items = []
    if scope.has(SELF_CHECK):
        items.append(
            TodoItem(
                "待自查考核表",
                _url("my_cards"),
                self_check_count(user),
                "clipboard-check",
                "assessment.self_check",
                urgent=True,
            )
        )
    if access.is_assessor(user):
        items.append(
            TodoItem(
                "待评分考核细则",
                _url("queue"),
                scoring_count(user),
                "pencil-square",
                "assessment.score",
            )
        )
    if scope.has(MANAGE_PERIOD):
        waiting = appeals_waiting(user)
        count = sum(n for _, n in waiting)
        url = _url("appeals", waiting[0][0]) if len(waiting) == 1 else _url("periods")
        items.append(
            TodoItem("待裁定考核申诉", url, count, "megaphone", "assessment.appeals", urgent=True)
        )
    return items
