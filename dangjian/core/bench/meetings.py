"""Bench rows of 组织生活 (issue 5): the compliance heat-map of the whole group, the meeting list
for a branch secretary and for the group's 组织部, the 学时 totals of a mine, and the 三会一课
台账 PDF of a branch's year (an operation: built and rendered once, nothing is written).

The seed writes attendance and 学时 rows only in the mine the bench measures (the 党委 with the
most organisations, `prepare_world`'s mine), so the mine's 学时 totals read real rows. The 台账
operation first makes sure the branch's meetings have photos (two each, as a clerk uploads
them; added once to the bench database and kept), because the thumbnails are most of its work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.utils import timezone

from dangjian.core.bench.cases import BenchWorld, Case, Operation, OperationCase, Skip
from dangjian.core.bench.lifecycle import GROUP, SECRETARY, _page

PHOTOS_PER_MEETING = 2


def _root(world: BenchWorld) -> dict:
    from dangjian.orgs.models import Organization

    root = Organization.objects.filter(depth=1).order_by("path").values_list("pk", flat=True)
    return {"organization": root.first(), "year": timezone.localdate().year}


def _with_query(name: str, query: Callable[[BenchWorld], dict]) -> Callable[[BenchWorld], str]:
    from urllib.parse import urlencode

    from django.urls import reverse

    return lambda world: f"{reverse(name)}?{urlencode(query(world))}"


def _mine(world: BenchWorld) -> dict:
    return {"organization": world.mine.pk, "year": timezone.localdate().year}


def _prepare_ledger(world: BenchWorld, folder: Path, size: int | None) -> Operation:
    """The secretary's branch's 台账 for this year, as the PDF download makes it."""
    try:
        from dangjian.meetings import ledger as ledgers
        from dangjian.meetings.ledger_export import render_ledger_pdf
    except ImportError as exc:
        raise Skip("台账导出尚未实现，跳过") from exc
    branch = world.branch
    if branch is None:
        raise Skip("库里没有可测的党支部，跳过")
    year = timezone.localdate().year
    meetings = list(ledgers.meetings_of(branch, year)[: size or None])
    if not meetings:
        raise Skip("该支部本年度没有会议记录（先用含组织生活的种子重建库），跳过")
    _ensure_photos(meetings)

    def run():
        ledger = ledgers.build_ledger(branch, year)
        return ledger, len(render_ledger_pdf(ledger))

    def describe(outcome, seconds: float) -> str:
        ledger, size_bytes = outcome
        photos = sum(len(item.photos) for item in ledger.meetings)
        return (
            f"一次，{branch.display_name} {year} 年：{len(ledger.meetings)} 次会议、"
            f"{photos} 张照片缩略图，PDF {size_bytes / 1_048_576:.1f} MB"
        )

    return Operation(run=run, describe=describe)


def _ensure_photos(meetings) -> None:
    """Two photos on every meeting that has fewer (kept in the bench database)."""
    import random

    from django.core.files.base import ContentFile
    from django.db.models import Count

    from dangjian.core.seed.meetings import meeting_photo
    from dangjian.meetings.models import MeetingFile

    have = dict(
        MeetingFile.objects.filter(meeting__in=meetings, kind=MeetingFile.Kind.PHOTO)
        .order_by()
        .values_list("meeting_id")
        .annotate(n=Count("pk"))
    )
    rng = random.Random("bench-photos")  # noqa: S311 — a stand-in picture, not a secret
    for meeting in meetings:
        for index in range(have.get(meeting.pk, 0), PHOTOS_PER_MEETING):
            stored = MeetingFile(
                meeting=meeting,
                kind=MeetingFile.Kind.PHOTO,
                title=f"会议照片{index + 1}",
                file_kind="jpeg",
            )
            content = meeting_photo(rng)
            stored.file.save(f"会议照片{index + 1}.jpg", ContentFile(content), save=False)
            stored.size = len(content)
            stored.save()


MEETING_CASES = (
    Case(
        "组织生活落实热力图 · 全集团 · 本年度",
        _with_query("meetings:compliance", _root),
        GROUP,
    ),
    Case("组织生活列表 · 支部书记", _page("meetings:list"), SECRETARY),
    Case("组织生活列表 · 集团组织部", _page("meetings:list"), GROUP),
    Case("学时统计 · 一个矿（集团组织部）", _with_query("meetings:hours", _mine), GROUP),
    Case("学时统计 · 全集团", _with_query("meetings:hours", _root), GROUP),
    OperationCase("三会一课台账 PDF · 一个支部全年", _prepare_ledger),
)
