"""The Excel of the compliance table (audited `meetings.compliance_export`): one row per
organisation × requirement of the subtree, a column per month, the period's "held/required" in
its first month and its colour over all its months (a quarter spans three cells), then the
number of periods met. Written in openpyxl's write-only mode, so the whole group fits in memory.
"""

from __future__ import annotations

import io

from django.db import transaction
from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from dangjian.audit.services import audit_log
from dangjian.meetings import compliance
from dangjian.meetings.compliance import Status

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILLS = {
    Status.GREEN: "C6EFCE",
    Status.AMBER: "FFEB9C",
    Status.RED: "FFC7CE",
    Status.GREY: "E7E6E6",
    Status.FUTURE: "F2F2F2",
}
FIXED_HEADERS = ["党组织", "组织类型", "落实要求", "周期"]
TAIL_HEADERS = ["已落实期数", "应落实期数", "依据"]
CENTER = Alignment(horizontal="center", vertical="center")


def _fill(status: str) -> PatternFill:
    return PatternFill("solid", start_color=FILLS[status], end_color=FILLS[status])


def _cell(sheet, value, *, status: str | None = None, bold=False, center=False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if status:
        cell.fill = _fill(status)
    if bold:
        cell.font = Font(bold=True)
    if center:
        cell.alignment = CENTER
    return cell


def _month_cells(sheet, cells, months) -> list[WriteOnlyCell]:
    by_month: dict[int, tuple[str, str]] = {}
    for cell in cells:
        shown = [m for m in cell.period.months if m in months]
        text = "不要求" if cell.status == Status.GREY else f"{cell.held}/{cell.required}"
        for index, month in enumerate(shown):
            by_month[month] = (text if index == 0 else "", cell.status)
    return [
        _cell(sheet, by_month[m][0], status=by_month[m][1], center=True)
        if m in by_month
        else _cell(sheet, "")
        for m in months
    ]


def _rule_row(sheet, result, rule, cells, months) -> list:
    due = [c for c in cells if c.status in (Status.GREEN, Status.AMBER, Status.RED)]
    closed_or_met = [c for c in due if c.state == "closed" or c.status == Status.GREEN]
    met = sum(1 for c in due if c.status == Status.GREEN)
    org = result.organization
    return [
        _cell(sheet, org.name),
        _cell(sheet, org.get_org_type_display()),
        _cell(sheet, rule.label),
        _cell(sheet, rule.get_period_display()),
        *_month_cells(sheet, cells, months),
        _cell(sheet, met, center=True),
        _cell(sheet, len(closed_or_met), center=True),
        _cell(sheet, rule.source),
    ]


def compliance_workbook(root, year: int, *, months=compliance.ALL_MONTHS) -> tuple[bytes, int]:
    """The workbook and the number of organisation × requirement rows."""
    grid = compliance.evaluate(root, year, months=months)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{year}年组织生活落实情况")
    for column, width in zip("ABCD", (30, 10, 34, 8), strict=True):
        sheet.column_dimensions[column].width = width
    title = f"{root.name} {year}年“三会一课”等组织生活落实情况（截至 {grid.on:%Y-%m-%d}）"
    sheet.append([_cell(sheet, title, bold=True)])
    legend = "颜色：绿=已落实，黄=待落实或部分落实，红=未落实，灰=不要求；单元格为“已开/应开”次数"
    sheet.append([_cell(sheet, legend)])
    headers = [*FIXED_HEADERS, *(f"{m}月" for m in grid.months), *TAIL_HEADERS]
    sheet.append([_cell(sheet, text, bold=True, center=True) for text in headers])
    rows = 0
    for result in grid:
        by_rule: dict[int, list] = {}
        rules = {}
        for cell in result.cells:
            by_rule.setdefault(cell.rule.pk, []).append(cell)
            rules[cell.rule.pk] = cell.rule
        for rule_id, cells in by_rule.items():
            sheet.append(_rule_row(sheet, result, rules[rule_id], cells, grid.months))
            rows += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), rows


def compliance_export_record(*, actor, organization, year: int, months, rows: int) -> None:
    """Exports are audited (DESIGN §4): who took which subtree's compliance table."""
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="meetings.compliance_export",
            obj=organization,
            organization=organization,
            after={"year": year, "months": list(months), "rows": rows},
        )


def compliance_response(user, organization, year: int, *, months) -> HttpResponse:
    content, rows = compliance_workbook(organization, year, months=months)
    compliance_export_record(
        actor=user, organization=organization, year=year, months=months, rows=rows
    )
    response = HttpResponse(content, content_type=XLSX)
    code = organization.code or organization.pk
    suffix = f"-Q{(months[0] - 1) // 3 + 1}" if len(months) == 3 else ""
    filename = f"compliance-{code}-{year}{suffix}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
