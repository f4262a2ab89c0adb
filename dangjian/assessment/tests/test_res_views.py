"""Results pages: 考核查询, the period's ranking, a card's result, trends, annual; visibility
(a branch cannot see another's card; VIEW_RESULT holders see only published periods; a member
sees their own branch after publication) and query-count guards (2 vs 20 cards)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangjian.assessment.models import Appeal, LeafScore, Period, Scorecard
from dangjian.assessment.testing import card_of, leaf, make_period, make_template
from dangjian.assessment.tests.res_helpers import (
    add_category,
    extra_branches,
    month,
    score,
    scored_period,
    settle,
)


@pytest.fixture
def aw(module_aw, db):
    return module_aw


def _get(client, user, name, *args, **params):
    client.force_login(user)
    return client.get(reverse(f"assessment:{name}", args=args), params)


@pytest.fixture
def published(aw):
    """October (published) and November (published, previous = October) of branch1/branch2,
    branch2 losing on 1.1.1 with a reason and a computed explanation, and an upheld appeal."""
    template = make_template(aw)
    october = scored_period(aw, template, month(10), {aw.branch1: {"1.1.1": "4"}, aw.branch2: {}})
    november = make_period(aw, template, month=month(11), previous=october)
    score(
        card_of(november, aw.branch2),
        {"1.1.1": "3", "2.1.1": "3"},
        reasons={"1.1.1": "10月未召开支部委员会，缺2次", "2.1.1": "宣传报道数量不足"},
    )
    score(card_of(november, aw.branch1), {})
    card = card_of(november, aw.branch2)
    row = LeafScore.objects.get(scorecard=card, indicator=leaf(template, "1.1.1"))
    LeafScore.objects.filter(pk=row.pk).update(
        computed_points=3,
        computed_lines=[
            "2026年11月 支部委员会：应开1次，实开0次",
            "2026年第四季度 党员大会：未召开",
        ],
    )
    Appeal.objects.create(
        scorecard=card,
        leaf=row,
        reason="11月20日已召开支委会，记录已补传",
        status=Appeal.Status.REJECTED,
        points_before=3,
        decision="会议记录未签字，维持原评分",
        created_by=aw.cora,
    )
    return settle(november)


def test_the_period_page_ranks_with_change_grade_and_charts(aw, client, published):
    response = _get(client, aw.alice, "period_results", published.pk)

    assert response.status_code == 200
    html = response.content.decode()
    assert "综采一队党支部" in html and "掘进二队党支部" in html
    assert "▲ +1" in html  # branch1: 17 → 18
    assert "▼ -4" in html  # branch2: 18 → 14
    rows = [(r["card"].target_name, r["card"].rank) for r in response.context["rows"]]
    assert rows == [("综采一队党支部", 1), ("掘进二队党支部", 2)]
    chart = response.context["chart"]
    assert chart["categories"][0]["average"] == 16.0
    assert [x["name"] for x in chart["losses"]] == [
        "1.1.1 三会一课按期召开，记录完整",
        "2.1.1 宣传报道及时、质量高",
    ]
    assert 'id="res-chart"' in html and "assessment/res.js" in html
    assert f'href="/assessment/results/periods/{published.pk}/bulletin.pdf"' in html


def test_the_card_page_shows_every_leaf_with_reason_computation_and_appeal(aw, client, published):
    card = card_of(published, aw.branch2)

    response = _get(client, aw.cora, "card_result", card.pk)

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "10月未召开支部委员会，缺2次",
        "2026年第四季度 党员大会：未召开",
        "11月20日已召开支委会，记录已补传",
        "维持原评分",
        "会议记录未签字，维持原评分",
        "获上级党组织表彰",
    ):
        assert text in html, text
    leaves = [
        row.indicator.code for node in response.context["tree"] for item in node.children
        for row in item.children
    ]  # fmt: skip
    assert leaves == ["1.1.1", "1.1.2", "2.1.1", "2.1.2", "3.1.1", "4.1.1"]
    trend = response.context["trend"]
    assert [float(p.total) for p in trend] == [18.0, 14.0]


def test_a_branch_cannot_see_another_branch_card_before_publication(aw, client):
    period = make_period(aw)
    score(card_of(period, aw.branch1), {"1.1.1": "3"})
    other = card_of(period, aw.branch2)

    assert _get(client, aw.bob, "card_result", other.pk).status_code == 404
    own = _get(client, aw.bob, "card_result", card_of(period, aw.branch1).pk)
    assert own.status_code == 200
    assert own.context["show_scores"] is False  # the assessor's points wait for publication
    assert 'data-testid="leaf-points"' not in own.content.decode()
    page = _get(client, aw.bob, "period_results", period.pk)
    assert [r["card"].target_name for r in page.context["rows"]] == ["综采一队党支部"]
    assert 'data-testid="not-published"' in page.content.decode()


def test_view_result_holders_see_only_published_periods(aw, client):
    period = make_period(aw)
    score(card_of(period, aw.branch1), {})
    score(card_of(period, aw.branch2), {})
    # lee (党委负责人) holds only VIEW_RESULT over the mine.
    assert _get(client, aw.lee, "period_results", period.pk).status_code == 404
    assert _get(client, aw.lee, "card_result", card_of(period, aw.branch1).pk).status_code == 404
    home = _get(client, aw.lee, "results_home")
    assert list(home.context["page_obj"].object_list) == []
    settle(period, Period.Status.LOCKED)
    assert _get(client, aw.lee, "period_results", period.pk).status_code == 404
    Period.objects.filter(pk=period.pk).update(status=Period.Status.PUBLISHED)
    page = _get(client, aw.lee, "period_results", period.pk)
    assert page.status_code == 200
    assert len(page.context["rows"]) == 2
    assert page.context["can_bulletin"] is True
    assert _get(client, aw.charlie, "period_results", period.pk).status_code == 404


def test_a_member_sees_own_branch_after_publication_only(aw, client, published):
    mine = card_of(published, aw.branch1)
    other = card_of(published, aw.branch2)

    assert _get(client, aw.mia, "card_result", mine.pk).status_code == 200
    assert _get(client, aw.mia, "card_result", other.pk).status_code == 404
    home = _get(client, aw.mia, "results_home")
    assert [c.pk for c in home.context["my_cards"]][:1] == [mine.pk]
    assert 'data-testid="my-card"' in home.content.decode()
    Period.objects.filter(pk=published.pk).update(status=Period.Status.LOCKED)
    assert _get(client, aw.mia, "card_result", mine.pk).status_code == 404
    # Nick (another mine) never sees the mine's results.
    Period.objects.filter(pk=published.pk).update(status=Period.Status.PUBLISHED)
    assert _get(client, aw.nick, "card_result", mine.pk).status_code == 404


def test_the_bulletin_is_refused_to_a_branch_and_before_lock(aw, client, published):
    assert _get(client, aw.bob, "bulletin_pdf", published.pk).status_code == 404
    assert _get(client, aw.mia, "bulletin_xlsx", published.pk).status_code == 404
    open_period = make_period(aw, published.template, month=month(12))
    assert _get(client, aw.alice, "bulletin_pdf", open_period.pk).status_code == 404


def test_trends_and_annual_pages(aw, client, published):
    trends = _get(client, aw.alice, "trends", year=2026)
    assert trends.status_code == 200
    assert [row["name"] for row in trends.context["averages"]] == [
        "2026年10月党支部工作考核",
        "2026年11月党支部工作考核",
    ]
    assert trends.context["chart"]["average"] == [17.5, 16.0]
    assert trends.context["losses"][0].code == "1.1.1"

    annual = _get(client, aw.alice, "annual", year=2026)
    assert annual.status_code == 200
    rows = [(item["row"].name, str(item["row"].total)) for item in annual.context["rows"]]
    assert rows == [("综采一队党支部", "17.50"), ("掘进二队党支部", "16.00")]
    assert "年度得分" in annual.content.decode()


def _world_of(aw, count):
    template = make_template(aw, name=f"对比考核{count}")
    orgs = [aw.branch1, aw.branch2, *extra_branches(aw, count - 2, prefix=f"Q{count}")]
    previous = scored_period(aw, template, month(10), {org: {} for org in orgs})
    period = make_period(aw, template, targets=orgs, month=month(11), previous=previous)
    add_category(period, "辅助区队", orgs[-1:])
    for index, org in enumerate(orgs):
        score(card_of(period, org), {"1.1.1": str(index % 5)})
    settle(period)
    return period, orgs


def _count(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_cards(aw, client):
    def sheet(period):
        return f"{aw.mine.pk}:{period.template.name}"

    small, small_orgs = _world_of(aw, 2)
    large, large_orgs = _world_of(aw, 20)
    client.force_login(aw.alice)
    client.get(reverse("assessment:results_home"))  # the session's first request warms caches
    counts = {}
    # The first round warms what a process does once (the first audited export reads the audit
    # chain's head, for one); the next two rounds are compared.
    for size, period, orgs in (
        (0, small, small_orgs),
        (2, small, small_orgs),
        (20, large, large_orgs),
    ):
        counts[size] = (
            _count(client, reverse("assessment:period_results", args=[period.pk])),
            _count(client, reverse("assessment:card_result", args=[card_of(period, orgs[-1]).pk])),
            _count(client, reverse("assessment:trends"), {"template": period.template.name}),
            _count(
                client,
                reverse("assessment:annual"),
                {"sheet": f"{aw.mine.pk}:{period.template.name}"},
            ),
            _count(client, reverse("assessment:bulletin_xlsx", args=[period.pk])),
        )
    assert counts[2] == counts[20], counts
    assert max(counts[20]) <= 25, counts
    assert Scorecard.objects.filter(period=large).count() == 20


def test_the_home_page_query_count_does_not_grow_with_periods(aw, client):
    template = make_template(aw)
    client.force_login(aw.alice)
    scored_period(aw, template, month(1), {aw.branch1: {}, aw.branch2: {}})
    client.get(reverse("assessment:trends"))  # the session's first request warms caches
    few = _count(client, reverse("assessment:results_home"))
    for number in range(2, 12):
        scored_period(aw, template, month(number), {aw.branch1: {}, aw.branch2: {}})
    assert _count(client, reverse("assessment:results_home")) == few
    assert few <= 15


def test_the_target_side_is_offered_an_appeal_on_deducted_leaves_during_the_window(
    aw, client, published
):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    until = timezone.make_aware(dt.datetime(2026, 12, 7, 17, 30))
    Period.objects.filter(pk=published.pk).update(appeal_until=until)
    card = card_of(published, aw.branch2)
    with time_machine.travel(dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        html = _get(client, aw.cora, "card_result", card.pk).content.decode()
        # 1.1.1 already has an appeal; 2.1.1 was deducted and may be appealed.
        appeal_2_1_1 = reverse(
            "assessment:appeal_new", args=[card.pk, leaf(published.template, "2.1.1").pk]
        )
        assert html.count('data-testid="appeal-link"') == 1
        assert appeal_2_1_1 in html
        # The publicity department sees the result, not the appeal button.
        assert (
            'data-testid="appeal-link"'
            not in _get(client, aw.pete, "card_result", card.pk).content.decode()
        )
    with time_machine.travel(dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC), tick=False):
        html = _get(client, aw.cora, "card_result", card.pk).content.decode()
        assert 'data-testid="appeal-link"' not in html


def test_my_results_are_the_users_own_organisation_not_the_subtree(aw, client, published):
    bob = _get(client, aw.bob, "results_home")
    assert {c.target_name for c in bob.context["my_cards"]} == {"综采一队党支部"}
    alice = _get(client, aw.alice, "results_home")
    assert alice.context["my_cards"] == []  # 组织部 of the mine: no card of the mine itself
    assert len(alice.context["page_obj"].object_list) == 2
