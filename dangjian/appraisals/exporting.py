"""The Excel of a round's results (audited)."""

from __future__ import annotations

import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from dangjian.appraisals import selectors, services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["序号", "姓名", "党员类别", "党小组", "评议等次", "评定说明", "确定会议", "确定日期"]


def results_workbook(round_) -> tuple[bytes, int]:
    book = Workbook()
    sheet = book.active
    sheet.title = f"{round_.year}年度民主评议"
    sheet.append([f"{round_}结果"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(HEADERS)
    groups = {row.member_id: row for row in selectors.round_participants(round_)}
    count = 0
    for count, result in enumerate(selectors.round_results(round_), start=1):
        participant = groups.get(result.member_id)
        sheet.append(
            [
                count,
                result.member.person.name,
                "正式党员" if participant is None or participant.is_graded else "预备党员",
                participant.party_group.name if participant and participant.party_group else "",
                result.get_grade_display(),
                result.reason,
                result.get_meeting_kind_display(),
                result.decided_on.isoformat(),
            ]
        )
    for column, width in zip("ABCDEFGH", (6, 12, 10, 16, 14, 30, 16, 12), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


def results_response(user, round_) -> HttpResponse:
    content, rows = results_workbook(round_)
    services.results_export_record(actor=user, round_=round_, rows=rows)
    response = HttpResponse(content, content_type=XLSX)
    filename = f"appraisal-{round_.organization.code or round_.organization_id}-{round_.year}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
