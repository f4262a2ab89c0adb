"""The member counts kept on `Organization` (member_count, full_member_count).

Each count covers the organisation's whole subtree — a 党支部 includes the members organised in
its 党小组, a 党委 everyone below it — and counts the members in good standing (正常、恢复党籍).
Pages read the columns instead of counting rows; whoever changes membership refreshes them.
"""

from collections import defaultdict

from django.db.models import Count

from dangjian.core.scope import minimal_prefixes, prefix_q
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

STEP = Organization.steplen


# Members in good standing: shown in the counts and judged by the size rules.
COUNTED_STATUSES = (Member.Status.NORMAL, Member.Status.RESTORED)
# Members an organisation still holds: they must move before it may be dissolved.
HELD_STATUSES = (Member.Status.NORMAL, Member.Status.SUSPENDED, Member.Status.RESTORED)


def organization_refresh_counts(org_ids=None) -> int:
    """Recompute the counts of these organisations (all of them for None) from the member rows.

    One query reads the organisations, one aggregates the members by organisation and category,
    and the updates go in batches of 500. Used after a merge or a move, by the seed, and by later
    issues after bulk member changes. Returns the number of organisations refreshed.
    """
    organizations = Organization.objects.only("pk", "path")
    if org_ids is not None:
        organizations = organizations.filter(pk__in=set(org_ids))
    organizations = list(organizations)
    if not organizations:
        return 0
    wanted = {org.path for org in organizations}
    condition = prefix_q("organization__path", minimal_prefixes(wanted))
    rows = (
        Member.objects.filter(condition, status__in=COUNTED_STATUSES)
        .values_list("organization__path", "category")
        .annotate(total=Count("pk"))
        .order_by()
    )
    members, full = defaultdict(int), defaultdict(int)
    for path, category, total in rows:
        for end in range(STEP, len(path) + 1, STEP):
            prefix = path[:end]
            if prefix in wanted:
                members[prefix] += total
                if category == Member.Category.FULL:
                    full[prefix] += total
    for org in organizations:
        org.member_count = members[org.path]
        org.full_member_count = full[org.path]
    Organization.objects.bulk_update(
        organizations, ["member_count", "full_member_count"], batch_size=500
    )
    return len(organizations)
