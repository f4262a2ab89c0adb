"""`/api/v1/assessment/…` reads: templates, periods, scorecards (scope and what shows before
publication), results (ranking, own results), the permission matrix and query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.assessment.models import LeafScore, Period, Scorecard
from dangjian.assessment.testing import card_of, leaf, make_period, make_template
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.orgs.models import Organization, OrgType

BASE = "/api/v1/assessment/"


@pytest.fixture
def aw(module_aw, db):
    return module_aw


def _scored(period, org, code, points, reason="缺一次会议"):
    card = card_of(period, org)
    return LeafScore.objects.create(
        scorecard=card,
        indicator=leaf(period.template, code),
        status=LeafScore.Status.SCORED,
        self_points=Decimal("5"),
        points=Decimal(points),
        reason=reason,
        computed_points=Decimal(points),
        computed_lines=["2026年11月：支部委员会 0/1"],
        scored_at=timezone.now(),
    )


def _publish(period, totals):
    """Put totals and ranks on the cards and publish (what lock + publish write)."""
    for org, (total, rank) in totals.items():
        Scorecard.objects.filter(period=period, organization=org).update(
            total=Decimal(total), rank=rank, grade="良好", status=Scorecard.Status.SCORED
        )
    Period.objects.filter(pk=period.pk).update(status=Period.Status.PUBLISHED)
    period.refresh_from_db()


# ------------------------------------------------------------------------------ templates


def test_templates_list_and_tree_for_the_department(aw, client):
    template = make_template(aw)
    client.force_login(aw.alice)
    rows = client.get(f"{BASE}templates/").json()["results"]
    assert [row["id"] for row in rows] == [template.pk]
    assert client.get(f"{BASE}templates/?year=2025").json()["results"] == []
    detail = client.get(f"{BASE}templates/{template.pk}/").json()
    assert [node["code"] for node in detail["tree"]] == ["1", "2", "3", "4"]
    first_item = detail["tree"][0]["children"][0]
    assert first_item["code"] == "1.1"
    leaves = first_item["children"]
    assert [(n["code"], n["rule_type"], n["max_points"]) for n in leaves] == [
        ("1.1.1", "deduction", "5.00"),
        ("1.1.2", "binary", "2.00"),
    ]
    assert leaves[0]["scorer_role"] == "组织部"
    assert leaves[0]["source"] == "meetings.sanhui_yike"
    assert detail["grade_bands"][0] == {"min": 16, "label": "优秀"}


def test_template_matrix(aw, client):
    template = make_template(aw)
    assert_access_matrix(
        client,
        url=f"{BASE}templates/{template.pk}/",
        in_scope=aw.alice,
        out_of_scope=aw.dave,
        no_role=aw.charlie,
        api=True,
    )
    client.force_login(aw.bob)  # a secretary does not manage templates
    assert client.get(f"{BASE}templates/").json()["results"] == []


# ------------------------------------------------------------------------------ periods


def test_periods_for_the_managers_with_counters(aw, client):
    period = make_period(aw)
    client.force_login(aw.alice)
    rows = client.get(f"{BASE}periods/").json()["results"]
    assert [(row["id"], row["target_count"], row["status"]) for row in rows] == [
        (period.pk, 2, "open")
    ]
    assert client.get(f"{BASE}periods/?status=locked").json()["results"] == []
    bad = client.get(f"{BASE}periods/?status=nonsense")
    assert bad.status_code == 400 and "未知的取值" in bad.json()["error"]["message"]
    detail = client.get(f"{BASE}periods/{period.pk}/").json()
    assert [c["name"] for c in detail["categories"]] == ["生产区队"]
    assert detail["target_root"]["id"] == aw.mine.pk
    assert_access_matrix(
        client,
        url=f"{BASE}periods/{period.pk}/",
        in_scope=aw.alice,
        out_of_scope=aw.dave,
        no_role=aw.charlie,
        api=True,
    )
    for user in (aw.bob, aw.pete):  # target side and assessors do not manage periods
        client.force_login(user)
        assert client.get(f"{BASE}periods/").json()["results"] == []


# ------------------------------------------------------------------------------ scorecards


def test_a_branch_reads_its_own_card_not_another_before_publication(aw, client):
    period = make_period(aw)
    mine, other = card_of(period, aw.branch1), card_of(period, aw.branch2)
    client.force_login(aw.bob)
    rows = client.get(f"{BASE}scorecards/").json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert client.get(f"{BASE}scorecards/{other.pk}/").status_code == 404
    assert_access_matrix(
        client,
        url=f"{BASE}scorecards/{mine.pk}/",
        in_scope=aw.bob,
        out_of_scope=aw.cora,
        no_role=aw.charlie,
        api=True,
    )
    # Members and VIEW_RESULT holders see nothing before publication.
    for user in (aw.mia, aw.lee, aw.nick, aw.dave):
        client.force_login(user)
        assert client.get(f"{BASE}scorecards/").json()["results"] == [], user
        assert client.get(f"{BASE}scorecards/{mine.pk}/").status_code == 404, user


def test_card_detail_lists_every_leaf_and_hides_scores_from_the_target_until_publication(
    aw, client
):
    period = make_period(aw)
    card = card_of(period, aw.branch1)
    _scored(period, aw.branch1, "1.1.1", "4")
    client.force_login(aw.bob)
    detail = client.get(f"{BASE}scorecards/{card.pk}/").json()
    assert detail["can_self_check"] is True
    assert detail["scores_visible"] is False
    codes = [row["indicator"]["code"] for row in detail["leaves"]]
    assert codes == ["1.1.1", "1.1.2", "2.1.1", "2.1.2", "3.1.1", "4.1.1"]
    first = detail["leaves"][0]
    assert first["status"] == "scored" and first["self_points"] == "5.00"
    assert (first["points"], first["reason"], first["computed_lines"]) == (None, "", [])
    assert detail["leaves"][1]["status"] == "empty"
    assert not any(row["can_score"] for row in detail["leaves"])

    for user in (aw.alice, aw.pete):  # the manager and the card's assessors see the score
        client.force_login(user)
        detail = client.get(f"{BASE}scorecards/{card.pk}/").json()
        first = detail["leaves"][0]
        assert (first["points"], first["reason"]) == ("4.00", "缺一次会议")
        assert first["computed_lines"] == ["2026年11月：支部委员会 0/1"]
    assert detail["can_self_check"] is False  # pete scores, he does not self-check

    _publish(period, {aw.branch1: ("15", 1), aw.branch2: ("12", 2)})
    client.force_login(aw.bob)
    detail = client.get(f"{BASE}scorecards/{card.pk}/").json()
    assert detail["scores_visible"] is True and detail["total"] == "15.00"
    assert detail["leaves"][0]["points"] == "4.00"
    assert detail["can_self_check"] is False  # the period is no longer open


def test_an_assessor_sees_both_cards_and_scores_only_their_leaves(aw, client):
    period = make_period(aw)
    client.force_login(aw.pete)
    rows = client.get(f"{BASE}scorecards/?period={period.pk}").json()["results"]
    assert {row["target_name"] for row in rows} == {"综采一队党支部", "掘进二队党支部"}
    card = card_of(period, aw.branch2)
    detail = client.get(f"{BASE}scorecards/{card.pk}/").json()
    scorable = [row["indicator"]["code"] for row in detail["leaves"] if row["can_score"]]
    assert scorable == ["2.1.1", "2.1.2"]
    client.force_login(aw.alice)
    detail = client.get(f"{BASE}scorecards/{card.pk}/").json()
    scorable = [row["indicator"]["code"] for row in detail["leaves"] if row["can_score"]]
    assert scorable == ["1.1.1", "1.1.2", "4.1.1"]  # 组织部 leaves and the role-less one


def test_scorecard_filters(aw, client):
    period = make_period(aw)
    Scorecard.objects.filter(period=period, organization=aw.branch2).update(
        status=Scorecard.Status.SUBMITTED
    )
    client.force_login(aw.alice)
    rows = client.get(f"{BASE}scorecards/?status=submitted").json()["results"]
    assert [row["target_name"] for row in rows] == ["掘进二队党支部"]
    rows = client.get(f"{BASE}scorecards/?organization={aw.branch1.pk}").json()["results"]
    assert [row["target_name"] for row in rows] == ["综采一队党支部"]
    assert client.get(f"{BASE}scorecards/?period=abc").status_code == 400
    assert client.get(f"{BASE}scorecards/?period=999999").json()["results"] == []


# ------------------------------------------------------------------------------ results


def test_results_appear_with_publication(aw, client):
    period = make_period(aw)
    _scored(period, aw.branch1, "1.1.1", "4")
    for user in (aw.bob, aw.lee, aw.mia):
        client.force_login(user)
        assert client.get(f"{BASE}results/").json()["results"] == []
        assert client.get(f"{BASE}results/{period.pk}/").status_code == 404
    _publish(period, {aw.branch1: ("12", 2), aw.branch2: ("15", 1)})

    client.force_login(aw.lee)  # 党委负责人: VIEW_RESULT over the mine
    assert [row["id"] for row in client.get(f"{BASE}results/").json()["results"]] == [period.pk]
    ranking = client.get(f"{BASE}results/{period.pk}/ranking/").json()
    assert [(r["target_name"], r["rank"], r["total"]) for r in ranking["results"]] == [
        ("掘进二队党支部", 1, "15.00"),
        ("综采一队党支部", 2, "12.00"),
    ]

    client.force_login(aw.bob)  # a secretary sees the ranking of the cards in their scope
    ranking = client.get(f"{BASE}results/{period.pk}/ranking/").json()
    assert [r["target_name"] for r in ranking["results"]] == ["综采一队党支部"]

    client.force_login(aw.mia)  # a member: their own branch's card, from 公示 on
    mine = client.get(f"{BASE}results/mine/").json()["results"]
    assert [(r["target_name"], r["total"]) for r in mine] == [("综采一队党支部", "12.00")]
    card = card_of(period, aw.branch1)
    detail = client.get(f"{BASE}scorecards/{card.pk}/").json()
    assert detail["leaves"][0]["reason"] == "缺一次会议"
    other = card_of(period, aw.branch2)
    assert client.get(f"{BASE}scorecards/{other.pk}/").status_code == 404

    client.force_login(aw.nick)  # another mine's member sees nothing of it
    assert client.get(f"{BASE}results/").json()["results"] == []
    assert client.get(f"{BASE}results/mine/").json()["results"] == []
    assert client.get(f"{BASE}results/{period.pk}/ranking/").status_code == 404


def test_managers_see_a_locked_period_in_results_before_publication(aw, client):
    period = make_period(aw, status=Period.Status.LOCKED)
    client.force_login(aw.alice)
    assert [row["id"] for row in client.get(f"{BASE}results/").json()["results"]] == [period.pk]
    client.force_login(aw.bob)
    assert client.get(f"{BASE}results/").json()["results"] == []
    assert_access_matrix(
        client,
        url=f"{BASE}results/{period.pk}/ranking/",
        in_scope=aw.alice,
        out_of_scope=aw.dave,
        no_role=aw.charlie,
        api=True,
    )


# ------------------------------------------------------------------------------ query counts


def _branches(aw, count):
    tree = Organization.objects
    made = []
    for n in range(count):
        mine = tree.get(pk=aw.mine.pk)
        made.append(
            tree.add_child(
                mine, {"org_type": OrgType.BRANCH, "name": f"测试{n}队党支部", "code": f"G-M1-T{n}"}
            )
        )
    return made


def _count(client, url):
    client.get(url)  # warm (scope cache of the session user, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


LISTS = [
    "scorecards/",
    "scorecards/?period={period}",
    "results/{period}/ranking/",
    "results/",
    "results/mine/",
    "periods/",
    "templates/",
]


def test_list_query_counts_do_not_grow_with_rows(aw, client):
    """Each list with 2 cards in one period, then with 20 cards in one period and 7 periods."""
    template = make_template(aw)
    small = make_period(aw, template, status=Period.Status.PUBLISHED)
    client.force_login(aw.alice)
    few = {url: _count(client, BASE + url.format(period=small.pk))[0] for url in LISTS}
    extra = _branches(aw, 18)
    big = make_period(
        aw,
        template,
        targets=[aw.branch1, aw.branch2, *extra],
        status=Period.Status.PUBLISHED,
        name="大",
    )
    for n in range(5):
        make_period(aw, template, status=Period.Status.PUBLISHED, name=f"第{n}期")
        make_template(aw, name=f"模板{n}")
    for url in LISTS:
        many, data = _count(client, BASE + url.format(period=big.pk))
        assert many == few[url], (url, few[url], many)
        if "ranking" in url:
            assert data["count"] == 20
        if url == "scorecards/":
            assert data["count"] == 2 + 20 + 5 * 2
