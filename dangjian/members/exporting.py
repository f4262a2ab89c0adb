"""Excel export of a filtered member list, and the workbook pieces the statistics export shares.

    job = member_export_start(actor=user, data=request.GET, full=False, request_key=key)
    → a `core.Job`; `member_export_task` writes the workbook and the owner downloads it.

The export takes the list page's query string (`selectors.filtered_members` with
`members.export_member`), so it holds exactly the members the list shows in the exporter's
scope. ID numbers and mobiles are masked unless the exporter asked for full values AND holds
`members.reveal_sensitive` over every exported member; the address is never exported (decision
STATS-6). Every export is audited when it is asked for (who, filters, rows, masked or full),
every download when it happens. Every sheet starts with a watermark line naming the exporter.
"""

from __future__ import annotations

import io
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import islice

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django_tasks import task
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.jobs import (
    job_advance,
    job_create,
    job_fail,
    job_files_expire,
    job_finish,
    job_start,
)
from dangjian.core.models import Job
from dangjian.core.scope import has_permission, prefix_q, scope_of
from dangjian.core.tasks import enqueue_on_commit
from dangjian.members import display
from dangjian.members.filters import MemberFilterForm
from dangjian.members.models import ETHNICITY_CHOICES, Member
from dangjian.members.permissions import EXPORT_MEMBER, REVEAL_SENSITIVE
from dangjian.members.selectors import filtered_members

EXPORT_JOB_KIND = "members.export"
EXPORT_ACTION = "members.export"
DOWNLOAD_ACTION = "members.export_download"
CHUNK_SIZE = 2000
# Exported rosters hold personal data: the files go after this long (as the audit exports do).
EXPORT_FILE_RETENTION = timedelta(days=7)
FILTER_FIELDS = tuple(MemberFilterForm.base_fields)
ETHNICITY_NAMES = dict(ETHNICITY_CHOICES)

REFUSED_FULL = (
    "不能导出完整的身份证号和手机号：您对所选范围内的部分或全部党员没有“查看完整身份证号、"
    "手机号和住址”的权限。请取消勾选以导出脱敏名册，或把组织范围缩小到您有权限的组织。"
)
REFUSED_FILTERS = "筛选条件有误，未开始导出：请回到党员信息列表修正标出的条件后再导出。"
REFUSED_EMPTY = "没有符合筛选条件的党员，无需导出。请调整筛选条件。"


# ---------------------------------------------------------------- workbook pieces


def text_cell(sheet, value, *, bold: bool = False) -> WriteOnlyCell:
    """Always a text cell: a value starting with "=" must never become a formula in Excel."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value or "")))
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def watermark_line(user, when: datetime) -> str:
    """The first line of every exported sheet: who exported, when, and what for."""
    name = getattr(user, "display_name", "") or user.get_username()
    login = user.masked_login_name if hasattr(user, "masked_login_name") else ""
    moment = timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
    return f"导出人：{name}（{login}） 导出时间：{moment} 仅限内部工作使用"


def start_sheet(workbook: Workbook, title: str, *, user, when, widths: Iterable[int], note=""):
    """A write-only sheet with the watermark line (and an optional note) on top."""
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([text_cell(sheet, watermark_line(user, when), bold=True)])
    if note:
        sheet.append([text_cell(sheet, note)])
    return sheet


def dated_file_name(prefix: str, when: datetime) -> str:
    return f"{prefix}-{timezone.localtime(when):%Y%m%d-%H%M}.xlsx"


# ---------------------------------------------------------------- the roster columns


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def _years(value: int | None) -> str:
    return "" if value is None else str(value)


@lru_cache(maxsize=64)
def _labels(model, name: str, language: str) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


def _choice(instance, name: str) -> str:
    """The label of a choice field (Django's `get_FOO_display` costs a lazy gettext per cell)."""
    value = getattr(instance, name)
    return _labels(type(instance), name, get_language() or "").get(value, value) if value else ""


def _flag(on: bool, since: date | None) -> str:
    if not on:
        return "否"
    return f"是（{since.isoformat()}起）" if since else "是"


COLUMNS: tuple[tuple[str, int, Callable[[Member, bool], str]], ...] = (
    ("姓名", 10, lambda m, full: m.person.name),
    ("性别", 6, lambda m, full: _choice(m.person, "gender")),
    ("民族", 8, lambda m, full: ETHNICITY_NAMES.get(m.person.ethnicity, "")),
    ("出生日期", 12, lambda m, full: _date(m.person.birth_date)),
    ("年龄", 6, lambda m, full: _years(display.age(m.person))),
    (
        "公民身份号码",
        21,
        lambda m, full: (
            m.person.id_number if full else display.mask_value("id_number", m.person.id_number)
        ),
    ),
    (
        "手机号",
        14,
        lambda m, full: m.person.mobile if full else display.mask_value("mobile", m.person.mobile),
    ),
    ("工号", 10, lambda m, full: m.person.work_number or ""),
    ("学历", 14, lambda m, full: _choice(m.person, "education")),
    ("学位", 6, lambda m, full: _choice(m.person, "degree")),
    ("所在党组织", 24, lambda m, full: m.organization.name),
    ("所在党小组", 14, lambda m, full: m.party_group.name if m.party_group else ""),
    ("党员类别", 10, lambda m, full: _choice(m, "category")),
    ("入党日期", 12, lambda m, full: _date(m.joined_on)),
    ("转正日期", 12, lambda m, full: _date(m.full_member_on)),
    ("党龄", 6, lambda m, full: _years(display.party_age(m))),
    ("党籍状态", 10, lambda m, full: _choice(m, "status")),
    ("行政单位", 18, lambda m, full: m.person.unit.name if m.person.unit else ""),
    ("岗位", 14, lambda m, full: m.person.post),
    ("职业类别", 14, lambda m, full: _choice(m.person, "occupation")),
    ("职称", 14, lambda m, full: m.person.title or _choice(m.person, "title_level")),
    ("技能等级", 12, lambda m, full: _choice(m.person, "skill_level")),
    ("在岗状态", 8, lambda m, full: _choice(m.person, "employment")),
    ("流动党员", 18, lambda m, full: _flag(m.is_floating, m.floating_since)),
    ("失去联系", 18, lambda m, full: _flag(m.is_lost_contact, m.lost_contact_since)),
)


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def write_roster(members: QuerySet, target, *, user, full: bool, progress=None) -> int:
    """Write the members (a filtered queryset, rows in its order) to `target`; returns rows."""
    workbook = Workbook(write_only=True)
    now = timezone.now()
    note = (
        "本表含完整身份证号和手机号，导出已记录审计，请妥善保管，用后及时删除。"
        if full
        else "身份证号、手机号已脱敏显示。"
    )
    sheet = start_sheet(
        workbook,
        "党员名册",
        user=user,
        when=now,
        widths=(6, *(width for _, width, _ in COLUMNS)),
        note=note,
    )
    sheet.freeze_panes = "B4"
    sheet.append([text_cell(sheet, header, bold=True) for header in ("序号", *_headers())])
    count = 0
    rows = members.defer("person__address", "person__pinyin_key")  # never exported
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        for member in chunk:
            count += 1
            values = (value(member, full) for _, _, value in COLUMNS)
            sheet.append([count, *(text_cell(sheet, value) for value in values)])
        if progress:
            progress(len(chunk))
    workbook.save(target)
    return count


def _headers() -> list[str]:
    return [header for header, _, _ in COLUMNS]


# ---------------------------------------------------------------- selecting and checking


def export_members(user, data) -> tuple[QuerySet, MemberFilterForm]:
    """The members the list shows for `data`, in the user's export scope."""
    return filtered_members(user, data, permission=EXPORT_MEMBER)


def filters_of(data) -> dict[str, str]:
    """The list filters in a GET-like mapping, as a plain dict to keep in the job and the log."""
    return {name: str(data.get(name)) for name in FILTER_FIELDS if data.get(name)}


def may_export_full(user, members: QuerySet) -> bool:
    """Does the user hold `members.reveal_sensitive` over every one of these members?"""
    condition = prefix_q("organization__path", scope_of(user).paths_for(REVEAL_SENSITIVE))
    if condition is None:
        return False
    return not members.exclude(condition).exists()


def may_reveal_somewhere(user) -> bool:
    return has_permission(user, REVEAL_SENSITIVE)


# ---------------------------------------------------------------- the service and the task


def member_export_start(*, actor, data, full: bool = False, request_key: str = "") -> Job:
    """Queue an export of the members matching the list filters in `data`.

    Refuses (ServiceError, Chinese message) invalid filters, an empty result, and full values
    that the actor may not see for every exported member. The same `request_key` (the form's
    one-time key) answers the job already started, so a double click starts one export.
    """
    if not has_permission(actor, EXPORT_MEMBER):
        raise PermissionDenied
    if request_key:
        existing = Job.objects.filter(
            owner=actor, kind=EXPORT_JOB_KIND, params__request_key=request_key
        ).first()
        if existing is not None:
            return existing
    members, form = export_members(actor, data)
    if not form.is_valid():
        raise ServiceError(REFUSED_FILTERS)
    if full and not may_export_full(actor, members):
        raise ServiceError(REFUSED_FULL)
    rows = members.count()
    if not rows:
        raise ServiceError(REFUSED_EMPTY)
    filters = filters_of(data)
    with transaction.atomic():
        job = job_create(
            owner=actor,
            kind=EXPORT_JOB_KIND,
            title="导出党员名册（完整信息）" if full else "导出党员名册",
            params={
                "filters": filters,
                "full": full,
                "rows": rows,
                "request_key": request_key,
                "file": f"member-exports/{secrets.token_urlsafe(24)}.xlsx",
            },
        )
        organization = form.cleaned_data.get("org")
        audit_log(
            actor=actor,
            action=EXPORT_ACTION,
            object_type="core.job",
            object_id=str(job.pk),
            object_repr=job.title,
            organization=organization,
            after={"filters": filters, "rows": rows, "full": full},
            message=(
                f"导出党员名册 {rows} 人（含完整身份证号和手机号）"
                if full
                else f"导出党员名册 {rows} 人（脱敏）"
            ),
        )
        enqueue_on_commit(member_export_task, job.pk)
    return job


@task()
def member_export_task(job_id: str) -> None:
    """Write the workbook of an export job; safe to run twice (the file is replaced)."""
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status == Job.Status.DONE:
        return
    owner = job.owner
    if owner is None or not owner.is_active or not has_permission(owner, EXPORT_MEMBER):
        job_fail(job_id, message="导出失败：发起人已没有导出党员名册的权限。")
        return
    members, form = export_members(owner, job.params.get("filters", {}))
    full = bool(job.params.get("full"))
    if not form.is_valid():
        job_fail(job_id, message=REFUSED_FILTERS)
        return
    if full and not may_export_full(owner, members):
        job_fail(job_id, message=REFUSED_FULL)
        return
    job_start(job_id, total=members.count(), message="正在导出…")
    try:
        stored, count = _store(members, job, owner, full)
    except Exception:
        job_fail(job_id, message="导出失败：写入文件时出错，请稍后重试。")
        raise
    if stored != job.params["file"]:
        Job.objects.filter(pk=job_id).update(params={**job.params, "file": stored})
    download = reverse("members:export_download", args=[job.pk])
    job_finish(job_id, result_url=download, message=f"已导出 {count} 名党员，请下载文件。")


def _store(members: QuerySet, job: Job, owner, full: bool) -> tuple[str, int]:
    name = job.params["file"]
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        count = write_roster(
            members,
            handle.name,
            user=owner,
            full=full,
            progress=lambda number: job_advance(job.pk, number),
        )
        handle.seek(0)
        if default_storage.exists(name):  # a retried task replaces its own earlier file
            default_storage.delete(name)
        stored = default_storage.save(name, File(handle))
    return stored, count


def member_export_download(*, actor, job: Job) -> None:
    """Record the download of an exported roster (the view serves the file)."""
    audit_log(
        actor=actor,
        action=DOWNLOAD_ACTION,
        object_type="core.job",
        object_id=str(job.pk),
        object_repr=job.title,
        after={"full": bool(job.params.get("full")), "rows": job.params.get("rows")},
    )


def finished_export_of(user, job_id) -> Job | None:
    """The user's own finished export job, or None (anyone else's answers None too)."""
    return Job.objects.filter(
        pk=job_id, owner=user, kind=EXPORT_JOB_KIND, status=Job.Status.DONE
    ).first()


def member_exports_expire(*, now: datetime | None = None) -> int:
    """Delete exported rosters older than the retention; returns how many files went.

    Meant for a daily sweep (members/sweeps.py), as `audit_exports_expire` is for the log.
    """
    cutoff = (now or timezone.now()) - EXPORT_FILE_RETENTION
    return job_files_expire(kind=EXPORT_JOB_KIND, created_before=cutoff)


# ---------------------------------------------------------------- the statistics workbook

STATISTICS_ACTION = "members.statistics_export"


def statistics_export(*, actor, stats) -> bytes:
    """The workbook of one `PartyStatistics` (small, written at once), audited."""
    audit_log(
        actor=actor,
        action=STATISTICS_ACTION,
        organization=stats.organization,
        object_type="orgs.organization",
        object_id=str(stats.organization.pk),
        object_repr=stats.organization.name,
        after={"on_date": stats.on_date.isoformat(), "total": stats.total},
        message=f"导出党内统计（{stats.on_date.isoformat()}）",
    )
    buffer = io.BytesIO()
    _statistics_workbook(stats, actor).save(buffer)
    return buffer.getvalue()


def _statistics_workbook(stats, user) -> Workbook:
    workbook = Workbook(write_only=True)
    now = timezone.now()
    title = f"{stats.organization.name} 党内统计（统计日期 {stats.on_date.isoformat()}）"
    sheet = start_sheet(workbook, "统计汇总", user=user, when=now, widths=(28, 12, 12), note=title)
    sheet.append([text_cell(sheet, "党员总数", bold=True), stats.total])
    _section(sheet, "主要构成", stats.headline)
    for breakdown in stats.breakdowns.values():
        _section(sheet, breakdown.title, breakdown.rows)
    _section(sheet, "少数民族构成", stats.minorities)
    if stats.children_title:
        _children_sheet(workbook, stats, user, now, title)
    return workbook


def _section(sheet, title: str, rows) -> None:
    sheet.append([])
    sheet.append([text_cell(sheet, title, bold=True), text_cell(sheet, "人数", bold=True),
                  text_cell(sheet, "占比（%）", bold=True)])  # fmt: skip
    for row in rows:
        sheet.append([text_cell(sheet, row.label), row.count, row.share])


CHILD_COLUMNS = (
    ("total", "党员总数"),
    ("full", "正式党员"),
    ("probationary", "预备党员"),
    ("women", "女党员"),
    ("minority", "少数民族"),
    ("young", "35岁及以下"),
    ("retired", "离退休"),
    ("floating", "流动党员"),
)


def _children_sheet(workbook, stats, user, now, title) -> None:
    sheet = start_sheet(
        workbook,
        stats.children_title,
        user=user,
        when=now,
        widths=(30, *(10 for _ in CHILD_COLUMNS)),
        note=title,
    )
    headers = (stats.children_title, *(label for _, label in CHILD_COLUMNS))
    sheet.append([text_cell(sheet, header, bold=True) for header in headers])
    for child in stats.children:
        values = [getattr(child, key) for key, _ in CHILD_COLUMNS]
        sheet.append([text_cell(sheet, child.label), *values])
