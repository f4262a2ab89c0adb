"""The core app's periodic sweeps (see core/scheduler.py). Each one is safe to run twice."""

from datetime import time, timedelta

from django.core.management import call_command
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db import DatabaseBackend

from dangjian.core.jobs import jobs_fail_stale
from dangjian.core.scheduler import periodic
from dangjian.core.tasks import enqueue_on_commit, worker_heartbeat

# A job still queued or running after this long lost its worker (crash, lost enqueue).
STALE_JOB_AGE = timedelta(hours=24)
# Finished task results in the database queue are kept this long for diagnosis.
TASK_RESULT_RETENTION_DAYS = 14


@periodic("core.worker_heartbeat", every=timedelta(minutes=1))
def enqueue_worker_heartbeat(*, now):
    """The worker, not the scheduler, writes its heartbeat: it proves tasks are being run."""
    enqueue_on_commit(worker_heartbeat)


@periodic("core.fail_stale_jobs", every=timedelta(hours=1))
def fail_stale_jobs(*, now):
    jobs_fail_stale(created_before=now - STALE_JOB_AGE)


@periodic("core.prune_task_results", every=timedelta(days=1), first_run=time(3, 0))
def prune_task_results(*, now):
    # Only the database backend keeps results; the immediate backend (tests) keeps none.
    if isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        call_command(
            "prune_db_task_results",
            min_age_days=TASK_RESULT_RETENTION_DAYS,
            queue_name="*",
            verbosity=0,
        )
