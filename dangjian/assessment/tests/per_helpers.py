"""Helpers of the period tests (tag per): drafts through the service, branches in bulk, a
card scored straight (the scoring service is another part's)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from dangjian.assessment import engine
from dangjian.assessment.models import Indicator, LeafScore, Period, Scorecard
from dangjian.assessment.services import periods
from dangjian.orgs.models import Organization, OrgType, Unit

TZ = timezone.get_current_timezone()
# Full marks of the test sheet's leaves except 4.1.1 (bonus).
FULL = {
    "1.1.1": {"occurrences": 0},
    "1.1.2": {"achieved": True},
    "2.1.1": {"level": "好"},
    "2.1.2": {"achieved": True},
    "3.1.1": {"occurrences": 0},
    "4.1.1": {"occurrences": 0},
}


def at(day: dt.date, hour: int = 18) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), TZ)


def draft(aw, template, *, root=None, types=("branch",), categories=None, name="", **extra):
    month = extra.pop("month", dt.date(2026, 11, 1))
    last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    values = {
        "actor": aw.alice,
        "owner": aw.mine,
        "template": template,
        "name": name or f"{month.year}年{month.month}月党支部工作考核",
        "kind": Period.Kind.MONTH,
        "starts_on": month,
        "ends_on": last,
        "target_root": root or aw.mine,
        "target_types": list(types),
        "categories": categories if categories is not None else periods.DEFAULT_CATEGORIES,
        "self_check_until": at(last + dt.timedelta(days=5)),
        "scoring_until": at(last + dt.timedelta(days=10)),
    }
    values.update(extra)
    return periods.period_create(**values)


def bulk_branches(parent, names, *, first_step: int = 100, code="PER"):
    rows = [
        Organization(
            org_type=OrgType.BRANCH,
            name=name,
            code=f"{code}-{first_step + i}",
            depth=parent.depth + 1,
            path=Organization._get_path(parent.path, parent.depth + 1, first_step + i),
        )
        for i, name in enumerate(names)
    ]
    Organization.objects.bulk_create(rows, batch_size=500)
    return list(Organization.objects.filter(code__startswith=f"{code}-").order_by("path"))


def add_unit(org, kind: str, owner, code: str):
    unit = Unit.objects.create(name=f"{org.name}单位", code=code, kind=kind, owner=owner)
    org.units.add(unit)
    return unit


def score(card: Scorecard, overrides: dict | None = None, *, reason="扣分理由") -> Scorecard:
    """Score every leaf of the card straight (rule input → engine points), then recompute."""
    given = {**FULL, **(overrides or {})}
    for indicator in Indicator.objects.filter(template=card.period.template, level=3):
        value = engine.leaf_points(indicator, **given[indicator.code])
        LeafScore.objects.update_or_create(
            scorecard=card,
            indicator=indicator,
            defaults={
                "status": LeafScore.Status.SCORED,
                "points": value,
                "reason": reason if engine.is_deduction(indicator, value) else "",
                **{
                    k: (Decimal(str(v)) if k == "occurrences" else v)
                    for k, v in given[indicator.code].items()
                },
            },
        )
    engine.recompute_card(card)
    return card
