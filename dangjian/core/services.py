"""Writes that belong to the platform core: new versions of a rule (rules as data, DESIGN §4).

Permission pattern shared with the administration services: a rule, a user account or a role is
not owned by one organisation, so changing it needs the permission on a root organisation
(`require_global`). A caller without it gets `Http404`, exactly as an out-of-scope object does.
"""

import datetime
from typing import Any

from django.apps import apps
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from dangjian.core import rules
from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_of

# Who may change which rules: key prefix → permission code. Each domain adds its prefix when its
# rules get an administrator; a key with no prefix here cannot be changed from the platform.
RULE_PERMISSIONS: dict[str, str] = {
    "accounts.": "accounts.manage_security_policy",
    # Audit retention is part of the security policy (等保 8.1.5.4), not the auditor's to shorten.
    "audit.": "accounts.manage_security_policy",
    # Organisation rules (size, committee, terms) belong to the group's organisation department.
    "orgs.": "orgs.manage_organization",
    # Member-record rules (probation, age bands, import limits) are the organisation department's.
    "members.": "orgs.manage_organization",
}


def holds_globally(user, permission: str) -> bool:
    """Does the user hold the permission over a whole tree (granted on a root organisation)?"""
    steplen = apps.get_model("orgs", "Organization").steplen
    return any(len(prefix) == steplen for prefix in scope_of(user).paths_for(permission))


def require_global(user, permission: str) -> None:
    if not holds_globally(user, permission):
        raise Http404


def rule_permission(key: str) -> str | None:
    """The permission that guards a rule key, by the longest matching prefix."""
    matches = [prefix for prefix in RULE_PERMISSIONS if key.startswith(prefix)]
    return RULE_PERMISSIONS[max(matches, key=len)] if matches else None


def _rule_definition(key: str) -> rules.RuleDefinition:
    try:
        return rules.definition(key)
    except KeyError as exc:
        raise ServiceError(f"没有名为“{key}”的规则。") from exc


def rule_set(
    *,
    actor,
    key: str,
    value: Any,
    valid_from: datetime.date,
    source: str = "",
    note: str = "",
):
    """Add a version of a rule that takes effect on `valid_from` (today or later)."""
    from dangjian.audit.services import audit_log
    from dangjian.core.models import RuleVersion

    rule = _rule_definition(key)
    permission = rule_permission(key)
    if permission is None:
        raise Http404
    require_global(actor, permission)
    coerced = rule.validate(value)
    _check_rule_change(rule, valid_from=valid_from, note=note)
    before = {"value": rules.rule_value(key, valid_from), "source": rules.rule_source(key)}
    with transaction.atomic():
        version = RuleVersion.objects.create(
            key=key,
            value=coerced,
            valid_from=valid_from,
            source=source.strip()[:300],
            note=note.strip()[:300],
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="core.rule_set",
            obj=version,
            object_repr=f"{rule.label}（{key}）",
            before=before,
            after={"value": coerced, "valid_from": valid_from, "source": version.source},
            message=version.note,
        )
        # Drop the cache now and again once committed, so no reader keeps the old value.
        rules.invalidate(key)
        transaction.on_commit(lambda: rules.invalidate(key))
    return version


def _check_rule_change(rule, *, valid_from, note: str) -> None:
    if isinstance(valid_from, datetime.datetime) or not isinstance(valid_from, datetime.date):
        raise ServiceError("请填写生效日期（年-月-日）。")
    if valid_from < timezone.localdate():
        raise ServiceError(f"“{rule.label}”的生效日期不能早于今天；已生效的规则不能追溯修改。")
    if not note.strip():
        raise ServiceError("请填写修改原因。")
