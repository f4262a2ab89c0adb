"""Reads the dues pages need beyond `dues.selectors`: the committee's per-branch summary of a
month, the hardships shown beside a page of bases, a user's own membership and published
statements, a member's voluntary payments, and the amounts an import preview will give. Each
read of the ledger starts from `visible_to` like every selector."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_condition
from dangjian.dues.models import (
    SETTLED,
    BranchStatement,
    Hardship,
    HardshipStatus,
    LedgerEntry,
    VoluntaryPayment,
)
from dangjian.dues.permissions import VIEW_DUES
from dangjian.dues.services.common import Pricing
from dangjian.members.models import Member
from dangjian.orgs.models import Organization


def branch_summaries(user, *, organization: Organization, month: datetime.date) -> QuerySet:
    """One row per collecting branch inside the organisation's subtree for the month: rows,
    settled rows, due, paid (one aggregated query; paginate it)."""
    money = LedgerEntry._meta.get_field("amount_due")
    return (
        LedgerEntry.objects.visible_to(user, VIEW_DUES)
        .filter(scope_condition("organization__path", [organization.path]), month=month)
        .values("organization_id", "organization__name", "organization__path")
        .annotate(
            rows=Count("pk"),
            settled=Count("pk", filter=Q(status__in=SETTLED)),
            due=Coalesce(Sum("amount_due"), 0, output_field=money),
            paid=Coalesce(Sum("amount_paid"), 0, output_field=money),
        )
        .order_by("organization__path")
    )


def approved_hardships(member_ids, year: int) -> dict[int, Hardship]:
    """The approved hardship of each listed member that covers part of the year (one query)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 1)
    rows = Hardship.objects.filter(
        member_id__in=list(member_ids),
        status=HardshipStatus.APPROVED,
        first_month__lte=last,
        last_month__gte=first,
    ).order_by("first_month")
    return {row.member_id: row for row in rows}


def own_membership(user) -> Member | None:
    """The membership of the person linked to the account (a member's own pages), or None."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    return (
        Member.objects.filter(person_id=person_id)
        .select_related("person", "organization")
        .order_by("-pk")
        .first()
    )


def published_statements(user, organization) -> QuerySet:
    """The statements the branch has published to its members (newest year first)."""
    return (
        BranchStatement.objects.visible_to(user, VIEW_DUES)
        .filter(organization=organization, published=True)
        .select_related("organization")
        .order_by("-year")
    )


def voluntary_of(user, member, limit: int = 10) -> list[VoluntaryPayment]:
    """The member's latest voluntary extra payments the user may see."""
    return list(
        VoluntaryPayment.objects.visible_to(user, VIEW_DUES)
        .filter(member_id=member.pk)
        .order_by("-paid_on", "-pk")[:limit]
    )


def priced_preview(rows: list[dict], year: int) -> list[dict]:
    """Checked import rows with the rate and monthly amount they will get (not yet written),
    priced by the table in force on 1 January of the year, as the import will price them."""
    try:
        pricing = Pricing.for_year(year)
    except ServiceError:
        return [row | {"rate": None, "amount": None} for row in rows]
    priced = []
    for row in rows:
        base = Decimal(row["base"]) if row.get("base") is not None else None
        try:
            rate, amount = pricing.price(row.get("category"), base)
        except ServiceError:
            rate, amount = None, None
        priced.append(row | {"rate": rate, "amount": amount})
    return priced
