"""The 考核通报 of a period, as PDF (WeasyPrint, A4) and Excel (openpyxl).

    title      关于<period name>结果的通报 (e.g. 关于2026年11月党支部工作考核结果的通报)
    一、总体情况  a summary written from the data: targets and scored cards, the average, counts
               per grade, vetoes; the first three of each category; the most-deducted leaves
    二、考核排名  one table per category: 名次 (ties share a rank), 考核对象, 考核分, 等次,
               扣分, 加分, 较上期
    三、扣分情况  every leaf below its full value with the assessor's reason (and 申诉改分 when
               an appeal decision changed it)

The Excel has a sheet per category and a 扣分明细 sheet, each under the exporter's watermark
line. Both are exports of the whole period: the view lets only the period's managers, or the
VIEW_RESULT holders over its owner once published, download them (`selectors_results.
can_issue_bulletin`), and each download is audited (`assessment.bulletin_export`).
"""

from __future__ import annotations

import io
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from openpyxl import Workbook

from dangjian.assessment import engine
from dangjian.assessment import selectors_results as results
from dangjian.assessment.models import (
    Indicator,
    LeafScore,
    Period,
    RuleType,
    Scorecard,
    TargetKind,
)
from dangjian.audit.services import audit_log
from dangjian.core.pdf import html_to_pdf
from dangjian.members.exporting import start_sheet, text_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A bulletin of more cards is written by a background task (WeasyPrint lays out a 2 000-card
# bulletin in about two minutes); the job page shows the progress, then the download.
BACKGROUND_CARDS = 150
JOB_KIND = "assessment.bulletin"
DOWNLOAD_ACTION = "assessment.bulletin_download"
FILE_RETENTION = timedelta(days=7)
PDF_TEMPLATE = "assessment/res_bulletin_pdf.html"
TOP = 3
LOSSES = 5


@dataclass
class RankRow:
    card: Scorecard
    change: Decimal | None

    @property
    def change_text(self) -> str:
        if self.change is None:
            return "—"
        text = engine.fmt(self.change)
        return f"+{text}" if self.change > 0 else text


@dataclass
class Deduction:
    category: str
    target: str
    code: str
    title: str
    full: Decimal
    points: Decimal
    lost: Decimal
    reason: str
    by_appeal: bool

    @property
    def lost_text(self) -> str:
        return engine.fmt(self.lost)


@dataclass
class BulletinData:
    period: Period
    title: str
    unit: str  # 个党组织 / 名党员
    cards: list[Scorecard]
    categories: list[tuple[str, list[RankRow]]]
    grades: list[tuple[str, int]]
    paragraphs: list[str]
    deductions: list[Deduction]
    dated: str
    draft: bool = False
    losses: list = field(default_factory=list)


def bulletin_title(period: Period) -> str:
    return f"关于{period.name}结果的通报"


def chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def bulletin_data(user, period: Period) -> BulletinData:
    """Everything the bulletin prints (four queries and the losses' three)."""
    template = period.template
    cards = list(
        Scorecard.objects.filter(period=period)
        .select_related("category")
        .order_by(
            F("category__position").asc(nulls_last=True),
            "category_id",
            F("rank").asc(nulls_last=True),
            "target_name",
            "pk",
        )
    )
    grouped: dict[str, list[RankRow]] = {}
    for card in cards:
        name = card.category.name if card.category_id else "未分类"
        grouped.setdefault(name, []).append(RankRow(card, results.change_of(card)))
    categories = list(grouped.items())
    counts: dict[str, int] = defaultdict(int)
    for card in cards:
        if card.grade:
            counts[card.grade] += 1
    grades = [(band["label"], counts.pop(band["label"], 0)) for band in template.bands()]
    grades += sorted(counts.items())
    losses = results.indicator_losses(user, period, limit=LOSSES)
    unit = "名党员" if template.target_kind == TargetKind.MEMBER else "个党组织"
    stamp = period.published_at or period.locked_at or timezone.now()
    return BulletinData(
        period=period,
        title=bulletin_title(period),
        unit=unit,
        cards=cards,
        categories=categories,
        grades=grades,
        paragraphs=summary_paragraphs(period, cards, categories, grades, losses, unit),
        deductions=deductions(period),
        dated=chinese_date(timezone.localtime(stamp).date()),
        draft=not period.results_visible,
        losses=losses,
    )


def summary_paragraphs(period, cards, categories, grades, losses, unit) -> list[str]:
    scored = [card for card in cards if card.total is not None]
    paragraphs = []
    text = f"本次考核对象共{len(cards)}{unit}，完成评分{len(scored)}{unit[0]}"
    if scored:
        average = engine.q(sum(card.total for card in scored) / len(scored))
        text += f"，平均得分{engine.fmt(average)}分"
    text += "。"
    named = [f"{label}{count}{unit[0]}" for label, count in grades]
    if named:
        text += "其中" + "、".join(named) + "。"
    vetoed = sum(1 for card in cards if card.vetoed)
    if vetoed:
        text += f"触发一票否决{vetoed}{unit[0]}。"
    paragraphs.append(text)
    for name, rows in categories:
        top = [row.card for row in rows if row.card.rank is not None and row.card.rank <= TOP]
        if not top:
            continue
        names = "、".join(f"{card.target_name}（{engine.fmt(card.total)}分）" for card in top)
        paragraphs.append(f"{name}（{len(rows)}{unit[0]}）前三名：{names}。")
    if losses:
        items = "；".join(
            f"{loss.code} {loss.title}（{loss.targets}{unit}共扣{engine.fmt(loss.deduction)}分）"
            for loss in losses
        )
        paragraphs.append(f"扣分较多的指标：{items}。")
    return paragraphs


def deductions(period: Period) -> list[Deduction]:
    """Every scored leaf below its full value, in ranking order (one query + the graded
    leaves of the template)."""
    graded = Indicator.objects.filter(template=period.template_id, rule_type=RuleType.GRADED)
    rows = (
        LeafScore.objects.filter(scorecard__period=period, points__isnull=False)
        .filter(results.losing_q(graded))
        .select_related("indicator", "scorecard__category")
        .order_by(
            F("scorecard__category__position").asc(nulls_last=True),
            F("scorecard__rank").asc(nulls_last=True),
            "scorecard__target_name",
            "scorecard_id",
            "indicator__position",
            "indicator_id",
        )
    )
    result = []
    for row in rows:
        full = engine.full_points(row.indicator)
        card = row.scorecard
        result.append(
            Deduction(
                card.category.name if card.category_id else "未分类",
                card.target_name,
                row.indicator.code,
                row.indicator.title,
                full,
                row.points,
                full - row.points,
                row.reason,
                row.changed_by_appeal,
            )
        )
    return result


# ------------------------------------------------------------------------------ PDF


def render_pdf(data: BulletinData) -> bytes:
    context = {
        "data": data,
        "period": data.period,
        "owner": data.period.owner,
        "template": data.period.template,
    }
    return html_to_pdf(render_to_string(PDF_TEMPLATE, context))


# ------------------------------------------------------------------------------ Excel

RANK_COLUMNS = (
    ("名次", 6),
    ("考核对象", 26),
    ("考核分", 9),
    ("等次", 8),
    ("扣分合计", 9),
    ("加分合计", 9),
    ("上期得分", 9),
    ("较上期", 8),
    ("一票否决", 9),
)
DEDUCTION_COLUMNS = (
    ("对比类别", 12),
    ("考核对象", 24),
    ("编号", 8),
    ("考核细则", 36),
    ("分值", 7),
    ("得分", 7),
    ("扣分", 7),
    ("扣分理由", 44),
    ("申诉", 12),
)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("", name)[:28] or "类别"
    candidate, number = base, 2
    while candidate in used:
        candidate = f"{base[:25]}({number})"
        number += 1
    used.add(candidate)
    return candidate


def _num(value):
    return float(value) if value is not None else None


def render_xlsx(data: BulletinData, *, user) -> bytes:
    book = Workbook(write_only=True)
    when = timezone.now()
    used: set[str] = {"扣分明细"}
    for name, rows in data.categories:
        sheet = start_sheet(
            book,
            _sheet_name(name, used),
            user=user,
            when=when,
            widths=[width for _, width in RANK_COLUMNS],
            note=f"{data.title} · {name}（{len(rows)}{data.unit[0]}）",
        )
        sheet.append([text_cell(sheet, title, bold=True) for title, _ in RANK_COLUMNS])
        for row in rows:
            card = row.card
            sheet.append(
                [
                    card.rank,
                    text_cell(sheet, card.target_name),
                    _num(card.total),
                    text_cell(sheet, card.grade),
                    _num(card.deduction_total),
                    _num(card.bonus_total),
                    _num(card.previous_total),
                    _num(row.change),
                    text_cell(sheet, "是" if card.vetoed else ""),
                ]
            )
    sheet = start_sheet(
        book,
        "扣分明细",
        user=user,
        when=when,
        widths=[width for _, width in DEDUCTION_COLUMNS],
        note=f"{data.title} · 扣分明细（{len(data.deductions)}项）",
    )
    sheet.append([text_cell(sheet, title, bold=True) for title, _ in DEDUCTION_COLUMNS])
    for item in data.deductions:
        sheet.append(
            [
                text_cell(sheet, item.category),
                text_cell(sheet, item.target),
                text_cell(sheet, item.code),
                text_cell(sheet, item.title),
                _num(item.full),
                _num(item.points),
                _num(item.lost),
                text_cell(sheet, item.reason),
                text_cell(sheet, "申诉后改分" if item.by_appeal else ""),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ audit


def file_name(period: Period, extension: str) -> str:
    return f"{bulletin_title(period)}.{extension}".replace("/", "／")


def exported(*, actor, period: Period, what: str, rows: int) -> None:
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="assessment.bulletin_export",
            obj=period,
            organization=period.owner,
            after={"format": what, "cards": rows},
            message=f"导出考核通报（{what}，{rows}个考核对象）",
        )


# ------------------------------------------------------------------------------ background


def bulletin_start(*, actor, period: Period, what: str, cards: int):
    """Queue a big bulletin (`what` = "PDF" or "Excel"): audited when asked for, the download
    audited when taken. Returns the job."""
    from dangjian.core.jobs import job_create
    from dangjian.core.tasks import enqueue_on_commit

    extension = "pdf" if what == "PDF" else "xlsx"
    title = f"生成{bulletin_title(period)}（{what}，{cards}个考核对象）"
    with transaction.atomic():
        job = job_create(
            owner=actor,
            kind=JOB_KIND,
            title=title,
            params={
                "period": period.pk,
                "format": what,
                "cards": cards,
                "file": f"assessment-bulletins/{secrets.token_urlsafe(24)}.{extension}",
                "filename": file_name(period, extension),
            },
        )
        audit_log(
            actor=actor,
            action="assessment.bulletin_export",
            obj=period,
            organization=period.owner,
            after={"format": what, "cards": cards, "background": True, "job": str(job.pk)},
            message=f"导出考核通报（{what}，{cards}个考核对象，后台生成）",
        )
        enqueue_on_commit(bulletin_task, job.pk)
    return job


@task()
def bulletin_task(job_id: str) -> None:
    """Write the bulletin of a job; safe to run twice (the file is replaced)."""
    from dangjian.core.jobs import job_fail, job_finish, job_start
    from dangjian.core.models import Job

    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status == Job.Status.DONE:
        return
    owner = job.owner
    period = (
        Period.objects.select_related("template", "owner")
        .filter(pk=job.params.get("period"))
        .first()
    )
    if owner is None or not owner.is_active or period is None:
        job_fail(job_id, message="生成失败：发起人账号已停用或考核周期已删除。")
        return
    if not results.can_issue_bulletin(owner, period):
        job_fail(job_id, message="生成失败：已无权导出该考核周期的通报。")
        return
    job_start(job_id, total=2, message="正在汇总考核结果…")
    try:
        data = bulletin_data(owner, period)
        from dangjian.core.jobs import job_advance

        job_advance(job_id, 1, message="正在生成文件…")
        if job.params.get("format") == "PDF":
            content = render_pdf(data)
        else:
            content = render_xlsx(data, user=owner)
        name = job.params["file"]
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(content))
    except Exception:
        job_fail(job_id, message="生成失败：写入文件时出错，请稍后重试。")
        raise
    url = reverse("assessment:bulletin_download", args=[job.pk])
    job_finish(job_id, result_url=url, message="通报已生成，请下载文件。")


def finished_bulletin_of(user, job_id):
    from dangjian.core.models import Job

    return Job.objects.filter(pk=job_id, owner=user, kind=JOB_KIND, status=Job.Status.DONE).first()


def downloaded(*, actor, job) -> None:
    with transaction.atomic():
        audit_log(
            actor=actor,
            action=DOWNLOAD_ACTION,
            object_type="core.job",
            object_id=str(job.pk),
            object_repr=job.title,
            after={"period": job.params.get("period"), "format": job.params.get("format")},
            message=f"下载{job.title.removeprefix('生成')}",
        )


def bulletin_files_expire(*, now=None) -> int:
    """Delete generated bulletins older than the retention (for a daily sweep)."""
    from dangjian.core.jobs import job_files_expire

    cutoff = (now or timezone.now()) - FILE_RETENTION
    return job_files_expire(kind=JOB_KIND, created_before=cutoff)
