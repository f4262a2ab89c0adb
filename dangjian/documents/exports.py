"""Excel of the 发文登记簿, the 收文登记簿 and the timeliness statistics (openpyxl write-only,
built in memory, audited). Each sheet starts with the watermark line naming the exporter.

The registers take the same filters as their pages (the outgoing register's `tab`, `year`,
`doc_type`, `q`, `issuer`; the inbox's `tab`, `q`, `urgency`). Up to `MAX_ROWS` rows the file is
made in the request; a bigger register is written by a background task (`core.jobs`: the job
page shows the progress and then the download link, the file is kept `FILE_RETENTION`). The
outgoing register is limited to the issuers in the exporter's `documents.export_document` scope.
"""

from __future__ import annotations

import io
import secrets
import tempfile
from datetime import timedelta

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django_tasks import task
from openpyxl import Workbook

from dangjian.audit.services import audit_log
from dangjian.core.forms import parse_id
from dangjian.core.jobs import (
    job_advance,
    job_create,
    job_fail,
    job_files_expire,
    job_finish,
    job_start,
)
from dangjian.core.models import Job
from dangjian.core.scope import scope_condition, scope_of
from dangjian.core.tasks import enqueue_on_commit
from dangjian.documents import selectors_tracking
from dangjian.documents.models import DocType, Document
from dangjian.documents.permissions import EXPORT_DOCUMENT
from dangjian.members.exporting import dated_file_name, start_sheet, text_cell
from dangjian.orgs.models import Organization

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000  # bigger registers are written by a background task
REGISTER_ACTION = "documents.register_export"
DOWNLOAD_ACTION = "documents.register_download"
TIMELINESS_ACTION = "documents.timeliness_export"
JOB_KIND = "documents.register_export"
FILE_RETENTION = timedelta(days=7)
CHUNK = 1000
TITLES = {"outgoing": "发文登记簿", "inbox": "收文登记簿"}
FILTER_KEYS = {
    "outgoing": ("tab", "year", "doc_type", "q", "issuer"),
    "inbox": ("tab", "q", "urgency"),
}


def _local(value, fmt="%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def _date(value) -> str:
    return value.isoformat() if value else ""


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


def write_outgoing(user, rows, target, *, total: int, progress=None) -> int:
    """Write the register rows to `target` (a path or a file); returns the rows written."""
    book = Workbook(write_only=True)
    sheet = start_sheet(
        book,
        "发文登记簿",
        user=user,
        when=timezone.now(),
        widths=[width for _, width in OUTGOING_COLUMNS],
        note=f"共 {total} 条。",
    )
    sheet.append([text_cell(sheet, name, bold=True) for name, _ in OUTGOING_COLUMNS])
    count = 0
    for document in rows.iterator(chunk_size=CHUNK):
        count += 1
        _tick(progress, count)
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
    book.save(target)
    return count


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


def write_inbox(user, rows, target, *, total: int, progress=None) -> int:
    book = Workbook(write_only=True)
    sheet = start_sheet(
        book,
        "收文登记簿",
        user=user,
        when=timezone.now(),
        widths=[width for _, width in INBOX_COLUMNS],
        note=f"共 {total} 条。",
    )
    sheet.append([text_cell(sheet, name, bold=True) for name, _ in INBOX_COLUMNS])
    count = 0
    for receipt in rows.iterator(chunk_size=CHUNK):
        count += 1
        _tick(progress, count)
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
    book.save(target)
    return count


# ------------------------------------------------------------------------------ both registers

WRITERS = {"outgoing": write_outgoing, "inbox": write_inbox}


def _rows_of(register: str, user, data):
    rows, filters = (outgoing_rows if register == "outgoing" else inbox_rows)(user, data)
    if register == "outgoing":
        return rows, _plain(filters.__dict__), filters.issuer
    return rows, filters, None


def register_export(user, register: str, data):
    """The register as a download (up to MAX_ROWS rows) or, when bigger, a started job."""
    rows, filters, organization = _rows_of(register, user, data)
    total = rows.count()
    if total > MAX_ROWS:
        return register_export_start(actor=user, register=register, data=data, total=total)
    buffer = io.BytesIO()
    count = WRITERS[register](user, rows, buffer, total=total)
    _audit(
        actor=user,
        action=REGISTER_ACTION,
        what=TITLES[register],
        filters=filters,
        rows=count,
        organization=organization,
    )
    name = dated_file_name(f"{register}-register", timezone.now())
    return _response(buffer.getvalue(), name)


def register_export_start(*, actor, register: str, data, total: int) -> Job:
    """Queue a big register; the export is audited when asked for, the download when taken."""
    filters = {key: str(data.get(key)) for key in FILTER_KEYS[register] if data.get(key)}
    title = f"导出{TITLES[register]}（{total} 条）"
    with transaction.atomic():
        job = job_create(
            owner=actor,
            kind=JOB_KIND,
            title=title,
            params={
                "register": register,
                "filters": filters,
                "rows": total,
                "file": f"document-exports/{secrets.token_urlsafe(24)}.xlsx",
                "filename": dated_file_name(f"{register}-register", timezone.now()),
            },
        )
        audit_log(
            actor=actor,
            action=REGISTER_ACTION,
            object_type="core.job",
            object_id=str(job.pk),
            object_repr=title,
            after={"filters": filters, "rows": total, "background": True},
            message=f"导出{TITLES[register]} {total} 条（后台生成）",
        )
        enqueue_on_commit(register_export_task, job.pk)
    return job


@task()
def register_export_task(job_id: str) -> None:
    """Write the workbook of a register export job; safe to run twice (the file is replaced)."""
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status == Job.Status.DONE:
        return
    owner, register = job.owner, job.params.get("register")
    if owner is None or not owner.is_active or register not in WRITERS:
        job_fail(job_id, message="导出失败：发起人账号已停用。")
        return
    rows, _filters, _organization = _rows_of(register, owner, job.params.get("filters", {}))
    total = rows.count()
    job_start(job_id, total=total, message="正在导出…")
    name = job.params["file"]
    try:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            count = WRITERS[register](
                owner, rows, handle.name, total=total, progress=lambda n: job_advance(job_id, n)
            )
            handle.seek(0)
            if default_storage.exists(name):  # a retried task replaces its own earlier file
                default_storage.delete(name)
            default_storage.save(name, File(handle))
    except Exception:
        job_fail(job_id, message="导出失败：写入文件时出错，请稍后重试。")
        raise
    url = reverse("documents:register_download", args=[job.pk])
    job_finish(job_id, result_url=url, message=f"已导出 {count} 条，请下载文件。")


def finished_export_of(user, job_id) -> Job | None:
    return Job.objects.filter(pk=job_id, owner=user, kind=JOB_KIND, status=Job.Status.DONE).first()


def register_download_record(*, actor, job: Job) -> None:
    audit_log(
        actor=actor,
        action=DOWNLOAD_ACTION,
        object_type="core.job",
        object_id=str(job.pk),
        object_repr=job.title,
        after={"rows": job.params.get("rows")},
        message=f"下载{job.title}",
    )


def register_files_expire(*, now=None) -> int:
    """Delete exported registers older than the retention (a daily sweep)."""
    cutoff = (now or timezone.now()) - FILE_RETENTION
    return job_files_expire(kind=JOB_KIND, created_before=cutoff)


def _tick(progress, count: int) -> None:
    if progress is not None and count % CHUNK == 0:
        progress(CHUNK)


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
