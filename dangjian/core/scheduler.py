"""Periodic sweeps, run by one scheduler process (`dangjian scheduler`).

An app declares its sweeps in `<app>/sweeps.py` (autodiscovered by `CoreConfig.ready`):

    @periodic("meetings.remind_upcoming", every=timedelta(hours=1))
    def remind_upcoming(*, now):
        ...  # idempotent: a crash between claim and finish means it runs again later

    @periodic("notifications.daily_digest", every=timedelta(days=1), first_run=time(7, 30))

A sweep is called with the claim time as `now`. It runs in the scheduler process, so anything
slow belongs in a task the sweep enqueues (`core.tasks.enqueue_on_commit`).

Exclusivity: each sweep has one `ScheduledSweep` row. A scheduler takes a due run with ONE
conditional UPDATE (due, and not claimed by a live lease) that also moves `next_run_at` past
`now`; the database lets exactly one UPDATE match, so however many schedulers run, each run
happens once. A scheduler that dies mid-run leaves a lease that expires, and the next due run
is taken over by whoever comes next.
"""

import logging
import os
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Q
from django.utils import timezone

from dangjian.core.models import ScheduledSweep

logger = logging.getLogger("dangjian.scheduler")

# Longer than any sweep should take; a claim older than this is considered abandoned.
DEFAULT_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Sweep:
    name: str
    func: Callable[..., object]
    every: timedelta
    first_run: time | None = None
    lease: timedelta = DEFAULT_LEASE

    def first_run_at(self, now: datetime) -> datetime:
        """Now, or the next local time of day `first_run` (so a daily sweep keeps its hour)."""
        if self.first_run is None:
            return now
        local_now = timezone.localtime(now)
        candidate = timezone.make_aware(datetime.combine(local_now.date(), self.first_run))
        return candidate if candidate > now else candidate + timedelta(days=1)


_SWEEPS: dict[str, Sweep] = {}


def periodic(
    name: str,
    every: timedelta,
    *,
    first_run: time | None = None,
    lease: timedelta = DEFAULT_LEASE,
):
    """Register the decorated function as the periodic sweep `name`, run every `every`."""
    if every <= timedelta(0):
        raise ImproperlyConfigured(f"Sweep {name}: `every` must be positive")

    def register(func):
        path = f"{func.__module__}.{func.__qualname__}"
        known = _SWEEPS.get(name)
        if known and f"{known.func.__module__}.{known.func.__qualname__}" != path:
            raise ImproperlyConfigured(f"Sweep {name} is registered twice")
        _SWEEPS[name] = Sweep(name, func, every, first_run, lease)
        return func

    return register


def registered_sweeps() -> dict[str, Sweep]:
    return dict(_SWEEPS)


def default_scheduler_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def next_run_after(due: datetime, every: timedelta, now: datetime) -> datetime:
    """The first time after `now` on the grid due, due+every, …; missed runs are not replayed."""
    return due + every * ((now - due) // every + 1)


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _ensure_rows(now: datetime) -> None:
    known = set(ScheduledSweep.objects.filter(name__in=_SWEEPS).values_list("name", flat=True))
    missing = [
        ScheduledSweep(name=sweep.name, next_run_at=sweep.first_run_at(now))
        for sweep in _SWEEPS.values()
        if sweep.name not in known
    ]
    if missing:
        ScheduledSweep.objects.bulk_create(missing, ignore_conflicts=True)


def claim(sweep: Sweep, *, scheduler_id: str, due: datetime, now: datetime) -> bool:
    """Take this run of `sweep`; True means this scheduler, and no other, runs it."""
    updated = (
        ScheduledSweep.objects.filter(name=sweep.name, next_run_at__lte=now)
        .filter(_unclaimed(now))
        .update(
            claimed_by=scheduler_id[:100],
            claimed_until=now + sweep.lease,
            next_run_at=next_run_after(due, sweep.every, now),
            last_started_at=now,
            run_count=F("run_count") + 1,
        )
    )
    return updated == 1


def _run(sweep: Sweep, *, scheduler_id: str, now: datetime) -> str:
    error = ""
    try:
        sweep.func(now=now)
    except Exception:
        logger.exception("Sweep %s failed", sweep.name)
        error = traceback.format_exc()[-4000:]
    # Release the lease only if it is still ours (an expired lease may have been retaken).
    ScheduledSweep.objects.filter(name=sweep.name, claimed_by=scheduler_id[:100]).update(
        last_finished_at=timezone.now(), last_error=error, claimed_until=None
    )
    return error


def _due_runs(now: datetime) -> list[tuple[str, datetime]]:
    due = ScheduledSweep.objects.filter(name__in=_SWEEPS, next_run_at__lte=now)
    return list(
        due.filter(_unclaimed(now)).order_by("next_run_at").values_list("name", "next_run_at")
    )


def run_due_sweeps(scheduler_id: str, now: datetime | None = None) -> list[str]:
    """Claim and run every due sweep; returns the names of the sweeps this call ran.

    `now` fixes the clock (tests); by default each claim uses the time it is made, so a slow
    sweep does not make the next one's lease start in the past.
    """
    started = now or timezone.now()
    _ensure_rows(started)
    ran = []
    for name, due_at in _due_runs(started):
        moment = now or timezone.now()
        if claim(_SWEEPS[name], scheduler_id=scheduler_id, due=due_at, now=moment):
            _run(_SWEEPS[name], scheduler_id=scheduler_id, now=moment)
            ran.append(name)
    return ran
