"""The development services end to end: the full path from application to full member, the
membership they write, the audit, overrides, permissions and bad input."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.development import services
from dangjian.development.checks import StepBlocked
from dangjian.development.models import CaseStep, DevelopmentCase, State, StepCode
from dangjian.development.tests.factories import (
    TODAY_AFTER_PATH,
    make_applicant,
    make_full_members,
    open_case,
    walk,
)
from dangjian.members.models import Category, Member, RecordChange, Status

C = StepCode


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(
        datetime.combine(TODAY_AFTER_PATH, datetime.min.time(), ZoneInfo("Asia/Shanghai"))
    )


def test_the_full_path_makes_a_full_member_with_probation_from_the_branch_meeting(world):
    case = walk(world, open_case(world))
    assert case.state == State.FULL_MEMBER
    assert case.accepted_on == date(2025, 9, 2)
    assert case.probation_ends_on == date(2026, 9, 2)  # 支部大会 + 1 year, not the approval
    assert case.full_member_on == date(2026, 9, 2)
    member = Member.objects.get(person=case.person)
    assert member.category == Category.FULL
    assert member.joined_on == date(2025, 9, 2)
    assert member.full_member_on == date(2026, 9, 2)
    assert member.organization == world.branch1
    assert member.party_group is None
    assert case.steps.filter(number__isnull=False).values("number").distinct().count() == 25
    assert RecordChange.objects.filter(person=case.person).count() == 2
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"development.case_open", "development.step_record", "development.member_admit",
            "development.member_convert", "development.vote_record"} <= actions  # fmt: skip


def test_approval_creates_a_probationary_member_of_the_branch(world):
    case = walk(world, open_case(world), until=State.PROBATIONARY)
    member = case.member
    assert member.category == Category.PROBATIONARY
    assert member.joined_on == date(2025, 9, 2)
    assert member.status == Status.NORMAL
    assert case.approved_on == date(2025, 10, 15)
    world.branch1.refresh_from_db()
    assert world.branch1.member_count >= 3


def test_assignment_puts_the_member_in_a_party_group(world):
    case = walk(world, open_case(world), stop_before=C.ASSIGNMENT)
    services.step_record(
        actor=world.bob, case=case, code=C.ASSIGNMENT, done_on=date(2025, 10, 20),
        party_group=world.group1,
    )  # fmt: skip
    assert Member.objects.get(pk=case.member_id).party_group == world.group1


def test_assignment_refuses_a_group_of_another_branch(world):
    from dangjian.orgs.models import Organization, OrgType

    other = Organization.objects.add_child(
        world.branch2, {"org_type": OrgType.GROUP, "name": "二支部第一党小组", "code": "X-G"}
    )
    case = walk(world, open_case(world), stop_before=C.ASSIGNMENT)
    with pytest.raises(services.StepRefused, match="党小组"):
        services.step_record(
            actor=world.bob, case=case, code=C.ASSIGNMENT, done_on=date(2025, 10, 20),
            party_group=other,
        )  # fmt: skip


def test_extension_moves_the_probation_end_and_conversion_dates_from_it(world):
    case = walk(world, open_case(world), stop_before=C.CONVERSION_APPLICATION)
    services.vote_record(
        actor=world.bob, case=case, purpose="extension", meeting_on=date(2026, 9, 2),
        entitled=20, present=15, yes=12,
    )  # fmt: skip
    services.step_record(
        actor=world.alice, case=case, code=C.EXTENSION, done_on=date(2026, 9, 2), months=6,
        note="考察期间表现不够稳定，延长预备期半年",
    )  # fmt: skip
    case.refresh_from_db()
    assert case.state == State.PROBATION_EXTENDED
    assert case.extended_until == date(2027, 3, 2)
    assert case.probation_end == date(2027, 3, 2)


def test_extension_only_once_and_six_to_twelve_months(world):
    case = walk(world, open_case(world), stop_before=C.CONVERSION_APPLICATION)
    services.vote_record(
        actor=world.bob, case=case, purpose="extension", meeting_on=date(2026, 9, 2),
        entitled=20, present=15, yes=12,
    )  # fmt: skip
    with pytest.raises(StepBlocked) as caught:
        services.step_record(
            actor=world.alice, case=case, code=C.EXTENSION, done_on=date(2026, 9, 2), months=13,
            note="延长预备期", override_rules=["development.extension_max_months"],
            override_reason="特殊情况需延长十三个月以便考察",
        )  # fmt: skip
    assert "不能例外放行" in caught.value.messages[0]
    services.step_record(
        actor=world.alice, case=case, code=C.EXTENSION, done_on=date(2026, 9, 2), months=12,
        note="延长预备期一年",
    )  # fmt: skip
    case.refresh_from_db()
    with pytest.raises(services.StepRefused, match="不能办理"):
        services.step_record(
            actor=world.alice, case=case, code=C.EXTENSION, done_on=date(2026, 9, 3), months=6,
            note="再延长",
        )  # fmt: skip


def test_cancellation_ends_the_membership(world):
    case = walk(world, open_case(world), until=State.PROBATIONARY)
    services.vote_record(
        actor=world.bob, case=case, purpose="cancellation", meeting_on=date(2026, 1, 5),
        entitled=20, present=15, yes=12,
    )  # fmt: skip
    services.step_record(
        actor=world.alice, case=case, code=C.CANCELLATION, done_on=date(2026, 1, 5),
        note="严重违反纪律，不具备党员条件",
    )  # fmt: skip
    case.refresh_from_db()
    assert case.state == State.PROBATION_CANCELLED
    member = Member.objects.get(pk=case.member_id)
    assert member.status == Status.LEFT
    assert member.status_changes.get().reason.startswith("取消预备党员资格")


def test_after_cancellation_the_person_may_apply_again_and_rejoin_the_same_record(world):
    case = walk(world, open_case(world), until=State.PROBATIONARY)
    services.vote_record(
        actor=world.bob, case=case, purpose="cancellation", meeting_on=date(2025, 10, 20),
        entitled=20, present=15, yes=12,
    )  # fmt: skip
    services.step_record(
        actor=world.alice, case=case, code=C.CANCELLATION, done_on=date(2025, 10, 20),
        note="不具备党员条件",
    )  # fmt: skip
    again = open_case(world, case.person, applied_on=date(2025, 10, 21),
                      received_on=date(2025, 10, 21))  # fmt: skip
    assert again.state == State.APPLIED
    member = Member.objects.get(person=case.person)
    from dangjian.members.services.admission import member_admit

    readmitted = member_admit(actor=world.alice, person=case.person, organization=world.branch1,
                              joined_on=date(2026, 10, 1))  # fmt: skip
    assert readmitted.pk == member.pk and readmitted.status == Status.NORMAL
    again.member = readmitted
    again.save()
    assert set(member.development_cases.all()) == {case, again}


def test_rejection_closes_the_case_without_a_member(world):
    case = walk(world, open_case(world), until=State.BRANCH_ACCEPTED)
    services.step_record(
        actor=world.alice, case=case, code=C.REJECTION, done_on=date(2025, 9, 20),
        note="党委讨论认为尚不具备党员条件",
    )  # fmt: skip
    case.refresh_from_db()
    assert case.state == State.REJECTED
    assert case.member_id is None
    assert not Member.objects.filter(person=case.person).exists()


def test_close_needs_a_reason(world):
    case = open_case(world)
    with pytest.raises(services.StepRefused, match="理由"):
        services.step_record(actor=world.bob, case=case, code=C.CLOSE, done_on=date(2024, 3, 1))
    services.step_record(
        actor=world.bob, case=case, code=C.CLOSE, done_on=date(2024, 3, 1), note="本人撤回申请"
    )
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert case.close_reason == "本人撤回申请"


def test_a_closed_case_lets_the_person_apply_again(world):
    case = open_case(world)
    services.step_record(
        actor=world.bob, case=case, code=C.CLOSE, done_on=date(2024, 3, 1), note="本人撤回申请"
    )
    again = open_case(world, case.person, applied_on=date(2025, 1, 6), received_on=date(2025, 1, 6))
    assert again.state == State.APPLIED


def test_open_refuses_a_member_and_a_second_open_case(world):
    member = make_full_members(world.branch1, 1)[0]
    with pytest.raises(services.StepRefused, match="已是党员"):
        open_case(world, member.person)
    case = open_case(world)
    with pytest.raises(services.StepRefused, match="进行中的发展党员档案"):
        open_case(world, case.person)


def test_open_refuses_a_minor_with_the_earliest_date(world):
    person = make_applicant(world.branch1, birth=date(2006, 3, 1))
    with pytest.raises(StepBlocked) as caught:
        open_case(world, person, applied_on=date(2024, 2, 29), received_on=date(2024, 2, 29))
    block = caught.value.blocks[0]
    assert block.rule_key == "development.age_min"
    assert block.earliest == date(2024, 3, 1)
    assert "2024-03-01" in block.message
    assert not block.overridable


def test_open_refuses_a_committee_and_dates_in_the_future(world):
    person = make_applicant(world.branch1)
    with pytest.raises(services.StepRefused, match="党支部"):
        services.case_open(actor=world.alice, person=person, organization=world.mine,
                           applied_on=date(2024, 1, 1), received_on=date(2024, 1, 1))  # fmt: skip
    with pytest.raises(services.StepRefused, match="不能晚于今天"):
        open_case(world, person, applied_on=date(2030, 1, 1), received_on=date(2030, 1, 1))
    with pytest.raises(services.StepRefused, match="不能早于"):
        open_case(world, person, applied_on=date(2024, 1, 5), received_on=date(2024, 1, 1))


def test_permissions_of_branch_and_committee_steps(world):
    case = open_case(world)
    with pytest.raises(PermissionDenied):
        services.step_record(actor=world.charlie, case=case, code=C.TALK, done_on=date(2024, 2, 1))
    with pytest.raises(PermissionDenied):
        services.step_record(actor=world.dave, case=case, code=C.TALK, done_on=date(2024, 2, 1))
    services.step_record(actor=world.bob, case=case, code=C.TALK, done_on=date(2024, 2, 1))
    services.step_record(actor=world.bob, case=case, code=C.ACTIVIST, done_on=date(2024, 7, 15))
    with pytest.raises(PermissionDenied, match="上级党委"):
        services.step_record(
            actor=world.bob, case=case, code=C.ACTIVIST_FILING, done_on=date(2024, 7, 20)
        )
    step = services.step_record(
        actor=world.alice, case=case, code=C.ACTIVIST_FILING, done_on=date(2024, 7, 20)
    )
    assert step.approving_organization == world.mine


def test_open_outside_scope_is_404(world):
    person = make_applicant(world.branch3)
    with pytest.raises(Http404):
        services.case_open(actor=world.bob, person=person, organization=world.branch3,
                           applied_on=date(2024, 1, 1), received_on=date(2024, 1, 1))  # fmt: skip


def test_open_for_a_person_outside_scope_is_404(world):
    person = make_applicant(world.branch3)
    with pytest.raises(Http404):
        services.case_open(actor=world.bob, person=person, organization=world.branch1,
                           applied_on=date(2024, 1, 1), received_on=date(2024, 1, 1))  # fmt: skip


def test_available_steps_follow_state_and_authority(world):
    case = open_case(world)
    assert [s.code for s in services.available_steps(actor=world.bob, case=case)] == [
        C.TALK, C.TRANSFER_OUT, C.CLOSE,
    ]  # fmt: skip
    walk(world, case, until=State.ACTIVIST)
    bob = {s.code for s in services.available_steps(actor=world.bob, case=case)}
    alice = {s.code for s in services.available_steps(actor=world.alice, case=case)}
    assert C.ACTIVIST_FILING not in bob and C.ACTIVIST_FILING in alice
    assert services.available_steps(actor=world.charlie, case=case) == []


def test_a_step_cannot_be_dated_before_the_current_state_began(world):
    case = open_case(world)
    services.step_record(actor=world.bob, case=case, code=C.TALK, done_on=date(2024, 2, 1))
    with pytest.raises(services.StepRefused, match="上一步骤"):
        services.step_record(actor=world.bob, case=case, code=C.ACTIVIST, done_on=date(2024, 1, 31))


def test_a_step_is_not_recorded_twice(world):
    case = open_case(world)
    services.step_record(actor=world.bob, case=case, code=C.TALK, done_on=date(2024, 2, 1))
    with pytest.raises(services.StepRefused):
        services.step_record(actor=world.bob, case=case, code=C.TALK, done_on=date(2024, 2, 2))
    assert CaseStep.objects.filter(case=case, code=C.TALK).count() == 1


def test_unknown_step_and_bad_values_are_refused_in_chinese(world):
    case = open_case(world)
    for code in ("nonsense", "", None, C.APPLICATION):
        with pytest.raises(services.StepRefused, match="未知的发展步骤"):
            services.step_record(actor=world.bob, case=case, code=code, done_on=date(2024, 2, 1))
    with pytest.raises(services.StepRefused, match="办理日期"):
        services.step_record(actor=world.bob, case=case, code=C.TALK, done_on="2024-02-01")
    with pytest.raises(services.StepRefused, match="文件字号"):
        services.step_record(
            actor=world.bob, case=case, code=C.TALK, done_on=date(2024, 2, 1),
            document_number="x" * 101,
        )  # fmt: skip


# ---------------------------------------------------------------- overrides


def _eleven_months_in(world):
    case = walk(world, open_case(world), stop_before=C.CANDIDATE)
    return case


def test_candidate_eleven_months_after_activist_is_blocked_with_the_earliest_date(world):
    case = _eleven_months_in(world)
    with pytest.raises(StepBlocked) as caught:
        services.step_record(
            actor=world.bob, case=case, code=C.CANDIDATE, done_on=date(2025, 6, 15)
        )
    block = caught.value.blocks[0]
    assert block.rule_key == "development.cultivation_min_months"
    assert block.earliest == date(2025, 7, 15)
    assert block.message.startswith(
        "确定为发展对象须在列为入党积极分子满1年后：列为积极分子 2024-07-15，"
        "最早可于 2025-07-15 确定"
    )
    assert "第十二条" in block.message
    assert block.dates["列为积极分子"] == date(2024, 7, 15)
    case.refresh_from_db()
    assert case.state == State.ACTIVIST


def test_override_needs_the_permission_and_a_reason_of_ten_characters(world):
    case = _eleven_months_in(world)
    arguments = {
        "case": case, "code": C.CANDIDATE, "done_on": date(2025, 6, 16),
        "override_rules": ["development.cultivation_min_months"],
    }  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.step_record(actor=world.bob, override_reason="特殊情况需提前确定人选", **arguments)
    with pytest.raises(services.StepRefused, match="不少于 10 个字"):
        services.step_record(actor=world.alice, override_reason="特殊", **arguments)
    step = services.step_record(
        actor=world.alice, override_reason="经党委研究同意，因重大抢险表现突出提前确定", **arguments
    )
    assert step.overridden_rules == ["development.cultivation_min_months"]
    assert "抢险" in step.override_reason
    entry = AuditEntry.objects.get(action="development.rule_override")
    assert entry.after["rules"] == ["development.cultivation_min_months"]


def test_override_must_name_every_blocking_rule(world):
    case = _eleven_months_in(world)
    with pytest.raises(StepBlocked) as caught:
        services.step_record(
            actor=world.alice, case=case, code=C.CANDIDATE, done_on=date(2025, 6, 16),
            override_rules=["development.talk_deadline_months"],
            override_reason="经党委研究同意，提前确定发展对象",
        )  # fmt: skip
    assert caught.value.blocks[0].rule_key == "development.cultivation_min_months"


def test_hard_rules_cannot_be_overridden(world):
    case = walk(world, open_case(world), stop_before=C.APPROVAL)
    with pytest.raises(StepBlocked) as caught:
        services.step_record(
            actor=world.alice, case=case, code=C.APPROVAL, done_on=date(2026, 3, 3),
            override_rules=["development.approval_deadline_months",
                            "development.approval_hard_max_months"],
            override_reason="换届期间党委未能及时召开会议审批",
        )  # fmt: skip
    assert caught.value.blocks[0].rule_key == "development.approval_hard_max_months"
    assert "不能例外放行" in caught.value.messages[0]


def test_approval_after_three_months_can_be_overridden_within_six(world):
    case = walk(world, open_case(world), stop_before=C.APPROVAL)
    with pytest.raises(StepBlocked) as caught:
        services.step_record(
            actor=world.alice, case=case, code=C.APPROVAL, done_on=date(2025, 12, 3)
        )
    assert caught.value.blocks[0].rule_key == "development.approval_deadline_months"
    services.step_record(
        actor=world.alice, case=case, code=C.APPROVAL, done_on=date(2025, 12, 3),
        override_rules=["development.approval_deadline_months"],
        override_reason="换届期间党委未能及时召开会议审批",
    )  # fmt: skip
    case.refresh_from_db()
    assert case.state == State.PROBATIONARY
    assert case.probation_ends_on == date(2026, 9, 2)


def test_preview_lists_the_blocks_without_writing(world):
    case = _eleven_months_in(world)
    blocks = services.step_preview(
        actor=world.bob, case=case, code=C.CANDIDATE, done_on=date(2025, 6, 15)
    )
    assert [b.rule_key for b in blocks] == ["development.cultivation_min_months"]
    assert (
        services.step_preview(
            actor=world.bob, case=case, code=C.CANDIDATE, done_on=date(2025, 7, 15)
        )
        == []
    )
    assert not CaseStep.objects.filter(case=case, code=C.CANDIDATE).exists()


def test_planned_leave_date_is_audited(world):
    case = open_case(world)
    services.case_set_planned_leave(actor=world.bob, case=case, planned_leave_on=date(2026, 1, 1))
    assert DevelopmentCase.objects.get(pk=case.pk).planned_leave_on == date(2026, 1, 1)
    assert AuditEntry.objects.filter(action="development.case_update").exists()


def test_quota_set_is_one_row_per_branch_and_year(world):
    services.quota_set(actor=world.alice, organization=world.branch1, year=2026, planned=3)
    quota = services.quota_set(actor=world.alice, organization=world.branch1, year=2026, planned=4)
    assert quota.planned == 4
    with pytest.raises(PermissionDenied):
        services.quota_set(actor=world.bob, organization=world.branch1, year=2026, planned=5)
    with pytest.raises(ServiceError, match="年度"):
        services.quota_set(actor=world.alice, organization=world.branch1, year=1900, planned=5)
    with pytest.raises(ServiceError, match="党支部"):
        services.quota_set(actor=world.alice, organization=world.mine, year=2026, planned=5)


def test_every_audited_development_action_has_a_chinese_label():
    import re
    from pathlib import Path

    from dangjian.audit.actions import LABELS

    app = Path(__file__).resolve().parent.parent
    files = [p for p in app.rglob("*.py") if "tests" not in p.parts]
    files.append(app.parent / "members" / "services" / "admission.py")
    codes = set()
    for text in (p.read_text() for p in files):
        codes |= set(re.findall(r'action=f?"(development\.[a-z_]+)', text))
        codes |= set(re.findall(r'audit\(\s*actor,\s*"(development\.[a-z_]+)"', text))
        codes |= set(re.findall(r'[A-Z_]+ACTION = "(development\.[a-z_]+)"', text))
        codes |= set(re.findall(r'"(development\.member_[a-z_]+)"', text))
    missing = sorted(code for code in codes if code not in LABELS)
    assert len(codes) >= 15 and not missing, missing


# ---------------------------------------------------------------- records


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(content=PDF_BYTES, name="申请书.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_material_upload_download_and_delete_are_audited(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = open_case(world)
    material = services.material_upload(
        actor=world.bob,
        case=case,
        kind="application",
        title="入党申请书",
        upload=_upload(),
        step=case.steps.get(),
    )
    assert material.file_kind == "pdf" and material.file.name.startswith("development/")
    assert "申请书" not in material.file.name
    services.material_download(actor=world.bob, material=material)
    with pytest.raises(PermissionDenied):
        services.material_download(actor=world.dave, material=material)
    with pytest.raises(PermissionDenied):
        services.material_delete(actor=world.charlie, material=material)
    services.material_delete(actor=world.bob, material=material)
    actions = list(
        AuditEntry.objects.filter(action__startswith="development.material")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "development.material_upload",
        "development.material_download",
        "development.material_delete",
    ]


def test_material_upload_refuses_html_and_a_step_of_another_case(world, settings, tmp_path):
    from django.core.exceptions import ValidationError

    settings.MEDIA_ROOT = tmp_path
    case = open_case(world)
    with pytest.raises(ValidationError):
        services.material_upload(
            actor=world.bob,
            case=case,
            kind="application",
            title="x",
            upload=_upload(b"<html><script>", "a.pdf"),
        )
    other = open_case(world, make_applicant(world.branch1, "周八"))
    with pytest.raises(services.StepRefused, match="步骤"):
        services.material_upload(
            actor=world.bob,
            case=case,
            kind="application",
            title="x",
            upload=_upload(),
            step=other.steps.get(),
        )
    with pytest.raises(services.StepRefused, match="材料类型"):
        services.material_upload(
            actor=world.bob, case=case, kind="bogus", title="x", upload=_upload()
        )


def test_sponsors_limits_and_removal(world):
    case = walk(world, open_case(world), until=State.ACTIVIST)
    members = make_full_members(world.branch1, 3, prefix="联系人")
    for member in members[:2]:
        services.sponsor_add(
            actor=world.bob, case=case, kind="contact", member=member, assigned_on=date(2024, 7, 20)
        )
    with pytest.raises(services.StepRefused, match="最多 2 名"):
        services.sponsor_add(
            actor=world.bob,
            case=case,
            kind="contact",
            member=members[2],
            assigned_on=date(2024, 7, 20),
        )
    with pytest.raises(services.StepRefused, match="本人"):
        services.sponsor_add(
            actor=world.bob,
            case=case,
            kind="introducer",
            member=_member_of(case),
            assigned_on=date(2024, 7, 20),
        )
    services.sponsor_remove(actor=world.bob, sponsor=case.sponsors.first())
    assert case.sponsors.count() == 1


def _member_of(case):
    """An (unsaved) membership of the applicant, to try naming them their own sponsor."""
    return Member(person=case.person, organization=case.organization, category=Category.FULL)


def test_publicity_conclusion_needs_the_end_and_a_result(world):
    case = open_case(world)
    publicity = services.publicity_record(
        actor=world.bob,
        case=case,
        purpose="candidate",
        starts_on=date(2026, 10, 26),
        ends_on=date(2026, 10, 30),
    )
    assert publicity.working_days == 5 and publicity.result == "pending"
    with pytest.raises(services.StepRefused, match="请选择公示结果"):
        services.publicity_conclude(actor=world.bob, publicity=publicity, result="pending")
    with pytest.raises(services.StepRefused, match="核实情况"):
        services.publicity_conclude(actor=world.bob, publicity=publicity, result="resolved")
    services.publicity_conclude(
        actor=world.bob,
        publicity=publicity,
        result="resolved",
        objections="反映其工作纪律问题，经核实已整改",
    )
    publicity.refresh_from_db()
    assert publicity.result == "resolved"
    with pytest.raises(services.StepRefused, match="结束日期"):
        services.publicity_record(
            actor=world.bob,
            case=case,
            purpose="candidate",
            starts_on=date(2026, 10, 26),
            ends_on=date(2026, 10, 1),
        )


def test_training_and_political_review_input(world):
    case = open_case(world)
    with pytest.raises(services.StepRefused, match="培训天数"):
        services.training_record(
            actor=world.bob,
            case=case,
            title="培训",
            starts_on=date(2026, 8, 4),
            ends_on=date(2026, 8, 5),
            days=3,
            hours=24,
        )
    with pytest.raises(services.StepRefused, match="学时"):
        services.training_record(
            actor=world.bob,
            case=case,
            title="培训",
            starts_on=date(2026, 8, 4),
            ends_on=date(2026, 8, 6),
            days=3,
            hours="很多",
        )
    with pytest.raises(services.StepRefused, match="政审结论"):
        services.political_review_record(
            actor=world.bob, case=case, concluded_on=date(2026, 8, 1), passed="yes"
        )
