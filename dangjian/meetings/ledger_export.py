"""三会一课台账 as PDF (WeasyPrint, `templates/pdf/meetings_ledger.html`) and as a workbook
(a summary sheet and one sheet per meeting category), the audit of each export, and the
background task that makes the PDF of a big year with a progress bar.

A year counts as big when it has more than `LARGE_MEETINGS` meetings or `LARGE_PHOTOS` photos
(measured: see /work/brief/decisions-ledger.md); smaller years are made in the request.
"""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django_tasks import task
from openpyxl import Workbook

from dangjian.audit.services import audit_log
from dangjian.core.jobs import job_create, job_fail, job_files_expire, job_finish, job_start
from dangjian.core.models import Job
from dangjian.core.pdf import html_to_pdf
from dangjian.core.scope import scope_of
from dangjian.core.tasks import enqueue_on_commit
from dangjian.meetings import ledger as ledgers
from dangjian.meetings.permissions import VIEW_MEETING
from dangjian.members.exporting import start_sheet, text_cell
from dangjian.orgs.models import Organization

ACTION = "meetings.ledger_export"
JOB_KIND = "meetings.ledger_pdf"
TEMPLATE = "pdf/meetings_ledger.html"
LARGE_MEETINGS = 30
LARGE_PHOTOS = 60
FILE_RETENTION = timedelta(days=7)  # the stored PDFs hold names and leave reasons


def is_large(ledger: ledgers.Ledger) -> bool:
    photos = sum(min(item.photo_total, ledgers.PHOTOS_PER_MEETING) for item in ledger.meetings)
    return len(ledger.meetings) > LARGE_MEETINGS or photos > LARGE_PHOTOS


def attachment(filename: str) -> str:
    return content_disposition_header(True, filename)


# --- PDF -----------------------------------------------------------------------------------


def render_ledger_pdf(ledger: ledgers.Ledger) -> bytes:
    html = render_to_string(TEMPLATE, {"ledger": ledger, "quarters": ledgers.QUARTERS})
    return html_to_pdf(html)


# --- workbook ------------------------------------------------------------------------------

SUMMARY_HEADERS = ("要求", "一季度", "二季度", "三季度", "四季度", "全年", "落实情况", "依据")
MEETING_HEADERS = (
    ("召开日期", 12),
    ("会议类型", 12),
    ("召开组织", 18),
    ("会议主题", 36),
    ("开始时间", 17),
    ("结束时间", 17),
    ("地点", 18),
    ("主持人", 10),
    ("记录人", 10),
    ("授课人", 10),
    ("应到", 6),
    ("实到", 6),
    ("请假", 6),
    ("缺席", 6),
    ("出席人员", 40),
    ("请假人员及事由", 40),
    ("缺席人员", 24),
    ("列席人员", 24),
    ("会议议程", 40),
    ("会议记录", 60),
    ("会议决议", 40),
    ("照片", 6),
    ("补录", 6),
    ("审核", 10),
)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _plain(html: str) -> str:
    """Minutes are sanitised HTML; a cell wants their text, one paragraph a line."""
    from django.utils.html import strip_tags

    text = html.replace("</p>", "\n").replace("<br>", "\n").replace("</li>", "\n")
    return "\n".join(line.strip() for line in strip_tags(text).splitlines() if line.strip())


def _meeting_row(sheet, item: ledgers.LedgerMeeting) -> list:
    meeting = item.meeting
    values = (
        meeting.held_on.isoformat(),
        item.type_name,
        item.organization_name,
        meeting.topic,
        _when(meeting.actual_start),
        _when(meeting.actual_end),
        "线上" if meeting.is_online and not meeting.place else meeting.place,
        item.host,
        item.recorder,
        item.lecturer,
        meeting.expected_count,
        meeting.present_count,
        meeting.leave_count,
        meeting.absent_count,
        "、".join(item.present),
        "；".join(f"{p.name}（{p.reason}）" if p.reason else p.name for p in item.leave),
        "、".join(item.absent),
        "、".join(item.visitors),
        meeting.agenda,
        _plain(meeting.minutes),
        meeting.resolutions,
        item.photo_total,
        "是" if meeting.is_late_entry else "",
        meeting.get_status_display(),
    )
    return [value if isinstance(value, int) else text_cell(sheet, value) for value in values]


def ledger_workbook(ledger: ledgers.Ledger, *, user) -> bytes:
    workbook = Workbook(write_only=True)
    when = timezone.now()
    note = (
        f"{ledger.title}；书记：{ledger.secretary or '（未设）'}；共 {len(ledger.meetings)} 次会议"
    )
    sheet = start_sheet(
        workbook, "汇总", user=user, when=when, widths=(30, 9, 9, 9, 9, 9, 10, 60), note=note
    )
    sheet.append([text_cell(sheet, header, bold=True) for header in SUMMARY_HEADERS])
    for row in ledger.summary:
        quarters = [
            f"{held}/{required}" if required else str(held) for held, required, _ in row.cells()
        ]
        sheet.append(
            [
                text_cell(sheet, row.label),
                *[text_cell(sheet, cell) for cell in quarters],
                text_cell(sheet, f"{row.year_held}/{row.year_required}"),
                text_cell(sheet, row.verdict[0]),
                text_cell(sheet, row.source),
            ]
        )
    for _, label, items in ledger.by_category():
        sheet = start_sheet(
            workbook, label[:31], user=user, when=when, widths=[w for _, w in MEETING_HEADERS]
        )
        sheet.append([text_cell(sheet, header, bold=True) for header, _ in MEETING_HEADERS])
        for item in items:
            sheet.append(_meeting_row(sheet, item))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- audit ---------------------------------------------------------------------------------


def audit_export(*, actor, ledger: ledgers.Ledger, kind: str, job=None) -> None:
    label = {"pdf": "PDF", "xlsx": "Excel"}[kind]
    audit_log(
        actor=actor,
        action=ACTION,
        object_type="orgs.organization",
        object_id=str(ledger.organization.pk),
        object_repr=ledger.title,
        organization=ledger.organization,
        after={
            "year": ledger.year,
            "format": kind,
            "meetings": len(ledger.meetings),
            **({"job": str(job.pk)} if job else {}),
        },
        message=f"导出{ledger.year}年度三会一课台账（{label}，{len(ledger.meetings)} 次会议）",
    )


def audit_download(*, actor, job: Job) -> None:
    organization = Organization.objects.filter(pk=job.params.get("organization")).first()
    audit_log(
        actor=actor,
        action=ACTION,
        object_type="core.job",
        object_id=str(job.pk),
        object_repr=job.title,
        organization=organization,
        after={"year": job.params.get("year"), "format": "pdf", "download": True},
        message=f"下载后台生成的{job.title}",
    )


# --- the background PDF --------------------------------------------------------------------


def start_pdf_job(*, actor, organization: Organization, year: int, request_key: str = "") -> Job:
    """Queue the PDF of a big year. The same `request_key` (the page's one-time key) answers
    the job already started, so a double click makes one PDF."""
    if not scope_of(actor).covers(VIEW_MEETING, organization.path):
        raise Http404
    if request_key:
        existing = Job.objects.filter(
            owner=actor, kind=JOB_KIND, params__request_key=request_key
        ).first()
        if existing is not None:
            return existing
    title = f"{organization.display_name}{year}年度三会一课台账"
    with transaction.atomic():
        job = job_create(
            owner=actor,
            kind=JOB_KIND,
            title=title,
            params={
                "organization": organization.pk,
                "year": year,
                "request_key": request_key,
                "file": f"meeting-ledgers/{secrets.token_urlsafe(24)}.pdf",
                "filename": f"三会一课台账-{organization.display_name}-{year}.pdf",
            },
        )
        enqueue_on_commit(ledger_pdf_task, job.pk)
    return job


@task()
def ledger_pdf_task(job_id: str) -> None:
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status == Job.Status.DONE:
        return
    organization = Organization.objects.filter(pk=job.params.get("organization")).first()
    if organization is None or not scope_of(job.owner).covers(VIEW_MEETING, organization.path):
        job_fail(job_id, message="生成失败：党组织已不存在，或发起人已没有查看其组织生活的权限。")
        return
    year = int(job.params["year"])
    # Steps: one per photo thumbnail, plus the rendering (counted as a tenth of the work).
    job_start(job_id, total=1, message="正在读取会议记录…")

    def progress(done: int, total: int) -> None:
        Job.objects.filter(pk=job_id).update(
            total=total + max(1, total // 10), done=done, message=f"正在处理照片 {done}/{total}…"
        )

    ledger = ledgers.build_ledger(organization, year, progress=progress)
    Job.objects.filter(pk=job_id).update(message="正在排版 PDF…")
    try:
        content = render_ledger_pdf(ledger)
    except Exception:  # the job page says it failed; the worker log has why
        job_fail(job_id, message="生成失败：排版 PDF 时出错，请稍后重试。")
        raise
    name = job.params["file"]
    if default_storage.exists(name):  # a retried task replaces its own earlier file
        default_storage.delete(name)
    default_storage.save(name, ContentFile(content))
    audit_export(actor=job.owner, ledger=ledger, kind="pdf", job=job)
    from django.urls import reverse

    job_finish(
        job_id,
        result_url=reverse("meetings:ledger_download", args=[job.pk]),
        message=f"已生成 {len(ledger.meetings)} 次会议的台账，请下载。",
    )


def finished_job_of(user, job_id) -> Job | None:
    return Job.objects.filter(pk=job_id, owner=user, kind=JOB_KIND, status=Job.Status.DONE).first()


def ledger_files_expire(*, now=None) -> int:
    """Delete stored 台账 PDFs older than the retention (for the lead to schedule)."""
    cutoff = (now or timezone.now()) - FILE_RETENTION
    return job_files_expire(kind=JOB_KIND, created_before=cutoff)
