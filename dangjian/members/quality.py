"""Data-quality checks of the member records (issue 3, item 8): the registry.

Each check has a stable code, a Chinese title, why it matters, how to fix it, a severity and a
function that yields `Finding`s for one subtree of the organisation tree. The checks only read;
`members.services.quality.quality_run` stores what they find as `QualityIssue` rows, replacing
the subtree's previous findings, so the page lists findings from the database.

Who is checked (decisions-quality.md):
- the ID-number checks (duplicate, invalid, gender, birth date) look at every person whose
  record lies in the subtree, member or not: a wrong or doubled ID number is wrong either way;
- the missing-data checks (ID number, photo, mobile) look at the members the organisation still
  holds (正常、停止党籍、恢复党籍), the 党员名册; an employee record without a photo is not a
  party-records problem;
- the membership checks look at the members whose membership lies in the subtree.

A finding's text never holds a full ID number, mobile or address: ID numbers are masked as on
every page, and a masked ID number is never put beside a birth date (the masked middle digits
*are* the birth date).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.db.models import Count, F, Q
from django.utils import timezone

from dangjian.core.idnumbers import IdNumberError, mask_id_number, normalise, parse_id_number
from dangjian.core.rules import rule_value
from dangjian.members.display import add_months, probation_end
from dangjian.members.models import (
    IN_GOOD_STANDING,
    Category,
    Gender,
    Member,
    Person,
    Status,
)
from dangjian.orgs.models import BRANCH_TYPES, CommitteePost, Organization, OrgType

DANGER, WARNING, INFO = "danger", "warning", "info"  # Bootstrap contextual colours
SEVERITY_LABELS = {DANGER: "错误", WARNING: "待核实", INFO: "待完善"}
SEVERITY_ORDER = {DANGER: 0, WARNING: 1, INFO: 2}

# Members an organisation still holds (its 党员名册); orgs.counts.HELD_STATUSES says the same.
HELD = (Status.NORMAL, Status.SUSPENDED, Status.RESTORED)
# A 党委 or 党总支 may hold members directly only as the 机关's organisation; the tree has no
# flag for that, so the name says it (机关党委, 机关党总支).
OFFICE_MARK = "机关"
CHUNK = 2000
GENDER_LABELS = dict(Gender.choices)

# Fix pages, by the URL name the finding links to (resolved by the page, guarded there).
FIX_EDIT, FIX_STATUS, FIX_DETAIL = "members:edit", "members:status_change", "members:detail"


@dataclass(frozen=True)
class Finding:
    """One record failing one check: whose, where, and what (never a full personal value)."""

    person_id: int | None
    organization_id: int
    detail: str


@dataclass
class Subtree:
    """The part of the tree one run checks (`path` "" = the whole tree), and what the checks
    share during one run: the day, and the decrypted ID numbers read once for four checks."""

    path: str = ""
    today: date = field(default_factory=timezone.localdate)
    _id_scan: list[IdRow] | None = None

    def organizations(self):
        """The subtree's organisations as a subquery: `organization_id IN (…)` lets the
        database walk the organisation index first, instead of testing every person's path."""
        return Organization.objects.filter(path__startswith=self.path).values("pk")

    def people(self):
        people = Person.objects.filter(organization__isnull=False)
        return people.filter(organization_id__in=self.organizations()) if self.path else people

    def members(self):
        members = Member.objects.all()
        return members.filter(organization_id__in=self.organizations()) if self.path else members

    def held_members(self):
        return self.members().filter(status__in=HELD)

    def id_numbers(self) -> list[IdRow]:
        """Everyone in the subtree who has an ID number, with what the number says, decrypted
        and parsed once per run (read in chunks; the numbers themselves are not kept)."""
        if self._id_scan is None:
            rows = (
                self.people()
                .exclude(id_number="")
                .order_by()
                .values_list("pk", "organization_id", "id_number", "gender", "birth_date")
            )
            self._id_scan = [
                IdRow.read(*row, today=self.today) for row in rows.iterator(chunk_size=CHUNK)
            ]
        return self._id_scan


class IdRow(NamedTuple):
    person_id: int
    organization_id: int
    gender: str
    birth_date: date | None
    id_gender: str  # from the number ("" when it is invalid)
    id_birth_date: date | None
    problem: str  # why the number is invalid, in words that repeat none of its digits

    @classmethod
    def read(cls, pk, organization_id, number, gender, birth, *, today):
        try:
            parsed = parse_id_number(number, today=today)
        except IdNumberError:
            return cls(pk, organization_id, gender, birth, "", None, _id_problem(number, today))
        return cls(pk, organization_id, gender, birth, parsed.gender, parsed.birth_date, "")


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    why: str
    fix: str
    severity: str
    find: Callable[[Subtree], Iterator[Finding]]
    fix_url: str = FIX_EDIT
    # False when the check looks only at members not in good standing (a per-check
    # completeness share over the members in good standing would always read 100 %).
    scored: bool = True

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


CHECKS: dict[str, Check] = {}


def check(code, title, *, severity, why, fix, fix_url=FIX_EDIT, scored=True):
    """Register the decorated finder as the check `code`."""

    def register(find):
        CHECKS[code] = Check(code, title, why, fix, severity, find, fix_url, scored)
        return find

    return register


def run_check(code: str, subtree: Subtree) -> list[Finding]:
    return list(CHECKS[code].find(subtree))


# --- ID numbers -----------------------------------------------------------------------------


def _duplicated_hashes():
    """ID-number hashes held by more than one person, anywhere in the tree (GROUP BY)."""
    return (
        Person.objects.exclude(id_number_hash="")
        .values("id_number_hash")
        .annotate(holders=Count("pk"))
        .filter(holders__gt=1)
        .values("id_number_hash")
    )


@check(
    "duplicate_id",
    "身份证号重复",
    severity=DANGER,
    why="同一个身份证号登记在两份以上的人员档案上，通常是同一人被重复录入（如导入时未匹配到原档案），"
    "会造成党员重复统计、党费重复收缴，按身份证号查找时也无法确定是哪一份。",
    fix="核对这几份档案，保留正确的一份，把另一份的信息合并后删除；若确属不同的人，更正录错的身份证号。",
)
def find_duplicate_ids(subtree: Subtree) -> Iterator[Finding]:
    holders = defaultdict(list)
    rows = (
        Person.objects.filter(id_number_hash__in=_duplicated_hashes(), organization__isnull=False)
        .select_related("organization")
        .only("name", "id_number", "id_number_hash", "organization__name", "organization__path")
        .order_by("id_number_hash", "pk")
    )
    for person in rows:
        holders[person.id_number_hash].append(person)
    for people in holders.values():
        for person in people:
            if person.organization.path.startswith(subtree.path):
                others = [other for other in people if other.pk != person.pk]
                yield Finding(person.pk, person.organization_id, _duplicate_text(person, others))


def _duplicate_text(person, others) -> str:
    places = []
    for other in others:
        if other.organization_id == person.organization_id:
            places.append(f"本组织的{other.name}")
        else:
            places.append(other.organization.name)
    return f"身份证号 {mask_id_number(person.id_number)} 与另外 {len(others)} 份档案相同：" + (
        "、".join(places)
    )


def _id_problem(number: str, today: date) -> str:
    """Why a stored number is invalid, in words that repeat none of its digits."""
    normalised = normalise(number)
    try:
        parse_id_number(normalised, today=today)
    except IdNumberError:
        pass
    else:
        return ""
    if len(normalised) not in (15, 18):
        return f"位数不对（{len(normalised)} 位，应为 18 位）"
    if not normalised[:-1].isdigit() or not (normalised[-1].isdigit() or normalised[-1] == "X"):
        return "含有数字和末位 X 以外的字符"
    try:
        parse_id_number(normalised, today=date.max)
    except IdNumberError as error:
        if "校验位" in str(error):
            return "校验位错误（可能有数字录错）"
        return "其中的出生日期不是有效日期"
    return "其中的出生日期晚于今天"


@check(
    "invalid_id",
    "身份证号无效",
    severity=DANGER,
    why="身份证号不符合 GB 11643 的规则（位数、出生日期或校验位不对），说明录入时有数字录错，"
    "按身份证号查找、与其他系统核对时都会对不上。",
    fix="对照本人身份证更正身份证号；15 位旧号码可直接录入，系统会自动转换为 18 位。",
)
def find_invalid_ids(subtree: Subtree) -> Iterator[Finding]:
    for row in subtree.id_numbers():
        if row.problem:
            yield Finding(row.person_id, row.organization_id, f"身份证号{row.problem}")


@check(
    "missing_id",
    "缺少身份证号",
    severity=WARNING,
    why="身份证号是党员唯一的身份标识，组织关系转接、全国党员管理信息系统比对、党费和统计都依赖它；"
    "缺少它也无法发现重复档案。",
    fix="向本人或人事部门核实后补录身份证号。",
)
def find_missing_ids(subtree: Subtree) -> Iterator[Finding]:
    members = subtree.held_members().filter(person__id_number="")
    for pk, organization_id in members.values_list("person_id", "organization_id").iterator(
        chunk_size=CHUNK
    ):
        yield Finding(pk, organization_id, "未登记身份证号")


@check(
    "id_gender",
    "性别与身份证号不符",
    severity=DANGER,
    why="身份证号第 17 位单数为男、双数为女；登记的性别与之不同，说明性别或身份证号有一项录错，"
    "党内统计的性别结构会因此出错。",
    fix="对照本人身份证，更正性别或身份证号。",
)
def find_gender_mismatches(subtree: Subtree) -> Iterator[Finding]:
    for row in subtree.id_numbers():
        if row.id_gender and row.gender != row.id_gender:
            registered = GENDER_LABELS.get(row.gender, "未填")
            derived = GENDER_LABELS[row.id_gender]
            text = f"性别登记为{registered}，身份证号显示为{derived}"
            yield Finding(row.person_id, row.organization_id, text)


@check(
    "id_birth",
    "出生日期与身份证号不符",
    severity=DANGER,
    why="出生日期应与身份证号第 7–14 位一致；不一致时年龄、党龄分组和退休判断都会出错。",
    fix="对照本人身份证，更正出生日期或身份证号。",
)
def find_birth_mismatches(subtree: Subtree) -> Iterator[Finding]:
    for row in subtree.id_numbers():
        birth = row.birth_date
        if row.id_birth_date and birth is not None and birth != row.id_birth_date:
            # The registered date only: the ID's date is the masked part of the number.
            text = f"登记的出生日期 {birth:%Y-%m-%d} 与身份证号中的不一致"
            yield Finding(row.person_id, row.organization_id, text)


# --- Membership ----------------------------------------------------------------------------


def _two_branch_hashes(subtree: Subtree):
    """ID-number hashes of the subtree's members that members of more than one organisation
    hold (the other holders may be anywhere)."""
    own = subtree.members().exclude(person__id_number_hash="").values("person__id_number_hash")
    return (
        Member.objects.filter(person__id_number_hash__in=own)
        .values("person__id_number_hash")
        .annotate(places=Count("organization", distinct=True))
        .filter(places__gt=1)
        .values("person__id_number_hash")
    )


@check(
    "two_branches",
    "同一人在两个党组织",
    severity=DANGER,
    why="一名党员只能有一个组织关系。人员档案所属组织与组织关系所在组织不一致，或同一身份证号在两个党组织"
    "都登记为党员，会造成重复统计、重复收缴党费，也说明组织关系转接没有办完。",
    fix="查明党员组织关系实际所在的党支部：转接未办完的办理转接，重复登记的删除多余的一份。",
)
def find_two_branches(subtree: Subtree) -> Iterator[Finding]:
    details: dict[int, tuple[int, list[str]]] = {}
    mismatched = (
        subtree.members()
        .filter(~Q(person__organization=F("organization")) | Q(person__organization=None))
        .values_list("person_id", "organization_id", "organization__name")
        .annotate(record_place=F("person__organization__name"))
    )
    for person_id, organization_id, place, record_place in mismatched.iterator(chunk_size=CHUNK):
        text = f"组织关系在{place}，人员档案却记在{record_place or '（未指定组织）'}"
        details[person_id] = (organization_id, [text])
    yield from _findings_with_twins(subtree, details)


def _findings_with_twins(subtree: Subtree, details) -> Iterator[Finding]:
    twins = defaultdict(list)
    rows = (
        Member.objects.filter(person__id_number_hash__in=_two_branch_hashes(subtree))
        .select_related("organization")
        .select_related("person")
        .only("person__id_number_hash", "organization__name", "organization__path")
        .order_by("organization__path")
    )
    for member in rows:
        twins[member.person.id_number_hash].append(member)
    for members in twins.values():
        names = sorted({member.organization.name for member in members})
        for member in members:
            if member.organization.path.startswith(subtree.path):
                text = f"同一身份证号在 {len(names)} 个党组织登记为党员：{'、'.join(names)}"
                details.setdefault(member.person_id, (member.organization_id, []))[1].append(text)
    for person_id, (organization_id, texts) in details.items():
        yield Finding(person_id, organization_id, "；".join(texts)[:300])


@check(
    "org_invalid",
    "所在组织无效",
    severity=DANGER,
    why="党员的组织关系只能在党支部（或机关的党委、党总支）；党小组只是支部内的划分，不能管理组织关系；"
    "已撤销的组织也不能再管理党员。这样的党员不会出现在任何支部的名册和统计中。",
    fix="把党员的组织关系改到正确的党支部，原来的党小组可填在“所在党小组”中。",
)
def find_invalid_organizations(subtree: Subtree) -> Iterator[Finding]:
    members = (
        subtree.members()
        .filter(status__in=HELD)
        .filter(
            Q(organization__org_type=OrgType.GROUP)
            | Q(organization__is_active=False)
            | Q(organization__dissolved_on__isnull=False)
        )
        .select_related("organization")
        .only("person", "organization__name", "organization__org_type")
    )
    for member in members.iterator(chunk_size=CHUNK):
        organization = member.organization
        if organization.org_type == OrgType.GROUP:
            text = f"组织关系记在党小组“{organization.name}”，应记在其所属党支部"
        else:
            text = f"组织关系所在的“{organization.name}”已撤销"
        yield Finding(member.person_id, member.organization_id, text)


@check(
    "org_not_branch",
    "由党委或党总支直接管理",
    severity=WARNING,
    why="党员一般编入党支部；只有机关的党委、党总支可以直接管理党员。其他党委、党总支名下的党员"
    "多半是录入时选错了组织。",
    fix="若该组织确为机关党组织，请在名称中注明“机关”；否则把党员的组织关系改到所在的党支部。",
)
def find_held_by_committees(subtree: Subtree) -> Iterator[Finding]:
    members = (
        subtree.members()
        .filter(status__in=HELD, organization__is_active=True)
        .exclude(organization__org_type__in=(*BRANCH_TYPES, OrgType.GROUP))
        .exclude(organization__name__contains=OFFICE_MARK)
        .select_related("organization")
        .only("person", "organization__name", "organization__org_type")
    )
    for member in members.iterator(chunk_size=CHUNK):
        organization = member.organization
        kind = organization.get_org_type_display()
        text = f"组织关系直接记在{kind}“{organization.name}”，不在党支部"
        yield Finding(member.person_id, member.organization_id, text)


@check(
    "transferred_active",
    "已转出仍在组织中",
    severity=WARNING,
    why="党籍状态为“转出”的党员，组织关系已转到别处，但仍编在党小组或仍在班子中任职，"
    "会被算进党小组活动和班子人数，转出手续可能没有办完。",
    fix="转出已办完的，把该党员移出党小组并办理班子职务离任；转出未办完的，更正党籍状态。",
    scored=False,
)
def find_transferred_still_active(subtree: Subtree) -> Iterator[Finding]:
    transferred = subtree.members().filter(status=Status.TRANSFERRED_OUT)
    open_posts = set(
        CommitteePost.objects.filter(
            person__membership__in=transferred,
            ended_on__isnull=True,
            committee__is_current=True,
        ).values_list("person_id", flat=True)
    )
    members = (
        transferred.filter(Q(party_group__isnull=False) | Q(person_id__in=open_posts))
        .select_related("party_group")
        .only("person", "organization", "party_group__name")
    )
    for member in members.iterator(chunk_size=CHUNK):
        signs = []
        if member.party_group_id:
            signs.append(f"仍编在{member.party_group.name}")
        if member.person_id in open_posts:
            signs.append("仍在现任班子中任职")
        yield Finding(member.person_id, member.organization_id, "已转出，但" + "、".join(signs))


# --- Missing data ---------------------------------------------------------------------------


@check(
    "missing_photo",
    "缺少照片",
    severity=INFO,
    why="党员档案、党员证明和组织关系转接都需要本人照片。",
    fix="在党员信息编辑页上传近期免冠照片（JPG 或 PNG）。",
)
def find_missing_photos(subtree: Subtree) -> Iterator[Finding]:
    members = subtree.held_members().filter(person__photo="")
    for pk, organization_id in members.values_list("person_id", "organization_id").iterator(
        chunk_size=CHUNK
    ):
        yield Finding(pk, organization_id, "未上传照片")


@check(
    "missing_mobile",
    "缺少手机号",
    severity=INFO,
    why="通知、短信提醒和失联党员的查找都要靠手机号；没有手机号的党员收不到组织的短信通知。",
    fix="向本人核实后补录手机号。",
)
def find_missing_mobiles(subtree: Subtree) -> Iterator[Finding]:
    members = subtree.held_members().filter(person__mobile="")
    for pk, organization_id in members.values_list("person_id", "organization_id").iterator(
        chunk_size=CHUNK
    ):
        yield Finding(pk, organization_id, "未登记手机号")


# --- Deadlines -------------------------------------------------------------------------------


@check(
    "probation_overdue",
    "预备期满未转正",
    severity=DANGER,
    why="预备期自支部大会通过之日起计算一年（党章第七条）。期满后支部应及时讨论转正、延长预备期或取消"
    "预备党员资格；逾期不处理，党龄和统计都会出错。",
    fix="召开支部大会讨论转正并报批后，在编辑页登记转正日期、把党员类别改为正式党员；"
    "延长预备期的，登记延长情况。",
)
def find_overdue_probations(subtree: Subtree) -> Iterator[Finding]:
    months = rule_value("members.probation_months", subtree.today)
    cutoff = add_months(subtree.today, -months)  # joined before this → probation has ended
    members = (
        subtree.members()
        .filter(category=Category.PROBATIONARY, status__in=IN_GOOD_STANDING)
        .filter(joined_on__lt=cutoff)
        .only("person", "organization", "joined_on")
    )
    for member in members.iterator(chunk_size=CHUNK):
        ended = probation_end(member)  # by the rule in force on the joining date
        if ended is not None and ended < subtree.today:
            text = f"预备期已于 {ended:%Y-%m-%d} 届满（入党 {member.joined_on:%Y-%m-%d}），尚未转正"
            yield Finding(member.person_id, member.organization_id, text)


@check(
    "lost_contact_overdue",
    "失联超期未停止党籍",
    severity=WARNING,
    why="与党组织失去联系 6 个月以上、经查找仍无音讯的党员，应当停止党籍"
    "（《中国共产党党员教育管理工作条例》）。超期仍为“正常”的，名册和统计都不准确。",
    fix="继续查找；确实联系不上的，经支部研究后办理停止党籍；已联系上的，取消失联标记。",
    fix_url=FIX_STATUS,
)
def find_overdue_lost_contacts(subtree: Subtree) -> Iterator[Finding]:
    months = rule_value("members.lost_contact_suspend_months", subtree.today)
    cutoff = add_months(subtree.today, -months)
    members = (
        subtree.members()
        .filter(is_lost_contact=True, status__in=IN_GOOD_STANDING, lost_contact_since__lte=cutoff)
        .only("person", "organization", "lost_contact_since")
    )
    for member in members.iterator(chunk_size=CHUNK):
        text = f"自 {member.lost_contact_since:%Y-%m-%d} 失联已超过 {months} 个月，党籍仍为正常"
        yield Finding(member.person_id, member.organization_id, text)


def ordered_checks() -> list[Check]:
    """The checks as the page shows them: errors first, then in registration order."""
    return sorted(CHECKS.values(), key=lambda item: SEVERITY_ORDER[item.severity])
