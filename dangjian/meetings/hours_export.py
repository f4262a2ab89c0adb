"""The Excel of a subtree's 学时 for a year (audited): one sheet per organisation, one per member.

The workbook is written in openpyxl's write-only mode and the members are streamed in one query,
with one grouped query for each chunk's hours by source, so a group-wide export stays in
bounded memory and time.
"""

from __future__ import annotations

import io
from itertools import islice

from django.db.models import Exists
from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from dangjian.audit.services import audit_log
from dangjian.meetings import hours

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
BRANCH_HEADERS = ["序号", "党组织", "党员数", "人均学时", "未达标人数", "达标率（%）"]
MEMBER_HEADERS = ["序号", "党组织", "姓名", "身份", "应完成学时", "已完成学时", "差额"]


def _title(sheet, text: str) -> None:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True, size=13)
    sheet.append([cell])


def _headers(sheet, headers: list[str]) -> None:
    row = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        row.append(cell)
    sheet.append(row)


def _widths(sheet, widths) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width


def workbook(organization, year: int) -> tuple[bytes, int]:
    requirement = hours.requirement_for(year)
    book = Workbook(write_only=True)
    branches = book.create_sheet(f"{year}年度学时（组织）")
    _widths(branches, (6, 36, 10, 10, 12, 12))
    _title(branches, f"{organization.display_name} {year}年度党员学习培训学时统计")
    branches.append(
        [
            f"要求：党员每年不少于 {requirement.members} 学时，基层党组织书记和班子成员不少于 "
            f"{requirement.leaders} 学时。依据：{requirement.source}"
        ]
    )
    _headers(branches, BRANCH_HEADERS)
    table = hours.BranchRows(organization, requirement)
    for index, row in enumerate(table[0 : table.count()], start=1):
        branches.append(
            [index, row.name, row.members, float(row.average), row.below, row.reached_percent]
        )
    members = book.create_sheet(f"{year}年度学时（党员）")
    sources = [str(source.label) for source in hours.SOURCES]
    _widths(members, (8, 30, 12, 14, 12, 12, 10, 10, 10, 10, 10))
    _title(members, f"{organization.display_name} {year}年度党员学时明细")
    _headers(members, MEMBER_HEADERS + sources)
    count = 0
    for row in _member_rows(organization, requirement):
        count += 1
        members.append(
            [
                count,
                row.organization.display_name,
                row.person.name,
                "书记、班子成员" if row.is_leader else "党员",
                float(row.required),
                float(row.hours),
                float(row.gap),
                *(float(value) for _, value in row.by_source),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


def _member_rows(organization, requirement):
    """The subtree's members streamed in one query (requirement annotated), each chunk's hours
    by source read with one grouped query — no per-member SUM over the whole subtree."""
    rows = (
        hours.members_within(organization)
        .annotate(is_leader=Exists(hours.leader_posts(requirement.on)))
        .select_related("person", "organization")
        .order_by("organization__path", "person__name", "pk")
    )
    stream = rows.iterator(chunk_size=CHUNK)
    while chunk := list(islice(stream, CHUNK)):
        found = hours.sources_for((row.person_id for row in chunk), requirement.year)
        for row in chunk:
            own = found.get(row.person_id, {})
            row.hours = sum(own.values(), hours.ZERO)
            row.required = requirement.leaders if row.is_leader else requirement.members
            row.gap = max(row.required - row.hours, hours.ZERO)
            row.by_source = [
                (source.label, own.get(source.value, hours.ZERO)) for source in hours.SOURCES
            ]
            yield row


def response(user, organization, year: int) -> HttpResponse:
    content, count = workbook(organization, year)
    audit_log(
        actor=user,
        action="meetings.class_hours_export",
        organization=organization,
        object_repr=f"{organization.display_name} {year}年度学时",
        after={"year": year, "rows": count},
        message=f"导出{organization.display_name} {year}年度学时统计，{count} 名党员",
    )
    reply = HttpResponse(content, content_type=XLSX)
    filename = f"class-hours-{organization.code or organization.pk}-{year}.xlsx"
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    return reply
