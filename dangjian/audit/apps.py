from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "dangjian.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self):
        post_migrate.connect(_reinstall_triggers, sender=self)


def _reinstall_triggers(using="default", **kwargs) -> None:
    """Put the append-only triggers back after every migrate.

    A later migration that alters the audit table on SQLite rebuilds the table, which drops its
    triggers with it; installing is idempotent, so running it after each migrate is harmless.
    """
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from dangjian.audit import triggers

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    if ("audit", "0003_append_only_triggers") in applied:
        triggers.install(connection)
