"""The member counts kept on `Organization` (member_count, full_member_count).

A member is held by a 党支部 (`Member.organization`) and may be organised in one of its 党小组
(`Member.party_group`). The count of a 党支部, 党总支 or 党委 covers the members held in its whole
subtree (a 党委 shows everyone below it); the count of a 党小组 covers the members organised in it.
Only members in good standing (正常、恢复党籍) are counted. Pages read the columns instead of
counting rows; whoever changes membership refreshes them.
"""

from collections import defaultdict

from django.db.models import Count

from dangjian.core.scope import minimal_prefixes, prefix_q
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgType

STEP = Organization.steplen


# Members in good standing: shown in the counts and judged by the size rules.
COUNTED_STATUSES = (Member.Status.NORMAL, Member.Status.RESTORED)
# Members an organisation still holds: they must move before it may be dissolved.
HELD_STATUSES = (Member.Status.NORMAL, Member.Status.SUSPENDED, Member.Status.RESTORED)


def organization_refresh_counts(org_ids=None) -> int:
    """Recompute the counts of these organisations (all of them for None) from the member rows.

    One query reads the organisations, one aggregates the held members by organisation and
    category, one more aggregates the members by 党小组 when a 党小组 is among them, and the
    updates go in batches of 500. Used after a merge or a move, by the seed, and by later issues
    after bulk member changes. Returns the number of organisations refreshed.
    """
    organizations = Organization.objects.only("pk", "path", "org_type")
    if org_ids is not None:
        organizations = organizations.filter(pk__in=set(org_ids))
    organizations = list(organizations)
    if not organizations:
        return 0
    wanted = {org.path for org in organizations}
    groups = {org.path for org in organizations if org.org_type == OrgType.GROUP}
    prefixes = minimal_prefixes(wanted)
    counts = defaultdict(lambda: [0, 0])  # path → [members, full members]
    for path, category, total in _tally("organization__path", prefixes):
        for end in range(STEP, len(path) + 1, STEP):
            if path[:end] in wanted and path[:end] not in groups:
                _add(counts[path[:end]], category, total)
    if groups:  # a 党小组 holds nobody: it counts the members organised in it
        for path, category, total in _tally("party_group__path", prefixes):
            if path in groups:
                _add(counts[path], category, total)
    for org in organizations:
        org.member_count, org.full_member_count = counts[org.path]
    Organization.objects.bulk_update(
        organizations, ["member_count", "full_member_count"], batch_size=500
    )
    return len(organizations)


def _tally(path_field: str, prefixes):
    """(path, category, number) of the counted members whose `path_field` is under a prefix."""
    return (
        Member.objects.filter(prefix_q(path_field, prefixes), status__in=COUNTED_STATUSES)
        .values_list(path_field, "category")
        .annotate(total=Count("pk"))
        .order_by()
    )


def _add(counts: list[int], category: str, total: int) -> None:
    counts[0] += total
    if category == Member.Category.FULL:
        counts[1] += total
