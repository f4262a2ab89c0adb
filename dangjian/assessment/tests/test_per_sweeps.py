"""The reminders sweep (`assessment.reminders`): before the self-check deadline to targets that
have not submitted, before the scoring deadline to assessors with their counts (one a day),
before the appeal window closes to targets with deductions — each idempotent."""

import datetime as dt

import time_machine

from dangjian.assessment import sweeps
from dangjian.assessment.models import LeafScore, Scorecard
from dangjian.assessment.services import periods
from dangjian.assessment.testing import card_of, leaf, make_period
from dangjian.assessment.tests.per_helpers import at, score
from dangjian.core.scheduler import _SWEEPS
from dangjian.notifications.models import Notification


def _told(prefix: str) -> dict[str, int]:
    rows = Notification.objects.filter(dedupe_key__startswith=prefix)
    result: dict[str, int] = {}
    for username in rows.values_list("recipient__username", flat=True):
        result[username] = result.get(username, 0) + 1
    return result


def test_the_sweep_is_registered_hourly():
    assert _SWEEPS["assessment.reminders"].every == dt.timedelta(hours=1)


def test_self_check_reminder_once_to_targets_not_submitted(aw):
    period = make_period(aw)  # self-check until 5 December 18:00
    Scorecard.objects.filter(pk=card_of(period, aw.branch2).pk).update(
        status=Scorecard.Status.SUBMITTED
    )
    with time_machine.travel(at(dt.date(2026, 12, 3), 10), tick=False):
        sweeps.assessment_reminders()
    assert _told("assessment-selfcheck-due") == {}  # more than a day ahead
    with time_machine.travel(at(dt.date(2026, 12, 4), 20), tick=False):
        sweeps.assessment_reminders()
        sweeps.assessment_reminders()
    assert _told("assessment-selfcheck-due") == {"bob": 1}  # cora's branch submitted
    note = Notification.objects.get(dedupe_key__startswith="assessment-selfcheck-due")
    assert "2026-12-05 18:00" in note.body


def test_scoring_reminder_counts_per_assessor_once_a_day(aw):
    period = make_period(aw)  # scoring until 10 December 18:00
    # branch1 submitted: every leaf waits; 1.1.1 already scored by alice.
    card = card_of(period, aw.branch1)
    Scorecard.objects.filter(pk=card.pk).update(status=Scorecard.Status.SUBMITTED)
    LeafScore.objects.create(
        scorecard=card,
        indicator=leaf(period.template, "1.1.1"),
        status=LeafScore.Status.SCORED,
        points=5,
    )
    with time_machine.travel(at(dt.date(2026, 12, 6), 9), tick=False):
        sweeps.assessment_reminders()
    assert _told("assessment-scoring") == {}  # more than three days ahead
    with time_machine.travel(at(dt.date(2026, 12, 8), 9), tick=False):
        sweeps.assessment_reminders()
        sweeps.assessment_reminders()
    # 组织部 (alice) scores 1.1.2 and the role-less 4.1.1 → 2; 宣传部长 (pete) 2.1.1 and 2.1.2
    # → 2; 党委办公室 (oscar) 3.1.1 → 1. branch2 has not submitted and the self-check
    # deadline has passed (5 December): its six leaves wait too.
    assert _told("assessment-scoring") == {"alice": 1, "pete": 1, "oscar": 1}
    counts = {
        n.recipient.username: n.body
        for n in Notification.objects.filter(dedupe_key__startswith="assessment-scoring")
    }
    assert "还有 5 项" in counts["alice"]  # 2 (branch1) + 3 (branch2: 1.1.1, 1.1.2, 4.1.1)
    assert "还有 4 项" in counts["pete"] and "还有 2 项" in counts["oscar"]
    with time_machine.travel(at(dt.date(2026, 12, 9), 9), tick=False):
        sweeps.assessment_reminders()
    assert _told("assessment-scoring") == {"alice": 2, "pete": 2, "oscar": 2}


def test_pending_by_assessor_before_the_self_check_deadline_counts_submitted_cards_only(aw):
    period = make_period(aw)
    Scorecard.objects.filter(pk=card_of(period, aw.branch1).pk).update(
        status=Scorecard.Status.SUBMITTED
    )
    with time_machine.travel(at(dt.date(2026, 12, 1), 9), tick=False):
        pending = sweeps.pending_by_assessor(period)
    names = {aw.alice.pk: "alice", aw.pete.pk: "pete", aw.oscar.pk: "oscar"}
    assert {names[k]: v for k, v in pending.items()} == {"alice": 3, "pete": 2, "oscar": 1}


def test_appeal_window_reminder_once_to_targets_with_deductions(aw):
    period = make_period(aw)
    score(card_of(period, aw.branch1), {"1.1.1": {"occurrences": 1}})
    score(card_of(period, aw.branch2))
    with time_machine.travel(at(dt.date(2026, 12, 2), 10), tick=False):
        periods.period_lock(actor=aw.alice, period=period)
        periods.period_publish(actor=aw.alice, period=period)  # window to 9 December 23:59
        sweeps.assessment_reminders()
    assert _told("assessment-appeal-closing") == {}
    with time_machine.travel(at(dt.date(2026, 12, 9), 8), tick=False):
        sweeps.assessment_reminders()
        sweeps.assessment_reminders()
    assert _told("assessment-appeal-closing") == {"bob": 1}  # branch2 lost nothing


def test_the_daily_sweep_refreshes_computed_scores_of_open_periods_only(aw):
    """A meeting recorded after the period opened shows in the computed 三会一课 score the
    next day; a locked period's explanation stays as it was."""
    from dangjian.meetings.tests.compliance_helpers import meetings

    assert _SWEEPS["assessment.daily"].every == dt.timedelta(days=1)
    with time_machine.travel(at(dt.date(2026, 10, 2), 9), tick=False):
        september = make_period(aw, month=dt.date(2026, 9, 1))
        sanhui = leaf(september.template, "1.1.1")
        assert sweeps.assessment_daily() == 1
        row = LeafScore.objects.get(scorecard=card_of(september, aw.branch2), indicator=sanhui)
        before = row.computed_points
        meetings(aw.branch2, "congress", dt.date(2026, 9, 20))
        assert sweeps.assessment_daily() == 1
    row.refresh_from_db()
    assert row.computed_points == before + 1 and row.points is None
    assert any("2026-09-20" in line for line in row.computed_lines)
    september.status = "locked"
    september.save(update_fields=["status"])
    assert sweeps.assessment_daily() == 0
