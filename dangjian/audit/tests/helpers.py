"""Helpers for the audit tests: playing an attacker with owner rights on the database."""

from django.db import connection

from dangjian.audit import triggers


def raw(sql: str, params=()) -> None:
    """Run raw SQL as someone with database owner rights (after dropping the triggers)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def drop_triggers() -> None:
    """What an attacker with owner rights does first (rolled back with the test transaction)."""
    triggers.drop(connection)


def write_entries(count: int, *, actor=None, action="orgs.organization_update", **extra):
    from dangjian.audit.services import audit_log

    return [
        audit_log(actor=actor, action=action, object_repr=f"对象 {index}", **extra)
        for index in range(count)
    ]
