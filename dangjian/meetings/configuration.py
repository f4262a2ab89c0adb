"""Writes of the 组织生活 configuration: meeting types, the compliance rule table and its profiles.

The types and the default rule table apply to every organisation of the tree, so every write
here needs `meetings.configure` held on a root organisation (a mine's 组织部 cannot change the
group's rules); outside that the pages answer 404. Each write validates first and raises a
`ServiceError` naming the field and the fix, so a refused save changes nothing; each saved
change is audited with the before/after values.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.http import Http404

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.services import holds_globally
from dangjian.meetings.models import (
    Attendees,
    Category,
    ComplianceProfile,
    ComplianceRule,
    MeetingType,
    Period,
    Quorum,
)
from dangjian.meetings.permissions import CONFIGURE
from dangjian.orgs.models import OrgType

MAX_TYPE_HOURS = Decimal("99.9")
MAX_COUNT = 31
TYPE_FIELDS = (
    "name",
    "category",
    "quorum",
    "default_attendees",
    "class_hours",
    "has_lecturer",
    "is_active",
    "sort_order",
)
RULE_FIELDS = (
    "category",
    "counts_appraisal",
    "period",
    "min_count",
    "org_types",
    "requires_committee",
    "due_month",
    "label",
    "source",
    "is_active",
    "sort_order",
)


def may_configure(user) -> bool:
    return holds_globally(user, CONFIGURE)


def require_configure(user) -> None:
    if not may_configure(user):
        raise Http404


def _snapshot(obj, fields) -> dict:
    values = model_to_dict(obj, fields=fields)
    return {
        key: str(value) if isinstance(value, Decimal) else value for key, value in values.items()
    }


def _text(value, label: str, maximum: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(f"请填写{label}。")
    if len(text) > maximum:
        raise ServiceError(f"{label}不能超过 {maximum} 字（现在 {len(text)} 字）。")
    return text


def _choice(value, choices, label: str) -> str:
    if value not in {code for code, _ in choices}:
        raise ServiceError(f"请从列表中选择{label}。")
    return value


# --- meeting types ------------------------------------------------------------------------------


def _type_values(values: dict, current: MeetingType | None) -> dict:
    cleaned = {
        "name": _text(values.get("name"), "类型名称", 40),
        "category": _choice(values.get("category"), Category.choices, "归类"),
        "quorum": _choice(values.get("quorum"), Quorum.choices, "法定人数规则"),
        "default_attendees": _choice(
            values.get("default_attendees"), Attendees.choices, "默认参加人员"
        ),
        "class_hours": _type_hours(values.get("class_hours")),
        "has_lecturer": bool(values.get("has_lecturer")),
        "is_active": bool(values.get("is_active")),
        "sort_order": _sort_order(values.get("sort_order")),
    }
    if current is not None and current.is_builtin and cleaned["category"] != current.category:
        raise ServiceError(
            f"“{current.name}”是内置类型，归类固定为“{current.get_category_display()}”，"
            "落实情况按归类统计，不能修改；需要新的归类请新增会议类型。"
        )
    if (
        cleaned["quorum"] == Quorum.COMMITTEE
        and cleaned["default_attendees"] == Attendees.ALL_MEMBERS
    ):
        raise ServiceError("按“委员过半数到会”计算法定人数的会议，默认参加人员应为本组织班子成员。")
    duplicate = MeetingType.objects.filter(name=cleaned["name"])
    if current is not None:
        duplicate = duplicate.exclude(pk=current.pk)
    if duplicate.exists():
        raise ServiceError(f"已有名为“{cleaned['name']}”的会议类型，请换一个名称。")
    return cleaned


def _type_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise ServiceError("计入学时须为数字，例如 2 或 1.5；不计学时填 0。") from exc
    if hours < 0 or hours > MAX_TYPE_HOURS:
        raise ServiceError(f"计入学时须在 0 至 {MAX_TYPE_HOURS} 之间。")
    return hours


def _sort_order(value) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError) as exc:
        raise ServiceError("排序须为 0 至 999 之间的整数。") from exc
    if not 0 <= number <= 999:
        raise ServiceError("排序须为 0 至 999 之间的整数。")
    return number


def type_save(*, user, meeting_type: MeetingType | None = None, **values) -> MeetingType:
    """Create a meeting type or change one; a built-in type keeps its category."""
    require_configure(user)
    with transaction.atomic():
        if meeting_type is not None:
            meeting_type = MeetingType.objects.select_for_update().get(pk=meeting_type.pk)
        cleaned = _type_values(values, meeting_type)
        before = _snapshot(meeting_type, TYPE_FIELDS) if meeting_type else None
        if meeting_type is None:
            meeting_type = MeetingType(code=f"custom-{uuid.uuid4().hex[:10]}")
        for name, value in cleaned.items():
            setattr(meeting_type, name, value)
        try:
            with transaction.atomic():
                meeting_type.save()
        except IntegrityError as exc:
            raise ServiceError(f"已有名为“{cleaned['name']}”的会议类型，请换一个名称。") from exc
        audit_log(
            actor=user,
            action="meetings.type_save",
            obj=meeting_type,
            before=before,
            after=_snapshot(meeting_type, TYPE_FIELDS),
            message=f"{'修改' if before else '新增'}会议类型“{meeting_type.name}”",
        )
    return meeting_type


def type_delete(*, user, meeting_type: MeetingType) -> None:
    """Delete a type the administrator added and no meeting uses yet."""
    require_configure(user)
    if meeting_type.is_builtin:
        raise ServiceError(f"“{meeting_type.name}”是内置类型，不能删除；不再使用可以停用。")
    if meeting_type.meetings.exists():
        raise ServiceError(
            f"已有会议使用“{meeting_type.name}”，不能删除（记录要保留类型）；不再使用请停用。"
        )
    with transaction.atomic():
        audit_log(
            actor=user,
            action="meetings.type_save",
            obj=meeting_type,
            before=_snapshot(meeting_type, TYPE_FIELDS),
            message=f"删除会议类型“{meeting_type.name}”",
        )
        meeting_type.delete()


# --- the rule table -----------------------------------------------------------------------------


def _rule_values(values: dict) -> dict:
    org_types = list(dict.fromkeys(values.get("org_types") or []))
    valid = {code for code, _ in OrgType.choices}
    if not org_types:
        raise ServiceError("请至少选择一种适用的组织类型。")
    if any(code not in valid for code in org_types):
        raise ServiceError("适用组织类型只能从列表中选择。")
    try:
        min_count = int(values.get("min_count"))
    except (TypeError, ValueError) as exc:
        raise ServiceError(f"最少次数须为 1 至 {MAX_COUNT} 之间的整数。") from exc
    if not 1 <= min_count <= MAX_COUNT:
        raise ServiceError(f"最少次数须为 1 至 {MAX_COUNT} 之间的整数。")
    due_month = values.get("due_month")
    if due_month in ("", None):
        due_month = None
    else:
        try:
            due_month = int(due_month)
        except (TypeError, ValueError) as exc:
            raise ServiceError("通常完成月份须为 1 至 12。") from exc
        if not 1 <= due_month <= 12:
            raise ServiceError("通常完成月份须为 1 至 12。")
    return {
        "category": _choice(values.get("category"), Category.choices, "会议归类"),
        "counts_appraisal": bool(values.get("counts_appraisal")),
        "period": _choice(values.get("period"), Period.choices, "周期"),
        "min_count": min_count,
        "org_types": org_types,
        "requires_committee": bool(values.get("requires_committee")),
        "due_month": due_month,
        "label": _text(values.get("label"), "要求（如“支部党员大会每季度至少召开1次”）", 100),
        "source": _text(values.get("source"), "依据（文件名称和条款）", 300),
        "is_active": bool(values.get("is_active")),
        "sort_order": _sort_order(values.get("sort_order")),
    }


def rule_save(
    *, user, rule: ComplianceRule | None = None, profile: ComplianceProfile | None = None, **values
) -> ComplianceRule:
    """Create a row of a profile's table (or of the default table) or change one."""
    require_configure(user)
    cleaned = _rule_values(values)
    with transaction.atomic():
        before = None
        if rule is None:
            rule = ComplianceRule(profile=profile)
        else:
            rule = ComplianceRule.objects.select_for_update().get(pk=rule.pk)
            before = _snapshot(rule, RULE_FIELDS)
        for name, value in cleaned.items():
            setattr(rule, name, value)
        rule.save()
        table = rule.profile.name if rule.profile_id else "默认要求"
        audit_log(
            actor=user,
            action="meetings.rule_save",
            obj=rule,
            before=before,
            after={**_snapshot(rule, RULE_FIELDS), "profile": rule.profile_id},
            message=f"{'修改' if before else '新增'}落实要求（{table}）：{rule.label}",
        )
    return rule


# --- profiles -----------------------------------------------------------------------------------


def profile_save(
    *, user, profile: ComplianceProfile | None = None, name: str, description: str = ""
) -> ComplianceProfile:
    require_configure(user)
    name = _text(name, "方案名称", 50)
    description = _text(description, "说明", 300, required=False)
    duplicate = ComplianceProfile.objects.filter(name=name)
    if profile is not None:
        duplicate = duplicate.exclude(pk=profile.pk)
    if duplicate.exists():
        raise ServiceError(f"已有名为“{name}”的方案，请换一个名称。")
    with transaction.atomic():
        before = None
        if profile is None:
            profile = ComplianceProfile()
        else:
            before = {"name": profile.name, "description": profile.description}
        profile.name, profile.description = name, description
        try:
            with transaction.atomic():
                profile.save()
        except IntegrityError as exc:
            raise ServiceError(f"已有名为“{name}”的方案，请换一个名称。") from exc
        audit_log(
            actor=user,
            action="meetings.profile_save",
            obj=profile,
            before=before,
            after={"name": name, "description": description},
            message=f"{'修改' if before else '新增'}落实要求方案“{name}”",
        )
    return profile


def profile_add_organization(*, user, profile: ComplianceProfile, organization) -> bool:
    """Let the organisation follow the profile. An organisation follows one profile at most;
    adding it again is harmless (returns False)."""
    require_configure(user)
    if organization.org_type == OrgType.GROUP:
        raise ServiceError("党小组不单独统计组织生活落实情况，请选择党支部或党委。")
    with transaction.atomic():
        other = (
            ComplianceProfile.objects.select_for_update()
            .filter(organizations=organization)
            .exclude(pk=profile.pk)
            .first()
        )
        if other is not None:
            raise ServiceError(
                f"“{organization.display_name}”已按“{other.name}”方案统计，"
                "一个组织只能适用一个方案，请先从该方案中移出。"
            )
        if profile.organizations.filter(pk=organization.pk).exists():
            return False
        profile.organizations.add(organization)
        audit_log(
            actor=user,
            action="meetings.profile_save",
            obj=profile,
            organization=organization,
            after={"added": organization.pk},
            message=f"“{organization.display_name}”改按“{profile.name}”方案统计",
        )
    return True


def profile_remove_organization(*, user, profile: ComplianceProfile, organization) -> bool:
    require_configure(user)
    with transaction.atomic():
        if not profile.organizations.filter(pk=organization.pk).exists():
            return False
        profile.organizations.remove(organization)
        audit_log(
            actor=user,
            action="meetings.profile_save",
            obj=profile,
            organization=organization,
            after={"removed": organization.pk},
            message=f"“{organization.display_name}”不再按“{profile.name}”方案统计，恢复默认要求",
        )
    return True
