"""The shared world builds, and the engine totals a fully scored card."""

from decimal import Decimal

from dangjian.assessment import engine
from dangjian.assessment.models import LeafScore
from dangjian.assessment.testing import card_of, leaf, make_period


def test_a_scored_card_totals_grades_and_ranks(aw):
    period = make_period(aw)
    template = period.template
    card = card_of(period, aw.branch1)
    inputs = {
        "1.1.1": {"occurrences": 1},
        "1.1.2": {"achieved": True},
        "2.1.1": {"level": "较好"},
        "2.1.2": {"achieved": True},
        "3.1.1": {"occurrences": 2},
        "4.1.1": {"occurrences": 5},
    }
    for code, given in inputs.items():
        indicator = leaf(template, code)
        LeafScore.objects.create(
            scorecard=card,
            indicator=indicator,
            status=LeafScore.Status.SCORED,
            points=engine.leaf_points(indicator, **given),
        )
    totals = engine.recompute_card(card)
    # 4 + 2 + 3 + 3 + 2 = 14, bonus 5 × 1 capped at 2 → 16 → 优秀 (bands 16/12/9/0).
    assert totals.total == Decimal("16.00") and totals.grade == "优秀"
    assert totals.deductions == Decimal("4.00") and totals.bonus == Decimal("2.00")
    assert card.scored_count == 6 and card.total == Decimal("16.00")
    assert engine.rank_period(period) == 2
    card.refresh_from_db()
    assert card.rank == 1 and card_of(period, aw.branch2).rank is None
