"""Recording a step: the one way a case moves (domain §1.4).

`step_record` locks the case, asks the transitions table (`development.steps`) whether the step
is legal in the case's state, checks the actor's permission (the branch for its own steps, the
upper committee for 备案/预审/审批), runs every rule of the step (`evaluation.blocks_for`) and,
unless each blocking rule is overridden with a written reason by a holder of
`development.override_rule`, refuses with `StepBlocked`. Then it stores the step, moves the
case, and for 审批/转正/取消 writes the membership through `members.services.admission`.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F

from dangjian.core.scope import scope_of
from dangjian.development.checks import Blocked, StepBlocked, probation_end
from dangjian.development.models import CaseStep, DevelopmentCase, StepCode
from dangjian.development.permissions import OVERRIDE_RULE
from dangjian.development.services.common import (
    REASON_MAX,
    StepRefused,
    account,
    audit,
    check_date,
    clean_text,
    committee_of,
    locked_case,
    require,
)
from dangjian.development.services.deadlines import case_deadlines_refresh
from dangjian.development.services.evaluation import blocks_for
from dangjian.development.steps import APPROVE, STEPS, StepSpec, legal_in
from dangjian.members.services import admission
from dangjian.orgs.models import Organization, OrgType

C = StepCode
OVERRIDE_REASON_MIN = 10
DOCUMENT_MAX = CaseStep._meta.get_field("document_number").max_length

# The key date of the case each step sets (the case row keeps copies for lists and deadlines).
CASE_DATES = {
    C.TALK: "talked_on",
    C.ACTIVIST: "activist_on",
    C.CANDIDATE: "candidate_on",
    C.PRE_REVIEW: "pre_reviewed_on",
    C.ACCEPTANCE_MEETING: "accepted_on",
    C.APPROVAL: "approved_on",
    C.CONVERSION_MEETING: "conversion_meeting_on",
    C.CONVERSION_APPROVAL: "converted_on",
}
ENDING = (C.REJECTION, C.TRANSFER_OUT, C.CLOSE, C.CANCELLATION)


def spec_or_refuse(code) -> StepSpec:
    spec = STEPS.get(str(code or ""))
    if spec is None or spec.code == C.APPLICATION:
        raise StepRefused(f"未知的发展步骤：{code}。", field="code")
    return spec


def authority_of(case: DevelopmentCase, spec: StepSpec) -> Organization | None:
    """The organisation that performs the step: the upper 党委 for committee steps."""
    return committee_of(case.organization) if spec.authority == APPROVE else case.organization


def _require_step_permission(actor, case, spec) -> Organization:
    organization = authority_of(case, spec)
    if organization is None:
        raise StepRefused(f"{case.organization}没有上级党委，无法办理“{spec.label}”。")
    who = "上级党委" if spec.authority == APPROVE else "党支部"
    require(actor, spec.permission, organization, f"以{who}身份办理“{spec.label}”")
    return organization


def _check_transition(case: DevelopmentCase, spec: StepSpec, facts_done: set[str]) -> None:
    if case.state not in spec.from_states:
        raise StepRefused(
            f"当前状态为“{case.get_state_display()}”，不能办理“{spec.label}”。", field="code"
        )
    if not spec.repeatable and spec.code in facts_done:
        raise StepRefused(f"“{spec.label}”已办理，不能重复办理。", field="code")


def _state_since(case: DevelopmentCase) -> datetime.date:
    """The date the current state began (no step may be dated before it)."""
    last = (
        CaseStep.objects.filter(case=case)
        .exclude(to_state=F("from_state"))
        .order_by("-done_on", "-id")
        .values_list("done_on", flat=True)
        .first()
    )
    return last or case.received_on


def _validate_common(case, spec, done_on, note, document_number, months, party_group):
    check_date(
        done_on,
        label="办理日期",
        field="done_on",
        not_before=_state_since(case),
        not_before_label="上一步骤的日期",
    )
    note = clean_text(note, label="理由" if spec.needs_reason else "情况说明", field="note",
                      required=spec.needs_reason)  # fmt: skip
    document_number = clean_text(
        document_number, label="文件字号", field="document_number", maximum=DOCUMENT_MAX
    )
    if spec.code == C.EXTENSION and not isinstance(months, int):
        raise StepRefused("请填写延长预备期的月数。", field="months")
    if (
        spec.code == C.ASSIGNMENT
        and party_group is not None
        and not _is_group_of(party_group, case.organization)
    ):
        raise StepRefused(f"请选择{case.organization}下的党小组。", field="party_group")
    return note, document_number


def _is_group_of(party_group, branch) -> bool:
    return (
        isinstance(party_group, Organization)
        and party_group.org_type == OrgType.GROUP
        and party_group.path.startswith(branch.path)
        and party_group.depth == branch.depth + 1
    )


def _resolve_overrides(actor, case, blocks: list[Blocked], override_rules, reason) -> list[str]:
    """The blocks must all be overridden, by an authorised actor, with a reason; else refuse."""
    if not blocks:
        return []
    requested = {str(key) for key in override_rules or ()}
    hard = [block for block in blocks if not block.overridable]
    if hard or not requested:
        if hard and requested:
            raise StepBlocked(
                [
                    Blocked(
                        rule_key=b.rule_key,
                        label=b.label,
                        source=b.source,
                        message=f"{b.message}。该规定不能例外放行。",
                        dates=b.dates,
                        earliest=b.earliest,
                        overridable=False,
                    )
                    for b in hard
                ]
            )
        raise StepBlocked(blocks)
    missing = [block for block in blocks if block.rule_key not in requested]
    if missing:
        raise StepBlocked(missing)
    require(actor, OVERRIDE_RULE, case.organization, "对发展党员规则例外放行")
    text = str(reason or "").strip()
    if len(text) < OVERRIDE_REASON_MIN:
        raise StepRefused(
            f"例外放行须写明理由，不少于 {OVERRIDE_REASON_MIN} 个字。", field="override_reason"
        )
    if len(text) > REASON_MAX:
        raise StepRefused(f"例外放行理由不能超过 {REASON_MAX} 字。", field="override_reason")
    return [block.rule_key for block in blocks]


def step_preview(*, actor, case: DevelopmentCase, code: str, done_on, months=None) -> list[Blocked]:
    """The rules that would block the step on this date (no write): for forms and the API."""
    spec = spec_or_refuse(code)
    _require_step_permission(actor, case, spec)
    done = set(CaseStep.objects.filter(case=case).values_list("code", flat=True))
    _check_transition(case, spec, done)
    return blocks_for(case, spec, done_on, months=months)


def available_steps(*, actor, case: DevelopmentCase) -> list[StepSpec]:
    """The steps legal now in the case's state that this actor may perform."""
    done = set(CaseStep.objects.filter(case=case).values_list("code", flat=True))
    scope = scope_of(actor)
    committee = None
    result = []
    for spec in legal_in(case.state):
        if spec.code in done and not spec.repeatable:
            continue
        if spec.authority == APPROVE:
            committee = committee or committee_of(case.organization)
            organization = committee
        else:
            organization = case.organization
        if organization is not None and scope.covers(spec.permission, organization.path):
            result.append(spec)
    return result


@transaction.atomic
def step_record(
    *,
    actor,
    case: DevelopmentCase,
    code: str,
    done_on: datetime.date,
    note: str = "",
    document_number: str = "",
    override_rules=(),
    override_reason: str = "",
    months: int | None = None,
    party_group=None,
) -> CaseStep:
    """Record one step of the case (see the module docstring). Returns the new `CaseStep`."""
    spec = spec_or_refuse(code)
    case = locked_case(case)
    organization = _require_step_permission(actor, case, spec)
    done = set(CaseStep.objects.filter(case=case).values_list("code", flat=True))
    _check_transition(case, spec, done)
    note, document_number = _validate_common(
        case, spec, done_on, note, document_number, months, party_group
    )
    blocks = blocks_for(case, spec, done_on, months=months)
    overridden = _resolve_overrides(actor, case, blocks, override_rules, override_reason)
    from_state = case.state
    _apply(actor, case, spec, done_on, note, months, party_group, document_number)
    step = CaseStep.objects.create(
        case=case,
        code=spec.code,
        number=spec.number,
        done_on=done_on,
        from_state=from_state,
        to_state=case.state,
        approving_organization=organization,
        note=note,
        document_number=document_number,
        overridden_rules=overridden,
        override_reason=str(override_reason or "").strip() if overridden else "",
        actor=account(actor),
        actor_name=(getattr(actor, "display_name", "") or str(actor or ""))[:50],
    )
    message = f"{case.person.name}：{spec.label}（{done_on:%Y-%m-%d}）"
    audit(
        actor,
        "development.step_record",
        case,
        message,
        before={"state": from_state},
        after={"state": case.state, "step": spec.code, "done_on": done_on.isoformat()},
    )
    if overridden:
        audit(
            actor,
            "development.rule_override",
            case,
            f"{message} 例外放行：{'、'.join(overridden)}；理由：{step.override_reason}",
            after={"rules": overridden, "reason": step.override_reason, "step": spec.code},
        )
    case_deadlines_refresh(case)
    return step


def _apply(actor, case, spec, done_on, note, months, party_group, document_number) -> None:
    """Move the case: the state, its key date, and the membership for committee decisions."""
    if spec.to_state:
        case.state = spec.to_state
    field = CASE_DATES.get(spec.code)
    if field:
        setattr(case, field, done_on)
    if spec.code == C.ACCEPTANCE_MEETING:
        case.probation_ends_on = probation_end(done_on)
    elif spec.code == C.APPROVAL:
        case.member = admission.member_admit(
            actor=actor,
            person=case.person,
            organization=case.organization,
            joined_on=case.accepted_on,
            note=f"经上级党委 {done_on:%Y-%m-%d} 审批接收为预备党员，入党日期（预备期起）"
            f"{case.accepted_on:%Y-%m-%d}，预备期至 {case.probation_ends_on:%Y-%m-%d}",
        )
    elif spec.code == C.EXTENSION:
        case.extension_months = months
        case.extended_until = probation_end(case.accepted_on, months)
    elif spec.code == C.CONVERSION_APPROVAL:
        case.full_member_on = case.probation_end
        admission.member_convert(
            actor=actor, member=case.member, full_member_on=case.full_member_on
        )
    elif spec.code == C.CANCELLATION:
        admission.member_cancel_probation(
            actor=actor,
            member=case.member,
            effective_on=done_on,
            reason=note,
            document_number=document_number,
        )
    elif spec.code == C.ASSIGNMENT and party_group is not None and case.member_id:
        _assign_group(case, party_group)
    if spec.code in ENDING:
        case.closed_on, case.close_reason = done_on, note
    case.save()


def _assign_group(case: DevelopmentCase, party_group) -> None:
    """编入党小组: the new member's 党小组 (the branch is already theirs since 审批)."""
    from dangjian.members.models import Member
    from dangjian.members.services.people import refresh_counts

    Member.objects.filter(pk=case.member_id).update(party_group=party_group)
    refresh_counts(party_group)
