"""The payroll-deduction list and the yearly ledger: Excel files, audited, scoped
(`dues.export_dues`; 404 outside the scope)."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.dues.tests.conftest import give_entry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEPTEMBER = datetime.date(2026, 9, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 9, 10, 9, 0), tick=False):
        yield


def payroll_url(org, month=SEPTEMBER):
    return reverse("dues:export-payroll", args=[org.pk, month.year, month.month])


def test_the_payroll_list_answers_by_scope_and_is_audited(client, world, zhang):
    give_entry(zhang, SEPTEMBER)
    result = assert_access_matrix(
        client,
        url=payroll_url(world.branch1),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    response = result.responses["in_scope"]
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell.value for row in book.worksheets[0].iter_rows() for cell in row]
    assert "张三" in cells
    assert (
        AuditEntry.objects.filter(action__startswith="dues.")
        .filter(action__contains="export")
        .count()
        == 1
    )


def test_the_yearly_ledger_answers_by_scope(client, world, zhang):
    give_entry(zhang, SEPTEMBER)
    result = assert_access_matrix(
        client,
        url=reverse("dues:export-ledger", args=[world.branch1.pk, 2026]),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    assert result.responses["in_scope"].content.startswith(b"PK")


def test_a_clerk_without_the_export_permission_gets_404(client, world, zhang):
    from dangjian.core.testing.world import grant, make_user

    clerk = make_user("clerk", "干事")
    grant(clerk, "party_clerk", world.branch1)
    client.force_login(clerk)
    assert client.get(payroll_url(world.branch1)).status_code == 404
    page = client.get(
        reverse("dues:branch-month", args=[world.branch1.pk, 2026, 9])
    ).content.decode()
    assert 'data-testid="export-payroll"' not in page


def test_an_impossible_month_or_year_is_404(client, world):
    client.force_login(world.bob)
    assert (
        client.get(
            payroll_url(world.branch1, datetime.date(2026, 1, 1)).replace("/1/", "/13/")
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("dues:export-ledger", args=[world.branch1.pk, 1800])).status_code == 404
    )
