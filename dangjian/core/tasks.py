"""Background tasks of the core app, and `enqueue_on_commit`, the one way apps enqueue tasks.

Tasks run in the `db_worker` process (django-tasks-db) in development and production, and
immediately in tests. They take ids, not objects, and must be idempotent: a task may run again
after a crash, and a sweep may enqueue the same work twice.
"""

import uuid
from functools import partial

from django.db import transaction
from django_tasks import task

from dangjian.core.health import record_heartbeat


def _task_argument(value):
    # Job ids are UUIDs; task arguments must be JSON, so they travel as strings.
    return str(value) if isinstance(value, uuid.UUID) else value


def enqueue_on_commit(task_object, *args, using: str | None = None, **kwargs) -> None:
    """Enqueue `task_object(*args, **kwargs)` once the current transaction commits.

    Outside a transaction the task is enqueued at once. If the surrounding transaction rolls
    back, nothing is enqueued — the worker never sees rows that do not exist. A failure to
    enqueue is logged rather than raised: the write has committed by then, and the sweeps
    that own each kind of work (delivery retries, stale jobs) pick up what was lost.
    """
    args = tuple(_task_argument(arg) for arg in args)
    kwargs = {key: _task_argument(value) for key, value in kwargs.items()}
    transaction.on_commit(partial(task_object.enqueue, *args, **kwargs), using=using, robust=True)


@task()
def worker_heartbeat() -> None:
    """Proves that a worker is picking up tasks (enqueued every minute by the scheduler)."""
    record_heartbeat("worker")
