"""The assessor's services: who scores which leaf, when, with which reason; returns; bulk
scoring all or nothing; lock; and the live-data computation with a fake source."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.assessment import sources
from dangjian.assessment.models import LeafScore, Period, Scorecard
from dangjian.assessment.services import scoring
from dangjian.assessment.testing import card_of, leaf, make_period, make_template
from dangjian.assessment.tests.scr_helpers import more_branches, registered, submit
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.notifications.models import Notification

TZ = timezone.get_current_timezone()
BEFORE_DEADLINE = dt.datetime(2026, 11, 25, 10, tzinfo=TZ)  # self-check until 2026-12-05 18:00


@pytest.fixture
def aw(module_aw, db):
    return module_aw


@pytest.fixture
def period(aw):
    return make_period(aw)


def test_pete_scores_his_graded_leaf_and_the_card_is_recomputed(aw, period):
    card = card_of(period, aw.branch1)
    submit(card)
    row = scoring.leaf_score(
        actor=aw.pete, card=card, indicator=leaf(period.template, "2.1.1"), level="好"
    )
    assert row.points == Decimal("5.00") and row.status == LeafScore.Status.SCORED
    assert row.scored_by == aw.pete and row.level == "好" and row.reason == ""
    card.refresh_from_db()
    assert card.scored_count == 1 and card.total is None  # not every leaf scored yet
    entry = AuditEntry.objects.filter(action="assessment.leaf_score").latest("id")
    assert entry.after["points"] == "5" and entry.organization_path == aw.branch1.path


def test_pete_cannot_score_an_org_department_leaf(aw, period):
    card = card_of(period, aw.branch1)
    submit(card)
    with pytest.raises(ServiceError, match="由组织部评分"):
        scoring.leaf_score(
            actor=aw.pete, card=card, indicator=leaf(period.template, "1.1.2"), achieved=True
        )
    assert not LeafScore.objects.filter(scorecard=card).exists()


def test_only_managers_score_role_less_leaves_and_nobody_outside_the_subtree(aw, period):
    card = card_of(period, aw.branch1)
    submit(card)
    bonus = leaf(period.template, "4.1.1")
    with pytest.raises(ServiceError):
        scoring.leaf_score(actor=aw.pete, card=card, indicator=bonus, occurrences=1)
    with pytest.raises(ServiceError):  # 组织部 of mine 2: not over branch1
        scoring.leaf_score(actor=aw.dave, card=card, indicator=bonus, occurrences=1)
    row = scoring.leaf_score(actor=aw.alice, card=card, indicator=bonus, occurrences=5)
    assert row.points == Decimal("2.00")  # bonus capped at the leaf's cap


def test_a_deduction_needs_a_reason(aw, period):
    card = card_of(period, aw.branch1)
    submit(card)
    graded = leaf(period.template, "2.1.1")
    with pytest.raises(ServiceError, match="扣分须写明理由"):
        scoring.leaf_score(actor=aw.pete, card=card, indicator=graded, level="较好")
    row = scoring.leaf_score(
        actor=aw.pete, card=card, indicator=graded, level="较好", reason="报道数量不足"
    )
    assert row.points == Decimal("3.00") and row.reason == "报道数量不足"


def test_points_outside_the_range_are_refused_with_the_range(aw, period):
    card = card_of(period, aw.branch1)
    submit(card)
    with pytest.raises(ServiceError, match="只能评5、3、1、0分"):
        scoring.leaf_score(
            actor=aw.pete,
            card=card,
            indicator=leaf(period.template, "2.1.1"),
            points="4",
            reason="x",
        )
    with pytest.raises(ServiceError, match="请填写次数"):
        scoring.leaf_score(actor=aw.alice, card=card, indicator=leaf(period.template, "1.1.1"))


def test_veto_only_on_a_veto_leaf_and_with_a_reason(aw, period):
    card = card_of(period, aw.branch1)
    submit(card)
    with pytest.raises(ServiceError, match="不是一票否决项"):
        scoring.leaf_score(
            actor=aw.pete,
            card=card,
            indicator=leaf(period.template, "2.1.1"),
            level="好",
            vetoed=True,
            reason="x",
        )
    veto = leaf(period.template, "2.1.2")
    with pytest.raises(ServiceError, match="一票否决须写明理由"):
        scoring.leaf_score(actor=aw.pete, card=card, indicator=veto, achieved=True, vetoed=True)
    row = scoring.leaf_score(
        actor=aw.pete,
        card=card,
        indicator=veto,
        achieved=False,
        vetoed=True,
        reason="发生意识形态领域重大问题",
    )
    assert row.vetoed and row.points == Decimal("0.00")
    card.refresh_from_db()
    assert card.vetoed


def test_not_before_submission_or_the_deadline(aw, period):
    card = card_of(period, aw.branch1)
    graded = leaf(period.template, "2.1.1")
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        with pytest.raises(ServiceError, match="尚未提交自查"):
            scoring.leaf_score(actor=aw.pete, card=card, indicator=graded, level="好")
        with pytest.raises(ServiceError, match="尚未提交自查"):
            scoring.leaf_return(actor=aw.pete, card=card, indicator=graded, message="补充")
    after = period.self_check_until + dt.timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        row = scoring.leaf_score(actor=aw.pete, card=card, indicator=graded, level="好")
    assert row.points == Decimal("5.00")


@pytest.mark.parametrize(
    "status", [Period.Status.LOCKED, Period.Status.PUBLISHED, Period.Status.FINAL]
)
def test_no_score_and_no_return_after_lock(aw, period, status):
    card = card_of(period, aw.branch1)
    submit(card)
    graded = leaf(period.template, "2.1.1")
    scoring.leaf_score(actor=aw.pete, card=card, indicator=graded, level="好")
    Period.objects.filter(pk=period.pk).update(status=status)
    card.refresh_from_db()
    with pytest.raises(ServiceError, match=r"申诉|定档"):
        scoring.leaf_score(actor=aw.pete, card=card, indicator=graded, level="差", reason="x")
    with pytest.raises(ServiceError):
        scoring.leaf_return(
            actor=aw.pete, card=card, indicator=leaf(period.template, "2.1.2"), message="补充"
        )
    assert LeafScore.objects.get(scorecard=card, indicator=graded).points == Decimal("5.00")


def test_return_notifies_the_target_then_scoring_after_resubmission(aw, period):
    card = card_of(period, aw.branch1)
    submit(card)
    veto = leaf(period.template, "2.1.2")
    with pytest.raises(ServiceError, match="写明退回原因"):
        scoring.leaf_return(actor=aw.pete, card=card, indicator=veto, message="  ")
    row = scoring.leaf_return(
        actor=aw.pete, card=card, indicator=veto, message="请补充意识形态工作台账"
    )
    assert row.status == LeafScore.Status.RETURNED and row.returned_by == aw.pete
    card.refresh_from_db()
    assert card.returned_count == 1
    note = Notification.objects.filter(recipient=aw.bob).latest("id")
    assert "2.1.2" in note.title and "意识形态工作台账" in note.body
    assert not Notification.objects.filter(recipient=aw.cora, title=note.title).exists()
    with pytest.raises(ServiceError, match="已经退回"):
        scoring.leaf_return(actor=aw.pete, card=card, indicator=veto, message="再次")
    row = scoring.leaf_score(actor=aw.pete, card=card, indicator=veto, achieved=True)
    assert row.status == LeafScore.Status.SCORED and row.return_message
    card.refresh_from_db()
    assert card.returned_count == 0
    with pytest.raises(ServiceError, match="已经评分"):
        scoring.leaf_return(actor=aw.pete, card=card, indicator=veto, message="补充")


def test_a_card_with_every_leaf_scored_is_complete_once(aw, period):
    card = card_of(period, aw.branch1)
    submit(card)
    template = period.template
    scoring.leaf_score(actor=aw.alice, card=card, indicator=leaf(template, "1.1.1"), occurrences=0)
    scoring.leaf_score(actor=aw.alice, card=card, indicator=leaf(template, "1.1.2"), achieved=True)
    scoring.leaf_score(actor=aw.pete, card=card, indicator=leaf(template, "2.1.1"), level="好")
    scoring.leaf_score(actor=aw.pete, card=card, indicator=leaf(template, "2.1.2"), achieved=True)
    scoring.leaf_score(actor=aw.oscar, card=card, indicator=leaf(template, "3.1.1"), occurrences=0)
    card.refresh_from_db()
    assert card.status == Scorecard.Status.SUBMITTED and card.total is None
    scoring.leaf_score(actor=aw.alice, card=card, indicator=leaf(template, "4.1.1"), occurrences=1)
    card.refresh_from_db()
    assert card.status == Scorecard.Status.SCORED and card.total == Decimal("19.00")
    assert card.grade == "优秀"
    # a change of a scored leaf does not count the card twice
    scoring.leaf_score(
        actor=aw.pete, card=card, indicator=leaf(template, "2.1.1"), level="差", reason="无报道"
    )
    period.refresh_from_db()
    card.refresh_from_db()
    assert period.scored_count == 1 and card.total == Decimal("14.00") and card.grade == "良好"


def test_bulk_scoring_is_all_or_nothing_with_a_message_per_row(aw, period):
    one, two = card_of(period, aw.branch1), card_of(period, aw.branch2)
    submit(one, two)
    graded = leaf(period.template, "2.1.1")
    entries = [
        scoring.Entry(card=one, level="好"),
        scoring.Entry(card=two, level="一般"),  # a deduction without a reason
    ]
    with pytest.raises(ServiceError) as refused:
        scoring.leaf_scores_bulk(actor=aw.pete, period=period, indicator=graded, entries=entries)
    assert refused.value.messages == [
        "掘进二队党支部：细则 2.1.1：扣分须写明理由（评1分，满分5分）。"
    ]
    assert not LeafScore.objects.filter(indicator=graded).exists()
    entries[1] = scoring.Entry(card=two, level="一般", reason="报道少")
    assert (
        scoring.leaf_scores_bulk(actor=aw.pete, period=period, indicator=graded, entries=entries)
        == 2
    )
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.scored_count, two.scored_count) == (1, 1)
    with pytest.raises(ServiceError, match="由组织部评分"):
        scoring.leaf_scores_bulk(
            actor=aw.pete,
            period=period,
            indicator=leaf(period.template, "1.1.2"),
            entries=[scoring.Entry(card=one, achieved=True)],
        )


# ------------------------------------------------------------------ live-data sources

CALLS = []


def _fake_source(indicator, period, cards):
    from dangjian.assessment.models import Scorecard as Card

    CALLS.append(len(cards))
    list(Card.objects.filter(pk__in=[c.pk for c in cards]).values_list("pk"))  # one query
    return {
        card.pk: sources.Computed(
            occurrences=Decimal(index), lines=[f"缺{index}次", "2026年第四季度党员大会未召开"]
        )
        for index, card in enumerate(cards)
    }


@pytest.fixture(autouse=False)
def fake_source():
    with registered("test.missing_meetings", _fake_source) as source:
        yield source


def _with_source(period, code="1.1.1"):
    indicator = leaf(period.template, code)
    indicator.source = "test.missing_meetings"
    indicator.save(update_fields=["source"])
    return indicator


def _compute_queries(aw, count: int, prefix: str) -> tuple[int, int, list]:
    template = make_template(aw, name=f"{prefix}考核")
    period = make_period(aw, template, targets=more_branches(aw, count, prefix), name=f"{prefix}期")
    indicator = _with_source(period)
    CALLS.clear()
    with CaptureQueriesContext(connection) as first:
        written = scoring.sources_compute(actor=aw.alice, period=period, indicator=indicator)
    assert written == count and [count] == CALLS
    with CaptureQueriesContext(connection) as again:  # updates in bulk, no new rows
        assert scoring.sources_compute(actor=aw.alice, period=period, indicator=indicator) == count
    rows = list(LeafScore.objects.filter(indicator=indicator).order_by("scorecard_id"))
    return len(first), len(again), rows


def test_sources_compute_writes_computed_points_for_every_card_in_bounded_queries(aw, fake_source):
    _compute_queries(aw, 1, "暖")  # warm the per-process caches (content types, audit)
    small = _compute_queries(aw, 2, "甲")
    first, again, rows = _compute_queries(aw, 20, "乙")
    assert (first, again) == small[:2] and first <= 15
    assert len(rows) == 20
    points = sorted(row.computed_points for row in rows)
    # occurrences 0 … 19 at 1 point each from 5, floored at zero (扣完为止)
    assert points == [Decimal("0")] * 15 + [Decimal(v) for v in "12345"]
    assert all(row.points is None and row.status == LeafScore.Status.EMPTY for row in rows)
    assert rows[0].computed_lines == ["缺0次", "2026年第四季度党员大会未召开"]


def test_accepting_a_computed_deduction_takes_the_explanation_as_reason(aw, period, fake_source):
    indicator = _with_source(period)
    one, two = card_of(period, aw.branch1), card_of(period, aw.branch2)
    submit(one, two)
    scoring.sources_compute(period=period, indicator=indicator)
    computed = LeafScore.objects.get(scorecard=two, indicator=indicator)
    assert computed.computed_points == Decimal("4.00")
    # full marks against a computed deduction: a reason is needed although nothing is deducted
    with pytest.raises(ServiceError, match="系统计算分（4分）不同"):
        scoring.leaf_score(actor=aw.alice, card=two, indicator=indicator, occurrences=0)
    row = scoring.leaf_score(
        actor=aw.alice, card=two, indicator=indicator, points=computed.computed_points
    )
    assert row.points == Decimal("4.00")
    assert row.reason == "系统按实时数据计算：缺1次；2026年第四季度党员大会未召开"
    with pytest.raises(ServiceError, match="扣分须写明理由"):
        scoring.leaf_score(actor=aw.alice, card=one, indicator=indicator, occurrences=1)
    row = scoring.leaf_score(
        actor=aw.alice, card=one, indicator=indicator, occurrences=1, reason="记录不规范"
    )
    assert row.points == Decimal("4.00") and row.computed_points == Decimal("5.00")


def test_sources_compute_never_touches_a_score_and_refuses_after_lock(aw, period, fake_source):
    indicator = _with_source(period)
    one = card_of(period, aw.branch1)
    submit(one)
    scoring.leaf_score(actor=aw.alice, card=one, indicator=indicator, occurrences=3, reason="缺会")
    scoring.sources_compute(period=period, indicator=indicator)
    row = LeafScore.objects.get(scorecard=one, indicator=indicator)
    assert row.points == Decimal("2.00") and row.computed_points == Decimal("5.00")
    Period.objects.filter(pk=period.pk).update(status=Period.Status.LOCKED)
    with pytest.raises(ServiceError, match="锁定"):
        scoring.sources_compute(period=period, indicator=indicator)
    with pytest.raises(ServiceError, match="没有可用的自动计算来源"):
        Period.objects.filter(pk=period.pk).update(status=Period.Status.OPEN)
        scoring.sources_compute(period=period, indicator=leaf(period.template, "2.1.1"))


def test_the_sheet_s_registered_sources_run_over_the_period(aw, period):
    """The sheet's 1.1.1 (meetings.sanhui_yike) and 3.1.1 (documents.sign_timeliness) run once
    each over both cards; whatever they find, nothing is scored."""
    keys = [
        key for key in ("meetings.sanhui_yike", "documents.sign_timeliness") if sources.get(key)
    ]
    assert keys, "the live-data sources are registered at start-up (sources.autodiscover)"
    written = scoring.sources_compute(actor=aw.alice, period=period)
    assert written == 2 * len(keys)
    rows = LeafScore.objects.filter(scorecard__period=period)
    assert rows.count() == written
    assert all(row.computed_at and row.points is None for row in rows)
    assert all(row.computed_points is not None or row.computed_lines for row in rows)


def test_returned_completed_and_scored_round_trip(aw, period):
    """pete returns 2.1.2 of branch1; bob adds a file and resubmits (the self-check part's
    service); the leaf is pending again in pete's queue and pete scores it."""
    from dangjian.assessment import selectors_queue as sq
    from dangjian.assessment.services import selfcheck
    from dangjian.assessment.tests.test_self_services import png_bytes, upload

    card = card_of(period, aw.branch1)
    veto = leaf(period.template, "2.1.2")
    selfcheck.leaf_self_check(actor=aw.bob, card=card, indicator=veto, self_points=Decimal(3))
    submit(card)
    scoring.leaf_return(actor=aw.pete, card=card, indicator=veto, message="请补充台账")

    def counts():
        with time_machine.travel(BEFORE_DEADLINE, tick=False):
            rows = {row.indicator.code: row for row in sq.queue_summary(aw.pete)}
        return rows["2.1.2"].pending, rows["2.1.2"].returned

    assert counts() == (0, 1)
    selfcheck.evidence_upload(
        actor=aw.bob, card=card, indicator=veto, file=upload("台账.png", png_bytes(), "image/png")
    )
    selfcheck.leaf_resubmit(actor=aw.bob, card=card, indicator=veto, note="已补充台账")
    assert counts() == (1, 0)
    row = scoring.leaf_score(actor=aw.pete, card=card, indicator=veto, achieved=True)
    assert row.status == LeafScore.Status.SCORED and row.evidence.count() == 1
    assert counts() == (0, 0)
