"""The compliance pages: permission matrix, heat-map levels and drill-down, table, missing list,
the Excel export (audited) and the query-count guards."""

import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import grant, make_user
from dangjian.meetings.tests.compliance_helpers import branches, committee, meetings

D = datetime.date
TODAY = datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def page(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("meetings:compliance") + (f"?{query}" if query else "")


# ---------------------------------------------------------------------------- access


def test_page_matrix(client, world):
    assert_access_matrix(
        client,
        url=page(organization=world.branch1.pk),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_missing_page_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("meetings:compliance_missing") + f"?organization={world.mine.pk}",
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_export_matrix_and_audit(client, world):
    before = AuditEntry.objects.filter(action="meetings.compliance_export").count()
    result = assert_access_matrix(
        client,
        url=reverse("meetings:compliance_export"),
        method="post",
        data={"organization": world.mine.pk, "year": 2026},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        state=lambda: AuditEntry.objects.filter(action="meetings.compliance_export").count(),
    )
    assert result.responses["in_scope"]["Content-Type"].startswith("application/vnd.openxml")
    assert AuditEntry.objects.filter(action="meetings.compliance_export").count() == before + 1


def test_export_refuses_get(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("meetings:compliance_export")).status_code == 405


def test_branch_secretary_sees_own_branch_by_default(client, world):
    client.force_login(world.bob)
    response = client.get(page())
    assert response.status_code == 200
    assert response.context["choice"].organization == world.branch1
    names = [row["name"] for row in response.context["rows"]]
    assert names == ["综采一队党支部（本支部）", "第一党小组"]


def test_organisation_picker_options_are_scoped(client, world):
    client.force_login(world.alice)
    url = reverse("meetings:compliance_organizations")
    content = client.get(url, {"q": "党支部"}).content.decode()
    assert "综采一队党支部" in content
    assert "通风区党支部" not in content
    client.force_login(world.charlie)
    assert client.get(url).status_code == 404


def test_a_malformed_year_falls_back_with_a_message(client, world):
    client.force_login(world.alice)
    response = client.get(page(year="20x6"))
    assert response.status_code == 200
    assert response.context["choice"].year == 2026
    assert "年度须为4位数字" in response.content.decode()


# ---------------------------------------------------------------------------- heat-map


def test_mine_level_rows_are_branches_with_their_month_statuses(client, world):
    meetings(world.branch1, "congress", D(2026, 1, 10))
    client.force_login(world.alice)
    response = client.get(page(organization=world.mine.pk, quarter=1))
    rows = response.context["rows"]
    assert [row["name"] for row in rows] == [
        "一矿党委（全部党支部）",
        "综采一队党支部",
        "掘进二队党支部",
    ]
    assert rows[1]["url"].endswith(f"organization={world.branch1.pk}&year=2026&quarter=1")
    assert [cell["month"] for cell in rows[1]["cells"]] == [1, 2, 3]
    assert rows[2]["cells"][0]["status"] == "red"
    assert 'id="compliance-data"' in response.content.decode()


def test_group_level_rows_show_the_share_of_compliant_branches(client, world):
    for month in (1, 2, 3):
        meetings(world.branch1, "theme_day", D(2026, month, 5))
    meetings(world.branch1, "congress", D(2026, 2, 5))
    meetings(world.branch1, "lecture", D(2026, 2, 6))
    admin = make_user("gina", "吉娜")
    grant(admin, "org_department", world.group)
    client.force_login(admin)
    response = client.get(page(quarter=1))
    rows = response.context["rows"]
    assert rows[0]["name"] == "集团党委（全部党支部）"
    mine_row = rows[1]
    assert mine_row["kind"] == "share"
    assert [cell["text"] for cell in mine_row["cells"]] == ["50%", "50%", "50%"]
    assert rows[2]["cells"][0]["text"] == "0%"
    assert rows[0]["cells"][0]["text"] == "33%"


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_heatmap_query_count_is_constant(client, world, django_assert_max_num_queries):
    client.force_login(world.alice)
    url = page(organization=world.mine.pk)

    def count():
        return queries_of(client, url)

    for branch in branches(world.mine, 3):
        meetings(branch, "congress", D(2026, 2, 1))
    count()  # warm the per-process caches (rule values, menu)
    small = count()
    for branch in branches(world.mine, 9):
        meetings(branch, "congress", D(2026, 2, 1))
        committee(branch)
    assert count() == small
    with django_assert_max_num_queries(small):
        client.get(url)


def test_heatmap_paginates_the_children(client, world):
    branches(world.mine, 25)
    client.force_login(world.alice)
    response = client.get(page(organization=world.mine.pk))
    assert len(response.context["rows"]) == 21  # the summary row + 20 children
    response = client.get(page(organization=world.mine.pk, page=2))
    assert len(response.context["rows"]) == 1 + 7


# ---------------------------------------------------------------------------- table


def test_table_view_lists_requirements_per_organisation(
    client, world, django_assert_max_num_queries
):
    meetings(world.branch1, "congress", D(2026, 2, 10))
    client.force_login(world.alice)
    url = page(organization=world.mine.pk, view="table", quarter=1)
    response = client.get(url)
    content = response.content.decode()
    assert "支部党员大会每季度至少召开1次" in content
    assert "第1季度 <strong>1/1</strong>" in content
    orgs = [table["organization"] for table in response.context["tables"]]
    assert orgs == [world.mine, world.branch1, world.group1, world.branch2]
    few = queries_of(client, url)
    branches(world.mine, 8)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["tables"]) == len(orgs) + 8


# ---------------------------------------------------------------------------- missing


def test_missing_list_and_red_filter(client, world):
    client.force_login(world.bob)
    url = reverse("meetings:compliance_missing")
    response = client.get(url, {"quarter": 3})
    items = list(response.context["page_obj"].object_list)
    assert items and all(item.organization in (world.branch1, world.group1) for item in items)
    assert {i.period_label for i in items} >= {"2026年第3季度", "2026年7月"}
    red = client.get(url, {"quarter": 4, "status": "red"}).context["page_obj"].object_list
    assert all(item.status == "red" for item in red)
    assert "2026年10月" in {item.period_label for item in red}


def test_missing_list_empty_state(client, world):
    client.force_login(world.bob)
    response = client.get(reverse("meetings:compliance_missing"), {"year": 2026, "quarter": 1})
    assert response.status_code == 200
    world.branch1.founded_on = D(2026, 6, 1)
    world.branch1.save()
    world.group1.founded_on = D(2026, 6, 1)
    world.group1.save()
    response = client.get(reverse("meetings:compliance_missing"), {"quarter": 1})
    assert 'data-testid="missing-empty"' in response.content.decode()


# ---------------------------------------------------------------------------- export


def test_export_has_one_row_per_organisation_and_rule(client, world):
    committee(world.branch1)
    meetings(world.branch1, "congress", D(2026, 2, 10))
    client.force_login(world.alice)
    response = client.post(
        reverse("meetings:compliance_export"),
        {"organization": world.mine.pk, "year": 2026, "quarter": 1},
    )
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:7] == ("党组织", "组织类型", "落实要求", "周期", "1月", "2月", "3月")
    body = rows[3:]
    # 一矿党委 1 (民主生活会) + branch1 7 (with 支委会) + 党小组 1 + branch2 6.
    assert len(body) == 15
    congress = next(r for r in body if r[0] == "综采一队党支部" and r[2].startswith("支部党员大会"))
    assert congress[4:7] == ("1/1", None, None)
    fill = sheet.cell(row=4 + body.index(congress), column=5).fill.start_color.rgb
    assert fill.endswith("C6EFCE")
    assert 'filename="compliance-G-M1-2026-Q1.xlsx"' in response["Content-Disposition"]
