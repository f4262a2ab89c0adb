"""The assessor's pages: who sees what (404 like missing), row saves with htmx, one write per
double click, the read-only locked period, and query counts that do not grow with the rows."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dangjian.assessment import sources
from dangjian.assessment.models import LeafScore, Period
from dangjian.assessment.testing import card_of, leaf, make_period, make_template
from dangjian.assessment.tests.scr_helpers import more_branches, registered, submit

TZ = timezone.get_current_timezone()
NOW = dt.datetime(2026, 11, 25, 10, tzinfo=TZ)


@pytest.fixture
def aw(module_aw, db):
    return module_aw


@pytest.fixture
def period(aw):
    with time_machine.travel(NOW, tick=False):
        yield make_period(aw)


def _client(client, user):
    client.force_login(user)
    return client


def _row_url(card, indicator):
    return reverse("assessment:score_leaf", args=[card.pk, indicator.pk])


@pytest.mark.parametrize(
    ("who", "queue", "indicator", "card"),
    [
        ("alice", 200, 404, 200),  # 组织部: its own leaves and the role-less one, not 宣传
        ("pete", 200, 200, 200),
        ("oscar", 200, 404, 200),
        ("dave", 200, 404, 404),  # 组织部 of mine 2: an empty queue, no card of mine 1
        ("lee", 404, 404, 404),
        ("bob", 404, 404, 404),
        ("mia", 404, 404, 404),
        ("charlie", 404, 404, 404),
    ],
)
def test_pages_matrix(client, aw, period, who, queue, indicator, card):
    _client(client, getattr(aw, who))
    graded = leaf(period.template, "2.1.1")
    one = card_of(period, aw.branch1)
    assert client.get(reverse("assessment:queue")).status_code == queue
    url = reverse("assessment:score_indicator", args=[period.pk, graded.pk])
    assert client.get(url).status_code == indicator
    assert client.get(reverse("assessment:score_card", args=[one.pk])).status_code == card
    response = client.post(_row_url(one, graded), {"action": "score", "mode": "target"})
    assert response.status_code == (404 if indicator == 404 else 302)


def test_posting_another_departments_leaf_is_a_404_and_writes_nothing(client, aw, period):
    one = card_of(period, aw.branch1)
    submit(one)
    veto = leaf(period.template, "1.1.2")
    prefix = f"r{one.pk}-{veto.pk}"
    response = _client(client, aw.pete).post(
        _row_url(one, veto), {"action": "score", f"{prefix}-achieved": "1"}
    )
    assert response.status_code == 404
    assert not LeafScore.objects.filter(scorecard=one).exists()


def test_the_queue_lists_pete_s_leaves_with_counts(client, aw, period):
    submit(card_of(period, aw.branch1))
    with time_machine.travel(NOW, tick=False):
        response = _client(client, aw.pete).get(reverse("assessment:queue"))
    html = response.content.decode()
    assert period.name in html
    rows = response.context["sections"][0][1]
    assert [row.indicator.code for row in rows] == ["2.1.1", "2.1.2"]
    assert [(r.targets, r.pending, r.waiting) for r in rows] == [(2, 1, 1), (2, 1, 1)]
    assert response.context["totals"]["pending"] == 2
    assert "去评分" in html


def test_a_row_saves_with_htmx_and_comes_back_scored(client, aw, period):
    one = card_of(period, aw.branch1)
    submit(one)
    graded = leaf(period.template, "2.1.1")
    prefix = f"r{one.pk}-{graded.pk}"
    c = _client(client, aw.pete)
    token = "a" * 32
    data = {
        "action": "score",
        "mode": "target",
        "form_token": token,
        f"{prefix}-level": "一般",
        f"{prefix}-reason": "",
    }
    response = c.post(_row_url(one, graded), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "扣分须写明理由" in html
    assert not LeafScore.objects.filter(scorecard=one, indicator=graded).exists()
    data[f"{prefix}-reason"] = "本月仅报道1篇"
    response = c.post(_row_url(one, graded), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "评分已保存" in html and "本月仅报道1篇" in html
    assert response["HX-Trigger"] == "scr-changed"
    # the same form posted again (a double click): nothing written twice
    response = c.post(_row_url(one, graded), data, HTTP_HX_REQUEST="true")
    assert "没有重复保存" in response.content.decode()
    row = LeafScore.objects.get(scorecard=one, indicator=graded)
    assert row.points == Decimal("1.00") and row.reason == "本月仅报道1篇"
    from dangjian.audit.models import AuditEntry

    assert (
        AuditEntry.objects.filter(action="assessment.leaf_score", object_id=str(row.pk)).count()
        == 1
    )


def test_return_from_the_table_without_htmx(client, aw, period):
    one = card_of(period, aw.branch1)
    submit(one)
    veto = leaf(period.template, "2.1.2")
    prefix = f"r{one.pk}-{veto.pk}"
    url = reverse("assessment:score_indicator", args=[period.pk, veto.pk])
    response = _client(client, aw.pete).post(
        _row_url(one, veto),
        {"action": "return", "next": url, "form_token": "b" * 32, f"{prefix}-message": "补台账"},
    )
    assert response.status_code == 302 and response["Location"] == url
    row = LeafScore.objects.get(scorecard=one, indicator=veto)
    assert row.status == LeafScore.Status.RETURNED and row.return_message == "补台账"
    page = client.get(url + "?status=returned")
    assert page.context["counts"].returned == 1
    assert "补台账" in page.content.decode()


def test_a_locked_period_is_read_only(client, aw, period):
    one = card_of(period, aw.branch1)
    submit(one)
    Period.objects.filter(pk=period.pk).update(status=Period.Status.LOCKED)
    graded = leaf(period.template, "2.1.1")
    c = _client(client, aw.pete)
    url = reverse("assessment:score_indicator", args=[period.pk, graded.pk])
    html = c.get(url).content.decode()
    assert "评分只读" in html and 'data-testid="score-form"' not in html
    assert "评分只读" in c.get(reverse("assessment:score_card", args=[one.pk])).content.decode()
    prefix = f"r{one.pk}-{graded.pk}"
    response = c.post(_row_url(one, graded), {f"{prefix}-level": "好"}, HTTP_HX_REQUEST="true")
    assert "已审核锁定" in response.content.decode()
    assert not LeafScore.objects.filter(scorecard=one).exists()


def test_accept_all_computed_scores_with_the_explanation(client, aw, period):
    def fake(indicator, period, cards):
        return {c.pk: sources.Computed(occurrences=Decimal(2), lines=["缺2次"]) for c in cards}

    one, two = card_of(period, aw.branch1), card_of(period, aw.branch2)
    submit(one, two)
    indicator = leaf(period.template, "1.1.1")
    indicator.source = "test.scr_pages"
    indicator.save(update_fields=["source"])
    url = reverse("assessment:score_indicator", args=[period.pk, indicator.pk])
    c = _client(client, aw.alice)
    with registered("test.scr_pages", fake):
        c.post(url, {"action": "compute", "form_token": "c" * 32})
        page = c.get(url)
        assert "缺2次" in page.content.decode()
        c.post(url, {"action": "accept_computed", "form_token": "d" * 32})
    rows = LeafScore.objects.filter(indicator=indicator).order_by("scorecard_id")
    assert [(r.points, r.reason) for r in rows] == [
        (Decimal("3.00"), "系统按实时数据计算：缺2次")
    ] * 2


def _world_cards(aw, count, prefix):
    template = make_template(aw, name=f"{prefix}考核")
    with time_machine.travel(NOW, tick=False):
        period = make_period(
            aw, template, targets=more_branches(aw, count, prefix), name=f"{prefix}期"
        )
    cards = list(period.scorecards.all())
    submit(*cards)
    graded = leaf(template, "2.1.1")
    for card in cards[: count // 2]:
        LeafScore.objects.create(
            scorecard=card,
            indicator=graded,
            status=LeafScore.Status.SCORED,
            points=5,
            self_points=5,
            scored_by=aw.pete,
            scored_at=timezone.now(),
        )
    return period, graded, cards


def _count(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["queue", "indicator", "card"])
def test_query_counts_do_not_grow_with_rows(client, aw, page, django_assert_max_num_queries):
    c = _client(client, aw.pete)
    c.get(reverse("assessment:queue"))  # warm the per-process caches (menu, settings)
    counts = []
    for count, prefix in ((2, "丙"), (20, "丁")):
        period, graded, cards = _world_cards(aw, count, prefix)
        url = {
            "queue": reverse("assessment:queue") + f"?period={period.pk}",
            "indicator": reverse("assessment:score_indicator", args=[period.pk, graded.pk]),
            "card": reverse("assessment:score_card", args=[cards[0].pk]),
        }[page]
        counts.append(_count(c, url, django_assert_max_num_queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 25


def test_the_card_page_saves_a_leaf_row_in_indicator_mode(client, aw, period):
    one = card_of(period, aw.branch1)
    submit(one)
    bonus = leaf(period.template, "4.1.1")
    c = _client(client, aw.alice)
    page = c.get(reverse("assessment:score_card", args=[one.pk]))
    codes = [row["indicator"].code for row in page.context["rows"]]
    assert codes == ["1.1.1", "1.1.2", "4.1.1"]  # alice's leaves only
    prefix = f"r{one.pk}-{bonus.pk}"
    response = c.post(
        _row_url(one, bonus),
        {
            "action": "score",
            "mode": "indicator",
            "form_token": "e" * 32,
            f"{prefix}-occurrences": "3",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "评分已保存" in html and "获上级党组织表彰" in html  # the row names the leaf
    assert LeafScore.objects.get(scorecard=one, indicator=bonus).points == Decimal("2.00")


def test_bulk_actions_are_404_for_someone_who_does_not_score_the_leaf(client, aw, period):
    indicator = leaf(period.template, "1.1.1")
    url = reverse("assessment:score_indicator", args=[period.pk, indicator.pk])
    for who in ("pete", "bob"):
        response = _client(client, getattr(aw, who)).post(
            url, {"action": "accept_computed", "form_token": "f" * 32}
        )
        assert response.status_code == 404
    # a leaf of another template through this period's URL
    other = leaf(make_template(aw, name="别的指标"), "1.1.1")
    url = reverse("assessment:score_indicator", args=[period.pk, other.pk])
    assert _client(client, aw.alice).get(url).status_code == 404
