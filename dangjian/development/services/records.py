"""The records steps rest on: sponsors, 公示, 支部大会 votes, training, 政审, materials, and the
yearly 发展计划 quota. Each is a keyword-only, atomic, audited service."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.core.rules import rule_value
from dangjian.core.uploads import DOCUMENTS, EXTENSIONS, MB, check_upload
from dangjian.development import votes
from dangjian.development.checks import StepBlocked, publicity_working_days
from dangjian.development.models import (
    DevelopmentCase,
    Material,
    MaterialKind,
    PoliticalReview,
    Publicity,
    PublicityPurpose,
    PublicityResult,
    Quota,
    Sponsor,
    SponsorKind,
    Training,
    Vote,
    VoteMethod,
    VotePurpose,
)
from dangjian.development.permissions import MANAGE_DEVELOPMENT, MANAGE_QUOTA, VIEW_DEVELOPMENT
from dangjian.development.rules import CONTACTS_MAX, INTRODUCERS
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
from dangjian.development.services.evaluation import sponsor_standing
from dangjian.members.models import Member

MATERIAL_MAX_BYTES = 20 * MB
TITLE_MAX = 200
COUNT_MAX = 100000


def _open_case(actor, case: DevelopmentCase, what: str) -> DevelopmentCase:
    case = locked_case(case)
    require(actor, MANAGE_DEVELOPMENT, case.organization, what)
    if not case.is_open:
        raise StepRefused(f"该发展党员档案已结束（{case.get_state_display()}），不能再{what}。")
    return case


def _choice(value, choices, *, label: str, field: str) -> str:
    if value not in choices.values:
        raise StepRefused(f"请选择{label}。", field=field)
    return value


def _count(value, *, label: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= COUNT_MAX:
        raise StepRefused(f"{label}须为 0 至 {COUNT_MAX} 之间的整数。", field=field)
    return value


# ---------------------------------------------------------------- sponsors


@transaction.atomic
def sponsor_add(
    *, actor, case: DevelopmentCase, kind: str, member: Member, assigned_on: datetime.date
) -> Sponsor:
    """Name a 培养联系人 (1–2) or an 入党介绍人 (exactly 2): a full member in good standing."""
    case = _open_case(actor, case, "确定培养联系人或入党介绍人")
    kind = _choice(kind, SponsorKind, label="类别（培养联系人或入党介绍人）", field="kind")
    check_date(assigned_on, label="确定日期", field="assigned_on")
    if not isinstance(member, Member):
        raise StepRefused("请选择党员。", field="member")
    if member.person_id == case.person_id:
        raise StepRefused("申请人本人不能作自己的培养联系人或入党介绍人。", field="member")
    blocked = sponsor_standing(member, assigned_on)
    if blocked:
        raise StepBlocked([blocked])
    rule = CONTACTS_MAX if kind == SponsorKind.CONTACT else INTRODUCERS
    maximum = rule_value(rule, on=assigned_on)
    if case.sponsors.filter(kind=kind).count() >= maximum:
        label = SponsorKind(kind).label
        raise StepRefused(f"{label}最多 {maximum} 名，已满；如需更换请先移除。", field="member")
    try:
        with transaction.atomic():
            sponsor = Sponsor.objects.create(
                case=case, kind=kind, member=member, assigned_on=assigned_on
            )
    except IntegrityError as exc:
        raise StepRefused(f"{member.person.name}已是该申请人的{SponsorKind(kind).label}。") from exc
    audit(
        actor,
        "development.sponsor_add",
        case,
        f"{case.person.name}：{SponsorKind(kind).label} {member.person.name}",
    )
    case_deadlines_refresh(case)
    return sponsor


@transaction.atomic
def sponsor_remove(*, actor, sponsor: Sponsor) -> None:
    case = _open_case(actor, sponsor.case, "更换培养联系人或入党介绍人")
    text = f"{case.person.name}：移除{sponsor.get_kind_display()} {sponsor.member.person.name}"
    sponsor.delete()
    audit(actor, "development.sponsor_remove", case, text)
    case_deadlines_refresh(case)


# ---------------------------------------------------------------- 公示


def _publicity_fields(starts_on, ends_on, result, objections):
    check_date(starts_on, label="公示开始日期", field="starts_on")
    if not isinstance(ends_on, datetime.date) or ends_on < starts_on:
        raise StepRefused("公示结束日期不能早于开始日期。", field="ends_on")
    result = _choice(result, PublicityResult, label="公示结果", field="result")
    today = timezone.localdate()
    if result != PublicityResult.PENDING and ends_on > today:
        raise StepRefused("公示尚未结束，结束后才能登记公示结果。", field="result")
    objections = clean_text(
        objections,
        label="反映的问题及核实情况",
        field="objections",
        required=result in (PublicityResult.RESOLVED, PublicityResult.UPHELD),
    )
    return result, objections


@transaction.atomic
def publicity_record(
    *,
    actor,
    case: DevelopmentCase,
    purpose: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    result: str = PublicityResult.PENDING,
    objections: str = "",
) -> Publicity:
    """Register a 公示 period; the working days are counted on the holiday calendar."""
    case = _open_case(actor, case, "登记公示")
    purpose = _choice(purpose, PublicityPurpose, label="公示事项", field="purpose")
    result, objections = _publicity_fields(starts_on, ends_on, result, objections)
    publicity = Publicity.objects.create(
        case=case,
        purpose=purpose,
        starts_on=starts_on,
        ends_on=ends_on,
        working_days=publicity_working_days(starts_on, ends_on),
        result=result,
        objections=objections,
        recorded_by=account(actor),
    )
    audit(
        actor,
        "development.publicity_record",
        case,
        f"{case.person.name}：{publicity.get_purpose_display()} {starts_on:%Y-%m-%d}—"
        f"{ends_on:%Y-%m-%d}（{publicity.working_days}个工作日）",
    )
    case_deadlines_refresh(case)
    return publicity


@transaction.atomic
def publicity_conclude(
    *, actor, publicity: Publicity, result: str, objections: str = ""
) -> Publicity:
    """Record the outcome of a 公示 after it ended."""
    case = _open_case(actor, publicity.case, "登记公示结果")
    publicity = Publicity.objects.select_for_update().get(pk=publicity.pk)
    result, objections = _publicity_fields(
        publicity.starts_on, publicity.ends_on, result, objections
    )
    if result == PublicityResult.PENDING:
        raise StepRefused("请选择公示结果。", field="result")
    publicity.result, publicity.objections = result, objections
    publicity.save(update_fields=["result", "objections"])
    audit(
        actor,
        "development.publicity_conclude",
        case,
        f"{case.person.name}：{publicity.get_purpose_display()}结果：{publicity.get_result_display()}",
    )
    case_deadlines_refresh(case)
    return publicity


# ---------------------------------------------------------------- 支部大会表决


@transaction.atomic
def vote_record(
    *,
    actor,
    case: DevelopmentCase,
    purpose: str,
    meeting_on: datetime.date,
    present: int,
    yes: int,
    no: int = 0,
    abstain: int = 0,
    written_yes: int = 0,
    entitled: int | None = None,
    method: str = VoteMethod.SHOW_OF_HANDS,
    note: str = "",
) -> Vote:
    """Record a 支部大会 vote on this candidate and tally it (domain §1.3)."""
    case = _open_case(actor, case, "登记支部大会表决")
    purpose = _choice(purpose, VotePurpose, label="表决事项", field="purpose")
    method = _choice(method, VoteMethod, label="表决方式", field="method")
    check_date(meeting_on, label="支部大会日期", field="meeting_on")
    if entitled is None:
        entitled = votes.entitled_voters(case.organization, meeting_on)
    entitled = _count(entitled, label="应到会有表决权的正式党员人数", field="entitled")
    present = _count(present, label="实到会人数", field="present")
    yes = _count(yes, label="赞成票", field="yes")
    no = _count(no, label="反对票", field="no")
    abstain = _count(abstain, label="弃权票", field="abstain")
    written_yes = _count(written_yes, label="书面赞成意见", field="written_yes")
    if entitled == 0:
        raise StepRefused("应到会有表决权的正式党员人数不能为 0。", field="entitled")
    if present > entitled:
        raise StepRefused(
            f"实到会人数（{present}）不能多于应到会有表决权的正式党员人数（{entitled}）。",
            field="present",
        )
    if yes + no + abstain > present:
        raise StepRefused(
            f"赞成、反对、弃权合计（{yes + no + abstain}）不能多于实到会人数（{present}）。",
            field="yes",
        )
    if written_yes > entitled - present:
        raise StepRefused(
            f"书面赞成意见只能来自因故未到会的有表决权党员（至多 {entitled - present} 份）。",
            field="written_yes",
        )
    result = votes.tally(entitled=entitled, present=present, yes=yes, written_yes=written_yes)
    vote = Vote.objects.create(
        case=case,
        purpose=purpose,
        meeting_on=meeting_on,
        entitled=entitled,
        present=present,
        yes=yes,
        no=no,
        abstain=abstain,
        written_yes=written_yes,
        method=method,
        has_quorum=result.has_quorum,
        passed=result.passed,
        note=clean_text(note, label="说明", field="note"),
        recorded_by=account(actor),
    )
    audit(
        actor,
        "development.vote_record",
        case,
        f"{case.person.name}：支部大会（{meeting_on:%Y-%m-%d}）{vote.get_purpose_display()} "
        f"{result.message}",
        after={"entitled": entitled, "present": present, "yes": yes, "written_yes": written_yes,
               "passed": result.passed},
    )  # fmt: skip
    case_deadlines_refresh(case)
    return vote


# ---------------------------------------------------------------- 培训、政审


@transaction.atomic
def training_record(
    *,
    actor,
    case: DevelopmentCase,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    days: int,
    hours,
    organizer: str = "",
    certificate_number: str = "",
) -> Training:
    case = _open_case(actor, case, "登记集中培训")
    title = clean_text(title, label="培训班名称", field="title", required=True, maximum=100)
    check_date(starts_on, label="培训开始日期", field="starts_on")
    if not isinstance(ends_on, datetime.date) or ends_on < starts_on:
        raise StepRefused("培训结束日期不能早于开始日期。", field="ends_on")
    days = _count(days, label="培训天数", field="days")
    if days > (ends_on - starts_on).days + 1:
        raise StepRefused("培训天数不能多于开始至结束的天数。", field="days")
    try:
        hours = Decimal(str(hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise StepRefused("培训学时须为数字，例如 24 或 24.5。", field="hours") from exc
    if not Decimal(0) <= hours <= Decimal("9999.9"):
        raise StepRefused("培训学时须在 0 至 9999.9 之间。", field="hours")
    training = Training.objects.create(
        case=case,
        title=title,
        organizer=clean_text(organizer, label="举办单位", field="organizer", maximum=100),
        starts_on=starts_on,
        ends_on=ends_on,
        days=days,
        hours=hours,
        certificate_number=clean_text(
            certificate_number, label="结业证书编号", field="certificate_number", maximum=50
        ),
    )
    audit(
        actor,
        "development.training_record",
        case,
        f"{case.person.name}：{title}（{days}天，{hours}学时）",
    )
    case_deadlines_refresh(case)
    return training


@transaction.atomic
def political_review_record(
    *, actor, case: DevelopmentCase, concluded_on: datetime.date, passed: bool, conclusion=""
) -> PoliticalReview:
    case = _open_case(actor, case, "登记政治审查结论")
    check_date(concluded_on, label="政审结论日期", field="concluded_on")
    if not isinstance(passed, bool):
        raise StepRefused("请选择政审结论：合格或不合格。", field="passed")
    review = PoliticalReview.objects.create(
        case=case,
        concluded_on=concluded_on,
        passed=passed,
        conclusion=clean_text(conclusion, label="政审结论", field="conclusion"),
    )
    audit(
        actor,
        "development.political_review_record",
        case,
        f"{case.person.name}：政审结论（{concluded_on:%Y-%m-%d}）{'合格' if passed else '不合格'}",
    )
    case_deadlines_refresh(case)
    return review


# ---------------------------------------------------------------- materials


@transaction.atomic
def material_upload(
    *,
    actor,
    case: DevelopmentCase,
    kind: str,
    title: str,
    upload,
    step=None,
    dated_on: datetime.date | None = None,
) -> Material:
    """Attach a file (checked by real type and size, stored under a random name)."""
    case = locked_case(case)
    require(actor, MANAGE_DEVELOPMENT, case.organization, "上传发展材料")
    kind = _choice(kind, MaterialKind, label="材料类型", field="kind")
    title = clean_text(title, label="材料名称", field="title", required=True, maximum=TITLE_MAX)
    if step is not None and step.case_id != case.pk:
        raise StepRefused("所选步骤不属于该发展党员档案。", field="step")
    if dated_on is not None:
        check_date(dated_on, label="材料日期", field="dated_on")
    file_kind = check_upload(upload, kinds=DOCUMENTS, max_bytes=MATERIAL_MAX_BYTES, what="材料")
    material = Material(
        case=case,
        step=step,
        kind=kind,
        title=title,
        dated_on=dated_on,
        file_kind=file_kind,
        size=upload.size,
        uploaded_by=account(actor),
    )
    material.file.save(f"material.{EXTENSIONS[file_kind]}", upload, save=False)
    material.save()
    audit(actor, "development.material_upload", case, f"{case.person.name}：上传{title}")
    return material


@transaction.atomic
def material_delete(*, actor, material: Material) -> None:
    case = locked_case(material.case)
    require(actor, MANAGE_DEVELOPMENT, case.organization, "删除发展材料")
    storage, name, title = material.file.storage, material.file.name, material.title
    material.delete()
    transaction.on_commit(lambda: storage.delete(name))
    audit(actor, "development.material_delete", case, f"{case.person.name}：删除{title}")


def material_download(*, actor, material: Material) -> None:
    """Audit a download; the view has already fetched the material through the scope."""
    require(actor, VIEW_DEVELOPMENT, material.case.organization, "下载发展材料")
    audit(
        actor,
        "development.material_download",
        material.case,
        f"{material.case.person.name}：下载{material.title}",
    )


# ---------------------------------------------------------------- 发展计划


@transaction.atomic
def quota_set(*, actor, organization, year: int, planned: int, note: str = "") -> Quota:
    """Set a branch's 发展计划 for a year (one row per branch and year)."""
    require_visible_branch(actor, organization)
    require(actor, MANAGE_QUOTA, organization, "制定发展计划")
    if not organization.is_branch:
        raise StepRefused("发展计划按党支部制定，请选择党支部。", field="organization")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise StepRefused("年度须为 2000 至 2100 之间的年份。", field="year")
    planned = _count(planned, label="计划发展人数", field="planned")
    if planned > 1000:
        raise StepRefused("计划发展人数不能超过 1000。", field="planned")
    note = clean_text(note, label="说明", field="note", maximum=200)
    quota, created = Quota.objects.update_or_create(
        organization=organization,
        year=year,
        defaults={"planned": planned, "note": note, "updated_by": account(actor)},
    )
    audit_log_quota(actor, quota, created)
    return quota


def audit_log_quota(actor, quota: Quota, created: bool) -> None:
    from dangjian.audit.services import audit_log

    audit_log(
        actor=actor,
        action="development.quota_set",
        obj=quota,
        organization=quota.organization,
        message=f"{quota.organization} {quota.year}年发展计划：{quota.planned}名"
        + ("（新建）" if created else "（修改）"),
    )
