"""Builders for the appraisal tests: a branch with members linked to accounts, and a round."""

from datetime import timedelta

from django.utils import timezone

from dangjian.appraisals import services
from dangjian.appraisals.models import PeerScope
from dangjian.core.testing.world import make_user
from dangjian.members.models import Category
from dangjian.members.tests.factories import make_member


def member_with_account(organization, name, username, **extra):
    member = make_member(organization, name, **extra)
    user = make_user(username, name, person=member.person)
    return member, user


def open_round(world, *, actor=None, peer_scope=PeerScope.BRANCH, organization=None, **dates):
    today = timezone.localdate()
    return services.round_open(
        actor=actor or world.bob,
        organization=organization or world.branch1,
        year=today.year,
        peer_scope=peer_scope,
        self_ends_on=dates.get("self_ends_on", today + timedelta(days=7)),
        peer_ends_on=dates.get("peer_ends_on", today + timedelta(days=14)),
        propose_ends_on=dates.get("propose_ends_on", today + timedelta(days=21)),
        final_ends_on=dates.get("final_ends_on", today + timedelta(days=30)),
    )


def full_members(organization, count, prefix="党员"):
    return [make_member(organization, f"{prefix}{index}") for index in range(1, count + 1)]


def probationary(organization, name="预备甲"):
    return make_member(organization, name, category=Category.PROBATIONARY)
