"""Bench rows of the member lifecycle (issue 4): development, dues, transfers, appraisals.

The pages are measured like every other page; the monthly dues run for the whole group is an
operation timed once in a rolled-back transaction, for the first month the seed has not
generated (next month). Each app's URL names are read from its `urls.py`; until a page exists,
its row says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from dangjian.core.bench.cases import BenchWorld, Case, Operation, OperationCase, Skip

GROUP = "group_department"
SECRETARY = "secretary"


def _page(name: str, *, args: Callable[[BenchWorld], list] | None = None, query=None):
    """The URL of a named page, with arguments and a query string drawn from the world."""

    def build(world: BenchWorld) -> str | None:
        arguments = args(world) if args else []
        if arguments is None:
            return None
        url = reverse(name, args=arguments)
        return url + (f"?{urlencode(query)}" if query else "")

    return build


def next_month(today: date) -> date:
    """The first day of the month after `today`'s: the first month the seed leaves for the
    monthly run (it generates the ledger up to the current month)."""
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


def _this_month(world: BenchWorld) -> list:
    today = timezone.localdate()
    return [world.branch.pk, today.year, today.month] if world.branch is not None else None


def _prepare_dues_run(world: BenchWorld, folder: Path, size: int | None) -> Operation:
    """The monthly run over the whole group (the group 组织部 starts it at the root)."""
    try:
        from dangjian.dues.services import monthly_run
    except ImportError as exc:
        raise Skip("党费月度生成服务尚未实现，跳过") from exc
    from dangjian.orgs.models import Organization

    root = Organization.objects.get(depth=1)
    month = next_month(timezone.localdate())

    def describe(run, seconds: float) -> str:
        return (
            f"一次，{month:%Y年%m月}，全集团：新增台账 {run.created_count:,} 行"
            f"（已有 {run.existing_count:,}，缺基数 {run.missing_base_count:,}）；"
            f"每秒 {run.created_count / seconds:,.0f} 行"
        )

    return Operation(
        run=lambda: monthly_run(actor=world.group_department, organization=root, month=month),
        describe=describe,
    )


LIFECYCLE_CASES = (
    Case("发展党员流程概况 · 全集团", _page("development:home"), GROUP),
    Case("发展党员名单 · 支部书记", _page("development:case_list"), SECRETARY),
    Case("发展党员名单 · 全集团", _page("development:case_list"), GROUP),
    Case("发展计划名额 · 全集团", _page("development:quota"), GROUP),
    OperationCase("月度党费生成 · 全集团 150 000 人", _prepare_dues_run),
    Case("欠缴名单 · 全集团（组织部）", _page("dues:arrears"), GROUP),
    Case("支部党费月表 · 支部书记", _page("dues:branch-month", args=_this_month), SECRETARY),
    Case("组织关系转出列表 · 集团组织部", _page("transfers:list"), GROUP),
    Case("组织关系转入列表 · 集团组织部", _page("transfers:incoming"), GROUP),
    Case("组织关系转出列表 · 支部书记", _page("transfers:list"), SECRETARY),
    Case("民主评议列表 · 集团组织部", _page("appraisals:list"), GROUP),
    Case("民主评议列表 · 支部书记", _page("appraisals:list"), SECRETARY),
)
