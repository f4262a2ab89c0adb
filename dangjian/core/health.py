"""Signs of life of the background processes, and the report `/healthz` answers with."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from dangjian.core.models import Heartbeat

# A process whose last heartbeat is older than this is reported as stale. The worker beats once a
# minute (the `core.worker_heartbeat` sweep) and the scheduler on every loop.
STALE_AFTER = {"worker": timedelta(minutes=3), "scheduler": timedelta(minutes=3)}


def record_heartbeat(name: str, detail: str = "") -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now(), "detail": detail[:200]}
    )


def database_answers() -> None:
    """Raise the driver's error when the database does not answer a trivial query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def process_report(now=None) -> dict:
    """Last heartbeat, its age and staleness of each background process."""
    now = now or timezone.now()
    beats = {beat.name: beat.seen_at for beat in Heartbeat.objects.filter(name__in=STALE_AFTER)}
    report = {}
    for name, stale_after in STALE_AFTER.items():
        seen = beats.get(name)
        report[name] = {
            "last_heartbeat": seen.isoformat() if seen else None,
            "age_seconds": int((now - seen).total_seconds()) if seen else None,
            "stale": seen is None or now - seen > stale_after,
        }
    return report
