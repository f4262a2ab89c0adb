"""Retention: entries past the retention go, the chain still verifies from the anchor."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from dangjian.audit.models import AuditAnchor, AuditEntry, AuditVerification
from dangjian.audit.rules import RETENTION_DAYS
from dangjian.audit.services import audit_purge, retention_days
from dangjian.audit.tests.helpers import drop_triggers, raw, write_entries
from dangjian.audit.verify import verify_chain
from dangjian.core.exceptions import ServiceError
from dangjian.core.rules import definition, invalidate

pytestmark = pytest.mark.django_db


def _days_ago(days: int):
    return time_machine.travel(timezone.now() - datetime.timedelta(days=days), tick=False)


@pytest.fixture
def aged_chain():
    """4 entries from 400 days ago, 3 from 200 days ago, 2 from 10 days ago, 1 now."""
    with _days_ago(400):
        oldest = write_entries(4)
    with _days_ago(200):
        older = write_entries(3)
    with _days_ago(10):
        recent = write_entries(2)
    return oldest, older, recent, write_entries(1)


def test_the_rule_has_its_source_and_the_legal_minimum():
    rule = definition(RETENTION_DAYS)
    assert rule.default == 180
    assert rule.minimum == 180
    assert "网络安全法" in rule.source and "8.1.5.4" in rule.source
    with pytest.raises(ServiceError):
        rule.validate(90)


def test_purge_removes_entries_past_the_retention_and_leaves_an_anchor(aged_chain):
    oldest, older, recent, now = aged_chain
    result = audit_purge()
    assert result.purged == 7
    assert result.retention_days == 180
    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in oldest + older]).exists()
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in recent + now]).count() == 3
    anchor = AuditAnchor.objects.get()
    assert anchor.first_kept_id == recent[0].pk
    assert anchor.expected_prev_hash == older[-1].hash
    assert anchor.purged_count == 7


def test_purge_is_itself_an_audit_entry_naming_the_anchor(aged_chain):
    result = audit_purge()
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.action == "audit.purge"
    assert entry.actor is None
    assert entry.after["anchor_id"] == result.anchor.pk
    assert entry.after["purged_count"] == 7
    assert "7" in entry.message


def test_verify_passes_after_a_purge(aged_chain):
    audit_purge()
    result = verify_chain()
    assert result.ok, result.message
    assert result.checked == 4  # 2 recent + 1 now + the purge entry


def test_a_second_purge_chains_onto_the_first(aged_chain):
    with _days_ago(190):  # a purge run back then removed the entries 400 days old
        assert audit_purge().purged == 4
    assert verify_chain().ok
    result = audit_purge()
    # The entries 200 days old go; the older purge entry comes after the kept ones and stays.
    assert result.purged == 3
    assert AuditAnchor.objects.count() == 2
    assert verify_chain().ok


def test_a_longer_retention_keeps_more(aged_chain):
    from dangjian.core.models import RuleVersion

    RuleVersion.objects.create(key=RETENTION_DAYS, value=365, valid_from=datetime.date(2000, 1, 1))
    invalidate(RETENTION_DAYS)
    result = audit_purge()
    assert result.retention_days == 365
    assert result.purged == 4
    assert verify_chain().ok


def test_a_rule_below_the_legal_minimum_is_never_applied(aged_chain):
    from dangjian.core.models import RuleVersion

    RuleVersion.objects.create(key=RETENTION_DAYS, value=30, valid_from=datetime.date(2000, 1, 1))
    invalidate(RETENTION_DAYS)
    assert retention_days() == 180
    assert audit_purge().purged == 7


def test_nothing_to_purge_changes_nothing_but_is_recorded():
    write_entries(3)
    result = audit_purge()
    assert result.purged == 0 and result.anchor is None
    assert AuditEntry.objects.count() == 4
    assert verify_chain().ok


def test_purging_every_entry_still_verifies():
    with _days_ago(300):
        write_entries(3)
    result = audit_purge()
    assert result.purged == 3
    assert AuditEntry.objects.count() == 1  # the purge entry
    assert verify_chain().ok


def test_tampering_after_a_purge_is_still_found(aged_chain):
    _, _, recent, _ = aged_chain
    audit_purge()
    drop_triggers()
    raw("UPDATE audit_auditentry SET message = 'x' WHERE id = %s", [recent[1].pk])
    result = verify_chain()
    assert result.broken.entry_id == recent[1].pk


def test_deleting_the_first_kept_entry_is_found(aged_chain):
    _, _, recent, _ = aged_chain
    audit_purge()
    drop_triggers()
    raw("DELETE FROM audit_auditentry WHERE id = %s", [recent[0].pk])
    result = verify_chain()
    assert result.broken.problem == AuditVerification.Problem.GAP
    assert result.broken.entry_id == recent[1].pk


def test_purge_command_reports_the_count(aged_chain, capsys):
    call_command("audit", "purge")
    out = capsys.readouterr().out
    assert "已清理 7 条" in out and "purged 7 entries" in out
    call_command("audit", "verify")


def test_the_daily_sweeps_purge_and_verify(world):
    import datetime

    from django.utils import timezone

    from dangjian.audit.models import AuditVerification
    from dangjian.audit.sweeps import purge_expired_entries, verify_chain_daily
    from dangjian.core.scheduler import registered_sweeps

    names = set(registered_sweeps())
    assert {"audit.purge", "audit.verify", "audit.expire_exports"} <= names
    purge_expired_entries(now=timezone.now() + datetime.timedelta(days=400))
    verify_chain_daily(now=timezone.now())
    assert AuditVerification.objects.latest("id").ok
