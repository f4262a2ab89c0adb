"""The audit table is append-only in the model, the queryset and the database itself."""

import datetime
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from dangjian.audit import triggers
from dangjian.audit.models import AppendOnlyError, AuditEntry
from dangjian.audit.services import audit_log
from dangjian.audit.tests.helpers import raw, write_entries
from dangjian.audit.verify import verify_chain


@pytest.mark.django_db
class TestTheOrmRefuses:
    def test_it_refuses_saving_an_existing_entry(self):
        entry = write_entries(1)[0]
        entry.message = "改写"
        with pytest.raises(AppendOnlyError):
            entry.save()

    def test_it_refuses_deleting_an_entry(self):
        entry = write_entries(1)[0]
        with pytest.raises(AppendOnlyError):
            entry.delete()
        assert AuditEntry.objects.filter(pk=entry.pk).exists()

    @pytest.mark.parametrize(
        "change",
        [
            lambda qs: qs.update(message="改写"),
            lambda qs: qs.delete(),
            lambda qs: qs.bulk_update(list(qs), ["message"]),
            lambda qs: qs.bulk_create([AuditEntry(action="x")]),
            lambda qs: qs.update_or_create(pk=1, defaults={"message": "改写"}),
        ],
        ids=["update", "delete", "bulk_update", "bulk_create", "update_or_create"],
    )
    def test_it_refuses_bulk_changes(self, change):
        write_entries(2)
        before = list(AuditEntry.objects.values())
        with pytest.raises(AppendOnlyError):
            change(AuditEntry.objects.all())
        assert list(AuditEntry.objects.values()) == before


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor not in ("sqlite", "postgresql"), reason="no triggers for this vendor"
)
class TestTheDatabaseRefuses:
    def test_a_raw_update_is_rejected(self):
        entry = write_entries(1)[0]
        with pytest.raises(DatabaseError), transaction.atomic():
            raw("UPDATE audit_auditentry SET message = 'x' WHERE id = %s", [entry.pk])
        assert AuditEntry.objects.get(pk=entry.pk).message == ""

    def test_a_raw_delete_of_a_young_entry_is_rejected(self):
        entry = write_entries(1)[0]
        with pytest.raises(DatabaseError), transaction.atomic():
            raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
        assert AuditEntry.objects.filter(pk=entry.pk).exists()

    def test_a_raw_delete_past_the_minimum_retention_is_allowed(self):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=181), tick=False):
            old = write_entries(1)[0]
        raw("DELETE FROM audit_auditentry WHERE id = %s", [old.pk])
        assert not AuditEntry.objects.filter(pk=old.pk).exists()

    def test_a_raw_delete_just_inside_the_minimum_retention_is_rejected(self):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=179), tick=False):
            entry = write_entries(1)[0]
        with pytest.raises(DatabaseError), transaction.atomic():
            raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])

    def test_flush_still_empties_the_database_and_keeps_the_triggers(self):
        write_entries(2)
        call_command("flush", interactive=False, verbosity=0)
        assert not AuditEntry.objects.exists()
        entry = audit_log(actor=None, action="core.rule_set")
        with pytest.raises(DatabaseError), transaction.atomic():
            raw("UPDATE audit_auditentry SET message = 'x' WHERE id = %s", [entry.pk])

    def test_installing_twice_is_harmless(self):
        triggers.install(connection)
        triggers.install(connection)
        entry = write_entries(1)[0]
        with pytest.raises(DatabaseError), transaction.atomic():
            raw("UPDATE audit_auditentry SET message = 'x' WHERE id = %s", [entry.pk])


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises every writer")
    from django.db import connections

    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def append(worker: int) -> None:
        try:
            start.wait()
            for index in range(15):
                with transaction.atomic():
                    audit_log(actor=None, action="core.rule_set", message=f"{worker}-{index}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = verify_chain()
    assert result.ok, result.message
    assert result.checked == 60
    assert AuditEntry.objects.values("prev_hash").distinct().count() == 60
