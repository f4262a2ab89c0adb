"""The 党内统计 page and its Excel export: who may see what, dates, the numbers shown."""

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import grant, make_user
from dangjian.members.models import Category, Gender
from dangjian.members.tests.factories import make_member

PAGE = reverse("members:statistics")
EXPORT = reverse("members:statistics_export")


@pytest.fixture
def roster(world):
    make_member(world.branch1, "张三")
    make_member(world.branch1, "李四", gender=Gender.FEMALE, party_group=world.group1)
    make_member(world.branch2, "王五", category=Category.PROBATIONARY, joined_on=date(2025, 1, 5))
    make_member(world.branch3, "二矿党员")
    return world


def test_the_page_answers_by_role_and_scope(client, roster):
    assert_access_matrix(
        client,
        url=f"{PAGE}?org={roster.mine.pk}",
        in_scope=roster.alice,
        out_of_scope=roster.dave,
        no_role=roster.charlie,
        expect={"no_role": 403},
    )


def test_a_branch_secretary_sees_their_branch_and_not_the_mine(client, roster):
    client.force_login(roster.bob)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["organization"] == roster.branch1
    assert response.context["stats"].total == 2
    assert client.get(f"{PAGE}?org={roster.mine.pk}").status_code == 404
    assert client.get(f"{PAGE}?org={roster.branch2.pk}").status_code == 404


def test_a_clerk_without_the_statistics_permission_is_refused(client, roster):
    clerk = make_user("clerk", "干事")
    grant(clerk, "party_clerk", roster.mine)
    client.force_login(clerk)
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_dave_cannot_pick_alices_mine(client, roster):
    client.force_login(roster.dave)
    assert client.get(f"{PAGE}?org={roster.mine.pk}").status_code == 404
    assert client.get(f"{EXPORT}?org={roster.mine.pk}").status_code == 404
    assert client.get(f"{PAGE}?org=99999").status_code == 404
    assert client.get(f"{PAGE}?org=abc").status_code == 404


def test_it_defaults_to_the_users_grant_and_today(client, roster):
    client.force_login(roster.alice)
    response = client.get(PAGE)
    assert response.context["organization"] == roster.mine
    assert response.context["on_date"] == date.today()
    content = response.content.decode()
    assert 'data-testid="total">3<' in content
    assert 'id="statistics-data" type="application/json"' in content
    assert "<script>" not in content  # nothing inline for the CSP
    assert "综采一队党支部" in content and "掘进二队党支部" in content
    assert "二矿" not in content.split('id="statistics-data"')[0].split("<main")[1]


def test_a_past_date_counts_the_members_of_that_day(client, roster):
    client.force_login(roster.alice)
    response = client.get(f"{PAGE}?org={roster.mine.pk}&on=2024-12-31")
    assert response.context["stats"].total == 2  # 王五 joined in 2025


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ((date.today() + timedelta(days=1)).isoformat(), "统计日期不能晚于今天"),
        ("2024-13-01", "统计日期格式不正确"),
        ("1900-01-01", "不能早于 1921 年"),
    ],
)
def test_a_bad_date_says_what_to_fix(client, roster, value, message):
    client.force_login(roster.alice)
    response = client.get(f"{PAGE}?on={value}")
    assert response.status_code == 400
    assert message in response.content.decode()
    response = client.get(f"{EXPORT}?on={value}")
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="members.statistics_export").exists()


def test_the_export_matrix(client, roster):
    assert_access_matrix(
        client,
        url=f"{EXPORT}?org={roster.branch1.pk}",
        in_scope=roster.bob,
        out_of_scope=roster.dave,
        no_role=roster.charlie,
        expect={"no_role": 403},
    )


def test_the_export_is_a_watermarked_workbook_of_the_same_numbers_and_is_audited(client, roster):
    client.force_login(roster.alice)
    response = client.get(f"{EXPORT}?org={roster.mine.pk}&on={date.today().isoformat()}")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert date.today().strftime("%Y%m%d") in disposition
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["统计汇总", "下级组织"]
    for sheet in workbook.worksheets:
        first = sheet["A1"].value
        assert first.startswith("导出人：艾丽（alice）") and "仅限内部工作使用" in first
    summary = [tuple(row) for row in workbook["统计汇总"].iter_rows(values_only=True)]
    assert ("党员总数", 3, None) in [(*row[:2], None) for row in summary]
    assert ("女党员", 1, 33.3) in summary
    sheet = workbook["下级组织"]
    children = {row[0]: row[1] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert children == {"综采一队党支部": 2, "掘进二队党支部": 1}
    entry = AuditEntry.objects.get(action="members.statistics_export")
    assert entry.actor == roster.alice
    assert entry.after == {"on_date": date.today().isoformat(), "total": 3}
