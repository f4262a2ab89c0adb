"""Small builders for the organisation tests (on top of the shared `world`)."""

import datetime
import itertools

from dangjian.audit.models import AuditEntry
from dangjian.members.models import Member, Person
from dangjian.orgs.counts import organization_refresh_counts
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgHistory, Unit

_numbers = itertools.count(1)


def add_members(
    organization, count: int, *, category=Member.Category.FULL, status=None, group=None
):
    """Give the organisation `count` members (organised in the 党小组 `group`, if given) and
    refresh the summary counts of its line and of the group."""
    people = []
    for _ in range(count):
        number = next(_numbers)
        person = Person.objects.create(
            name=f"党员{number:04d}", gender="male", work_number=f"W{number:05d}"
        )
        Member.objects.create(
            person=person,
            organization=organization,
            category=category,
            status=status or Member.Status.NORMAL,
            party_group=group,
        )
        people.append(person)
    refresh_line(organization)
    if group is not None:
        refresh_line(group)
    return people


def refresh_line(organization):
    organization.refresh_from_db()
    ids = [
        organization.pk,
        *Organization.objects.get_ancestors(organization).values_list("pk", flat=True),
    ]
    organization_refresh_counts(ids)
    organization.refresh_from_db()


def make_committee(organization, *, start=None, end=None, size=0):
    start = start or datetime.date(2024, 1, 1)
    committee = Committee.objects.create(
        organization=organization,
        term_start=start,
        term_end=end or start.replace(year=start.year + 3),
    )
    people = add_members(organization, size) if size else []
    for person in people:
        CommitteePost.objects.create(committee=committee, post="member", person=person)
    return committee


def tree_state():
    """Everything an organisation service may touch, to prove a refusal changed nothing."""
    return (
        list(Organization.objects.order_by("pk").values()),
        list(OrgHistory.objects.order_by("pk").values()),
        list(Committee.objects.order_by("pk").values()),
        list(CommitteePost.objects.order_by("pk").values()),
        list(
            Member.objects.order_by("pk").values(
                "pk", "organization_id", "party_group_id", "status"
            )
        ),
        list(Unit.objects.order_by("pk").values()),
        list(Organization.units.through.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


def set_rule(key: str, value):
    """Put a new version of a rule in force from long ago (as an administrator would)."""
    from dangjian.core.models import RuleVersion
    from dangjian.core.rules import invalidate

    RuleVersion.objects.create(key=key, value=value, valid_from=datetime.date(2000, 1, 1))
    invalidate(key)
