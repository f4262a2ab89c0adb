"""Database triggers that make the audit table append-only (see dangjian/audit/triggers.py).

Vendor-specific: SQLite and PostgreSQL get the V1 triggers, other vendors none. Also creates the
chain head row so the first append never races to create it.
"""

from django.db import migrations

from dangjian.audit import triggers

GENESIS_HASH = "0" * 64


class VendorRunSQL(migrations.RunSQL):
    """RunSQL whose statements depend on the database vendor (none for unknown vendors)."""

    def __init__(self, version: dict[str, dict[str, list[str]]]):
        self.version = version
        super().__init__(sql=migrations.RunSQL.noop, reverse_sql=migrations.RunSQL.noop)

    def deconstruct(self):
        return self.__class__.__name__, [self.version], {}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, "install")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, "drop")

    def _run(self, schema_editor, which):
        for statement in self.version.get(schema_editor.connection.vendor, {}).get(which, []):
            schema_editor.execute(statement, params=None)

    def describe(self):
        return "Append-only triggers on the audit table"


def create_head(apps, schema_editor):
    head_model = apps.get_model("audit", "AuditHead")
    head_model.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"last_hash": GENESIS_HASH, "last_id": 0}
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_verification_and_indexes")]

    operations = [
        VendorRunSQL({"sqlite": triggers.SQLITE_V1, "postgresql": triggers.POSTGRESQL_V1}),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
