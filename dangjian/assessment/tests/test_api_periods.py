"""`POST /api/v1/assessment/periods/{id}/transition/`: open, lock, publish, finalize through
the period services; refusals are 400 with the service's text and change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from dangjian.assessment import engine
from dangjian.assessment.models import Indicator, LeafScore, Period, Scorecard
from dangjian.assessment.testing import make_period
from dangjian.core.testing.matrix import assert_access_matrix

BASE = "/api/v1/assessment/periods/"
DURING = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)


@pytest.fixture
def aw(module_aw, db):
    return module_aw


@pytest.fixture
def clock():
    with time_machine.travel(DURING, tick=False):
        yield


def step(client, period, action, **extra):
    return client.post(
        f"{BASE}{period.pk}/transition/",
        {"action": action, **extra},
        content_type="application/json",
    )


def period_state(period):
    return list(Period.objects.filter(pk=period.pk).values()) + list(
        Scorecard.objects.filter(period=period).order_by("pk").values("pk", "status", "rank")
    )


def _score_everything(period):
    leaves = list(Indicator.objects.filter(template=period.template, level=3))
    for n, card in enumerate(Scorecard.objects.filter(period=period).order_by("pk")):
        points = "1" if n % 2 else "3"
        LeafScore.objects.bulk_create(
            LeafScore(
                scorecard=card,
                indicator=indicator,
                status="scored",
                points=engine.full_points(indicator)
                if indicator.code != "1.1.1"
                else Decimal(points),
            )
            for indicator in leaves
        )


def test_open_lock_publish_through_the_api(aw, client, clock):
    period = make_period(aw, targets=[], status=Period.Status.DRAFT)
    client.force_login(aw.alice)
    opened = step(client, period, "open")
    assert opened.status_code == 200, opened.content
    assert opened.json()["status"] == "open" and opened.json()["target_count"] >= 2

    before = period_state(period)
    refused = step(client, period, "lock")
    assert refused.status_code == 400 and "未评分" in refused.json()["error"]["message"]
    assert period_state(period) == before

    _score_everything(period)
    locked = step(client, period, "lock")
    assert locked.status_code == 200, locked.content
    assert locked.json()["status"] == "locked"
    ranks = list(Scorecard.objects.filter(period=period).values_list("rank", flat=True))
    assert sorted(ranks)[:2] == [1, 2]
    published = step(client, period, "publish")
    assert published.status_code == 200 and published.json()["appeal_until"]
    early = step(client, period, "finalize")
    assert early.status_code == 400
    assert Period.objects.get(pk=period.pk).status == Period.Status.PUBLISHED
    unknown = step(client, period, "explode")
    assert unknown.status_code == 400 and "未知的操作" in unknown.json()["error"]["message"]


def test_transition_matrix(aw, client, clock):
    period = make_period(aw)
    _score_everything(period)
    assert_access_matrix(
        client,
        url=f"{BASE}{period.pk}/transition/",
        method="post",
        data={"action": "lock"},
        api=True,
        in_scope=aw.alice,
        out_of_scope=aw.dave,
        no_role=aw.bob,  # a secretary: the period is not theirs to manage
        state=lambda: period_state(period),
    )
    assert Period.objects.get(pk=period.pk).status == Period.Status.LOCKED
