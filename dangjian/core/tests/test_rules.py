"""rule_set: a new version of a rule, validated, permission-checked, cached and audited."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core import rules
from dangjian.core.exceptions import ServiceError
from dangjian.core.models import RuleVersion
from dangjian.core.services import RULE_PERMISSIONS, rule_permission, rule_set

KEY = "accounts.lockout_failures"


def state():
    return list(RuleVersion.objects.values()), AuditEntry.objects.count()


def today():
    return timezone.localdate()


def test_it_writes_a_version_that_takes_effect_at_once(world):
    assert rules.rule_value(KEY) == 5  # cached now, so the write must invalidate it
    version = rule_set(
        actor=world.secadmin,
        key=KEY,
        value="3",
        valid_from=today(),
        source="集团安全管理办法 第十二条",
        note="集团要求收紧",
    )
    assert version.value == 3 and version.created_by == world.secadmin
    assert rules.rule_value(KEY) == 3
    assert rules.rule_source(KEY) == "集团安全管理办法 第十二条"
    entry = AuditEntry.objects.get(action="core.rule_set")
    assert entry.before["value"] == 5 and entry.after["value"] == 3
    assert entry.message == "集团要求收紧"


def test_a_future_version_waits_for_its_date(world):
    later = today() + datetime.timedelta(days=10)
    rule_set(actor=world.secadmin, key=KEY, value=4, valid_from=later, note="下月起执行")
    assert rules.rule_value(KEY) == 5
    assert rules.rule_value(KEY, later) == 4


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"value": "abc"}, "格式不正确"),
        ({"value": 0}, "不能小于 1次"),
        ({"value": 11}, "不能大于 10次"),
        ({"valid_from": datetime.date(2020, 1, 1)}, "不能早于今天"),
        ({"valid_from": None}, "请填写生效日期"),
        ({"note": "  "}, "请填写修改原因"),
        ({"key": "accounts.nothing"}, "没有名为"),
    ],
)
def test_it_refuses_bad_values_and_changes_nothing(world, fields, message):
    data = {"key": KEY, "value": 4, "valid_from": today(), "note": "调整", **fields}
    before = state()
    with pytest.raises(ServiceError, match=message):
        rule_set(actor=world.secadmin, **data)
    assert state() == before
    assert rules.rule_value(KEY) == 5


@pytest.mark.parametrize("actor", ["sysadmin", "auditor", "alice", "charlie"])
def test_security_rules_need_the_security_policy_permission(world, actor):
    before = state()
    with pytest.raises(Http404):
        rule_set(actor=getattr(world, actor), key=KEY, value=4, valid_from=today(), note="x")
    assert state() == before


def test_a_rule_without_a_guarding_permission_cannot_be_changed(world, monkeypatch):
    sample = rules.RuleDefinition("testing.sample", 1, "样例", "测试")
    monkeypatch.setitem(rules._DEFINITIONS, "testing.sample", sample)
    assert rule_permission("testing.sample") is None
    with pytest.raises(Http404):
        rule_set(actor=world.secadmin, key="testing.sample", value=2, valid_from=today(), note="x")
    assert not RuleVersion.objects.exists()


def test_the_permission_map_is_data_and_the_longest_prefix_wins(monkeypatch):
    monkeypatch.setitem(RULE_PERMISSIONS, "accounts.password_", "accounts.special")
    assert rule_permission("accounts.password_history") == "accounts.special"
    assert rule_permission("accounts.lockout_minutes") == "accounts.manage_security_policy"
