"""Reads of the member records. Every one starts from `visible_to(user, permission)`.

`filtered_members` is shared by the list page, the export, the API and the statistics; the
`member_for_user` access function is the only way a page reaches one member (404 outside the
scope, exactly as missing).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dangjian.core.forms import parse_id
from dangjian.core.scope import get_visible_or_404, scope_of
from dangjian.members.filters import MemberFilterForm
from dangjian.members.models import (
    Member,
    MemberDocument,
    RecordChange,
    RewardPunishment,
    StatusChange,
)
from dangjian.members.permissions import REVEAL_SENSITIVE, VIEW_MEMBER
from dangjian.orgs.models import CommitteePost, Organization

MEMBER_RELATED = ("person", "organization", "party_group", "person__unit")


def members_visible_to(user, permission: str = VIEW_MEMBER) -> QuerySet:
    return Member.objects.visible_to(user, permission).select_related(*MEMBER_RELATED)


def filtered_members(
    user, data, *, permission: str = VIEW_MEMBER
) -> tuple[QuerySet, MemberFilterForm]:
    """The members in the user's scope matching the filters in `data` (a GET-like mapping).

    An invalid filter (an organisation outside the scope, a year that is not a year) answers
    no rows; the form carries the Chinese message to show.
    """
    form = MemberFilterForm(data, user=user, permission=permission)
    queryset = members_visible_to(user, permission)
    if not form.is_valid():
        return queryset.none(), form
    return form.apply(queryset), form


def member_for_user(user, pk, permission: str = VIEW_MEMBER) -> Member:
    """One member in the user's scope (or the user's own record), else 404."""
    queryset = Member.objects.select_related(*MEMBER_RELATED)
    return get_visible_or_404(queryset, user, permission, pk=parse_id(pk))


def organization_options(user, query: str, *, permission: str = VIEW_MEMBER, limit: int = 30):
    """Organisations in scope whose name or code contains the text (the filter's search box)."""
    queryset = Organization.objects.visible_to(user, permission).only("pk", "name", "path")
    query = (query or "").strip()
    if query:
        queryset = queryset.filter(
            Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code__icontains=query)
        )
    return list(queryset.order_by("path")[:limit])


def may_reveal(user, member: Member) -> bool:
    """Does the user hold `members.reveal_sensitive` over this member's organisation?"""
    return scope_of(user).covers(REVEAL_SENSITIVE, member.organization.path)


# ---------------------------------------------------------------- the detail page tabs


def committee_posts_of(member: Member) -> list[CommitteePost]:
    """The committee posts the person holds now (current term, not ended)."""
    return list(
        CommitteePost.objects.filter(
            person_id=member.person_id, ended_on__isnull=True, committee__is_current=True
        )
        .select_related("committee__organization")
        .order_by("committee__organization__path", "sort_order", "pk")
    )


def rewards_of(member: Member) -> list[RewardPunishment]:
    return list(RewardPunishment.objects.filter(member=member).select_related("document"))


def status_changes_of(member: Member) -> list[StatusChange]:
    return list(
        StatusChange.objects.filter(member=member).select_related(
            "actor", "from_organization", "to_organization"
        )
    )


def record_changes_of(member: Member) -> QuerySet:
    """The person's field history, newest first (paginate it)."""
    return (
        RecordChange.objects.filter(person_id=member.person_id)
        .select_related("actor")
        .order_by("-changed_at", "-pk")
    )


def documents_of(member: Member) -> list[MemberDocument]:
    return list(
        MemberDocument.objects.filter(person_id=member.person_id).select_related("uploaded_by")
    )
