"""Retirement and the retirees' branch setting of a 党委 or 党总支. `member_retire` turns 在岗状态
into 离退休 (the 党籍 status is unchanged) and, when asked, moves the membership to the
retirees' branch that the nearest ancestor 党委/党总支 has named; `retiree_branch_set`,
`retiree_branch_clear` and `retiree_branch_for` keep and look up that setting.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from dangjian.audit.services import audit_log
from dangjian.core.scope import require_in_scope, scope_of
from dangjian.members.models import Employment, Member, RetireeBranch, StatusChange
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.services.status.common import (
    Kind,
    StatusRefused,
    _check_date,
    _check_transition,
    _document,
    _locked,
    _reason,
    _write,
)
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType

# Organisations that may name a retirees' branch for their subtree.
RETIREE_SETTING_TYPES = (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)


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
