"""The hash chain and `dangjian audit verify`: tampering is found at the first broken link."""

import json

import pytest
from django.core.management import CommandError, call_command

from dangjian.audit.chain import GENESIS_HASH, entry_hash
from dangjian.audit.models import AuditAnchor, AuditEntry, AuditHead, AuditVerification
from dangjian.audit.services import audit_log
from dangjian.audit.tests.helpers import drop_triggers, raw, write_entries
from dangjian.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def test_an_empty_chain_verifies():
    result = verify_chain()
    assert result.ok and result.checked == 0


def test_entries_link_to_their_predecessor():
    first, second = write_entries(2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    head = AuditHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (second.pk, second.hash)


def test_an_intact_chain_verifies_with_the_count():
    write_entries(5)
    result = verify_chain(chunk_size=2)
    assert result.ok
    assert result.checked == 5
    assert "5" in result.message


def test_the_hash_survives_the_database_round_trip():
    entry = audit_log(
        actor=None,
        action="orgs.organization_update",
        before={"name": "旧名", "count": 3, "ratio": 0.1, "big": 1e20, "nested": {"b": [1, None]}},
        after={"name": "新名", "when": "2026-01-01"},
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert entry_hash(stored) == stored.hash


def test_an_updated_row_breaks_verify_at_that_row():
    entries = write_entries(5)
    target = entries[2]
    drop_triggers()
    raw("UPDATE audit_auditentry SET message = %s WHERE id = %s", ["改过了", target.pk])
    result = verify_chain()
    assert not result.ok
    assert result.broken.entry_id == target.pk
    assert result.broken.problem == AuditVerification.Problem.CONTENT
    assert result.checked == 2


def test_a_changed_json_value_is_found():
    entries = write_entries(3, after={"name": "甲"})
    drop_triggers()
    raw(
        "UPDATE audit_auditentry SET after = %s WHERE id = %s",
        [json.dumps({"name": "乙"}), entries[1].pk],
    )
    assert verify_chain().broken.entry_id == entries[1].pk


def test_a_rewritten_prev_hash_with_a_recomputed_hash_is_found_at_that_row():
    entries = write_entries(4)
    forged = AuditEntry.objects.get(pk=entries[2].pk)
    forged.prev_hash = "f" * 64
    new_hash = entry_hash(forged)
    drop_triggers()
    raw(
        "UPDATE audit_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
        ["f" * 64, new_hash, forged.pk],
    )
    result = verify_chain()
    assert result.broken.entry_id == forged.pk
    assert result.broken.problem == AuditVerification.Problem.PREV_HASH


def test_a_deleted_middle_row_is_reported_as_a_gap():
    entries = write_entries(5)
    drop_triggers()
    raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])
    result = verify_chain()
    assert not result.ok
    assert result.broken.problem == AuditVerification.Problem.GAP
    assert result.broken.entry_id == entries[3].pk
    assert f"#{entries[1].pk}" in result.broken.message_en


def test_a_deleted_first_row_is_reported_at_the_chain_start():
    entries = write_entries(3)
    drop_triggers()
    raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[0].pk])
    result = verify_chain()
    assert result.broken.problem == AuditVerification.Problem.GAP
    assert result.broken.entry_id == entries[1].pk


def test_a_deleted_last_row_is_reported_against_the_head():
    entries = write_entries(3)
    drop_triggers()
    raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    result = verify_chain()
    assert result.broken.problem == AuditVerification.Problem.GAP
    assert result.broken.entry_id == entries[-1].pk


def _forged_row(entry_id: int, prev_hash: str) -> AuditEntry:
    template = AuditEntry.objects.order_by("id").first()
    forged = AuditEntry(
        id=entry_id,
        created_at=template.created_at,
        actor_name="伪造者",
        action="accounts.role_grant",
        result="success",
        prev_hash=prev_hash,
    )
    forged.hash = entry_hash(forged)  # the attacker knows the algorithm
    return forged


def _insert(forged: AuditEntry) -> None:
    raw(
        "INSERT INTO audit_auditentry (id, created_at, actor_name, ip, action, object_type,"
        " object_id, object_repr, organization_path, result, message, prev_hash, hash)"
        " VALUES (%s, %s, %s, '', %s, '', '', '', '', %s, '', %s, %s)",
        [
            forged.pk,
            forged.created_at,
            forged.actor_name,
            forged.action,
            forged.result,
            forged.prev_hash,
            forged.hash,
        ],
    )


def test_a_forged_row_appended_after_the_head_is_found():
    entries = write_entries(3)
    _insert(_forged_row(entries[-1].pk + 1, entries[-1].hash))
    result = verify_chain()
    assert not result.ok
    assert result.broken.problem == AuditVerification.Problem.HEAD
    assert result.broken.entry_id == entries[-1].pk + 1


def test_gaps_in_ids_alone_are_not_tampering():
    # PostgreSQL burns a sequence value for every rolled back append, so ids have gaps.
    _, second, third = write_entries(3)
    drop_triggers()
    for entry in (third, second):
        raw("UPDATE audit_auditentry SET id = %s WHERE id = %s", [entry.pk + 10, entry.pk])
    raw("UPDATE audit_audithead SET last_id = %s", [third.pk + 10])
    assert verify_chain().ok


def test_a_forged_row_slipped_into_an_id_gap_is_found():
    first, second, third = write_entries(3)
    drop_triggers()
    for entry in (third, second):
        raw("UPDATE audit_auditentry SET id = %s WHERE id = %s", [entry.pk + 10, entry.pk])
    raw("UPDATE audit_audithead SET last_id = %s", [third.pk + 10])
    _insert(_forged_row(first.pk + 1, first.hash))
    result = verify_chain()
    assert not result.ok
    assert result.broken.entry_id == second.pk + 10


def test_a_forged_anchor_does_not_hide_tampering():
    entries = write_entries(4)
    drop_triggers()
    raw("UPDATE audit_auditentry SET message = 'x' WHERE id = %s", [entries[0].pk])
    AuditAnchor.objects.create(
        first_kept_id=entries[1].pk,
        expected_prev_hash=entries[0].hash,
        purged_count=1,
        purged_before=entries[0].created_at,
    )
    result = verify_chain()
    assert not result.ok
    assert result.broken.problem == AuditVerification.Problem.ANCHOR


def test_verify_command_succeeds_and_stores_the_result(capsys):
    write_entries(3)
    call_command("audit", "verify")
    assert "audit chain intact" in capsys.readouterr().out
    verification = AuditVerification.objects.get()
    assert verification.ok and verification.checked_count == 3
    assert AuditEntry.objects.order_by("-id").first().action == "audit.verify"


def test_verify_command_exits_1_naming_the_first_broken_entry():
    entries = write_entries(4)
    drop_triggers()
    raw("UPDATE audit_auditentry SET actor_name = 'x' WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify")
    assert excinfo.value.returncode == 1
    message = str(excinfo.value)
    assert f"第 {entries[1].pk} 条" in message
    assert f"entry #{entries[1].pk}" in message
    verification = AuditVerification.objects.get()
    assert not verification.ok
    assert verification.broken_entry_id == entries[1].pk


def test_failed_logins_keep_the_typed_name_without_an_account():
    entry = audit_log(
        actor=None, action="accounts.login_failed", actor_name="nobody", success=False
    )
    assert (entry.actor_id, entry.actor_name, entry.result) == (None, "nobody", "failure")
    assert verify_chain().ok
