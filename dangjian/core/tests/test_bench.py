"""The bench harness runs end to end at a tiny scale (no timing assertions here)."""

from datetime import date

import pytest

from dangjian.core.bench import (
    CASES,
    IMPORT_CASE,
    Operation,
    OperationCase,
    Skip,
    measure_operation,
    percentile,
    prepare_world,
    render_results,
    run_benchmarks,
)
from dangjian.core.bench.roster import REGION, write_roster
from dangjian.core.seed import seed_database
from dangjian.core.seed.plan import GroupShape
from dangjian.members.models import Person


@pytest.mark.django_db
def test_the_harness_measures_every_case_or_says_why_not():
    shape = GroupShape(secondaries=1, mines_per_secondary=2, members=300)
    seed_database(scale="group", seed=1, today=date(2026, 6, 15), shape=shape)
    world = prepare_world()
    results = run_benchmarks(world, iterations=2, warmup=0, operation_size=40)
    assert [result.label for result in results] == [case.label for case in CASES]
    floor = results[0]
    assert floor.median_ms is not None and floor.queries == 0
    for result in results:
        assert result.median_ms is not None or result.note, result.label
        assert "HTTP" not in result.note, result  # a page that exists must answer 200
    table = render_results(results)
    assert "中位数 ms" in table and "空视图" in table
    assert world.member.person.id_number not in table  # the ID search row shows a placeholder


@pytest.mark.django_db
def test_the_import_row_imports_the_generated_roster_and_leaves_the_database_as_it_was():
    seed_database(scale="group", seed=1, today=date(2026, 6, 15),
                  shape=GroupShape(secondaries=1, mines_per_secondary=1, members=150))  # fmt: skip
    world = prepare_world()
    people = Person.objects.count()
    result = measure_operation(IMPORT_CASE, world, size=30)
    assert Person.objects.count() == people
    if "尚未实现" in result.note:
        pytest.skip("the import service is not there yet")
    assert result.median_ms is not None, result.note
    assert "新增 30、问题行 0" in result.note


@pytest.mark.django_db
def test_an_operation_is_timed_once_and_rolled_back():
    from dangjian.orgs.models import Organization

    seed_database(scale="group", seed=1, today=date(2026, 6, 15),
                  shape=GroupShape(secondaries=1, mines_per_secondary=1, members=100))  # fmt: skip
    world = prepare_world()
    before = Organization.objects.count()
    calls = []

    def prepare(world, folder, size):
        assert folder.is_dir()

        def run():
            calls.append(size)
            Organization.objects.filter(depth=1).update(name="改过的名字")
            return size

        return Operation(run=run, describe=lambda outcome, seconds: f"写了 {outcome} 行")

    result = measure_operation(OperationCase("试验", prepare, size=7), world)
    assert calls == [7]
    assert result.median_ms is not None and result.queries is None
    assert result.note == "写了 7 行；事务回滚，库不变"
    assert Organization.objects.count() == before
    assert not Organization.objects.filter(name="改过的名字").exists()


def test_an_operation_that_cannot_run_or_fails_is_a_row_with_a_note(db):
    world = None

    def not_yet(world, folder, size):
        raise Skip("服务尚未实现，跳过")

    def broken(world, folder, size):
        return Operation(run=lambda: 1 / 0, describe=lambda outcome, seconds: "")

    assert measure_operation(OperationCase("甲", not_yet), world).note == "服务尚未实现，跳过"
    result = measure_operation(OperationCase("乙", broken), world)
    assert result.median_ms is None and "ZeroDivisionError" in result.note


def test_every_case_has_a_unique_label():
    labels = [case.label for case in CASES]
    assert len(labels) == len(set(labels))


def test_the_generated_roster_is_a_valid_workbook_of_new_people(tmp_path):
    from openpyxl import load_workbook

    from dangjian.core.idnumbers import parse_id_number

    path = write_roster(tmp_path / "roster.xlsx", branches=[("SY-K01-B001", "综采一队党支部")],
                        rows=25, today=date(2026, 6, 15))  # fmt: skip
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 25
    assert "身份证号*" in header and "所在党支部*" in header
    numbers = [row[header.index("身份证号*")] for row in body]
    assert len(set(numbers)) == 25
    for number in numbers:
        assert parse_id_number(number).number.startswith(REGION)
    assert {row[header.index("所在党支部*")] for row in body} == {"SY-K01-B001"}


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
