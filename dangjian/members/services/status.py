"""党籍 status changes, retirement and the 流动/失联 flags (domain §4), and the retirees' branch
setting of a 党委 or 党总支.

Every change is a keyword-only service in one transaction that locks the member row first, so a
double submit is serialised: the second call reads the state the first one wrote and is refused
by the transition check with a Chinese message. Each change writes a `StatusChange` (党籍
changes and retirement), a `RecordChange` (source 党籍变更; only status fields, so no personal
data), an audit entry, and refreshes the member counts of every organisation it touched.

Transitions (from → to):

    停止党籍  正常/恢复党籍 → 停止党籍
    恢复党籍  停止党籍 → 恢复党籍
    出党      正常/恢复党籍/停止党籍 → 出党 (自行脱党/除名/开除党籍/退党)
    去世      正常/恢复党籍/停止党籍 → 死亡
    退休      status unchanged; 在岗状态 → 离退休, optionally moved to the retirees' branch
    流动/失联  flags on or off, status unchanged

出党, 死亡 and 转出 are final here: the record stays as history and nothing changes it again.
"""

from __future__ import annotations

from datetime import date

from django.db import models, transaction
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.core.rules import rule_source, rule_value
from dangjian.core.scope import require_in_scope, scope_of
from dangjian.members.display import add_months
from dangjian.members.models import (
    Employment,
    LeaveType,
    Member,
    RecordChange,
    RetireeBranch,
    Status,
    StatusChange,
)
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.rules import LOST_CONTACT_SUSPEND_MONTHS
from dangjian.members.services.people import changes_between, refresh_counts
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType

Kind = StatusChange.Kind
REASON_MAX = 500
DOCUMENT_MAX = StatusChange._meta.get_field("document_number").max_length
DESTINATION_MAX = Member._meta.get_field("floating_destination").max_length

HELD = (Status.NORMAL, Status.RESTORED, Status.SUSPENDED)
ALLOWED_FROM = {
    Kind.SUSPEND: (Status.NORMAL, Status.RESTORED),
    Kind.RESTORE: (Status.SUSPENDED,),
    Kind.LEAVE: HELD,
    Kind.DEATH: HELD,
    Kind.RETIRE: HELD,
}
# Organisations that may name a retirees' branch for their subtree.
RETIREE_SETTING_TYPES = (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)
# 除名 and 开除党籍 are decisions of a party organisation, issued as a numbered document.
LEAVE_NEEDS_DOCUMENT = (LeaveType.REMOVED, LeaveType.EXPELLED)
# What one change may touch, for the history entry and the audit before/after.
TRACKED_MEMBER = (
    "status", "status_changed_on", "organization", "party_group", "is_floating",
    "floating_since", "floating_destination", "is_lost_contact", "lost_contact_since",
)  # fmt: skip
TRACKED_PERSON = ("employment", "retired_on")


class SuspendGround(models.TextChoices):
    """Why a membership is suspended (《中国共产党党员教育管理工作条例》, domain §4)."""

    LOST_CONTACT = "lost_contact", "与党组织失去联系，经多方查找仍无音讯"
    SETTLED_ABROAD = "settled_abroad", "出国（境）定居"
    STUDY_ABROAD = "study_abroad", "出国（境）学习研究，长期未归"
    OTHER = "other", "其他（经党组织研究决定）"


class StatusRefused(ServiceError):
    """A refused change; `field` names the form field the message belongs to (or None)."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


# ---------------------------------------------------------------- 党籍 changes


@transaction.atomic
def member_suspend(
    *,
    actor,
    member: Member,
    effective_on: date,
    reason: str,
    ground: str,
    document_number: str = "",
) -> StatusChange:
    """停止党籍. For 失联 the member must be registered as lost contact for the rule's months
    (`members.lost_contact_suspend_months`) on the effective date."""
    member = _locked(actor, member)
    _check_transition(member, Kind.SUSPEND)
    _check_date(member, effective_on, after_last_change=True)
    if ground not in SuspendGround.values:
        raise StatusRefused("请选择停止党籍的原因类别。", field="ground")
    if ground == SuspendGround.LOST_CONTACT:
        _check_lost_contact(member, effective_on)
    label = SuspendGround(ground).label
    return _write(
        actor,
        member,
        kind=Kind.SUSPEND,
        to_status=Status.SUSPENDED,
        effective_on=effective_on,
        reason=f"{label}：{_reason(reason)}",
        document_number=_document(document_number),
    )


@transaction.atomic
def member_restore(
    *, actor, member: Member, effective_on: date, reason: str, document_number: str = ""
) -> StatusChange:
    """恢复党籍, only from 停止党籍. A 失联 mark ends with it: the member has been found."""
    member = _locked(actor, member)
    _check_transition(member, Kind.RESTORE)
    _check_date(member, effective_on, after_last_change=True)
    reason, document_number = _reason(reason), _document(document_number)
    if member.is_lost_contact:
        member.is_lost_contact, member.lost_contact_since = False, None
    return _write(
        actor,
        member,
        kind=Kind.RESTORE,
        to_status=Status.RESTORED,
        effective_on=effective_on,
        reason=reason,
        document_number=document_number,
    )


@transaction.atomic
def member_leave(
    *,
    actor,
    member: Member,
    effective_on: date,
    reason: str,
    leave_type: str,
    document_number: str = "",
) -> StatusChange:
    """出党: 自行脱党, 除名, 开除党籍 or 退党; 除名 and 开除党籍 need the decision's number."""
    member = _locked(actor, member)
    _check_transition(member, Kind.LEAVE)
    _check_date(member, effective_on, after_last_change=True)
    if leave_type not in LeaveType.values:
        raise StatusRefused("请选择出党方式。", field="leave_type")
    document_number = _document(document_number)
    if leave_type in LEAVE_NEEDS_DOCUMENT and not document_number:
        label = LeaveType(leave_type).label
        raise StatusRefused(
            f"{label}须填写党组织决定的文件字号（如“党发〔2025〕12号”）。",
            field="document_number",
        )
    return _write(
        actor,
        member,
        kind=Kind.LEAVE,
        to_status=Status.LEFT,
        effective_on=effective_on,
        reason=_reason(reason),
        leave_type=leave_type,
        document_number=document_number,
    )


@transaction.atomic
def member_die(
    *, actor, member: Member, effective_on: date, reason: str, document_number: str = ""
) -> StatusChange:
    """死亡: the record stays as history; the member leaves the counts."""
    member = _locked(actor, member)
    _check_transition(member, Kind.DEATH)
    _check_date(member, effective_on, after_last_change=True)
    return _write(
        actor,
        member,
        kind=Kind.DEATH,
        to_status=Status.DECEASED,
        effective_on=effective_on,
        reason=_reason(reason),
        document_number=_document(document_number),
    )


@transaction.atomic
def member_retire(
    *,
    actor,
    member: Member,
    effective_on: date,
    reason: str,
    move_to_retiree_branch: bool = False,
    document_number: str = "",
) -> StatusChange:
    """退休: 在岗状态 becomes 离退休 from `effective_on`. With `move_to_retiree_branch`, the
    membership moves to the retirees' branch set on the nearest ancestor 党委/党总支 (the 党小组
    is cleared, the person's record follows, both lines of counts are refreshed)."""
    member = _locked(actor, member)
    _check_transition(member, Kind.RETIRE)
    person = member.person
    if person.employment == Employment.RETIRED:
        since = f"（退休日期 {person.retired_on:%Y-%m-%d}）" if person.retired_on else ""
        raise StatusRefused(f"{person.name}已登记为离退休{since}，不能重复办理退休。")
    _check_date(member, effective_on)
    reason, document_number = _reason(reason), _document(document_number)
    target = _retiree_target(actor, member) if move_to_retiree_branch else None
    person.employment, person.retired_on = Employment.RETIRED, effective_on
    if target is not None:
        member.organization, member.party_group = target, None
        person.organization = target
    return _write(
        actor,
        member,
        kind=Kind.RETIRE,
        to_status=member.status,
        effective_on=effective_on,
        reason=reason,
        document_number=document_number,
    )


@transaction.atomic
def member_set_flags(
    *,
    actor,
    member: Member,
    effective_on: date,
    reason: str,
    floating: bool | None = None,
    floating_destination: str = "",
    lost_contact: bool | None = None,
) -> Member:
    """Turn 流动党员 and/or 失联 on (from `effective_on`) or off (on `effective_on`); None
    leaves a flag as it is. The status and the counts do not change."""
    member = _locked(actor, member)
    if floating is None and lost_contact is None:
        raise StatusRefused("请选择要登记或取消的标记（流动党员或失去联系）。")
    if member.status not in HELD:
        raise StatusRefused(final_message(member))
    _check_date(member, effective_on)
    reason = _reason(reason)
    notes = []
    if floating is not None:
        notes.append(_set_floating(member, floating, effective_on, floating_destination))
    if lost_contact is not None:
        notes.append(_set_lost_contact(member, lost_contact, effective_on))
    member.save()
    note = f"{'、'.join(notes)}（{effective_on:%Y-%m-%d}）：{reason}"
    changes = _history(actor, member, member._status_before, note)
    _audit(actor, member, "members.member_set_flags", changes, note)
    return member


# ---------------------------------------------------------------- retirees' branch setting


def retiree_branch_for(organization: Organization) -> RetireeBranch | None:
    """The setting of the nearest ancestor (or the organisation itself) that has one."""
    step = Organization.steplen
    prefixes = [organization.path[:end] for end in range(step, len(organization.path) + 1, step)]
    return (
        RetireeBranch.objects.filter(organization__path__in=prefixes)
        .select_related("organization", "branch")
        .order_by("-organization__depth")
        .first()
    )


@transaction.atomic
def retiree_branch_set(*, actor, organization: Organization, branch: Organization) -> RetireeBranch:
    """Name the branch that the retiring members of `organization`'s subtree move to."""
    organization = _locked_setting_owner(actor, organization)
    if branch is None:
        raise StatusRefused("请选择离退休党支部。", field="branch")
    branch = Organization.objects.get(pk=branch.pk)
    _check_retiree_branch(organization, branch)
    setting = RetireeBranch.objects.filter(organization=organization).select_related("branch")
    previous = setting.first()
    if previous is not None and previous.branch_id == branch.pk:
        raise StatusRefused(f"“{organization.name}”的离退休党支部已是“{branch.name}”。")
    saved, _ = RetireeBranch.objects.update_or_create(
        organization=organization, defaults={"branch": branch}
    )
    audit_log(
        actor=actor,
        action="members.retiree_branch_set",
        obj=saved,
        organization=organization,
        before={"branch": previous.branch.name} if previous else None,
        after={"branch": branch.name},
    )
    return saved


@transaction.atomic
def retiree_branch_clear(*, actor, organization: Organization) -> None:
    """Remove the setting: retiring members of the subtree stay in their branch."""
    organization = _locked_setting_owner(actor, organization)
    setting = RetireeBranch.objects.filter(organization=organization).select_related("branch")
    previous = setting.first()
    if previous is None:
        raise StatusRefused(f"“{organization.name}”尚未设置离退休党支部。")
    audit_log(
        actor=actor,
        action="members.retiree_branch_clear",
        obj=previous,
        organization=organization,
        before={"branch": previous.branch.name},
        after=None,
    )
    previous.delete()


def _locked_setting_owner(actor, organization: Organization) -> Organization:
    require_in_scope(actor, MANAGE_MEMBER, organization.path)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not organization.is_active:
        raise StatusRefused(f"“{organization.name}”已撤销，不能设置离退休党支部。")
    if organization.org_type not in RETIREE_SETTING_TYPES:
        raise StatusRefused("只有党委、党总支可以设置离退休党支部。")
    return organization


def _check_retiree_branch(organization: Organization, branch: Organization) -> None:
    if branch.org_type not in BRANCH_TYPES:
        raise StatusRefused(
            f"“{branch.name}”不是党支部；离退休党员只能转入党支部。", field="branch"
        )
    if not branch.path.startswith(organization.path) or branch.pk == organization.pk:
        raise StatusRefused(
            f"“{branch.name}”不在“{organization.name}”的下级组织中。", field="branch"
        )
    if not branch.is_active:
        raise StatusRefused(f"“{branch.name}”已撤销，不能作为离退休党支部。", field="branch")


# ---------------------------------------------------------------- checks


def allowed_kinds(member: Member) -> dict[str, str]:
    """For each change, "" when it may be made now, else the Chinese reason it may not."""
    result = {}
    for kind in ALLOWED_FROM:
        try:
            _check_transition(member, kind)
        except StatusRefused as refused:
            result[kind] = refused.message
        else:
            result[kind] = ""
    if not result[Kind.RETIRE] and member.person.employment == Employment.RETIRED:
        result[Kind.RETIRE] = f"{member.person.name}已登记为离退休。"
    return result


def lost_contact_earliest(member: Member) -> date | None:
    """The first day a lost-contact member may be suspended (失联日期 + the rule's months)."""
    if not member.is_lost_contact or member.lost_contact_since is None:
        return None
    months = rule_value(LOST_CONTACT_SUSPEND_MONTHS, member.lost_contact_since)
    return add_months(member.lost_contact_since, months)


def _locked(actor, member: Member) -> Member:
    """The member row locked for the transaction (404 outside the actor's scope)."""
    # Only the member row: PostgreSQL cannot lock the nullable side of the party-group join.
    locked = (
        Member.objects.select_for_update(of=("self",))
        .select_related("person", "organization", "party_group")
        .get(pk=member.pk)
    )
    require_in_scope(actor, MANAGE_MEMBER, locked.organization.path)
    locked._status_before = _snapshot(locked)
    return locked


def _check_transition(member: Member, kind: str) -> None:
    if member.status in ALLOWED_FROM[kind]:
        return
    if member.status not in HELD:
        raise StatusRefused(final_message(member))
    since = _since(member)
    if kind == Kind.SUSPEND:
        raise StatusRefused(f"该党员已{since}停止党籍，不能重复办理。")
    if member.status == Status.RESTORED:
        raise StatusRefused(f"该党员已{since}恢复党籍，不能重复办理。")
    current = member.get_status_display()
    raise StatusRefused(f"只有停止党籍的党员才能恢复党籍；该党员当前党籍状态为“{current}”。")


def final_message(member: Member) -> str:
    since = _since(member)
    if member.status == Status.DECEASED:
        return f"该党员已{since}去世，不能再办理党籍变更或修改标记。"
    if member.status == Status.LEFT:
        return f"该人员已{since}出党，不能再办理党籍变更；重新入党须按发展党员程序办理。"
    return f"该党员的组织关系已{since}转出，党籍变更由接收党组织办理。"


def _since(member: Member) -> str:
    day = member.status_changed_on
    return f"于 {day:%Y-%m-%d} " if day else ""


def _check_date(member: Member, effective_on, *, after_last_change: bool = False) -> None:
    if not isinstance(effective_on, date):
        raise StatusRefused("请填写生效日期。", field="effective_on")
    today = timezone.localdate()
    if effective_on > today:
        raise StatusRefused(f"生效日期不能晚于今天（{today:%Y-%m-%d}）。", field="effective_on")
    if member.joined_on and effective_on < member.joined_on:
        raise StatusRefused(
            f"生效日期不能早于入党日期（{member.joined_on:%Y-%m-%d}）。", field="effective_on"
        )
    last = member.status_changed_on
    if after_last_change and last and effective_on < last:
        raise StatusRefused(
            f"生效日期不能早于上一次党籍变更的生效日期（{last:%Y-%m-%d}）。",
            field="effective_on",
        )


def _check_lost_contact(member: Member, effective_on: date) -> None:
    months = rule_value(LOST_CONTACT_SUSPEND_MONTHS, effective_on)
    if not member.is_lost_contact or member.lost_contact_since is None:
        raise StatusRefused(
            "该党员未登记为失去联系。请先登记“失去联系”及失联日期，满 "
            f"{months} 个月后再以失联为由停止党籍，或选择其他原因。",
            field="ground",
        )
    earliest = add_months(member.lost_contact_since, months)
    if effective_on < earliest:
        raise RuleViolation(
            f"与党组织失去联系满 {months} 个月才能停止党籍：该党员自 "
            f"{member.lost_contact_since:%Y-%m-%d} 失联，最早可在 {earliest:%Y-%m-%d} 办理",
            rule_key=LOST_CONTACT_SUSPEND_MONTHS,
            source=rule_source(LOST_CONTACT_SUSPEND_MONTHS, effective_on),
        )


def _reason(reason) -> str:
    text = str(reason or "").strip()
    if not text:
        raise StatusRefused("请填写原因。", field="reason")
    if len(text) > REASON_MAX:
        raise StatusRefused(f"原因不能超过 {REASON_MAX} 字。", field="reason")
    return text


def _document(number) -> str:
    text = str(number or "").strip()
    if len(text) > DOCUMENT_MAX:
        raise StatusRefused(f"文件字号不能超过 {DOCUMENT_MAX} 字。", field="document_number")
    return text


def _retiree_target(actor, member: Member) -> Organization | None:
    """The retirees' branch this member moves to, or None when already inside it."""
    setting = retiree_branch_for(member.organization)
    if setting is None:
        raise StatusRefused(
            f"“{member.organization.name}”的上级党组织没有设置离退休党支部，无法转入；"
            "请先设置，或不勾选“转入离退休党支部”。",
            field="move_to_retiree_branch",
        )
    target = setting.branch
    if target.pk == member.organization_id:
        return None
    if not target.is_active:
        raise StatusRefused(
            f"设置的离退休党支部“{target.name}”已撤销，请先重新设置。",
            field="move_to_retiree_branch",
        )
    if not scope_of(actor).covers(MANAGE_MEMBER, target.path):
        raise StatusRefused(
            f"您无权管理“{target.name}”的党员，不能转入；请由上级党组织办理，"
            "或不勾选“转入离退休党支部”。",
            field="move_to_retiree_branch",
        )
    return target


def _set_floating(member: Member, on: bool, effective_on: date, destination) -> str:
    if on:
        if member.is_floating:
            since = f"（自 {member.floating_since:%Y-%m-%d} 起）" if member.floating_since else ""
            raise StatusRefused(f"该党员已登记为流动党员{since}，不能重复登记。")
        destination = str(destination or "").strip()
        if not destination:
            raise StatusRefused(
                "请填写流动去向（外出务工、经商或学习的地点、单位）。",
                field="floating_destination",
            )
        if len(destination) > DESTINATION_MAX:
            raise StatusRefused(
                f"流动去向不能超过 {DESTINATION_MAX} 字。", field="floating_destination"
            )
        member.is_floating, member.floating_since = True, effective_on
        member.floating_destination = destination
        return "登记流动党员"
    if not member.is_floating:
        raise StatusRefused("该党员不是流动党员，无需取消。")
    if member.floating_since and effective_on < member.floating_since:
        raise StatusRefused(
            f"返回日期不能早于外出流动日期（{member.floating_since:%Y-%m-%d}）。",
            field="effective_on",
        )
    member.is_floating, member.floating_since, member.floating_destination = False, None, ""
    return "取消流动党员"


def _set_lost_contact(member: Member, on: bool, effective_on: date) -> str:
    if on:
        if member.is_lost_contact:
            since = member.lost_contact_since
            text = f"（自 {since:%Y-%m-%d} 起）" if since else ""
            raise StatusRefused(f"该党员已登记为失去联系{text}，不能重复登记。")
        member.is_lost_contact, member.lost_contact_since = True, effective_on
        return "登记失去联系"
    if not member.is_lost_contact:
        raise StatusRefused("该党员未登记为失去联系，无需取消。")
    if member.lost_contact_since and effective_on < member.lost_contact_since:
        raise StatusRefused(
            f"恢复联系日期不能早于失联日期（{member.lost_contact_since:%Y-%m-%d}）。",
            field="effective_on",
        )
    member.is_lost_contact, member.lost_contact_since = False, None
    return "取消失去联系"


# ---------------------------------------------------------------- writing


def _snapshot(member: Member) -> dict:
    values = {field: getattr(member, field) for field in TRACKED_MEMBER}
    values.update({field: getattr(member.person, field) for field in TRACKED_PERSON})
    return values


def _write(
    actor,
    member: Member,
    *,
    kind: str,
    to_status: str,
    effective_on: date,
    reason: str,
    leave_type: str = "",
    document_number: str = "",
) -> StatusChange:
    """Save the member (and person), then the status change, history, audit and counts."""
    before = member._status_before
    from_status, from_org = before["status"], before["organization"]
    if to_status != from_status:
        member.status, member.status_changed_on = to_status, effective_on
    member.person.save(update_fields=[*TRACKED_PERSON, "organization", "updated_at"])
    member.save()
    change = StatusChange.objects.create(
        member=member,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        leave_type=leave_type,
        effective_on=effective_on,
        reason=reason,
        document_number=document_number,
        from_organization=from_org,
        to_organization=member.organization if member.organization != from_org else None,
        actor=_account(actor),
    )
    label = Kind(kind).label
    if leave_type:
        label += f"（{LeaveType(leave_type).label}）"
    note = f"{label}（{effective_on:%Y-%m-%d}）：{reason}"
    changes = _history(actor, member, before, note)
    _audit(actor, member, f"members.member_{kind}", changes, note, from_org)
    refresh_counts(from_org, before["party_group"], member.organization)
    return change


def _history(actor, member: Member, before: dict, note: str) -> list[dict]:
    changes = changes_between(before, _snapshot(member))
    RecordChange.objects.create(
        person=member.person,
        source=RecordChange.Source.STATUS,
        changes=changes,
        note=note[:200],
        actor=_account(actor),
        actor_name=getattr(actor, "display_name", "") or "",
    )
    return changes


def _audit(actor, member, action, changes, note, organization=None) -> None:
    audit_log(
        actor=actor,
        action=action,
        obj=member.person,
        organization=organization or member.organization,
        before={c["field"]: c["before"] for c in changes},
        after={c["field"]: c["after"] for c in changes},
        message=note[:200],
    )


def _account(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
