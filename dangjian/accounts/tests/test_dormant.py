"""Accounts unused for the dormant period are stopped by a daily sweep (等保 8.1.4.2 c)."""

import datetime

from django.utils import timezone

from dangjian.accounts.sweeps import deactivate_dormant_accounts
from dangjian.audit.models import AuditEntry
from dangjian.core.testing.world import make_user


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def test_an_account_unused_for_ninety_days_is_stopped_and_audited(world):
    world.charlie.last_login = days_ago(91)
    world.charlie.save(update_fields=["last_login"])
    world.bob.last_login = days_ago(10)
    world.bob.save(update_fields=["last_login"])
    deactivate_dormant_accounts(now=timezone.now())
    world.charlie.refresh_from_db()
    world.bob.refresh_from_db()
    assert not world.charlie.is_active
    assert world.bob.is_active
    entry = AuditEntry.objects.get(action="accounts.user_dormant_deactivate")
    assert entry.object_id == str(world.charlie.pk)
    assert "90 天" in entry.message


def test_a_never_used_account_counts_from_its_creation(world):
    fresh = make_user("fresh", "新用户")
    old = make_user("old", "老用户")
    type(old).objects.filter(pk=old.pk).update(date_joined=days_ago(100))
    deactivate_dormant_accounts(now=timezone.now())
    fresh.refresh_from_db()
    old.refresh_from_db()
    assert fresh.is_active and not old.is_active


def test_the_last_holder_of_an_administrator_role_is_kept(world):
    type(world.auditor).objects.filter(pk=world.auditor.pk).update(last_login=days_ago(200))
    deactivate_dormant_accounts(now=timezone.now())
    world.auditor.refresh_from_db()
    assert world.auditor.is_active


def test_the_period_is_the_rule(world):
    from dangjian.core.models import RuleVersion

    RuleVersion.objects.create(
        key="accounts.dormant_account_days", value=180, valid_from=days_ago(1).date()
    )
    type(world.charlie).objects.filter(pk=world.charlie.pk).update(last_login=days_ago(120))
    deactivate_dormant_accounts(now=timezone.now())
    world.charlie.refresh_from_db()
    assert world.charlie.is_active


def test_running_twice_changes_nothing_more(world):
    type(world.charlie).objects.filter(pk=world.charlie.pk).update(last_login=days_ago(120))
    deactivate_dormant_accounts(now=timezone.now())
    deactivate_dormant_accounts(now=timezone.now())
    assert AuditEntry.objects.filter(action="accounts.user_dormant_deactivate").count() == 1
