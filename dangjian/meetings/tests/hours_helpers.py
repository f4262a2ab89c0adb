"""Builders for the 学时 and settings tests: credits written straight to the table (the engine's
own tests cover how meetings write them), committee posts, and a user with global CONFIGURE."""

from datetime import date
from decimal import Decimal

from dangjian.core.testing.world import grant, make_user
from dangjian.meetings.models import ClassHourCredit
from dangjian.orgs.models import Committee, CommitteePost


def credit(member, hours, on=date(2026, 5, 1), source=ClassHourCredit.Source.TRAINING, **extra):
    return ClassHourCredit.objects.create(
        person=member.person,
        organization=extra.pop("organization", member.organization),
        on_date=on,
        year=on.year,
        hours=Decimal(str(hours)),
        source=source,
        note=extra.pop("note", "测试学时"),
        **extra,
    )


def committee_of(organization, *, start=date(2024, 1, 1), end=date(2027, 1, 1), current=True):
    return Committee.objects.create(
        organization=organization, term_start=start, term_end=end, is_current=current
    )


def post(committee, member, kind=CommitteePost.Post.SECRETARY, **dates):
    return CommitteePost.objects.create(
        committee=committee, post=kind, person=member.person, **dates
    )


def group_configurer(world):
    """组织部 on the group's root: holds CONFIGURE over the whole tree."""
    user = make_user("grace", "葛瑞丝")
    grant(user, "org_department", world.group)
    return user
