"""三会一课台账: one organisation's meetings of one year, gathered for the PDF and the workbook.

The 台账 is the paper file an upper organisation inspects: a cover (organisation, year, 书记),
a summary of what the rule table requires against what was held, quarter by quarter, and then
every recorded meeting in date order with its attendance (names, leave reasons), agenda,
minutes, resolutions, photos and the 补录 / 审核 marks.

`build_ledger` reads everything with a fixed number of queries whatever the year holds (the
meetings, their attendance, their photos, the rules, the secretary), so the export of a busy
branch costs the same queries as a quiet one. A branch's 台账 includes its 党小组' meetings
(党小组会 belong in the branch's file). Photos are embedded as small JPEG thumbnails in
`data:` URIs, because the PDF renderer fetches nothing (core.pdf).
"""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from dangjian.meetings.models import (
    Attendance,
    Category,
    ComplianceProfile,
    ComplianceRule,
    Meeting,
    MeetingFile,
    Period,
)
from dangjian.orgs.models import BRANCH_TYPES, Committee, CommitteePost, Organization, OrgType

# Meetings whose record is in: what the 台账 holds (planned and cancelled ones are not records).
RECORDED = (Meeting.Status.HELD, Meeting.Status.RETURNED, Meeting.Status.REVIEWED)
PHOTOS_PER_MEETING = 4  # thumbnails printed per meeting; the rest are counted
THUMB_SIZE = (640, 480)
THUMB_QUALITY = 72
QUARTERS = (1, 2, 3, 4)
# Years a 台账 can be asked for: the platform's first year of records to this year.
FIRST_YEAR = 2018


@dataclass
class Person:
    name: str
    reason: str = ""


@dataclass
class LedgerMeeting:
    meeting: Meeting
    organization_name: str
    type_name: str
    category_label: str
    host: str
    recorder: str
    lecturer: str
    present: list[str] = field(default_factory=list)
    leave: list[Person] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    visitors: list[str] = field(default_factory=list)
    photos: list[str] = field(default_factory=list)  # data: URIs
    photo_total: int = 0
    file_titles: list[str] = field(default_factory=list)

    @property
    def marks(self) -> list[str]:
        meeting = self.meeting
        found = []
        if meeting.is_late_entry:
            found.append("补录")
        if meeting.status == Meeting.Status.REVIEWED:
            found.append("已审核")
        elif meeting.status == Meeting.Status.RETURNED:
            found.append("已退回")
        else:
            found.append("待审核")
        return found


@dataclass
class SummaryRow:
    category: str
    label: str  # the rule's text
    source: str
    held: dict[int, int]  # quarter → held
    required: dict[int, int]  # quarter → required (0: nothing due that quarter)
    year_held: int
    year_required: int
    order: tuple = ()
    statuses: set = field(default_factory=set)  # the compliance engine's cell statuses
    closed: set = field(default_factory=set)  # quarters whose periods have all ended

    @property
    def met(self) -> bool:
        return self.year_held >= self.year_required

    @property
    def verdict(self) -> tuple[str, str]:
        """(text, tone) for the 情况 column, in the heat-map's words: 未落实 when a period
        passed with nothing held, 待落实 when one is short (partly held, or still open), 已落实
        otherwise."""
        if "red" in self.statuses or (not self.statuses and not self.met):
            return "未落实", "danger"
        if "amber" in self.statuses:
            return "待落实", "warning"
        return "已落实", "success"

    def cells(self) -> list[tuple[int, int, bool]]:
        """(held, required, short): `short` only for a quarter that has ended short — an
        open quarter is not yet behind."""
        return [
            (self.held[q], self.required[q], q in self.closed and self.held[q] < self.required[q])
            for q in QUARTERS
        ]


@dataclass
class Ledger:
    organization: Organization
    year: int
    secretary: str
    generated_at: datetime
    summary: list[SummaryRow]
    meetings: list[LedgerMeeting]
    groups: int = 0

    @property
    def sources(self) -> list[str]:
        """The rules' sources, each once (most rules cite the same 条例)."""
        return list(dict.fromkeys(row.source for row in self.summary))

    @property
    def title(self) -> str:
        return f"{self.organization.name}{self.year}年度“三会一课”台账"

    @property
    def file_stem(self) -> str:
        return f"三会一课台账-{self.organization.display_name}-{self.year}"

    def by_category(self) -> list[tuple[str, str, list[LedgerMeeting]]]:
        """(category, label, meetings) in the categories' order, only those with meetings."""
        grouped: dict[str, list[LedgerMeeting]] = defaultdict(list)
        for item in self.meetings:
            grouped[item.meeting.category].append(item)
        return [
            (value, str(label), grouped[value])
            for value, label in Category.choices
            if grouped[value]
        ]


def ledger_years(today: date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return list(range(today.year, FIRST_YEAR - 1, -1))


def ledger_organizations(user, permission: str):
    """The organisations a 台账 can be made for: those holding meetings (branches, 党总支,
    党委) in the user's scope; 党小组 are part of their branch's 台账."""
    return (
        Organization.objects.visible_to(user, permission)
        .filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
    )


def meetings_of(organization: Organization, year: int):
    """The recorded meetings the 台账 lists: the organisation's own and, for a branch, its
    党小组' ones, in date order."""
    where = Q(organization=organization)
    if organization.org_type in BRANCH_TYPES:
        where |= Q(
            organization__path__startswith=organization.path,
            organization__depth=organization.depth + 1,
            organization__org_type=OrgType.GROUP,
        )
    return (
        Meeting.objects.filter(where, status__in=RECORDED, held_on__year=year)
        .select_related("organization", "meeting_type", "host", "recorder", "lecturer")
        .order_by("held_on", "actual_start", "planned_start", "pk")
    )


def build_ledger(
    organization: Organization,
    year: int,
    *,
    photos: bool = True,
    now: datetime | None = None,
    progress=None,
) -> Ledger:
    """Everything the 台账 shows. `progress(done, total)` is called as photos are made (the
    slow part of a big year)."""
    meetings = list(meetings_of(organization, year))
    items = [_item(meeting) for meeting in meetings]
    by_id = {item.meeting.pk: item for item in items}
    _attach_attendance(by_id)
    _attach_files(by_id, photos=photos, progress=progress)
    groups = Organization.objects.filter(
        path__startswith=organization.path,
        depth=organization.depth + 1,
        org_type=OrgType.GROUP,
        is_active=True,
    ).count()
    return Ledger(
        organization=organization,
        year=year,
        secretary=secretary_of(organization),
        generated_at=now or timezone.now(),
        summary=summarise(organization, year, meetings, groups=groups),
        meetings=items,
        groups=groups,
    )


def _name(person) -> str:
    return person.name if person is not None else ""


def _item(meeting: Meeting) -> LedgerMeeting:
    lecturer = _name(meeting.lecturer) or meeting.lecturer_name
    return LedgerMeeting(
        meeting=meeting,
        organization_name=meeting.organization.display_name,
        type_name=meeting.meeting_type.name,
        category_label=meeting.get_category_display(),
        host=_name(meeting.host),
        recorder=_name(meeting.recorder),
        lecturer=lecturer,
    )


def _attach_attendance(by_id: dict[int, LedgerMeeting]) -> None:
    rows = (
        Attendance.objects.filter(meeting_id__in=list(by_id))
        .order_by("meeting_id", "is_visitor", "id")
        .values_list(
            "meeting_id",
            "person__name",
            "is_visitor",
            "visitor_name",
            "visitor_title",
            "status",
            "leave_reason",
        )
    )
    for meeting_id, name, is_visitor, visitor, title, status, reason in rows.iterator(2000):
        item = by_id[meeting_id]
        if is_visitor:
            item.visitors.append(f"{visitor}（{title}）" if title else visitor)
        elif status == Attendance.Status.PRESENT:
            item.present.append(name)
        elif status == Attendance.Status.LEAVE:
            item.leave.append(Person(name, reason))
        else:  # absent, or still pending on a record (the record service marks them absent)
            item.absent.append(name)


def _attach_files(by_id: dict[int, LedgerMeeting], *, photos: bool, progress=None) -> None:
    files = list(
        MeetingFile.objects.filter(meeting_id__in=list(by_id)).order_by(
            "meeting_id", "uploaded_at", "id"
        )
    )
    wanted = []
    for stored in files:
        item = by_id[stored.meeting_id]
        if stored.kind == MeetingFile.Kind.PHOTO:
            item.photo_total += 1
            if photos and item.photo_total <= PHOTOS_PER_MEETING:
                wanted.append((item, stored))
        else:
            item.file_titles.append(stored.title)
    for done, (item, stored) in enumerate(wanted, 1):
        uri = thumbnail_uri(stored)
        if uri:
            item.photos.append(uri)
        if progress is not None:
            progress(done, len(wanted))


def thumbnail_uri(stored: MeetingFile) -> str:
    """A small JPEG of the photo as a `data:` URI, or "" when the file is gone or unreadable
    (the 台账 then says how many photos there are without printing the missing one)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with stored.file.open("rb") as handle, Image.open(handle) as image:
            image.thumbnail(THUMB_SIZE)
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=THUMB_QUALITY, optimize=True)
    except (OSError, ValueError, UnidentifiedImageError):
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def secretary_of(organization: Organization) -> str:
    post = (
        CommitteePost.objects.filter(
            committee__organization=organization,
            committee__is_current=True,
            post=CommitteePost.Post.SECRETARY,
            ended_on__isnull=True,
        )
        .select_related("person")
        .order_by("sort_order", "id")
        .first()
    )
    return post.person.name if post else ""


# --- the summary ---------------------------------------------------------------------------


def rules_for(organization: Organization) -> list[ComplianceRule]:
    """The rule rows that apply to the organisation: its profile's if it has one, else the
    default table; only rows for its organisation type (and, for a branch, the 党小组 rows
    applied to its groups)."""
    profile = ComplianceProfile.objects.filter(organizations=organization).first()
    rules = ComplianceRule.objects.filter(is_active=True, counts_appraisal=False, profile=profile)
    types = {organization.org_type}
    if organization.org_type in BRANCH_TYPES:
        types.add(OrgType.GROUP)
    has_committee = Committee.objects.filter(organization=organization, is_current=True).exists()
    return [
        rule
        for rule in rules
        if types & set(rule.org_types) and (has_committee or not rule.requires_committee)
    ]


def required_by_quarter(rule: ComplianceRule) -> dict[int, int]:
    """How many meetings the rule asks for in each quarter (a yearly rule counts in the
    quarter of its usual month, Q4 when none is set)."""
    count = rule.min_count
    if rule.period == Period.MONTH:
        return dict.fromkeys(QUARTERS, 3 * count)
    if rule.period == Period.QUARTER:
        return dict.fromkeys(QUARTERS, count)
    if rule.period == Period.HALF_YEAR:
        return {1: 0, 2: count, 3: 0, 4: count}
    due = (rule.due_month - 1) // 3 + 1 if rule.due_month else 4
    return {q: count if q == due else 0 for q in QUARTERS}


def summarise(organization, year: int, meetings: list[Meeting], *, groups: int) -> list[SummaryRow]:
    """Per rule: held against required, per quarter and for the year, from the compliance
    engine (`compliance.evaluate`) when it is there, so the 台账 and the heat-map never
    disagree; a branch's row of a 党小组 rule adds up its groups."""
    try:
        from dangjian.meetings.compliance import evaluate
    except ImportError:
        return _counted(organization, year, meetings, groups=groups)
    grid = evaluate(organization, year)
    results = (
        grid.within(organization.path)
        if organization.org_type in BRANCH_TYPES
        else [row for row in [grid.get(organization.pk)] if row is not None]
    )
    rows: dict[int, SummaryRow] = {}
    open_quarters: set[tuple[int, int]] = set()
    for result in results:
        for cell in result.cells:
            rule = cell.rule
            row = rows.get(rule.pk)
            if row is None:
                row = rows[rule.pk] = SummaryRow(
                    category=rule.category,
                    label=rule.label,
                    source=rule.source,
                    held=dict.fromkeys(QUARTERS, 0),
                    required=dict.fromkeys(QUARTERS, 0),
                    year_held=0,
                    year_required=0,
                    order=(rule.sort_order, rule.pk),
                )
            quarter = (cell.period.last_month - 1) // 3 + 1
            row.held[quarter] += cell.held
            row.required[quarter] += cell.required
            row.year_held += cell.held
            row.year_required += cell.required
            row.statuses.add(cell.status)
            if cell.state == "closed":
                row.closed.add(quarter)
            else:
                open_quarters.add((rule.pk, quarter))
    for row_pk, quarter in open_quarters:
        rows[row_pk].closed.discard(quarter)
    return sorted(rows.values(), key=lambda row: row.order)


def _counted(organization, year: int, meetings: list[Meeting], *, groups: int) -> list[SummaryRow]:
    """The summary without the compliance engine: the listed meetings against the rules."""
    held: dict[str, dict[int, int]] = defaultdict(lambda: dict.fromkeys(QUARTERS, 0))
    for meeting in meetings:
        held[meeting.category][(meeting.held_on.month - 1) // 3 + 1] += 1
    today = timezone.localdate()
    closed = {q for q in QUARTERS if (year, 3 * q) < (today.year, today.month)}
    rows = []
    for rule in rules_for(organization):
        required = required_by_quarter(rule)
        if rule.category == Category.GROUP and organization.org_type in BRANCH_TYPES:
            if not groups:
                continue
            required = {q: n * groups for q, n in required.items()}
        counts = held[rule.category]
        rows.append(
            SummaryRow(
                category=rule.category,
                label=rule.label,
                source=rule.source,
                held=dict(counts),
                required=required,
                year_held=sum(counts.values()),
                year_required=sum(required.values()),
                closed=set(closed),
            )
        )
    return rows
