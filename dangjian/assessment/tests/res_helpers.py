"""Helpers of the results tests (tag res): score cards straight through the engine, lock and
publish periods without the workflow services (those are tested by their owners)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from dangjian.assessment import engine
from dangjian.assessment.models import Category, LeafScore, Period, Scorecard
from dangjian.assessment.testing import card_of, leaf, make_period

FULL = {"1.1.1": "5", "1.1.2": "2", "2.1.1": "5", "2.1.2": "3", "3.1.1": "3", "4.1.1": "0"}


def score(card: Scorecard, points: dict[str, str], *, reasons: dict | None = None, **extra):
    """Score every leaf of the card: FULL overridden by `points`; then recompute the card."""
    template = card.period.template
    reasons = reasons or {}
    values = {**FULL, **points}
    for code, value in values.items():
        indicator = leaf(template, code)
        LeafScore.objects.update_or_create(
            scorecard=card,
            indicator=indicator,
            defaults={
                "status": LeafScore.Status.SCORED,
                "points": Decimal(value),
                "self_points": Decimal(FULL[code]),
                "reason": reasons.get(code, "扣分" if Decimal(value) < Decimal(FULL[code]) else ""),
                "vetoed": code in extra.get("vetoed", ()),
                "scored_at": timezone.now(),
            },
        )
    return engine.recompute_card(card)


def settle(period: Period, status=Period.Status.PUBLISHED) -> Period:
    engine.rank_period(period)
    Period.objects.filter(pk=period.pk).update(
        status=status, locked_at=timezone.now(), published_at=timezone.now()
    )
    period.refresh_from_db()
    return period


def scored_period(aw, template, month, points_by_org: dict, *, status=Period.Status.PUBLISHED,
                  previous=None, kind=Period.Kind.MONTH, vetoed=None):  # fmt: skip
    """A period over the orgs of `points_by_org` (org → {code: points}), scored and settled."""
    period = make_period(aw, template, targets=list(points_by_org), month=month, previous=previous)
    if kind != Period.Kind.MONTH:
        quarter = (month.month + 2) // 3
        Period.objects.filter(pk=period.pk).update(
            kind=kind, name=f"{month.year}年第{quarter}季度党支部工作考核"
        )
        period.refresh_from_db()
    for org, points in points_by_org.items():
        score(card_of(period, org), points, vetoed=(vetoed or {}).get(org, ()))
    return settle(period, status)


def add_category(period: Period, name: str, orgs, position=1) -> Category:
    category = Category.objects.create(period=period, name=name, position=position)
    Scorecard.objects.filter(period=period, organization__in=orgs).update(category=category)
    return category


def month(n: int, year: int = 2026) -> dt.date:
    return dt.date(year, n, 1)


def extra_branches(aw, count: int, *, prefix="测试") -> list:
    """`count` more 党支部 under the mine (named 测试01队党支部 …)."""
    from dangjian.orgs.models import Organization, OrgType

    mine = Organization.objects.get(pk=aw.mine.pk)
    result = []
    for number in range(1, count + 1):
        mine.refresh_from_db()
        result.append(
            Organization.objects.add_child(
                mine,
                {
                    "org_type": OrgType.BRANCH,
                    "name": f"{prefix}{number:02d}队党支部",
                    "code": f"G-M1-X{prefix}{number:02d}",
                },
            )
        )
    return result
