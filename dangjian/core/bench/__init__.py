"""`dangjian bench`: request timings measured in-process with Django's test `Client`.

Each page case (`Case`) is requested `warmup` times, then `iterations` times under the clock; a
last request runs under `CaptureQueriesContext` to count its queries (counting adds its own
overhead, so it is kept out of the timings). A case whose URL does not resolve yet is listed with
a note instead of failing the run, so the harness can be written before every page exists.

A write operation (`OperationCase`: the Excel import of a generated 10 000-row roster, the monthly
dues run for the whole group) is timed once, end to end, inside a transaction that is rolled back,
so the bench database is the same before and after and every run repeats the same work.
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone

from dangjian.core.bench.assessment import ASSESSMENT_CASES
from dangjian.core.bench.cases import (
    BenchWorld,
    Case,
    Operation,
    OperationCase,
    Result,
    Skip,
)
from dangjian.core.bench.lifecycle import LIFECYCLE_CASES
from dangjian.core.bench.meetings import MEETING_CASES
from dangjian.core.bench.office import OFFICE_CASES
from dangjian.core.bench.portal import PORTAL_CASES
from dangjian.core.seed.table import render_table

__all__ = [
    "CASES",
    "IMPORT_CASE",
    "BenchWorld",
    "Case",
    "Operation",
    "OperationCase",
    "Result",
    "Skip",
    "measure",
    "measure_operation",
    "prepare_world",
    "render_results",
    "run_benchmarks",
]

BENCH_URLCONF = "dangjian.core.bench.urls"


CASES = (
    Case("空视图（基线）", lambda world: reverse("bench-floor")),
    Case("登录页 GET", lambda world: reverse("accounts:login")),
    Case("党组织列表 API · 支部书记", lambda world: reverse("api:organization-list"), "secretary"),
    Case(
        "党组织列表 API · 集团组织部",
        lambda world: reverse("api:organization-list"),
        "group_department",
    ),
    Case("组织树页 · 支部书记", lambda world: reverse("orgs:tree"), "secretary"),
    Case("组织树页 · 集团组织部", lambda world: reverse("orgs:tree"), "group_department"),
    Case(
        "树节点子项 · 一个矿（集团组织部）",
        lambda world: reverse("orgs:children", args=[world.mine.pk]),
        "group_department",
    ),
)


def _members(query: dict | None = None) -> Callable[[BenchWorld], str]:
    return lambda world: reverse("members:list") + (f"?{urlencode(query)}" if query else "")


def _with_member(build: Callable[[BenchWorld], str]) -> Callable[[BenchWorld], str | None]:
    return lambda world: build(world) if world.member is not None else None


GROUP = "group_department"
MEMBER_CASES = (
    Case("党员列表 · 支部书记", _members(), "secretary"),
    Case("党员列表首页 · 集团组织部", _members(), GROUP),
    Case("党员列表第 500 页 · 集团组织部", _members({"page": 500}), GROUP),
    Case(
        "党员列表筛选（预备·女·30岁及以下）",
        _members({"category": "probationary", "gender": "female", "age": "-30"}),
        GROUP,
    ),
    Case("拼音首字母搜索 q=zs · 集团组织部", _members({"q": "zs"}), GROUP),
    Case(
        "完整身份证号搜索 · 集团组织部",
        _with_member(lambda world: _members({"q": world.member.person.id_number})(world)),
        GROUP,
        shown="/members/?q=<18 位身份证号>",
    ),
    Case(
        "党员详情 · 集团组织部",
        _with_member(lambda world: reverse("members:detail", args=[world.member.pk])),
        GROUP,
    ),
    Case("党员列表 API · 集团组织部", lambda world: reverse("api:member-list"), GROUP),
    Case("党内统计 · 全集团", lambda world: reverse("members:statistics"), GROUP),
)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _resolve_url(case: Case, world: BenchWorld) -> tuple[str | None, str]:
    """The case's URL, or None and why it is skipped."""
    try:
        url = case.url(world)
        if url is None:
            return None, "库里没有可测的党员，跳过"
        resolve(url.split("?")[0])
    except (NoReverseMatch, Resolver404):
        return None, "地址尚未实现，跳过"
    return url, ""


def measure(case: Case, world: BenchWorld, *, iterations: int, warmup: int) -> Result:
    url, skipped = _resolve_url(case, world)
    if url is None:
        return Result(case.label, note=skipped)
    shown = case.shown or url
    client = Client(raise_request_exception=False)  # a broken page is a row, not a crash
    if case.user:
        client.force_login(getattr(world, case.user))
    response = client.get(url)
    if response.status_code != 200:
        return Result(case.label, note=f"{shown} 返回 HTTP {response.status_code}，跳过")
    for _ in range(warmup):
        client.get(url)
    timings = []
    for _ in range(iterations):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return Result(
        case.label,
        median_ms=statistics.median(timings),
        p95_ms=percentile(timings, 0.95),
        queries=len(queries),
        note=shown,
    )


class _RollBack(Exception):
    pass


def measure_operation(case: OperationCase, world: BenchWorld, *, size: int | None = None) -> Result:
    """Time the case's operation once; its transaction is rolled back. `size` overrides the
    case's own (the harness test runs a small one)."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            operation = case.prepare(world, Path(folder), size or case.size)
        except Skip as skip:
            return Result(case.label, note=str(skip))
        try:
            seconds, outcome = _run_and_roll_back(operation.run)
        except Exception as exc:  # a broken operation is a row, not a crash
            return Result(case.label, note=f"执行出错（{type(exc).__name__}：{exc}），跳过"[:160])
        operation.cleanup(outcome)
    return Result(
        case.label,
        median_ms=seconds * 1000,
        note=f"{operation.describe(outcome, seconds)}；事务回滚，库不变",
    )


def _run_and_roll_back(run: Callable[[], object]) -> tuple[float, object]:
    try:
        with transaction.atomic():
            started = time.perf_counter()
            outcome = run()
            seconds = time.perf_counter() - started
            raise _RollBack
    except _RollBack:
        pass
    return seconds, outcome


def _prepare_import(world: BenchWorld, folder: Path, rows: int | None) -> Operation:
    """One import of a generated roster into the mine, as the mine's 组织部 (集团组织部)."""
    try:
        from dangjian.members.importing.services import import_file
    except ImportError as exc:
        raise Skip("导入服务 import_file 尚未实现，跳过") from exc
    path = _roster(folder / "名册.xlsx", world, rows)

    def describe(batch, seconds: float) -> str:
        return (
            f"一次，{rows} 行：新增 {batch.created_count}、问题行 {batch.rejected_rows}；"
            f"每秒 {rows / seconds:,.0f} 行"
        )

    def cleanup(batch) -> None:
        if batch.file:
            batch.file.delete(save=False)  # the stored copy of the roster outlives the rollback

    return Operation(
        run=lambda: import_file(actor=world.group_department, organization=world.mine, path=path),
        describe=describe,
        cleanup=cleanup,
    )


def _roster(path: Path, world: BenchWorld, rows: int) -> Path:
    from dangjian.core.bench.roster import write_roster
    from dangjian.orgs.models import Organization, OrgType

    branches = list(
        Organization.objects.filter(
            org_type=OrgType.BRANCH, path__startswith=world.mine.path, is_active=True
        )
        .exclude(name__contains="离退休")
        .order_by("path")
        .values_list("code", "name")
    )
    return write_roster(path, branches=branches, rows=rows, today=timezone.localdate())


IMPORT_CASE = OperationCase("Excel 导入 10 000 行（校验 + 写入）", _prepare_import, size=10_000)
CASES = (*CASES, *MEMBER_CASES, IMPORT_CASE, *LIFECYCLE_CASES, *MEETING_CASES, *PORTAL_CASES,
         *OFFICE_CASES, *ASSESSMENT_CASES)  # fmt: skip


def run_benchmarks(
    world: BenchWorld,
    *,
    iterations: int = 30,
    warmup: int = 5,
    operation_size: int | None = None,
    only: str = "",
) -> list[Result]:
    """`operation_size` overrides the size of every operation (the harness test runs small
    ones); `only` keeps the cases whose label contains it."""
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    cases = [case for case in CASES if only in case.label]
    with override_settings(ROOT_URLCONF=BENCH_URLCONF, DEBUG=False, ALLOWED_HOSTS=hosts):
        return [
            measure_operation(case, world, size=operation_size)
            if isinstance(case, OperationCase)
            else measure(case, world, iterations=iterations, warmup=warmup)
            for case in cases
        ]


def render_results(results: list[Result]) -> str:
    def number(value, digits=1):
        return "—" if value is None else f"{value:.{digits}f}"

    rows = [
        [
            result.label,
            number(result.median_ms),
            number(result.p95_ms),
            "—" if result.queries is None else str(result.queries),
            result.note,
        ]
        for result in results
    ]
    return render_table(["场景", "中位数 ms", "p95 ms", "查询数", "地址 / 说明"], rows, "<>>><")


def prepare_world() -> BenchWorld:
    """Find a branch and a mine in the seeded tree; add the two bench accounts if missing."""
    from dangjian.orgs.models import Organization, OrgType

    root = Organization.objects.filter(depth=1).order_by("path").first()
    # The committee with the most children is a mine's 党委 (many teams) in the seeded data.
    mine = (
        Organization.objects.filter(org_type=OrgType.COMMITTEE, depth__gt=1)
        .order_by("-numchild", "path")
        .first()
    )
    branch = (
        Organization.objects.filter(org_type=OrgType.BRANCH, path__startswith=mine.path)
        .order_by("path")
        .first()
        if mine
        else None
    )
    if root is None or branch is None:
        raise ValueError("库里没有可测的党组织树，先运行 dangjian seed --scale group")
    return BenchWorld(
        secretary=_bench_user("bench_shuji", "测试支部书记", "branch_secretary", branch),
        group_department=_bench_user("bench_jituan", "测试集团组织部", "org_department", root),
        mine=mine,
        member=_sample_member(branch),
        branch=branch,
    )


def _sample_member(branch):
    """A member of the secretary's branch with an ID number, for the detail page and search."""
    from dangjian.members.models import Member

    return (
        Member.objects.filter(organization=branch)
        .exclude(person__id_number_hash="")
        .select_related("person")
        .order_by("pk")
        .first()
    )


def _bench_user(username: str, display_name: str, role_code: str, organization):
    from dangjian.accounts.models import Role, RoleAssignment, User

    fields = {
        "display_name": display_name,
        "must_change_password": False,
        # Fresh on every run, so a reused database never sends it to the password page.
        "password_changed_at": timezone.now(),
    }
    user, _ = User.objects.update_or_create(
        username=username,
        defaults=fields,
        create_defaults={**fields, "password": make_password(None)},
    )
    role = Role.objects.get(code=role_code)
    # Exactly one grant, even on a database an older version of the bench prepared.
    RoleAssignment.objects.filter(user=user).exclude(role=role, organization=organization).delete()
    RoleAssignment.objects.get_or_create(
        user=user, role=role, organization=organization, defaults={"note": "性能测试"}
    )
    return user
