"""学时 pages: permission matrices, the per-branch table and drill-down, query-count guards,
the export (audited), my hours and the registration of outside training."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import make_user
from dangjian.meetings.models import ClassHourCredit
from dangjian.meetings.tests.factories import at
from dangjian.meetings.tests.hours_helpers import committee_of, credit, post
from dangjian.members.tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    """The credits default to 2026-05-01 (hours_helpers) and the pages count the current year:
    every test runs on 2026-11-24, as the dates were written, not in whatever year CI runs."""
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        yield


def _credits():
    return list(ClassHourCredit.objects.values_list("person_id", "hours", "note"))


def test_the_statistics_matrix(client, world):
    make_member(world.branch1, "张三")
    assert_access_matrix(
        client,
        url=reverse("meetings:hours"),
        in_scope=world.alice,
        no_role=world.charlie,
        expect={"no_role": 404},
    )


def test_a_branch_outside_the_scope_answers_404(client, world):
    assert_access_matrix(
        client,
        url=reverse("meetings:hours_branch", args=[world.branch1.pk]),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    client.force_login(world.bob)
    assert client.get(reverse("meetings:hours_branch", args=[world.branch2.pk])).status_code == 404


def test_the_table_lists_each_branch_of_the_scope(client, world):
    credit(make_member(world.branch1, "张三"), 40)
    make_member(world.branch2, "李四")
    make_member(world.branch3, "二矿")
    client.force_login(world.alice)
    response = client.get(reverse("meetings:hours"), {"year": 2026})
    assert _branch_names(response) == ["综采一队党支部", "掘进二队党支部"]
    assert "通风区党支部" not in response.content.decode()
    below = client.get(reverse("meetings:hours"), {"below": "1"})
    assert _branch_names(below) == ["掘进二队党支部"]


def _branch_names(response):
    return [row.name for row in response.context["page_obj"].object_list]


def test_an_organisation_filter_outside_the_scope_falls_back_to_the_own_scope(client, world):
    make_member(world.branch3, "二矿")
    client.force_login(world.alice)
    response = client.get(reverse("meetings:hours"), {"organization": world.branch3.pk})
    assert response.status_code == 200
    assert response.context["organization"] == world.mine
    assert _branch_names(response) == []


def test_the_drill_down_shows_requirement_hours_gap_and_sources(client, world):
    leader = make_member(world.branch1, "书记甲")
    post(committee_of(world.branch1), leader)
    credit(leader, 6, source=ClassHourCredit.Source.MEETING)
    credit(leader, 10)
    client.force_login(world.bob)
    response = client.get(reverse("meetings:hours_branch", args=[world.branch1.pk]))
    row = response.context["page_obj"].object_list[0]
    assert (row.required, row.hours, row.gap) == (Decimal("56"), Decimal("16"), Decimal("40"))
    assert dict(row.by_source)["组织生活"] == Decimal("6")
    assert "班子" in response.content.decode()


@pytest.mark.parametrize("count", [4, 12])
def test_the_table_and_drill_down_take_the_same_queries_for_n_and_3n(
    client, world, django_assert_max_num_queries, count
):
    for index in range(count):
        member = make_member(world.branch1 if index % 2 else world.branch2, f"党员{index}")
        credit(member, 5)
    client.force_login(world.alice)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("meetings:hours")).status_code == 200
    with django_assert_max_num_queries(16):
        url = reverse("meetings:hours_branch", args=[world.mine.pk])
        assert client.get(url, {"sort": "-gap"}).status_code == 200


def test_the_export_is_audited_and_lists_branches_and_members(client, world):
    credit(make_member(world.branch1, "张三"), 40)
    make_member(world.branch2, "李四")
    client.force_login(world.alice)
    response = client.post(reverse("meetings:hours_export"), {"year": "2026"})
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    branches, members = book.worksheets
    names = [row[1] for row in members.iter_rows(min_row=3, values_only=True)]
    assert names == ["综采一队党支部", "掘进二队党支部"]
    assert [row[2] for row in members.iter_rows(min_row=3, values_only=True)] == ["张三", "李四"]
    assert branches.max_row == 5
    entry = AuditEntry.objects.get(action="meetings.class_hours_export")
    assert entry.actor_id == world.alice.pk


def test_the_export_refuses_get_and_foreign_organisations(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("meetings:hours_export")).status_code == 405
    response = client.post(reverse("meetings:hours_export"), {"organization": world.branch3.pk})
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="meetings.class_hours_export").exists()


def test_my_hours_show_total_requirement_and_credits(client, world):
    zhang = make_member(world.branch1, "张三")
    user = make_user("zhang", "张三", person=zhang.person)
    credit(zhang, 8, note="党校培训班")
    credit(zhang, 3, on=date(2025, 6, 1), note="去年的课")
    client.force_login(user)
    response = client.get(reverse("meetings:hours_mine"))
    summary = response.context["summary"]
    assert (summary.hours, summary.required, summary.gap) == (Decimal("8"), 32, 24)
    page = response.content.decode()
    assert "党校培训班" in page and "去年的课" not in page


def test_my_hours_without_a_person_explain_why(client, world):
    client.force_login(world.charlie)
    response = client.get(reverse("meetings:hours_mine"))
    assert response.status_code == 200
    assert "没有关联党员信息" in response.content.decode()


@pytest.mark.parametrize("count", [3, 9])
def test_my_hours_take_the_same_queries_for_n_and_3n(
    client, world, django_assert_max_num_queries, count
):
    zhang = make_member(world.branch1, "张三")
    user = make_user("zhang", "张三", person=zhang.person)
    for day in range(1, count + 1):
        credit(zhang, 1, on=date(2026, 3, day))
    client.force_login(user)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("meetings:hours_mine")).status_code == 200


# --- registering outside training ---------------------------------------------------------------


def _form(target, **extra):
    return {
        "member": target.pk,
        "source": "training",
        "on_date": "2026-10-10",
        "hours": "8",
        "note": "党校轮训班",
        "form_token": "a" * 32,
        **extra,
    }


def test_registering_hours_matrix(client, world):
    zhang = make_member(world.branch1, "张三")
    assert_access_matrix(
        client,
        url=reverse("meetings:hours_add"),
        method="post",
        data=_form(zhang),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 400, "in_scope": 302},
        state=_credits,
    )
    saved = ClassHourCredit.objects.get()
    assert (saved.hours, saved.source, saved.year) == (Decimal("8"), "training", 2026)
    assert AuditEntry.objects.filter(action="meetings.class_hours_add").count() == 1


def test_a_double_click_registers_once(client, world):
    zhang = make_member(world.branch1, "张三")
    client.force_login(world.bob)
    first = client.post(reverse("meetings:hours_add"), _form(zhang))
    second = client.post(reverse("meetings:hours_add"), _form(zhang))
    assert first.status_code == second.status_code == 302
    assert ClassHourCredit.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours": "0"}, "学时须大于 0"),
        ({"hours": "abc"}, "学时须为数字"),
        ({"hours": "500"}, "不能超过"),
        ({"on_date": "2030-01-01"}, "不能晚于今天"),
        ({"note": ""}, "请填写说明"),
        ({"member": ""}, "请选择要登记学时的党员"),
        ({"source": "meeting"}, "选择一个有效的选项"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(client, world, change, message):
    zhang = make_member(world.branch1, "张三")
    client.force_login(world.bob)
    response = client.post(reverse("meetings:hours_add"), _form(zhang, **change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ClassHourCredit.objects.exists()


def test_the_people_search_offers_only_managed_members(client, world):
    make_member(world.branch1, "张三")
    make_member(world.branch3, "张四")
    client.force_login(world.bob)
    page = client.get(reverse("meetings:hours_people"), {"q": "张"}).content.decode()
    assert "张三" in page and "张四" not in page
