"""The scheduler: sweeps registered with `periodic`, claimed with one conditional UPDATE each.

Exclusivity is the point: however many schedulers run, each due run of a sweep happens once.
"""

import threading
from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dangjian.core import scheduler
from dangjian.core.models import Heartbeat, ScheduledSweep
from dangjian.core.scheduler import next_run_after, periodic, run_due_sweeps
from dangjian.core.tasks import worker_heartbeat

EVERY = timedelta(minutes=10)


@pytest.fixture
def registry(monkeypatch):
    """An empty sweep registry for the test, so only its own sweeps run."""
    monkeypatch.setattr(scheduler, "_SWEEPS", {})
    return scheduler._SWEEPS


@pytest.fixture
def counted(registry):
    """A registered sweep that counts its runs."""
    runs: list[datetime] = []

    @periodic("test.counted", every=EVERY)
    def count(*, now):
        runs.append(now)

    return runs


def at(minutes: float) -> datetime:
    return timezone.make_aware(datetime(2026, 3, 2, 9, 0)) + timedelta(minutes=minutes)


# -- registration ------------------------------------------------------------------------------


def test_a_name_cannot_be_registered_by_two_functions(registry):
    @periodic("test.once", every=EVERY)
    def first(*, now):
        pass

    with pytest.raises(ImproperlyConfigured):

        @periodic("test.once", every=EVERY)
        def second(*, now):
            pass


def test_every_must_be_positive(registry):
    with pytest.raises(ImproperlyConfigured):
        periodic("test.never", every=timedelta(0))


def test_the_apps_sweeps_are_autodiscovered():
    names = set(scheduler.registered_sweeps())
    assert {"core.worker_heartbeat", "notifications.daily_digest"} <= names


def test_a_first_run_time_of_day_is_the_next_occurrence(registry):
    @periodic("test.daily", every=timedelta(days=1), first_run=time(7, 30))
    def daily(*, now):
        pass

    sweep = registry["test.daily"]
    local = timezone.get_current_timezone()
    morning = datetime(2026, 3, 2, 6, 0, tzinfo=local)
    evening = datetime(2026, 3, 2, 20, 0, tzinfo=local)
    assert sweep.first_run_at(morning) == datetime(2026, 3, 2, 7, 30, tzinfo=local)
    assert sweep.first_run_at(evening) == datetime(2026, 3, 3, 7, 30, tzinfo=local)


def test_missed_runs_are_not_replayed_and_the_grid_is_kept():
    assert next_run_after(at(0), EVERY, at(0)) == at(10)
    assert next_run_after(at(0), EVERY, at(3)) == at(10)
    assert next_run_after(at(0), EVERY, at(95)) == at(100)


# -- running -----------------------------------------------------------------------------------


def test_a_new_sweep_runs_at_once_and_records_its_run(db, counted):
    assert run_due_sweeps("a", now=at(0)) == ["test.counted"]
    row = ScheduledSweep.objects.get(name="test.counted")
    assert counted == [at(0)]
    assert (row.run_count, row.claimed_by, row.claimed_until) == (1, "a", None)
    assert row.last_started_at == at(0)
    assert row.last_finished_at is not None
    assert row.next_run_at == at(10)
    assert row.last_error == ""


def test_two_schedulers_at_the_same_instant_run_a_sweep_once(db, counted):
    assert run_due_sweeps("a", now=at(0)) == ["test.counted"]
    assert run_due_sweeps("b", now=at(0)) == []
    assert run_due_sweeps("b", now=at(9)) == []
    assert len(counted) == 1


def test_a_sweep_runs_again_once_every_has_passed(db, counted):
    run_due_sweeps("a", now=at(0))
    assert run_due_sweeps("b", now=at(10)) == ["test.counted"]
    assert run_due_sweeps("a", now=at(10)) == []
    assert counted == [at(0), at(10)]
    assert ScheduledSweep.objects.get(name="test.counted").run_count == 2


def test_a_crashed_claim_is_retaken_once_its_lease_has_expired(db, counted):
    ScheduledSweep.objects.create(
        name="test.counted", next_run_at=at(0), claimed_by="dead", claimed_until=at(4)
    )
    assert run_due_sweeps("b", now=at(3)) == []  # the dead scheduler's lease still holds
    assert run_due_sweeps("b", now=at(5)) == ["test.counted"]
    row = ScheduledSweep.objects.get(name="test.counted")
    assert (row.claimed_by, row.claimed_until, row.run_count) == ("b", None, 1)


def test_a_failing_sweep_records_its_error_and_the_others_still_run(db, registry, counted):
    @periodic("test.broken", every=EVERY)
    def broken(*, now):
        raise ValueError("boom")

    assert sorted(run_due_sweeps("a", now=at(0))) == ["test.broken", "test.counted"]
    row = ScheduledSweep.objects.get(name="test.broken")
    assert "ValueError: boom" in row.last_error
    assert row.claimed_until is None
    assert row.next_run_at == at(10)
    run_due_sweeps("a", now=at(10))
    assert ScheduledSweep.objects.get(name="test.counted").last_error == ""


def test_a_later_success_clears_the_last_error(db, registry):
    outcomes = [ValueError("first"), None]

    @periodic("test.flaky", every=EVERY)
    def flaky(*, now):
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome

    run_due_sweeps("a", now=at(0))
    run_due_sweeps("a", now=at(10))
    assert ScheduledSweep.objects.get(name="test.flaky").last_error == ""


def test_a_sweep_removed_from_the_code_is_left_alone(db, counted):
    ScheduledSweep.objects.create(name="test.gone", next_run_at=at(0))
    assert run_due_sweeps("a", now=at(0)) == ["test.counted"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need a server database")
def test_two_scheduler_threads_run_a_sweep_once(counted):
    barrier = threading.Barrier(2)

    def scheduler_thread(name):
        from django.db import connections

        barrier.wait()
        run_due_sweeps(name, now=at(0))
        connections.close_all()

    threads = [threading.Thread(target=scheduler_thread, args=(n,)) for n in ("a", "b")]
    ScheduledSweep.objects.create(name="test.counted", next_run_at=at(0))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(counted) == 1
    assert ScheduledSweep.objects.get(name="test.counted").run_count == 1


# -- the command -------------------------------------------------------------------------------


def test_the_command_runs_due_sweeps_once_and_beats(db, counted):
    out = StringIO()
    call_command("scheduler", "--once", "--scheduler-id", "cmd-1", stdout=out)
    assert len(counted) == 1
    assert "test.counted" in out.getvalue()
    beat = Heartbeat.objects.get(name="scheduler")
    assert beat.detail == "cmd-1"


def test_the_command_refuses_a_non_positive_interval(db):
    with pytest.raises(CommandError, match="interval"):
        call_command("scheduler", "--once", "--interval", "0")


# -- the core sweeps ---------------------------------------------------------------------------


def test_the_worker_heartbeat_sweep_makes_the_worker_beat(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scheduler.registered_sweeps()["core.worker_heartbeat"].func(now=timezone.now())
    assert Heartbeat.objects.filter(name="worker").exists()


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


# The worker closes "old" connections between tasks, which on PostgreSQL would close the test's
# own connection inside its transaction: these tests commit for real (transactional_db).
@override_settings(TASKS=DATABASE_TASKS)
def test_the_db_worker_runs_the_heartbeat_task(transactional_db):
    worker_heartbeat.enqueue()
    assert DBTaskResult.objects.count() == 1
    assert not Heartbeat.objects.filter(name="worker").exists()
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    assert Heartbeat.objects.filter(name="worker").exists()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@override_settings(TASKS=DATABASE_TASKS)
def test_old_task_results_are_pruned(transactional_db):
    worker_heartbeat.enqueue()
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    sweep = scheduler.registered_sweeps()["core.prune_task_results"]
    sweep.func(now=timezone.now())
    assert DBTaskResult.objects.count() == 1  # too recent to prune
    DBTaskResult.objects.update(finished_at=timezone.now() - timedelta(days=30))
    sweep.func(now=timezone.now())
    assert DBTaskResult.objects.count() == 0
