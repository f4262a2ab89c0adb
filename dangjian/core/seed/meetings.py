"""组织生活 of the demo data (issue 5): a year of 三会一课 for every branch and 党小组, up to the
day of seeding, written after the people, committees and demo accounts (it reads them back from
the database, so it also runs on its own over an existing tree: `write_meetings`).

What a branch holds, from 1 January to the day before seeding: 支部党员大会 once a quarter,
支委会 monthly (branches with a committee), 党课 once a quarter, 主题党日 monthly on the
branch's fixed day, a 谈心谈话 or two, last year's 组织生活会 in December (and this year's in
about a third of the branches already), and 党小组会 monthly in each group. A few of each are
missing on purpose (so the heat-map has red and amber), some are 补录 (recorded after the late
-entry days), older ones are mostly reviewed by the upper organisation, and the demo branch has
one returned record and two upcoming notified meetings (one with the sign-in window open about
now) for the demo 书记 and 党员.

Scale: the demo mine writes everything — attendance rows with leave reasons, the quorum, and
the 学时 credits of the present attendees (one row per meeting and person, as
`services.credits.sync_credits` writes them). The group scale writes every meeting with its
counters filled directly, but attendance rows and credits only in the mine the bench measures
(the 党委 with the most organisations): 150 000 members × ~30 meetings would be 4.5 million
attendance rows and as many credits for no page that reads them (decisions-ledger.md).
Every row is written with bulk INSERTs (COPY on PostgreSQL), never through the services.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from dangjian.core.seed.bulk import TupleWriter, without_indexes

ZONE = ZoneInfo(settings.TIME_ZONE)
LEAVE_REASONS = ("下井", "下井", "轮休", "轮休", "病假", "外出培训", "事假", "夜班")
PLACES = (
    "{unit}会议室",
    "{unit}党员活动室",
    "矿调度楼三楼会议室",
    "矿党建活动中心",
    "井口候车室学习角",
)
CONGRESS = (
    "学习贯彻党的二十届四中全会精神",
    "讨论确定发展对象和入党积极分子",
    "通报上半年支部工作情况，部署下半年工作",
    "研究预备党员转正事宜",
    "学习《中国共产党纪律处分条例》",
    "审议支部年度工作总结",
    "传达学习集团公司党委工作会议精神",
    "讨论本队安全生产标准化建设工作",
)
COMMITTEE = (
    "研究本月党建工作安排",
    "研究入党积极分子培养考察情况",
    "研究党员先锋岗和责任区设置",
    "分析本队安全生产和职工思想动态",
    "研究党费收缴和使用情况",
    "研究“三会一课”落实和组织生活会准备工作",
    "研究困难党员帮扶事宜",
    "研究主题党日活动方案",
)
LECTURE = (
    "学习贯彻安全生产法专题党课",
    "弘扬“特别能战斗”的煤矿精神",
    "书记讲党课：以高质量党建引领安全生产",
    "新时代党员的初心和使命",
    "学习《中国共产党章程》专题党课",
    "廉洁从业警示教育党课",
    "从“两弹一星”精神看共产党人的担当",
    "煤矿智能化建设中的党员责任",
)
THEME_DAYS = {
    1: "主题党日：新年安全第一课",
    2: "主题党日：春节期间安全生产党员承诺践诺",
    3: "主题党日：学雷锋志愿服务进社区",
    4: "主题党日：清明祭英烈",
    5: "主题党日：重温入党誓词",
    6: "主题党日：“安全生产月”党员身边无事故",
    7: "主题党日：庆祝建党节，重温入党誓词",
    8: "主题党日：防汛防灾党员突击队演练",
    9: "主题党日：观看警示教育片",
    10: "主题党日：参观红色教育基地",
    11: "主题党日：冬季“四防”安全隐患排查",
    12: "主题党日：学习宪法，增强法治观念",
}
GROUP = (
    "学习本月组织生活指南",
    "学习《习近平谈治国理政》有关篇目",
    "讨论班组安全隐患排查",
    "开展党员互帮互助谈心",
    "学习煤矿安全规程新修订条款",
    "交流岗位建功心得",
)
TALKS = ("书记与支部委员谈心谈话", "支委与党员谈心谈话", "支部书记与新党员谈心谈话")
ORG_LIFE = "{year}年度组织生活会暨民主评议党员"
MINUTES = (
    "<p>会议由{host}主持，应到{expected}人，实到{present}人{leave}。</p>"
    "<p>会议围绕“{topic}”进行了学习。{host}领学了有关文件，结合本{kind}安全生产和党员队伍实际"
    "作了说明。</p>"
    "<p>与会党员结合岗位实际逐一发言，一致表示要把学习成果落实到安全生产各项工作中。</p>"
    "<ol><li>按要求完成学习笔记；</li><li>党员带头落实岗位安全责任。</li></ol>"
)
# Outside the measured mine the group scale keeps the record short (the bench reads no minutes
# there, and 150 000 long texts are most of the load's I/O).
SHORT_MINUTES = (
    "<p>会议由{host}主持，应到{expected}人，实到{present}人{leave}。"
    "会议围绕“{topic}”进行了学习讨论。</p>"
)
RESOLUTIONS = "会议一致同意以上事项，由支部委员会负责抓好落实。"
RETURN_REASON = "会议记录过于简单，请补充党员讨论发言要点和表决情况后重新提交。"
MISSING = {  # share of the periods a branch misses on purpose
    "congress": 0.07,
    "committee": 0.06,
    "lecture": 0.08,
    "theme_day": 0.05,
    "group": 0.09,
    "org_life": 0.06,
}
LATE_SHARE = 0.04
REVIEWED_SHARE = 0.7
REVIEW_AFTER_DAYS = 40


@dataclass
class Branch:
    pk: int
    path: str
    name: str
    org_type: str
    retired: bool
    members: list[tuple[int, int, bool]] = field(default_factory=list)  # person, org, voting
    groups: list[tuple[int, str, list]] = field(default_factory=list)  # pk, name, members
    committee: list[int] = field(default_factory=list)  # current committee post-holders
    secretary: int | None = None
    recorder: int | None = None
    member_count: int = 0


@dataclass
class MeetingRow:
    organization: int
    code: str
    topic: str
    start: datetime
    minutes_long: int
    attendees: list  # (person, org, voting, committee) — empty when rows are not written
    expected: int
    host: int | None
    recorder: int | None
    place: str
    status: str = "held"
    late: bool = False
    lecturer_name: str = ""
    quorum: str = "none"
    returned: bool = False
    notified: bool = False


@dataclass
class Summary:
    meetings: int = 0
    attendances: int = 0
    credits: int = 0
    seconds: float = 0.0


def write_meetings(
    *, scale: str, rng: random.Random, today: date, progress: Callable[[str], None]
) -> Summary:
    """Write the year of meetings for the tree in the database (after the people and the
    demo accounts); returns what it wrote."""
    started = time.monotonic()
    maker = _Maker(scale, rng, today)
    maker.load()
    maker.plan()
    summary = maker.write()
    maker.extras()
    summary.seconds = time.monotonic() - started
    progress(
        f"组织生活 {summary.meetings:,} 次，出勤 {summary.attendances:,} 行，"
        f"学时 {summary.credits:,} 行，用时 {summary.seconds:.1f} 秒"
    )
    return summary


class _Maker:
    def __init__(self, scale: str, rng: random.Random, today: date):
        self.scale = scale
        self.rng = rng
        self.today = today
        self.rows: list[MeetingRow] = []
        self.branches: list[Branch] = []

    # --- reading the tree back -----------------------------------------------------------

    def load(self) -> None:
        from dangjian.accounts.models import RoleAssignment, User
        from dangjian.meetings.models import MeetingType
        from dangjian.members.models import Member
        from dangjian.orgs.models import BRANCH_TYPES, CommitteePost, Organization, OrgType

        self.types = {t.code: t for t in MeetingType.objects.all()}
        orgs = list(
            Organization.objects.filter(is_active=True)
            .order_by("path")
            .values_list("pk", "path", "name", "short_name", "org_type", "depth", "member_count")
        )
        by_path = {}
        for pk, path, name, short, org_type, _depth, count in orgs:
            if org_type in BRANCH_TYPES:
                branch = Branch(pk, path, short or name, org_type, "离退休" in name)
                branch.member_count = count
                by_path[path] = branch
                self.branches.append(branch)
        groups_of: dict[int, tuple] = {}
        for pk, path, name, _, org_type, _, _ in orgs:
            if org_type == OrgType.GROUP and path[:-4] in by_path:
                entry = (pk, name, [])
                by_path[path[:-4]].groups.append(entry)
                groups_of[pk] = entry
        demo = User.objects.filter(username__in=["shuji", "dangyuan", "zuzhibu"])
        self.users = dict(demo.values_list("username", "pk"))
        grants = dict(
            RoleAssignment.objects.filter(user__username__in=["shuji", "zuzhibu"]).values_list(
                "user__username", "organization__path"
            )
        )
        self.demo_branch = by_path.get(grants.get("shuji", ""))
        self.demo_mine_path = grants.get("zuzhibu", "")
        # Where attendance and credits are written: everywhere in the demo mine; at group scale
        # the mine the bench measures (the 党委 with the most organisations, as prepare_world).
        if self.scale == "mine":
            self.detail_prefix = ""
        else:
            mine = (
                Organization.objects.filter(org_type=OrgType.COMMITTEE, depth__gt=1)
                .order_by("-numchild", "path")
                .values_list("path", flat=True)
                .first()
            )
            self.detail_prefix = mine or "-"
        detailed = {b.pk: b for b in self.branches if b.path.startswith(self.detail_prefix)}
        by_pk = {b.pk: b for b in self.branches}
        members = Member.objects.filter(status__in=["normal", "restored"]).values_list(
            "person_id", "organization_id", "party_group_id", "category"
        )
        if self.scale != "mine":
            members = members.filter(organization_id__in=list(detailed))
        for person, org, group, category in members.order_by("pk").iterator(5000):
            branch = by_pk.get(org)
            if branch is None:
                continue
            entry = (person, org, category == "full")
            branch.members.append(entry)
            if group in groups_of:
                groups_of[group][2].append(entry)
        posts = CommitteePost.objects.filter(
            committee__is_current=True, ended_on__isnull=True
        ).values_list("committee__organization_id", "person_id", "post")
        for org, person, post in posts.order_by("sort_order", "pk").iterator(5000):
            branch = by_pk.get(org)
            if branch is None:
                continue
            branch.committee.append(person)
            if post == CommitteePost.Post.SECRETARY and branch.secretary is None:
                branch.secretary = person
            elif post in ("organization", "propaganda") and branch.recorder is None:
                branch.recorder = person

    # --- planning ------------------------------------------------------------------------

    def plan(self) -> None:
        for branch in self.branches:
            self._branch_year(branch)

    def _when(self, day: date, hour: int = 15, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)

    def _day_in(self, year: int, month: int, low: int = 3, high: int = 26) -> date:
        return date(year, month, self.rng.randint(low, high))

    def _missed(self, kind: str) -> bool:
        return self.rng.random() < MISSING[kind]

    def _past(self, day: date) -> bool:
        return day < self.today

    def _branch_year(self, branch: Branch) -> None:
        rng, year = self.rng, self.today.year
        detailed = branch.path.startswith(self.detail_prefix)
        everyone = branch.members if detailed else []
        unit = branch.name.removesuffix("党支部").removesuffix("联合") or "支部"
        place = rng.choice(PLACES).format(unit=unit)
        theme_day = rng.choice((10, 15, 18, 20, 25))
        quarter_months = (1, 4, 7, 10)
        months = range(1, self.today.month + 1)
        retired = branch.retired

        def add(code, day, topic, attendees, hour=15, **extra):
            if not self._past(day):
                return
            row = MeetingRow(
                organization=branch.pk,
                code=code,
                topic=topic,
                start=self._when(day, hour, rng.choice((0, 30))),
                minutes_long=rng.choice((60, 90, 120)),
                attendees=attendees,
                expected=len(attendees) if detailed else self._expected(branch, code),
                host=branch.secretary,
                recorder=branch.recorder,
                place=place,
                **extra,
            )
            self.rows.append(row)

        for first in quarter_months:
            quarter_end = min(first + 2, 12)
            if not self._missed("congress"):
                day = self._day_in(year, rng.randint(first, quarter_end))
                add("congress", day, rng.choice(CONGRESS), everyone, quorum="voting_members")
            if not self._missed("lecture"):
                day = self._day_in(year, rng.randint(first, quarter_end))
                lecturer = "" if rng.random() < 0.7 else rng.choice(("矿党委书记", "集团党校讲师"))
                add("lecture", day, rng.choice(LECTURE), everyone, lecturer_name=lecturer)
        committee = [m for m in branch.members if m[0] in set(branch.committee)]
        for month in months:
            due = not retired or month in quarter_months
            if branch.committee and due and not self._missed("committee"):
                attendees = committee if detailed else []
                day = self._day_in(year, month, 2, 8)
                add("committee", day, rng.choice(COMMITTEE), attendees, 16, quorum="committee")
            if (not retired or month in quarter_months) and not self._missed("theme_day"):
                add("theme_day", date(year, month, theme_day), THEME_DAYS[month], everyone, 9)
        for _ in range(rng.choice((1, 1, 2))):
            talk_day = self._day_in(year, rng.randint(1, max(1, self.today.month - 1)))
            pair = rng.sample(branch.members, min(2, len(branch.members))) if detailed else []
            add("talk", talk_day, rng.choice(TALKS), pair)
        if not self._missed("org_life"):
            add("org_life", self._day_in(year - 1, 12, 10, 28), ORG_LIFE.format(year=year - 1),
                everyone)  # fmt: skip
        if rng.random() < 0.33 and self.today.month >= 11:
            add("org_life", self._day_in(year, 11, 5, 20), ORG_LIFE.format(year=year), everyone)
        for group_pk, _, members in branch.groups:
            if detailed and not members:
                continue  # a 党小组 nobody is organised in holds no meetings
            for month in months:
                if self._missed("group"):
                    continue
                day = self._day_in(year, month, 5, 25)
                if not self._past(day):
                    continue
                attendees = members if detailed else []
                self.rows.append(
                    MeetingRow(
                        organization=group_pk,
                        code="group",
                        topic=rng.choice(GROUP),
                        start=self._when(day, 17, 0),
                        minutes_long=60,
                        attendees=attendees,
                        expected=len(members) if detailed else max(3, branch.member_count // 3),
                        # The group's leader chairs and a member keeps the record.
                        host=members[0][0] if members else None,
                        recorder=members[1][0] if len(members) > 1 else None,
                        place=place,
                    )
                )

    def _expected(self, branch: Branch, code: str) -> int:
        if code == "committee":
            return max(3, len(branch.committee))
        if code == "talk":
            return 2
        return branch.member_count

    # --- writing -------------------------------------------------------------------------

    def write(self) -> Summary:
        from dangjian.meetings.models import Attendance, ClassHourCredit, Meeting
        from dangjian.meetings.services.credits import CREDITING_STATUSES

        self._statuses()
        adapt = connection.ops.adapt_datetimefield_value
        now = adapt(datetime.now(tz=ZONE))
        reviewer = self.users.get("zuzhibu")
        meetings = TupleWriter(Meeting, MEETING_COLUMNS)
        attendance = TupleWriter(Attendance, ATTENDANCE_COLUMNS)
        credits = TupleWriter(ClassHourCredit, CREDIT_COLUMNS)
        next_meeting = meetings.first_free_pk()
        next_attendance = attendance.first_free_pk()
        next_credit = credits.first_free_pk()
        meeting_rows, attendance_rows, credit_rows = [], [], []
        rng = self.rng
        self.written: list[tuple[int, MeetingRow]] = []
        for row in sorted(self.rows, key=lambda r: (r.start, r.organization)):
            pk = next_meeting
            next_meeting += 1
            meeting_type = self.types[row.code]
            counts, marks = self._attendance(row)
            end = row.start + timedelta(minutes=row.minutes_long)
            held_on = row.start.date()
            recorded = self._recorded(row)
            reviewed = row.status == "reviewed"
            voting = [a for a in row.attendees if a[2]]
            if row.quorum == "voting_members":
                base = len(voting) if row.attendees else int(row.expected * 0.9)
                if row.attendees:
                    present = sum(
                        1
                        for a, m in zip(row.attendees, marks, strict=True)
                        if a[2] and m[0] == "present"
                    )
                else:
                    present = int(base * counts["present"] / max(1, row.expected))
            elif row.quorum == "committee":
                base = row.expected
                present = counts["present"]
            else:
                base = present = 0
            quorum = (present * 2 > base) if base else None
            hours = meeting_type.class_hours
            leave_text = f"，请假{counts['leave']}人" if counts["leave"] else ""
            template = MINUTES if row.attendees or self.scale == "mine" else SHORT_MINUTES
            minutes = template.format(
                host="党小组组长" if row.code == "group" else "支部书记",
                expected=row.expected,
                present=counts["present"],
                leave=leave_text,
                topic=row.topic,
                kind="小组" if row.code == "group" else "支部",
            )
            meeting_rows.append((
                pk, row.organization, meeting_type.pk, meeting_type.category, row.status,
                row.topic, adapt(row.start), adapt(end),
                None if row.notified else adapt(row.start), None if row.notified else adapt(end),
                held_on, row.place, row.host, row.recorder, row.lecturer_name,
                "一、学习有关文件\n二、讨论发言\n三、部署下步工作",
                "" if row.notified else minutes, "" if row.notified else RESOLUTIONS,
                row.expected, counts["present"], counts["leave"], counts["absent"],
                base, present, quorum,
                self._code() if row.notified else "",
                secrets.token_urlsafe(32) if row.notified else "",
                adapt(row.start - timedelta(minutes=30)) if row.notified else None,
                adapt(end + timedelta(minutes=30)) if row.notified else None,
                None if row.notified else adapt(recorded), row.late,
                adapt(row.start - timedelta(days=5))
                if row.notified or rng.random() < 0.6 else None,
                reviewer if reviewed else None,
                adapt(min(recorded + timedelta(days=rng.randint(3, 20)), self._when(self.today, 8)))
                if reviewed else None,
                "记录规范，同意。" if reviewed else "",
                RETURN_REASON if row.returned else "",
                reviewer if row.returned else None,
                adapt(recorded + timedelta(days=4)) if row.returned else None,
                now, now,
            ))  # fmt: skip
            self.written.append((pk, row))
            crediting = row.status in CREDITING_STATUSES and hours > 0
            for (person, org, is_voting), (status, reason) in zip(
                row.attendees, marks, strict=True
            ):
                attendance_rows.append((
                    next_attendance, pk, person, is_voting, person in self._committee_of(row),
                    status, reason,
                    adapt(row.start + timedelta(minutes=rng.randint(-20, 5)))
                    if status == "present" else None,
                    ("code" if rng.random() < 0.6 else "qr") if status == "present" else
                    ("" if status == "pending" else "manual"),
                ))  # fmt: skip
                next_attendance += 1
                if crediting and status == "present":
                    credit_rows.append((
                        next_credit, person, org, held_on, held_on.year, str(Decimal(hours)),
                        "meeting", pk, row.topic[:200], now,
                    ))  # fmt: skip
                    next_credit += 1
        with without_indexes(Meeting):
            meetings.write(meeting_rows)
        with without_indexes(Attendance):
            attendance.write(attendance_rows)
        with without_indexes(ClassHourCredit):
            credits.write(credit_rows)
        for writer in (meetings, attendance, credits):
            writer.reset_sequence()
        return Summary(len(meeting_rows), len(attendance_rows), len(credit_rows))

    def _committee_of(self, row: MeetingRow) -> set:
        if not hasattr(self, "_committees"):
            self._committees = {b.pk: set(b.committee) for b in self.branches}
        return self._committees.get(row.organization, set())

    def _code(self) -> str:
        return f"{self.rng.randrange(1_000_000):06d}"

    def _statuses(self) -> None:
        """Older records mostly reviewed, a few 补录; the demo branch gets a returned one and
        its upcoming meetings."""
        rng = self.rng
        cutoff = self.today - timedelta(days=REVIEW_AFTER_DAYS)
        for row in self.rows:
            # 补录 only where the late-entry days have passed since the meeting.
            row.late = row.start.date() < self.today - timedelta(days=36) and (
                rng.random() < LATE_SHARE
            )
            if row.start.date() < cutoff and rng.random() < REVIEWED_SHARE:
                row.status = "reviewed"
        demo = self.demo_branch
        if demo is None:
            return
        own = [r for r in self.rows if r.organization == demo.pk and r.code == "theme_day"]
        if own:
            returned = own[-2] if len(own) > 1 else own[-1]
            returned.status, returned.returned = "returned", True
        self._upcoming(demo)

    def _upcoming(self, branch: Branch) -> None:
        """Two notified meetings the demo 书记 and 党员 see under 我的会议: a 主题党日 starting
        at the next half hour after seeding (its sign-in window opens 30 minutes before), and
        a 支部党员大会 in three days."""
        now = datetime.now(tz=ZONE)
        soon = now.replace(second=0, microsecond=0) + timedelta(minutes=30 - now.minute % 30)
        if soon.date() != self.today:
            soon = self._when(self.today + timedelta(days=1), 9)
        later = self._when(self.today + timedelta(days=3), 15)
        for code, start, topic in (
            ("theme_day", soon, "主题党日：学习党的二十届四中全会精神"),
            ("congress", later, "讨论接收预备党员，通报四季度工作"),
        ):
            self.rows.append(
                MeetingRow(
                    organization=branch.pk,
                    code=code,
                    topic=topic,
                    start=start,
                    minutes_long=120,
                    attendees=branch.members,
                    expected=len(branch.members),
                    host=branch.secretary,
                    recorder=branch.recorder,
                    place=f"{branch.name.removesuffix('党支部')}党员活动室",
                    status="notified",
                    quorum="voting_members" if code == "congress" else "none",
                    notified=True,
                )
            )

    def _recorded(self, row: MeetingRow) -> datetime:
        """When the record was entered: within three days, or 10–35 days later (补录); never
        after the day of seeding."""
        rng = self.rng
        if row.late:
            recorded = row.start + timedelta(days=rng.randint(10, 35), hours=rng.randint(0, 5))
        else:
            recorded = row.start + timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 6))
        return min(recorded, self._when(self.today, 8))

    def _attendance(self, row: MeetingRow) -> tuple[dict, list]:
        rng = self.rng
        if row.notified:
            marks = [("pending", "")] * len(row.attendees)
            return {"present": 0, "leave": 0, "absent": 0}, marks
        if not row.attendees:
            present = round(row.expected * rng.uniform(0.82, 0.97))
            absent = rng.randint(0, max(0, (row.expected - present) // 4))
            leave = row.expected - present - absent
            return {"present": present, "leave": leave, "absent": absent}, []
        marks = []
        counts = {"present": 0, "leave": 0, "absent": 0}
        chairs = {row.host, row.recorder} - {None}
        for person, _, _ in row.attendees:
            draw = rng.random()
            if person in chairs or draw < 0.88:  # the host and the recorder were there
                mark = ("present", "")
            elif draw < 0.97:
                mark = ("leave", rng.choice(LEAVE_REASONS))
            else:
                mark = ("absent", "")
            counts[mark[0]] += 1
            marks.append(mark)
        return counts, marks

    # --- the demo extras ------------------------------------------------------------------

    def extras(self) -> None:
        """This month's guide from the demo mine, and the demo branch's election record."""
        from dangjian.meetings.models import Guide, GuideTopic
        from dangjian.orgs.models import Organization

        mine = Organization.objects.filter(path=self.demo_mine_path).first()
        if mine is not None:
            month = self.today.replace(day=1)
            guide = Guide.objects.create(
                organization=mine,
                month=month,
                title=f"{month.year}年{month.month}月组织生活指南",
                body=(
                    f"<p>各党支部：现将{month.month}月组织生活安排如下，请结合实际认真组织，"
                    "会后按时在系统中录入会议记录、上传照片。</p>"
                    "<p>冬季是安全生产的关键时期，请把“四防”工作作为本月主题党日的重点。</p>"
                ),
                status=Guide.Status.PUBLISHED,
                published_at=self._when(month, 9),
                created_by_id=self.users.get("zuzhibu"),
            )
            GuideTopic.objects.bulk_create(
                GuideTopic(guide=guide, category=category, title=title, sort_order=order)
                for order, (category, title) in enumerate(
                    (
                        ("theme_day", THEME_DAYS[month.month]),
                        ("lecture", "学习贯彻党的二十届四中全会精神专题党课"),
                        ("committee", "研究年度党员民主评议和组织生活会准备工作"),
                        ("group", "学习冬季安全生产“四防”措施"),
                    )
                )
            )
        self._election()
        if self.scale == "mine":
            self._photos()

    def _photos(self) -> None:
        """Two photos on each of the demo branch's last dozen records (the 台账 prints them)."""
        from django.core.files.base import ContentFile

        from dangjian.meetings.models import MeetingFile

        branch = self.demo_branch
        if branch is None:
            return
        held = [
            pk for pk, row in self.written if row.organization == branch.pk and not row.notified
        ]
        for pk in held[-12:]:
            for index in range(2):
                stored = MeetingFile(
                    meeting_id=pk,
                    kind=MeetingFile.Kind.PHOTO,
                    title=f"会议照片{index + 1}",
                    file_kind="jpeg",
                )
                content = meeting_photo(self.rng)
                stored.file.save(f"会议照片{index + 1}.jpg", ContentFile(content), save=False)
                stored.size = len(content)
                stored.save()

    def _election(self) -> None:
        from dangjian.meetings.models import Candidate, Election
        from dangjian.orgs.models import Committee

        branch = self.demo_branch
        if branch is None:
            return
        committee = Committee.objects.filter(organization_id=branch.pk, is_current=True).first()
        if committee is None or not branch.committee:
            return
        posts = list(committee.posts.order_by("sort_order", "pk").values_list("person_id", "post"))
        voting = sum(1 for m in branch.members if m[2])
        present = max(len(posts), voting - self.rng.randint(0, max(0, voting // 10)))
        held_on = committee.elected_on or committee.term_start
        election = Election.objects.create(
            organization_id=branch.pk,
            held_on=held_on,
            seats=len(posts),
            entitled_count=voting,
            present_count=present,
            ballots_issued=present,
            ballots_returned=present,
            ballots_valid=present,
            term_years=max(1, committee.term_end.year - committee.term_start.year),
            status=Election.Status.CONFIRMED,
            committee=committee,
            note="支部党员大会差额选举产生新一届支部委员会",
            created_by_id=self.users.get("shuji"),
            confirmed_at=self._when(held_on, 18),
        )
        elected = {person for person, _ in posts}
        extra = next((m[0] for m in branch.members if m[2] and m[0] not in elected), None)
        rows = [
            Candidate(
                election=election,
                person_id=person,
                votes=present - self.rng.randint(0, max(0, present // 6)),
                is_elected=True,
                post=post,
                sort_order=order,
            )
            for order, (person, post) in enumerate(posts)
        ]
        if extra is not None:  # 差额: one more candidate than seats
            rows.append(
                Candidate(
                    election=election,
                    person_id=extra,
                    votes=self.rng.randint(1, max(1, present // 3)),
                    is_elected=False,
                    sort_order=len(rows),
                )
            )
        Candidate.objects.bulk_create(rows)


def meeting_photo(rng: random.Random) -> bytes:
    """A stand-in for a meeting photo: a room (wall, table, a red banner, rows of people as
    shapes) as a 960×640 JPEG, different on every call."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), (226, 221, 208))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 430, 960, 640), fill=(150, 118, 86))  # floor
    draw.rectangle((160, 60, 800, 150), fill=(190, 22, 30))  # the banner
    draw.rectangle((180, 80, 780, 130), outline=(250, 215, 90), width=4)
    draw.rectangle((120, 360, 840, 420), fill=(96, 64, 40))  # the table
    for row, y in enumerate((300, 440)):
        for seat in range(8):
            x = 150 + seat * 90 + rng.randint(-12, 12) + (45 if row else 0)
            shade = rng.choice(((40, 48, 70), (30, 30, 34), (70, 80, 96), (210, 210, 214)))
            draw.ellipse((x, y - 70, x + 40, y - 30), fill=(236, 200, 170))  # head
            draw.rounded_rectangle((x - 15, y - 30, x + 55, y + 60), 18, fill=shade)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


MEETING_COLUMNS = [
    "id", "organization_id", "meeting_type_id", "category", "status", "topic", "planned_start",
    "planned_end", "actual_start", "actual_end", "held_on", "place", "host_id", "recorder_id",
    "lecturer_name", "agenda", "minutes", "resolutions", "expected_count", "present_count",
    "leave_count", "absent_count", "quorum_expected", "quorum_present", "has_quorum",
    "signin_code", "signin_token", "signin_opens_at", "signin_closes_at", "recorded_at",
    "is_late_entry", "notified_at", "reviewed_by_id", "reviewed_at", "review_comment",
    "returned_reason", "returned_by_id", "returned_at", "created_at", "updated_at",
]  # fmt: skip
ATTENDANCE_COLUMNS = [
    "id", "meeting_id", "person_id", "is_voting", "is_committee_member", "status",
    "leave_reason", "signed_in_at", "method",
]  # fmt: skip
CREDIT_COLUMNS = [
    "id", "person_id", "organization_id", "on_date", "year", "hours", "source", "meeting_id",
    "note", "created_at",
]  # fmt: skip


def seeded_meeting_models() -> list:
    """The models this module fills, each after those it points to."""
    from dangjian.meetings import models

    return [
        models.Meeting, models.Attendance, models.ClassHourCredit, models.Guide,
        models.GuideTopic, models.Election, models.Candidate,
    ]  # fmt: skip
