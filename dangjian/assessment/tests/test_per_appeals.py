"""Appeals: filed by the target side during the window against a deducted leaf, decided by a
manager; an upheld decision is the only way a score changes after lock (points, total, rank);
a second decision is refused."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from dangjian.assessment.models import Appeal, Evidence, LeafScore, Period
from dangjian.assessment.services import periods
from dangjian.assessment.services.appeals import appeal_decide, appeal_file
from dangjian.assessment.testing import card_of, leaf, make_period
from dangjian.assessment.tests.per_helpers import at, score
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.notifications.models import Notification

PUBLISHED_AT = at(dt.date(2026, 12, 2), 10)  # window: 5 working days → end of 9 December
INSIDE = at(dt.date(2026, 12, 4), 9)
AFTER = at(dt.date(2026, 12, 10), 9)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _refused(call, text: str):
    with pytest.raises(ServiceError) as info:
        call()
    assert text in info.value.messages[0], info.value.messages[0]


@pytest.fixture
def published(aw):
    """branch1 lost 3 points on 1.1.1 (total 15, second), branch2 lost 1 (17, first)."""
    period = make_period(aw)
    score(card_of(period, aw.branch1), {"1.1.1": {"occurrences": 3}})
    score(card_of(period, aw.branch2), {"1.1.1": {"occurrences": 1}})
    with time_machine.travel(PUBLISHED_AT, tick=False):
        periods.period_lock(actor=aw.alice, period=period)
        periods.period_publish(actor=aw.alice, period=period)
    period.refresh_from_db()
    return period


def _file(aw, period, *, actor=None, code="1.1.1", reason="会议已按期召开，记录见附件。", **kw):
    return appeal_file(
        actor=actor or aw.bob,
        card=card_of(period, aw.branch1),
        leaf=leaf(period.template, code),
        reason=reason,
        **kw,
    )


def test_an_upheld_appeal_changes_points_total_and_rank(aw, published):
    period = published
    one, two = card_of(period, aw.branch1), card_of(period, aw.branch2)
    assert (one.total, one.rank, two.total, two.rank) == (
        Decimal("15.00"),
        2,
        Decimal("17.00"),
        1,
    )
    with time_machine.travel(INSIDE, tick=False):
        appeal = _file(aw, period)
        assert appeal.points_before == Decimal("2.00")
        period.refresh_from_db()
        assert (period.appeal_count, period.appeal_open_count) == (1, 1)
        # The managers are told (alice, 组织部 of the mine).
        assert Notification.objects.filter(
            dedupe_key=f"assessment-appeal:{appeal.pk}", recipient=aw.alice
        ).exists()
        appeal_decide(
            actor=aw.alice,
            appeal=appeal,
            upheld=True,
            decision="经核实，10月已召开党员大会，扣分有误。",
            occurrences=0,
        )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD and appeal.points_after == Decimal("5.00")
    row = LeafScore.objects.get(scorecard=one, indicator__code="1.1.1")
    assert row.points == Decimal("5.00") and row.changed_by_appeal and row.occurrences == 0
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.total, one.rank, two.rank) == (Decimal("18.00"), 1, 2)
    period.refresh_from_db()
    assert (period.appeal_count, period.appeal_open_count) == (1, 0)
    entry = AuditEntry.objects.get(action="assessment.appeal_decide")
    assert entry.after["upheld"] is True
    assert Notification.objects.filter(
        dedupe_key=f"assessment-appeal-decided:{appeal.pk}", recipient=aw.bob
    ).exists()
    # Decided twice: refused, nothing changes.
    with time_machine.travel(INSIDE, tick=False):
        _refused(
            lambda: appeal_decide(actor=aw.alice, appeal=appeal, upheld=False, decision="再议"),
            "不能再次裁定",
        )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD


def test_a_rejected_appeal_changes_nothing_and_the_leaf_is_not_appealed_again(aw, published):
    period = published
    with time_machine.travel(INSIDE, tick=False):
        appeal = _file(aw, period)
        appeal_decide(actor=aw.alice, appeal=appeal, upheld=False, decision="记录不全，维持。")
        one = card_of(period, aw.branch1)
        assert (one.total, one.rank) == (Decimal("15.00"), 2)
        _refused(lambda: _file(aw, period), "不能再次申诉")


def test_no_score_changes_after_lock_except_by_appeal(aw, published):
    from dangjian.assessment.services.scoring import leaf_score

    card = card_of(published, aw.branch1)
    with time_machine.travel(INSIDE, tick=False):
        _refused(
            lambda: leaf_score(
                actor=aw.alice,
                card=card,
                indicator=leaf(published.template, "1.1.1"),
                occurrences=0,
            ),
            "申诉",
        )
    assert LeafScore.objects.get(scorecard=card, indicator__code="1.1.1").points == Decimal("2")


def test_filing_refusals(aw, published):
    period = published
    with time_machine.travel(INSIDE, tick=False):
        _refused(lambda: _file(aw, period, actor=aw.cora), "不能替")
        _refused(lambda: _file(aw, period, actor=aw.dave), "不能替")
        _refused(lambda: _file(aw, period, actor=aw.pete), "不能替")  # an assessor
        _refused(lambda: _file(aw, period, reason=" "), "申诉理由")
        _refused(lambda: _file(aw, period, code="1.1.2"), "没有扣分")
        _file(aw, period)
        _refused(lambda: _file(aw, period), "已有申诉在裁定中")
    with time_machine.travel(AFTER, tick=False):
        _refused(lambda: _file(aw, period, code="2.1.1"), "申诉期已结束")
    assert Appeal.objects.count() == 1


def test_no_appeal_before_publication(aw):
    period = make_period(aw)
    score(card_of(period, aw.branch1), {"1.1.1": {"occurrences": 3}})
    _refused(lambda: _file(aw, period), "不在申诉期内")


def test_decide_refusals(aw, published):
    with time_machine.travel(INSIDE, tick=False):
        appeal = _file(aw, published)
        _refused(
            lambda: appeal_decide(actor=aw.dave, appeal=appeal, upheld=False, decision="x"),
            "没有裁定",
        )
        _refused(
            lambda: appeal_decide(actor=aw.pete, appeal=appeal, upheld=False, decision="x"),
            "没有裁定",
        )
        _refused(
            lambda: appeal_decide(actor=aw.alice, appeal=appeal, upheld=False, decision=" "),
            "裁定意见",
        )
        # The same points as before (3 occurrences → 2) are no decision in the target's favour.
        _refused(
            lambda: appeal_decide(
                actor=aw.alice, appeal=appeal, upheld=True, decision="改", occurrences=3
            ),
            "须给出改正后的得分",
        )
        _refused(
            lambda: appeal_decide(
                actor=aw.alice, appeal=appeal, upheld=True, decision="改", points="7"
            ),
            "超出范围",
        )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.PENDING
    assert Period.objects.get(pk=published.pk).appeal_open_count == 1


def test_appeal_files_are_stored_as_appeal_evidence(aw, published):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with time_machine.travel(INSIDE, tick=False):
        appeal = _file(
            aw,
            published,
            files=[SimpleUploadedFile("会议记录.png", PNG, content_type="image/png")],
        )
    evidence = Evidence.objects.get(appeal=appeal)
    assert evidence.stage == Evidence.Stage.APPEAL and evidence.leaf_id == appeal.leaf_id
    assert evidence.scorecard_id == appeal.scorecard_id
