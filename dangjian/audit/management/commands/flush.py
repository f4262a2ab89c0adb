"""`flush` that also empties the audit table on SQLite.

Emptying every table is an owner-level operation: on PostgreSQL `flush` uses TRUNCATE, which
the append-only triggers do not see; on SQLite it is a DELETE they would refuse. The triggers
are suspended for the span of the flush (tests that use a live server flush after each test).
"""

from django.core.management.commands import flush

from dangjian.audit import triggers


class Command(flush.Command):
    def handle(self, **options):
        with triggers.suspended(options["database"]):
            return super().handle(**options)
