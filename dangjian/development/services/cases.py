"""Opening a case (step 1, 递交入党申请书) and the few facts of a case outside the steps."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.http import Http404

from dangjian.core.idnumbers import IdNumberError, parse_id_number
from dangjian.core.scope import scope_of
from dangjian.development.checks import StepBlocked, check_age
from dangjian.development.models import OPEN_STATES, CaseStep, DevelopmentCase, State, StepCode
from dangjian.development.permissions import MANAGE_DEVELOPMENT
from dangjian.development.services.common import (
    StepRefused,
    account,
    audit,
    check_date,
    clean_text,
    locked_case,
    require,
    require_visible_branch,
)
from dangjian.development.services.deadlines import case_deadlines_refresh
from dangjian.members.models import Member, Person
from dangjian.members.permissions import VIEW_MEMBER
from dangjian.members.services.admission import HELD


def birth_date_of(person: Person) -> datetime.date | None:
    """The birth date in the ID number (GB 11643), else the one on the record."""
    if person.id_number:
        try:
            return parse_id_number(person.id_number).birth_date
        except IdNumberError:
            pass
    return person.birth_date


def _require_visible_person(actor, person: Person) -> None:
    """A person outside the actor's scope answers as missing (404)."""
    scope = scope_of(actor)
    path = person.organization.path if person.organization_id else None
    if path and scope.covers(MANAGE_DEVELOPMENT, path):
        return
    if not Person.objects.visible_to(actor, VIEW_MEMBER).filter(pk=person.pk).exists():
        raise Http404


def _check_person(person: Person) -> None:
    member = Member.objects.filter(person=person).first()
    if member is not None and member.status in HELD:
        raise StepRefused(
            f"{person.name}已是党员（{member.get_category_display()}），不能再作为入党申请人登记。",
            field="person",
        )
    open_case = DevelopmentCase.objects.filter(person=person, state__in=OPEN_STATES).first()
    if open_case is not None:
        raise StepRefused(
            f"{person.name}已有进行中的发展党员档案（{open_case.organization}，"
            f"{open_case.get_state_display()}），不能重复登记。",
            field="person",
        )


@transaction.atomic
def case_open(
    *,
    actor,
    person: Person,
    organization,
    applied_on: datetime.date,
    received_on: datetime.date,
    planned_leave_on: datetime.date | None = None,
    note: str = "",
) -> DevelopmentCase:
    """Register an application (step 1): the case starts in 已递交申请."""
    require_visible_branch(actor, organization)
    require(actor, MANAGE_DEVELOPMENT, organization, "登记入党申请")
    if not organization.is_branch:
        raise StepRefused("入党申请须由党支部登记，请选择党支部。", field="organization")
    check_date(applied_on, label="入党申请书日期", field="applied_on")
    check_date(
        received_on,
        label="收到申请日期",
        field="received_on",
        not_before=applied_on,
        not_before_label="入党申请书日期",
    )
    if planned_leave_on is not None and not isinstance(planned_leave_on, datetime.date):
        raise StepRefused("预计离开日期格式不正确。", field="planned_leave_on")
    note = clean_text(note, label="情况说明", field="note")
    _require_visible_person(actor, person)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    _check_person(person)
    birth = birth_date_of(person)
    if birth is None:
        raise StepRefused(
            f"{person.name}的人员信息中没有出生日期或有效的身份证号，无法核对年龄，请先补充。",
            field="person",
        )
    blocked = check_age(birth, applied_on)
    if blocked:
        raise StepBlocked([blocked])
    try:
        with transaction.atomic():
            case = DevelopmentCase.objects.create(
                person=person,
                organization=organization,
                state=State.APPLIED,
                applied_on=applied_on,
                received_on=received_on,
                planned_leave_on=planned_leave_on,
                created_by=account(actor),
            )
    except IntegrityError as exc:
        raise StepRefused(f"{person.name}已有进行中的发展党员档案。", field="person") from exc
    CaseStep.objects.create(
        case=case,
        code=StepCode.APPLICATION,
        number=1,
        done_on=received_on,
        from_state=State.APPLIED,
        to_state=State.APPLIED,
        approving_organization=organization,
        note=note,
        actor=account(actor),
        actor_name=(getattr(actor, "display_name", "") or str(actor or ""))[:50],
    )
    audit(
        actor,
        "development.case_open",
        case,
        f"{person.name}递交入党申请（{applied_on:%Y-%m-%d}），{organization}收到（"
        f"{received_on:%Y-%m-%d}）",
    )
    case_deadlines_refresh(case)
    return case


@transaction.atomic
def case_set_planned_leave(
    *, actor, case: DevelopmentCase, planned_leave_on: datetime.date | None
) -> DevelopmentCase:
    """Record (or clear) the date the applicant is expected to leave the unit."""
    case = locked_case(case)
    require(actor, MANAGE_DEVELOPMENT, case.organization, "修改发展党员档案")
    if not case.is_open:
        raise StepRefused("该发展党员档案已结束，不能修改。")
    if planned_leave_on is not None and not isinstance(planned_leave_on, datetime.date):
        raise StepRefused("预计离开日期格式不正确。", field="planned_leave_on")
    before = case.planned_leave_on
    case.planned_leave_on = planned_leave_on
    case.save(update_fields=["planned_leave_on", "updated_at"])
    audit(
        actor,
        "development.case_update",
        case,
        f"{case.person.name}：预计离开本单位日期",
        before={"planned_leave_on": before.isoformat() if before else None},
        after={"planned_leave_on": planned_leave_on.isoformat() if planned_leave_on else None},
    )
    return case
