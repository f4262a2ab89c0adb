"""Database triggers that keep the audit table append-only below the application.

The model and its queryset already refuse updates and deletes; these triggers make the database
itself refuse them, so a bug, a shell session or a stray script cannot rewrite history either:

- every UPDATE of an audit entry is rejected;
- a DELETE is rejected while the entry is younger than the legal minimum retention
  (180 days, 网络安全法 §21); older rows may go, which is what `audit_purge` does.

Someone with owner rights can still drop the triggers — the hash chain is what proves tampering
then. SQLite and PostgreSQL are covered; other vendors get no triggers.

The statements are versioned (`V1`): migration 0003 installs V1; a later change adds V2 and a
migration that swaps them, so applied migrations never change under our feet.
"""

from contextlib import contextmanager

from django.db import connections

MINIMUM_RETENTION_DAYS = 180  # the floor of the rule audit.retention_days; the law's minimum

_REFUSE_UPDATE = "审计日志只能追加，禁止修改 / audit log is append-only: UPDATE refused"
_REFUSE_DELETE = (
    "审计记录保留期未满 180 天，禁止删除 / audit entries younger than 180 days cannot be deleted"
)

SQLITE_V1 = {
    "install": [
        f"""CREATE TRIGGER IF NOT EXISTS audit_entry_no_update
            BEFORE UPDATE ON audit_auditentry
            BEGIN SELECT RAISE(ABORT, '{_REFUSE_UPDATE}'); END""",
        # Django stores UTC datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]' text on SQLite, which
        # compares correctly with the same format from strftime.
        f"""CREATE TRIGGER IF NOT EXISTS audit_entry_retention
            BEFORE DELETE ON audit_auditentry
            WHEN OLD.created_at > strftime('%Y-%m-%d %H:%M:%f', 'now',
                                           '-{MINIMUM_RETENTION_DAYS} days')
            BEGIN SELECT RAISE(ABORT, '{_REFUSE_DELETE}'); END""",
    ],
    "drop": [
        "DROP TRIGGER IF EXISTS audit_entry_no_update",
        "DROP TRIGGER IF EXISTS audit_entry_retention",
    ],
}

POSTGRESQL_V1 = {
    "install": [
        f"""CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '{_REFUSE_UPDATE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.created_at > clock_timestamp() - interval '{MINIMUM_RETENTION_DAYS} days' THEN
        RAISE EXCEPTION '{_REFUSE_DELETE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END
$$""",
        "DROP TRIGGER IF EXISTS audit_entry_guard ON audit_auditentry",
        """CREATE TRIGGER audit_entry_guard
            BEFORE UPDATE OR DELETE ON audit_auditentry
            FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()""",
    ],
    "drop": [
        "DROP TRIGGER IF EXISTS audit_entry_guard ON audit_auditentry",
        "DROP FUNCTION IF EXISTS audit_entry_guard()",
    ],
}

_V1 = {"sqlite": SQLITE_V1, "postgresql": POSTGRESQL_V1}


def statements(vendor: str, which: str) -> list[str]:
    """The V1 statements to install or drop on this vendor (none for other vendors)."""
    return _V1.get(vendor, {}).get(which, [])


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, "install"):
            cursor.execute(sql)


def drop(connection) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, "drop"):
            cursor.execute(sql)


@contextmanager
def suspended(using: str = "default"):
    """Drop the triggers for the span of the block and put them back after (even on error).

    For owner-level maintenance only: `flush` (which empties every table) and tests that play
    an attacker with owner rights.
    """
    connection = connections[using]
    drop(connection)
    try:
        yield
    finally:
        install(connection)
