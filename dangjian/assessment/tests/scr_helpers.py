"""Helpers of the scr tests (the assessor's side)."""

from __future__ import annotations

import contextlib

from django.utils import timezone

from dangjian.assessment import sources
from dangjian.assessment.models import Scorecard


def more_branches(aw, count: int, prefix: str = "评分") -> list:
    """`count` more 党支部 under the mine."""
    from dangjian.orgs.models import Organization, OrgType

    result = []
    for number in range(1, count + 1):
        mine = Organization.objects.get(pk=aw.mine.pk)
        result.append(
            Organization.objects.add_child(
                mine,
                {
                    "org_type": OrgType.BRANCH,
                    "name": f"{prefix}{number:02d}队党支部",
                    "code": f"G-M1-S{prefix}{number:02d}",
                },
            )
        )
    return result


def submit(*cards) -> None:
    """Mark cards as submitted (the self-check service is another part's)."""
    Scorecard.objects.filter(pk__in=[c.pk for c in cards]).update(
        status=Scorecard.Status.SUBMITTED, submitted_at=timezone.now()
    )
    for card in cards:
        card.refresh_from_db()


@contextlib.contextmanager
def registered(key: str, compute, label: str = "测试来源"):
    """A source registered for the duration of a test (the registry is process-wide)."""
    sources.register(key, label)(compute)
    try:
        yield sources.get(key)
    finally:
        sources._REGISTRY.pop(key, None)
