"""Excel of the 发文登记簿, the 收文登记簿 and the timeliness statistics (openpyxl write-only,
built in memory, audited). Each sheet starts with the watermark line naming the exporter.

The registers take the same filters as their pages (the outgoing register's `tab`, `year`,
`doc_type`, `q`, `issuer`; the inbox's `tab`, `q`, `urgency`) and hold at most `MAX_ROWS`
rows: a bigger selection is cut there and the sheet says so on its second line (narrow the
filters, e.g. by year). The outgoing register is limited to the issuers in the exporter's
`documents.export_document` scope.
"""

from __future__ import annotations

import io

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook

from dangjian.audit.services import audit_log
from dangjian.core.forms import parse_id
from dangjian.core.scope import scope_condition, scope_of
from dangjian.documents import selectors_tracking
from dangjian.documents.models import DocType, Document
from dangjian.documents.permissions import EXPORT_DOCUMENT
from dangjian.members.exporting import dated_file_name, start_sheet, text_cell
from dangjian.orgs.models import Organization

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000
REGISTER_ACTION = "documents.register_export"
TIMELINESS_ACTION = "documents.timeliness_export"


def _local(value, fmt="%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def _date(value) -> str:
    return value.isoformat() if value else ""


def _cut_note(total: int) -> str:
    if total <= MAX_ROWS:
        return f"共 {total} 条。"
    return f"共 {total} 条，本表只导出前 {MAX_ROWS} 条；请缩小筛选范围（例如按年份）分批导出。"


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _audit(*, actor, action: str, what: str, filters: dict, rows: int, organization=None):
    with transaction.atomic():
        audit_log(
            actor=actor,
            action=action,
            object_type="documents.register",
            object_repr=what,
            organization=organization,
            after={"filters": filters, "rows": rows},
            message=f"导出{what} {rows} 条",
        )


# ------------------------------------------------------------------------------ 发文登记簿

OUTGOING_COLUMNS = (
    ("序号", 6),
    ("发文字号", 20),
    ("文种", 8),
    ("标题", 44),
    ("紧急程度", 8),
    ("密级", 6),
    ("发文机关", 18),
    ("签发人", 10),
    ("成文日期", 12),
    ("发文时间", 17),
    ("状态", 8),
    ("收文单位数", 10),
    ("已签收", 8),
    ("已阅", 8),
    ("已回复", 8),
    ("已退回", 8),
    ("办理期限", 12),
)


def outgoing_filters(user, data):
    """The register's filters from a query string (unknown values are ignored)."""
    from dangjian.documents.selectors_outgoing import TABS, RegisterFilters

    issuer_id = parse_id(data.get("issuer"))
    issuer = Organization.objects.filter(pk=issuer_id).first() if issuer_id else None
    tab = data.get("tab", "")
    doc_type = data.get("doc_type", "")
    return RegisterFilters(
        tab=tab if tab in TABS else "",
        year=parse_id(data.get("year")),
        doc_type=doc_type if doc_type in DocType.values else "",
        text=(data.get("q") or "")[:50],
        issuer=issuer,
    )


def outgoing_rows(user, data):
    from dangjian.documents.selectors_outgoing import outgoing_register

    filters = outgoing_filters(user, data)
    rows, _tabs = outgoing_register(user, filters)
    allowed = scope_condition("issuer__path", scope_of(user).paths_for(EXPORT_DOCUMENT))
    if allowed is None:
        return Document.objects.none(), filters
    return rows.filter(allowed).select_related("issuer"), filters


def outgoing_workbook(user, rows) -> tuple[bytes, int]:
    total = rows.count()
    book = Workbook(write_only=True)
    sheet = start_sheet(
        book,
        "发文登记簿",
        user=user,
        when=timezone.now(),
        widths=[width for _, width in OUTGOING_COLUMNS],
        note=_cut_note(total),
    )
    sheet.append([text_cell(sheet, name, bold=True) for name, _ in OUTGOING_COLUMNS])
    count = 0
    for document in rows[:MAX_ROWS].iterator(chunk_size=1000):
        count += 1
        values = (
            document.number or "（未编号）",
            document.get_doc_type_display(),
            document.title,
            document.get_urgency_display(),
            document.get_classification_display(),
            document.issuer.display_name,
            document.signer_name,
            _date(document.dated),
            _local(document.issued_at),
            document.get_status_display(),
        )
        counters = (
            document.recipient_count,
            document.signed_count,
            document.read_count,
            document.replied_count,
            document.returned_count,
        )
        sheet.append(
            [
                count,
                *(text_cell(sheet, value) for value in values),
                *counters,
                text_cell(sheet, _date(document.deadline)),
            ]
        )
    return _save(book), count


def outgoing_response(user, data) -> HttpResponse:
    rows, filters = outgoing_rows(user, data)
    content, count = outgoing_workbook(user, rows)
    _audit(
        actor=user,
        action=REGISTER_ACTION,
        what="发文登记簿",
        filters=_plain(filters.__dict__),
        rows=count,
        organization=filters.issuer,
    )
    return _response(content, dated_file_name("outgoing-register", timezone.now()))


# ------------------------------------------------------------------------------ 收文登记簿

INBOX_COLUMNS = (
    ("序号", 6),
    ("收文编号", 16),
    ("收到时间", 17),
    ("来文机关", 20),
    ("发文字号", 20),
    ("标题", 44),
    ("文种", 8),
    ("密级", 6),
    ("紧急程度", 8),
    ("份数", 6),
    ("收文单位（人）", 18),
    ("状态", 8),
    ("签收时间", 17),
    ("签收人", 10),
    ("办理期限", 12),
    ("回复时间", 17),
    ("退回理由", 24),
)


def inbox_rows(user, data):
    from dangjian.documents import selectors_receiving

    tab = data.get("tab", "all")
    if tab not in selectors_receiving.TABS:
        tab = "all"
    filters = {"q": (data.get("q") or "")[:50], "urgency": data.get("urgency", "")}
    rows = selectors_receiving.inbox(user, tab, filters)
    return rows.select_related("organization", "user", "signed_by"), {"tab": tab, **filters}


def inbox_workbook(user, rows) -> tuple[bytes, int]:
    total = rows.count()
    book = Workbook(write_only=True)
    sheet = start_sheet(
        book,
        "收文登记簿",
        user=user,
        when=timezone.now(),
        widths=[width for _, width in INBOX_COLUMNS],
        note=_cut_note(total),
    )
    sheet.append([text_cell(sheet, name, bold=True) for name, _ in INBOX_COLUMNS])
    count = 0
    for receipt in rows[:MAX_ROWS].iterator(chunk_size=1000):
        count += 1
        values = (
            receipt.register_no,
            _local(receipt.sent_at),
            receipt.source_name,
            receipt.number,
            receipt.title,
            receipt.get_doc_type_display(),
            receipt.get_classification_display(),
            receipt.get_urgency_display(),
        )
        after = (
            receipt.holder_name,
            receipt.get_status_display(),
            _local(receipt.signed_at),
            receipt.signed_by.display_name if receipt.signed_by_id else "",
            _date(receipt.deadline),
            _local(receipt.replied_at),
            receipt.return_reason,
        )
        sheet.append(
            [
                count,
                *(text_cell(sheet, value) for value in values),
                receipt.copies,
                *(text_cell(sheet, value) for value in after),
            ]
        )
    return _save(book), count


def inbox_response(user, data) -> HttpResponse:
    rows, filters = inbox_rows(user, data)
    content, count = inbox_workbook(user, rows)
    _audit(actor=user, action=REGISTER_ACTION, what="收文登记簿", filters=filters, rows=count)
    return _response(content, dated_file_name("inbox-register", timezone.now()))


# ------------------------------------------------------------------------------ timeliness

TIMELINESS_COLUMNS = (
    ("序号", 6),
    ("收文单位", 28),
    ("收文数", 8),
    ("已签收", 8),
    ("按时签收", 10),
    ("签收及时率（%）", 14),
    ("平均签收用时（小时）", 18),
    ("需回复", 8),
    ("已回复", 8),
    ("按期回复", 10),
    ("回复及时率（%）", 14),
)


def timeliness_workbook(user, organization, period: dict, sort: str) -> tuple[bytes, int]:
    rows = selectors_tracking.timeliness(user, organization, period["start"], period["end"], sort)
    book = Workbook(write_only=True)
    sheet = start_sheet(
        book,
        "公文时效统计",
        user=user,
        when=timezone.now(),
        widths=[width for _, width in TIMELINESS_COLUMNS],
        note=(
            f"{organization.display_name} {period['label']}（{period['start']} 至 "
            f"{period['end']}）收文时效统计：按时签收指在签收时限内签收（急件当日，平件次一工作日内），"
            "按期回复指在办理期限当日或之前回复。"
        ),
    )
    sheet.append([text_cell(sheet, name, bold=True) for name, _ in TIMELINESS_COLUMNS])
    for index, row in enumerate(rows, start=1):
        sheet.append(
            [
                index,
                text_cell(sheet, row.organization_name),
                row.received,
                row.signed,
                row.signed_on_time,
                row.sign_rate,
                row.average_sign_hours,
                row.reply_required,
                row.replied,
                row.replied_on_time,
                row.reply_rate,
            ]
        )
    return _save(book), len(rows)


def timeliness_response(user, organization, period: dict, sort: str) -> HttpResponse:
    content, count = timeliness_workbook(user, organization, period, sort)
    _audit(
        actor=user,
        action=TIMELINESS_ACTION,
        what=f"公文时效统计（{period['label']}）",
        filters={key: _plain(period)[key] for key in ("period", "start", "end")},
        rows=count,
        organization=organization,
    )
    code = organization.code or organization.pk
    return _response(content, f"document-timeliness-{code}-{period['start']:%Y%m%d}.xlsx")


def _plain(values: dict) -> dict:
    """JSON-friendly copy of filters for the audit entry."""
    plain = {}
    for key, value in values.items():
        if isinstance(value, Organization):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        plain[key] = value
    return plain
