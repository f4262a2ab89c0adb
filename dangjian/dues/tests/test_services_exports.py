"""Exports: the payroll-deduction list and the yearly ledger (Excel), scoped and audited."""

import datetime
import io
from decimal import Decimal

import pytest
from django.http import Http404
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.dues.models import BaseCategory, LedgerEntry
from dangjian.dues.services.exports import ledger_export, payroll_export
from dangjian.dues.tests.conftest import give_entry

pytestmark = pytest.mark.django_db


def month(m):
    return datetime.date(2026, m, 1)


def rows_of(content):
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_payroll_list_has_the_salaried_unsettled_rows(world, zhang, li):
    give_entry(zhang, month(9), status="partial", paid="10.00")
    retired = give_entry(li, month(9))
    LedgerEntry.objects.filter(pk=retired.pk).update(category=BaseCategory.RETIRED)
    name, content = payroll_export(actor=world.alice, organization=world.mine, month=month(9))
    assert name == "党费工资代扣清单-中共一矿委员会-202609.xlsx"
    rows = rows_of(content)
    assert rows[0][:4] == ["工号", "姓名", "行政单位", "所在党支部"]
    assert rows[1][:2] == [zhang.person.work_number, "张三"]
    assert Decimal(str(rows[1][7])) == Decimal("30.00")
    assert rows[1][8] == "已缴 10.00 元"
    assert rows[-1][:2] == ["合计", "1 人"]
    entry = AuditEntry.objects.get(action="dues.export_payroll")
    assert entry.after["rows"] == 1


def test_the_yearly_ledger_has_twelve_months_and_totals(world, zhang):
    give_entry(zhang, month(1), status="paid")
    give_entry(zhang, month(2))
    _, content = ledger_export(actor=world.bob, organization=world.branch1, year=2026)
    rows = rows_of(content)
    assert rows[0][3:5] == ["1月应缴", "1月实缴"]
    assert len(rows[0]) == 3 + 24 + 3
    line = rows[1]
    assert line[1] == "张三"
    assert [Decimal(str(v)) for v in line[-3:]] == [Decimal(80), Decimal(40), Decimal(40)]
    assert AuditEntry.objects.filter(action="dues.export_ledger").count() == 1


def test_exports_need_the_export_permission_in_scope(world, zhang):
    for outsider in (world.dave, world.charlie):
        with pytest.raises(Http404):
            payroll_export(actor=outsider, organization=world.branch1, month=month(9))
        with pytest.raises(Http404):
            ledger_export(actor=outsider, organization=world.branch1, year=2026)
    assert not AuditEntry.objects.filter(action__startswith="dues.export").exists()
