"""Exports the pages offer: the payroll-deduction list for finance and a branch's yearly
ledger. Both are Excel, scoped, need `dues.export_dues`, and are audited."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.db.models import Sum
from openpyxl import Workbook
from openpyxl.styles import Font

from dangjian.audit.services import audit_log
from dangjian.core.scope import require_in_scope, scope_condition
from dangjian.dues.models import EntryStatus, LedgerEntry
from dangjian.dues.permissions import EXPORT_DUES
from dangjian.dues.services.bases import check_year
from dangjian.dues.services.common import as_month
from dangjian.dues.services.payments import PAYROLL_CATEGORIES

PAYROLL_HEADER = [
    "工号",
    "姓名",
    "行政单位",
    "所在党支部",
    "月份",
    "计算基数",
    "比例",
    "应扣金额",
    "备注",
]
MONTHS = range(1, 13)


def _book(title: str, header: list[str]):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return book, sheet


def _bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def payroll_export(*, actor, organization, month: datetime.date) -> tuple[str, bytes]:
    """What finance deducts from pay this month: the subtree's unsettled rows of salaried
    members (在职, 年薪制), one row each, with the amount still owed."""
    require_in_scope(actor, EXPORT_DUES, organization.path)
    month = as_month(month)
    rows = (
        LedgerEntry.objects.filter(
            scope_condition("organization__path", [organization.path]),
            month=month,
            category__in=PAYROLL_CATEGORIES,
            status__in=[EntryStatus.UNPAID, EntryStatus.PARTIAL],
        )
        .select_related("member__person__unit", "organization")
        .order_by("organization__path", "member__person__work_number", "pk")
    )
    book, sheet = _book(f"{month:%Y年%m月}代扣", PAYROLL_HEADER)
    total, count = Decimal(0), 0
    for row in rows.iterator(chunk_size=2000):
        person = row.member.person
        owed = row.amount_due - row.amount_paid
        note = f"已缴 {row.amount_paid} 元" if row.amount_paid else ""
        sheet.append(
            [
                person.work_number or "",
                person.name,
                person.unit.name if person.unit_id else "",
                row.organization.name,
                f"{month:%Y-%m}",
                row.base,
                f"{row.rate:.1%}" if row.rate is not None else "定额",
                owed,
                note,
            ]
        )
        total += owed
        count += 1
    sheet.append(["合计", f"{count} 人", "", "", "", "", "", total, ""])
    audit_log(
        actor=actor,
        action="dues.export_payroll",
        object_type="dues.ledgerentry",
        object_repr=f"{organization.name} {month:%Y年%m月} 工资代扣清单",
        organization=organization,
        after={"month": month, "rows": count, "total": total},
    )
    return f"党费工资代扣清单-{organization.name}-{month:%Y%m}.xlsx", _bytes(book)


def ledger_export(*, actor, organization, year: int) -> tuple[str, bytes]:
    """The subtree's ledger for a year: one row per member, due and paid for each month."""
    require_in_scope(actor, EXPORT_DUES, organization.path)
    check_year(year)
    header = ["工号", "姓名", "所在党支部"]
    for month in MONTHS:
        header += [f"{month}月应缴", f"{month}月实缴"]
    header += ["全年应缴", "全年实缴", "欠缴"]
    book, sheet = _book(f"{year}年党费台账", header)
    entries = (
        LedgerEntry.objects.filter(
            scope_condition("organization__path", [organization.path]), month__year=year
        )
        .values_list(
            "member_id",
            "member__person__work_number",
            "member__person__name",
            "organization__name",
            "month",
            "amount_due",
            "amount_paid",
        )
        .order_by("organization__path", "member__person__name", "member_id", "month")
    )
    current, cells, members = None, None, 0
    for member_id, number, name, branch, month, due, paid in entries.iterator(chunk_size=2000):
        if member_id != current:
            if cells is not None:
                sheet.append(_ledger_line(cells))
            current, members = member_id, members + 1
            cells = {"head": [number or "", name, branch], "months": {}}
        cells["months"][month.month] = (due, paid)
    if cells is not None:
        sheet.append(_ledger_line(cells))
    totals = LedgerEntry.objects.filter(
        scope_condition("organization__path", [organization.path]), month__year=year
    ).aggregate(due=Sum("amount_due"), paid=Sum("amount_paid"))
    audit_log(
        actor=actor,
        action="dues.export_ledger",
        object_type="dues.ledgerentry",
        object_repr=f"{organization.name} {year}年党费台账",
        organization=organization,
        after={"year": year, "members": members, **totals},
    )
    return f"党费台账-{organization.name}-{year}.xlsx", _bytes(book)


def _ledger_line(cells: dict) -> list:
    line = list(cells["head"])
    due_total = paid_total = Decimal(0)
    for month in MONTHS:
        due, paid = cells["months"].get(month, (None, None))
        line += [due, paid]
        due_total += due or 0
        paid_total += paid or 0
    return [*line, due_total, paid_total, due_total - paid_total]
