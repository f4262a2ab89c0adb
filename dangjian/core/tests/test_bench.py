"""The bench harness runs end to end at a tiny scale (no timing assertions here)."""

from datetime import date

import pytest

from dangjian.core.bench import CASES, percentile, prepare_world, render_results, run_benchmarks
from dangjian.core.seed import seed_database
from dangjian.core.seed.plan import GroupShape


@pytest.mark.django_db
def test_the_harness_measures_every_case_or_says_why_not():
    shape = GroupShape(secondaries=1, mines_per_secondary=2, members=300)
    seed_database(scale="group", seed=1, today=date(2026, 6, 15), shape=shape)
    world = prepare_world()
    results = run_benchmarks(world, iterations=2, warmup=0)
    assert [result.label for result in results] == [case.label for case in CASES]
    floor = results[0]
    assert floor.median_ms is not None and floor.queries == 0
    for result in results:
        assert result.median_ms is not None or result.note, result.label
        assert "HTTP" not in result.note, result  # a page that exists must answer 200
    table = render_results(results)
    assert "中位数 ms" in table and "空视图" in table


@pytest.mark.django_db
def test_the_bench_accounts_are_reused_on_a_second_run():
    seed_database(scale="group", seed=1, today=date(2026, 6, 15),
                  shape=GroupShape(secondaries=1, mines_per_secondary=1, members=100))  # fmt: skip
    first = prepare_world()
    second = prepare_world()
    assert first.secretary.pk == second.secretary.pk
    assert first.group_department.pk == second.group_department.pk


def test_percentile_uses_the_nearest_rank():
    values = [float(n) for n in range(1, 21)]
    assert percentile(values, 0.95) == 19.0
    assert percentile([5.0], 0.95) == 5.0
