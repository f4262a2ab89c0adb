"""考核周期 pages: the flow through the pages (new → open → lock → publish → appeal decided),
the permission matrix, query counts that do not grow with rows."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from dangjian.assessment.models import Appeal, Category, Period, Scorecard
from dangjian.assessment.services import periods as services
from dangjian.assessment.services.appeals import appeal_file
from dangjian.assessment.testing import card_of, leaf, make_period, make_template
from dangjian.assessment.tests.per_helpers import at, bulk_branches, score
from dangjian.core.testing.matrix import assert_access_matrix

NOW = at(dt.date(2026, 12, 2), 10)


@pytest.fixture
def aw(module_aw, db):
    return module_aw


def _token(response) -> str:
    return response.context["form_token"]


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_manager_creates_and_opens_a_period_through_the_pages(aw, client):
    template = make_template(aw)
    client.force_login(aw.alice)
    page = client.get(reverse("assessment:period_new"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "生产区队" in html and "综采、综掘、掘进" in html and "机关科室" in html
    data = {
        "form_token": _token(page),
        "owner": aw.mine.pk,
        "template": template.pk,
        "kind": "month",
        "year": 2026,
        "number": 11,
        "target_root": aw.mine.pk,
        "target_types": ["branch"],
        "self_check_until": "2026-12-05T18:00",
        "scoring_until": "2026-12-10T18:00",
        "appeal_days": 5,
        "cat-0-name": "生产区队",
        "cat-0-keywords": "综采、掘进",
        "cat-1-name": "机关科室",
        "cat-1-units": ["office"],
    }
    response = client.post(reverse("assessment:period_new"), data)
    period = Period.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{period.pk}/")
    assert period.name == "2026年11月党支部工作考核"  # named from the month and the sheet
    assert (period.starts_on, period.ends_on) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert list(period.categories.values_list("name", flat=True)) == ["生产区队", "机关科室"]
    # The same form again (a double click) writes nothing more.
    client.post(reverse("assessment:period_new"), data)
    assert Period.objects.count() == 1

    detail = reverse("assessment:period_detail", args=[period.pk])
    page = client.get(detail)
    assert page.context["estimate"] == 2
    response = client.post(
        reverse("assessment:period_action", args=[period.pk]),
        {"form_token": _token(page), "action": "open"},
        follow=True,
    )
    assert "生成 2 张考核表" in " ".join(_messages(response))
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN
    assert response.context["counters"]["targets"] == 2
    assert len(response.context["page_obj"].object_list) == 2

    # Lock refused with the message naming what is missing.
    response = client.post(
        reverse("assessment:period_action", args=[period.pk]),
        {"form_token": _token(response), "action": "lock"},
        follow=True,
    )
    assert "还有 2 张考核表共 12 项细则" in " ".join(_messages(response))
    assert Period.objects.get(pk=period.pk).status == Period.Status.OPEN


def test_the_form_refuses_with_the_service_message(aw, client):
    template = make_template(aw)
    client.force_login(aw.alice)
    page = client.get(reverse("assessment:period_new"))
    response = client.post(
        reverse("assessment:period_new"),
        {
            "form_token": _token(page),
            "owner": aw.mine.pk,
            "template": template.pk,
            "kind": "month",
            "year": 2026,
            "number": 11,
            "target_root": aw.mine.pk,
            "target_types": ["branch"],
            "self_check_until": "2026-12-10T18:00",
            "scoring_until": "2026-12-05T18:00",
            "appeal_days": 5,
        },
    )
    assert response.status_code == 200
    assert "评分截止时间不能早于自查截止时间" in response.content.decode()
    assert not Period.objects.exists()


def test_lock_publish_and_an_upheld_appeal_through_the_pages(aw, client):
    period = make_period(aw)
    score(card_of(period, aw.branch1), {"1.1.1": {"occurrences": 3}})
    score(card_of(period, aw.branch2), {"1.1.1": {"occurrences": 1}})
    detail = reverse("assessment:period_detail", args=[period.pk])
    action = reverse("assessment:period_action", args=[period.pk])
    with time_machine.travel(NOW, tick=False):
        client.force_login(aw.alice)  # a session opened before the travel would have expired
        page = client.get(detail)
        client.post(action, {"form_token": _token(page), "action": "lock"})
        page = client.get(detail)
        assert page.status_code == 200, page
        assert page.context["period"].status == Period.Status.LOCKED
        ranks = {c.target_name: c.rank for c in page.context["page_obj"].object_list}
        assert ranks == {"掘进二队党支部": 1, "综采一队党支部": 2}
        client.post(action, {"form_token": _token(page), "action": "publish"})
        assert Period.objects.get(pk=period.pk).status == Period.Status.PUBLISHED
        appeal = appeal_file(
            actor=aw.bob,
            card=card_of(period, aw.branch1),
            leaf=leaf(period.template, "1.1.1"),
            reason="10月28日已召开党员大会，记录见附件。",
        )
        listing = client.get(reverse("assessment:appeals", args=[period.pk]))
        assert [a.pk for a in listing.context["page_obj"].object_list] == [appeal.pk]
        url = reverse("assessment:appeal_decide", args=[appeal.pk])
        page = client.get(url)
        html = page.content.decode()
        assert "10月28日已召开党员大会" in html and "扣分理由" in html
        # 成立 without a changed score is refused with the service's message.
        response = client.post(
            url,
            {"form_token": _token(page), "upheld": "1", "decision": "属实", "occurrences": "3"},
        )
        assert "须给出改正后的得分" in response.content.decode()
        response = client.post(
            url,
            {"form_token": _token(page), "upheld": "1", "decision": "属实", "occurrences": "0"},
        )
        assert response.status_code == 302
        page = client.get(url)
        assert "申诉成立" in page.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD and appeal.points_after == Decimal("5.00")
    one, two = card_of(period, aw.branch1), card_of(period, aw.branch2)
    assert (one.total, one.rank, two.rank) == (Decimal("18.00"), 1, 2)


def test_card_category_through_the_page(aw, client):
    period = make_period(aw)
    other = Category.objects.create(period=period, name="辅助区队", position=1)
    card = card_of(period, aw.branch2)
    client.force_login(aw.alice)
    detail = reverse("assessment:period_detail", args=[period.pk])
    page = client.get(detail)
    assert page.context["may_recategorise"]
    client.post(
        reverse("assessment:card_category", args=[card.pk]),
        {"category": other.pk, "next": detail + "?q=掘进"},
    )
    card.refresh_from_db()
    assert card.category_id == other.pk


# ------------------------------------------------------------------ permission matrix


def test_matrix_of_the_pages(aw, client):
    period = make_period(aw)
    for name, args in (
        ("assessment:periods", []),
        ("assessment:period_new", []),
        ("assessment:period_detail", [period.pk]),
        ("assessment:appeals", [period.pk]),
    ):
        assert_access_matrix(
            client,
            url=reverse(name, args=args),
            in_scope=aw.alice,
            out_of_scope=aw.dave if args else None,
            no_role=aw.charlie,
        )
    # Targets and assessors do not see the managers' pages.
    for user in (aw.bob, aw.pete, aw.lee, aw.mia):
        client.force_login(user)
        assert client.get(reverse("assessment:period_detail", args=[period.pk])).status_code == 404
        assert client.get(reverse("assessment:periods")).status_code == 404


def test_matrix_of_the_writes(aw, client):
    period = make_period(aw)
    for card in Scorecard.objects.filter(period=period):
        score(card)

    def state():
        return list(Period.objects.values_list("pk", "status")) + list(
            Scorecard.objects.values_list("pk", "category_id", "rank")
        )

    assert_access_matrix(
        client,
        url=reverse("assessment:period_action", args=[period.pk]),
        method="post",
        data={"action": "lock", "form_token": "1" * 32},
        in_scope=aw.alice,
        out_of_scope=aw.dave,
        no_role=aw.bob,
        state=state,
        expect={"in_scope": 302},
    )
    assert Period.objects.get(pk=period.pk).status == Period.Status.LOCKED
    open_period = make_period(aw, period.template, month=dt.date(2026, 10, 1))
    other = Category.objects.create(period=open_period, name="辅助区队", position=1)
    card = card_of(open_period, aw.branch1)
    assert_access_matrix(
        client,
        url=reverse("assessment:card_category", args=[card.pk]),
        method="post",
        data={"category": other.pk},
        in_scope=aw.alice,
        out_of_scope=aw.dave,
        no_role=aw.pete,
        state=state,
        expect={"in_scope": 302},
    )
    card.refresh_from_db()
    assert card.category_id == other.pk


def test_matrix_of_the_appeal_decision(aw, client):
    period = make_period(aw)
    score(card_of(period, aw.branch1), {"1.1.1": {"occurrences": 2}})
    score(card_of(period, aw.branch2))
    with time_machine.travel(NOW, tick=False):
        services.period_lock(actor=aw.alice, period=period)
        services.period_publish(actor=aw.alice, period=period)
        appeal = appeal_file(
            actor=aw.bob,
            card=card_of(period, aw.branch1),
            leaf=leaf(period.template, "1.1.1"),
            reason="有误",
        )
        url = reverse("assessment:appeal_decide", args=[appeal.pk])
        assert_access_matrix(
            client, url=url, in_scope=aw.alice, out_of_scope=aw.dave, no_role=aw.bob
        )
        assert_access_matrix(
            client,
            url=url,
            method="post",
            data={"upheld": "0", "decision": "维持", "form_token": "2" * 32},
            in_scope=aw.alice,
            out_of_scope=aw.dave,
            no_role=aw.bob,
            state=lambda: list(Appeal.objects.values_list("pk", "status")),
            expect={"in_scope": 302},
        )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REJECTED


# ------------------------------------------------------------------ query counts


def _detail_queries(client, period, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit):
        response = client.get(reverse("assessment:period_detail", args=[period.pk]))
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("count", [2, 20])
def test_the_dashboard_does_not_grow_with_cards(aw, client, count, django_assert_max_num_queries):
    made = bulk_branches(aw.mine, [f"综采{i}队党支部" for i in range(count)], code=f"Q{count}")
    template = make_template(aw)
    period = make_period(aw, template, targets=made)
    Category.objects.create(period=period, name="辅助区队", position=1)
    client.force_login(aw.alice)
    response = _detail_queries(client, period, django_assert_max_num_queries, 16)
    assert len(response.context["page_obj"].object_list) == count


@pytest.mark.parametrize("count", [2, 20])
def test_the_list_does_not_grow_with_periods(aw, client, count, django_assert_max_num_queries):
    template = make_template(aw)
    for index in range(count):
        make_period(
            aw,
            template,
            month=dt.date(2020 + index // 12, index % 12 + 1, 1),
            targets=[aw.branch1],
        )
    client.force_login(aw.alice)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assessment:periods"))
    assert len(response.context["page_obj"].object_list) == count


@pytest.mark.parametrize("count", [2, 20])
def test_the_appeals_list_does_not_grow(aw, client, count, django_assert_max_num_queries):
    from dangjian.assessment.models import LeafScore

    made = bulk_branches(aw.mine, [f"掘进{i}队党支部" for i in range(count)], code=f"A{count}")
    period = make_period(aw, targets=made)
    indicator = leaf(period.template, "1.1.1")
    for card in Scorecard.objects.filter(period=period):
        row = LeafScore.objects.create(
            scorecard=card, indicator=indicator, points=Decimal("3"), status="scored"
        )
        Appeal.objects.create(scorecard=card, leaf=row, reason="有误", created_by=aw.bob)
    client.force_login(aw.alice)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assessment:appeals", args=[period.pk]) + "?status=pending")
    assert len(response.context["page_obj"].object_list) == count


def test_a_draft_is_edited_through_the_page_and_an_opened_one_is_not(aw, client):
    from dangjian.assessment.tests.per_helpers import draft

    template = make_template(aw)
    period = draft(aw, template)
    client.force_login(aw.alice)
    url = reverse("assessment:period_edit", args=[period.pk])
    page = client.get(url)
    assert page.status_code == 200
    rows = [row["name"] for row in page.context["category_rows"] if row["name"]]
    assert rows == ["生产区队", "机关科室", "辅助区队"]
    response = client.post(
        url,
        {
            "owner": aw.mine.pk,
            "template": template.pk,
            "kind": "quarter",
            "year": 2026,
            "number": 4,
            "name": "",
            "target_root": aw.mine.pk,
            "target_types": ["branch"],
            "self_check_until": "2027-01-05T18:00",
            "scoring_until": "2027-01-10T18:00",
            "appeal_days": 3,
            "cat-0-name": "全部支部",
        },
    )
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.name == "2026年第四季度党支部工作考核"
    assert (period.starts_on, period.ends_on, period.appeal_days) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
        3,
    )
    assert list(period.categories.values_list("name", flat=True)) == ["全部支部"]
    opened = make_period(aw, template, month=dt.date(2026, 9, 1))
    response = client.get(reverse("assessment:period_edit", args=[opened.pk]))
    assert response.status_code == 302  # back to the dashboard: opened periods keep their setup
    client.force_login(aw.dave)
    assert client.get(url).status_code == 404
