"""pytest plugin loaded with `-p dangjian.core.testing.env` before Django is configured."""

import os

os.environ.setdefault("DANGJIAN_ENVIRONMENT", "test")
os.environ.setdefault("DANGJIAN_AXES_ENABLED", "true")
# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are
# synchronous and safe, so Django's async-safety guard is relaxed for the test process only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Uploaded and generated files of a test run go to a private temporary folder (one per worker
# process), never into the developer's var/media; it is removed when the process ends.
if "DANGJIAN_MEDIA_ROOT" not in os.environ:
    import atexit
    import shutil
    import tempfile

    _media = tempfile.mkdtemp(prefix="dangjian-test-media-")
    os.environ["DANGJIAN_MEDIA_ROOT"] = _media
    atexit.register(shutil.rmtree, _media, ignore_errors=True)


KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


def cheap_postgres_flush() -> None:
    """Tests only: on PostgreSQL, empty the tables with DELETE instead of TRUNCATE.

    A transactional test (live server, `transaction=True`) ends with Django's `flush`, which on
    PostgreSQL is one TRUNCATE of every table: each table and index gets a new file that the
    commit must sync, several seconds per test here. The tables of a test hold a few rows, so
    one DELETE per table in a single transaction (Django's foreign keys are DEFERRABLE
    INITIALLY DEFERRED, checked at commit) leaves the same empty tables in milliseconds.
    Sequences are not reset either way; a flush that asks to reset them or to cascade
    (`reset_sequences`, `available_apps`) keeps Django's TRUNCATE. Production never loads this.

    Content types and permissions are kept: the flush's post_migrate would re-create exactly the
    same rows (no test makes or removes any), and re-creating them is most of the remaining cost.
    """
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver: SQLite-only checkout
        return
    if getattr(DatabaseOperations.sql_flush, "dangjian_delete_flush", False):
        return
    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        deletes = " ".join(
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
            if table not in KEPT_BY_FLUSH
        )
        # One round trip: the statements run in the flush's own transaction.
        return [f"{style.SQL_KEYWORD('SET CONSTRAINTS ALL DEFERRED')}; {deletes}"]

    sql_flush.dangjian_delete_flush = True
    DatabaseOperations.sql_flush = sql_flush


def hypothesis_profile_for_ci() -> None:
    """On CI (`CI=true`, set by .ci/run) property tests keep their number of examples but lose
    the wall-clock checks: on two shared cores generating one example can take over a second
    (seen: FailedHealthCheck too_slow in test_idnumbers), which says nothing about the code."""
    if os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        return
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:
        return
    settings.register_profile(
        "dangjian-ci", deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.load_profile("dangjian-ci")


def pytest_configure(config):
    import django.db.models  # noqa: F401 — the backends import the ORM first

    cheap_postgres_flush()
    hypothesis_profile_for_ci()
