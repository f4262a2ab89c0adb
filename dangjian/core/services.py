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
    # 组织生活 numbers (补录 days, sign-in window, 学时, election quorum) go with its settings.
    "meetings.": "meetings.configure",
    # Portal numbers (home cache, upload limits, renditions) belong to whoever runs the sites.
    "portal.": "portal.manage_site",
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


# ---------------------------------------------------------------- holiday calendar

# The calendar is group-wide like the organisation rules: the group's organisation department
# and the system administrator maintain it.
CALENDAR_PERMISSION = "orgs.manage_organization"
_KIND_WORDS = {"holiday": "holiday", "休": "holiday", "workday": "workday", "班": "workday"}


def _calendar_fields(*, day, kind: str, name: str, note: str) -> dict:
    from dangjian.core.models import CalendarDay

    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise ServiceError("请填写日期（年-月-日）。")
    if kind not in CalendarDay.Kind.values:
        raise ServiceError("类型只能是 holiday（休）或 workday（班）。")
    if kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
        raise ServiceError(f"{day:%Y-%m-%d} 是周一至周五，本来就上班，无需标为调休上班。")
    name, note = name.strip(), note.strip()
    if not name or len(name) > 50:
        raise ServiceError("请填写名称（不超过 50 字），如“春节”或“春节调休”。")
    if len(note) > 200:
        raise ServiceError("说明不能超过 200 字。")
    return {"kind": kind, "name": name, "note": note}


def _calendar_state(row) -> dict | None:
    return {"kind": row.kind, "name": row.name, "note": row.note} if row else None


def calendar_day_set(*, actor, day: datetime.date, kind: str, name: str, note: str = ""):
    """Mark a day as a holiday (休) or a 调休 workday (班), replacing an earlier mark."""
    from dangjian.audit.services import audit_log
    from dangjian.core.models import CalendarDay

    require_global(actor, CALENDAR_PERMISSION)
    fields = _calendar_fields(day=day, kind=kind, name=name, note=note)
    with transaction.atomic():
        before = CalendarDay.objects.select_for_update().filter(date=day).first()
        before_state = _calendar_state(before)
        row, _ = CalendarDay.objects.update_or_create(date=day, defaults=fields)
        audit_log(
            actor=actor,
            action="core.calendar_day_set",
            obj=row,
            object_repr=str(row),
            before=before_state,
            after=_calendar_state(row),
        )
    return row


def calendar_day_delete(*, actor, day: datetime.date) -> None:
    """Remove a day's mark; the day follows the Monday–Friday week again."""
    from dangjian.audit.services import audit_log
    from dangjian.core.models import CalendarDay

    require_global(actor, CALENDAR_PERMISSION)
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(date=day).first()
        if row is None:
            raise ServiceError(f"{day:%Y-%m-%d} 没有标记，无需删除。")
        audit_log(
            actor=actor,
            action="core.calendar_day_delete",
            obj=row,
            object_repr=str(row),
            before=_calendar_state(row),
        )
        row.delete()


def _parse_calendar_line(number: int, line: str) -> dict:
    parts = line.split(maxsplit=3)
    if len(parts) < 3:
        raise ServiceError(
            f"第 {number} 行：应为“日期 类型 名称 [说明]”，如“2026-10-01 holiday 国庆节”。"
        )
    try:
        day = datetime.date.fromisoformat(parts[0])
    except ValueError:
        raise ServiceError(f"第 {number} 行：日期“{parts[0]}”无效，应为 年-月-日。") from None
    kind = _KIND_WORDS.get(parts[1].lower())
    if kind is None:
        raise ServiceError(
            f"第 {number} 行：类型“{parts[1]}”无效，应为 holiday（休）或 workday（班）。"
        )
    note = parts[3] if len(parts) > 3 else ""
    try:
        return {"day": day, **_calendar_fields(day=day, kind=kind, name=parts[2], note=note)}
    except ServiceError as exc:
        raise ServiceError(f"第 {number} 行：{exc.message}") from None


def _parse_calendar_text(text: str) -> list[dict]:
    """Every line parsed, or one error listing every bad line by number."""
    rows, errors, seen = [], [], {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            row = _parse_calendar_line(number, line)
        except ServiceError as exc:
            errors.append(exc.message)
            continue
        if row["day"] in seen:
            errors.append(
                f"第 {number} 行：日期 {row['day']:%Y-%m-%d} 与第 {seen[row['day']]} 行重复。"
            )
        seen.setdefault(row["day"], number)
        rows.append(row)
    if errors:
        raise ServiceError("导入未执行，请改正后重试：" + "；".join(errors))
    if not rows:
        raise ServiceError("没有可导入的行。每行一天，如“2026-10-01 holiday 国庆节”。")
    return rows


def calendar_import(*, actor, text: str) -> int:
    """Mark the days pasted one a line (`2026-10-01 holiday 国庆节`); all or nothing."""
    from dangjian.audit.services import audit_log
    from dangjian.core.models import CalendarDay

    require_global(actor, CALENDAR_PERMISSION)
    rows = _parse_calendar_text(text)
    with transaction.atomic():
        for row in rows:
            day = row.pop("day")
            CalendarDay.objects.update_or_create(date=day, defaults=row)
            row["date"] = day
        audit_log(
            actor=actor,
            action="core.calendar_import",
            object_type="core.calendarday",
            object_repr=f"导入 {len(rows)} 天",
            after={"days": rows},
        )
    return len(rows)
