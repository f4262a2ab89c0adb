"""`dangjian bench`: request timings measured in-process with Django's test `Client`.

Each case is requested `warmup` times, then `iterations` times under the clock; a last request
runs under `CaptureQueriesContext` to count its queries (counting adds its own overhead, so it is
kept out of the timings). A case whose URL does not resolve yet is listed with a note instead of
failing the run, so the harness can be written before every page exists.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone

from dangjian.core.seed.table import render_table

BENCH_URLCONF = "dangjian.core.bench.urls"


@dataclass
class BenchWorld:
    """The people and organisations the cases need, found in (or added to) the database."""

    secretary: object
    group_department: object
    mine: object


@dataclass(frozen=True)
class Case:
    label: str
    url: Callable[[BenchWorld], str]
    user: str = ""  # "secretary", "group_department" or "" (anonymous)


@dataclass
class Result:
    label: str
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    note: str = ""


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


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _resolve_url(case: Case, world: BenchWorld) -> str | None:
    try:
        url = case.url(world)
        resolve(url.split("?")[0])
    except (NoReverseMatch, Resolver404):
        return None
    return url


def measure(case: Case, world: BenchWorld, *, iterations: int, warmup: int) -> Result:
    url = _resolve_url(case, world)
    if url is None:
        return Result(case.label, note="地址尚未实现，跳过")
    client = Client(raise_request_exception=False)  # a broken page is a row, not a crash
    if case.user:
        client.force_login(getattr(world, case.user))
    response = client.get(url)
    if response.status_code != 200:
        return Result(case.label, note=f"{url} 返回 HTTP {response.status_code}，跳过")
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
        note=url,
    )


def run_benchmarks(world: BenchWorld, *, iterations: int = 30, warmup: int = 5) -> list[Result]:
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ROOT_URLCONF=BENCH_URLCONF, DEBUG=False, ALLOWED_HOSTS=hosts):
        return [measure(case, world, iterations=iterations, warmup=warmup) for case in CASES]


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
