"""Attendance, sign-in and the quorum (domain §1.3, §3.2).

Sign-in works from a phone with the meeting's 6-digit code or its QR token, only inside the
meeting's sign-in window (`planned_start - SIGNIN_OPENS_MINUTES` up to, not including,
`planned_end + SIGNIN_CLOSES_MINUTES`). Codes are unique among meetings whose windows overlap,
so a code names one meeting at any moment. Every change of attendance recounts the counters on
the meeting row (one aggregate query) so that lists and compliance never count rows.
"""

from __future__ import annotations

import datetime
import re
from typing import NamedTuple

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.exceptions import ServiceError
from dangjian.meetings.models import Attendance, Meeting, Quorum
from dangjian.meetings.services import credits
from dangjian.meetings.services.guards import (
    audit,
    clean_text,
    locked_meeting,
    refresh_from,
    require_manage,
    require_unlocked,
)

OPEN, NOT_OPEN, CLOSED = "open", "not_open", "closed"
# A meeting whose code can be used (inside its window): planned, notified or just recorded.
SIGNABLE = (
    Meeting.Status.DRAFT,
    Meeting.Status.NOTIFIED,
    Meeting.Status.HELD,
    Meeting.Status.RETURNED,
)
RECORDED = (Meeting.Status.HELD, Meeting.Status.RETURNED, Meeting.Status.REVIEWED)
CODE_PATTERN = re.compile(r"^\d{6}$")
WRONG_CODE = "签到码不正确，请核对会议主持人公布的6位数字。"
NOT_EXPECTED = "你不在本次会议的参会范围内。"
LEAVE_REASON_MAX = 200
SIGNIN_HINT_RANGE = datetime.timedelta(days=1)
MAX_FAILED_ATTEMPTS = 10
FAILED_ATTEMPTS_WINDOW = datetime.timedelta(minutes=15)
_BRANCH_REGULATION = "《中国共产党支部工作条例（试行）》"


# ---------------------------------------------------------------- the window


def signin_window_state(meeting: Meeting, now: datetime.datetime | None = None) -> str:
    """ "not_open", "open" or "closed": open from `signin_opens_at` (inclusive) until
    `signin_closes_at` (exclusive), and only for meetings not cancelled or locked."""
    now = now or timezone.now()
    if meeting.status not in SIGNABLE or meeting.signin_closes_at is None:
        return CLOSED
    if now < meeting.signin_opens_at:
        return NOT_OPEN
    if now < meeting.signin_closes_at:
        return OPEN
    return CLOSED


def signin_window_text(meeting: Meeting, now: datetime.datetime | None = None) -> str:
    """The state in a sentence for the sign-in panel and the refusal messages."""
    state = signin_window_state(meeting, now)
    if meeting.signin_opens_at is None or meeting.status == Meeting.Status.CANCELLED:
        return "本次会议已取消，不能签到。" if meeting.is_locked else "本次会议没有签到时段。"
    opens, closes = _local(meeting.signin_opens_at), _local(meeting.signin_closes_at)
    if state == NOT_OPEN:
        return f"签到尚未开始，可于 {_when(opens, now)} 起签到。"
    if state == OPEN:
        return f"正在签到，{_when(closes, now)} 截止。"
    return f"本次会议签到已于 {_when(closes, now)} 截止。"


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def _when(moment: datetime.datetime, now=None) -> str:
    """HH:MM for today, else M月D日 HH:MM."""
    today = timezone.localdate(now) if now else timezone.localdate()
    if moment.date() == today:
        return f"{moment:%H:%M}"
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


# ---------------------------------------------------------------- signing in


def sign_in(
    *,
    user,
    code: str | None = None,
    token: str | None = None,
    now: datetime.datetime | None = None,
) -> Attendance:
    """Sign the user's person in to the meeting named by the code (or QR token), inside its
    window. A member of the organisation who was not drawn is added; signing twice returns the
    first row unchanged."""
    now = now or timezone.now()
    person_id = getattr(user, "person_id", None)
    if not person_id:
        raise ServiceError("你的账号没有关联党员信息，无法签到；请联系党组织管理员。")
    _check_attempts(user)
    try:
        meeting = _meeting_by_token(token, now) if token else _meeting_by_code(code, person_id, now)
    except ServiceError:
        _count_failure(user)
        raise
    with transaction.atomic():
        meeting = locked_meeting(meeting)
        _check_window(meeting, now)
        row = Attendance.objects.filter(meeting=meeting, person_id=person_id).first()
        if row is None:
            row = _add_member(meeting, person_id)
        if row.status == Attendance.Status.PRESENT:
            return row
        row.status = Attendance.Status.PRESENT
        row.method = Attendance.Method.QR if token else Attendance.Method.CODE
        row.signed_in_at = now
        row.leave_reason = ""
        row.save(update_fields=["status", "method", "signed_in_at", "leave_reason"])
        recount(meeting)
        if meeting.status in RECORDED:
            credits.sync_credits(meeting)
        audit(user, "meetings.signin", meeting, after={"person": person_id, "method": row.method})
    return row


def _attempts_key(user) -> str:
    return f"meetings:signin-failures:{user.pk}"


def _check_attempts(user) -> None:
    """Wrong codes are limited per account (a 6-digit code must not be guessable)."""
    if cache.get(_attempts_key(user), 0) >= MAX_FAILED_ATTEMPTS:
        minutes = int(FAILED_ATTEMPTS_WINDOW.total_seconds() // 60)
        raise ServiceError(f"签到码输错次数过多，请 {minutes} 分钟后再试，或请主持人为你登记出勤。")


def _count_failure(user) -> None:
    key = _attempts_key(user)
    timeout = int(FAILED_ATTEMPTS_WINDOW.total_seconds())
    if not cache.add(key, 1, timeout):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout)


def _meeting_by_token(token: str, now) -> Meeting:
    meeting = Meeting.objects.filter(signin_token=token.strip()).first() if token.strip() else None
    if meeting is None:
        raise ServiceError("签到二维码无效，请重新扫描会议现场公布的二维码，或改用6位签到码。")
    return meeting


def _meeting_by_code(code: str | None, person_id: int, now) -> Meeting:
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise ServiceError(WRONG_CODE)
    candidates = Meeting.objects.filter(signin_code=code, status__in=SIGNABLE)
    open_now = candidates.filter(signin_opens_at__lte=now, signin_closes_at__gt=now)
    mine = open_now.filter(attendances__person_id=person_id).first()
    meeting = mine or open_now.first()
    if meeting is not None:
        return meeting
    # Not open now: tell someone of the meeting who is early or late when the code works.
    # Meetings the person has nothing to do with answer like a wrong code.
    nearby = candidates.filter(
        signin_opens_at__lte=now + SIGNIN_HINT_RANGE,
        signin_closes_at__gte=now - SIGNIN_HINT_RANGE,
    ).filter(
        Q(attendances__person_id=person_id)
        | Q(organization__members__person_id=person_id)
        | Q(organization__group_members__person_id=person_id)
    )
    meeting = nearby.order_by("signin_opens_at").first()
    if meeting is None:
        raise ServiceError(WRONG_CODE)
    return meeting


def _check_window(meeting: Meeting, now) -> None:
    state = signin_window_state(meeting, now)
    if state == OPEN:
        return
    if meeting.status not in SIGNABLE:
        raise ServiceError(
            "本次会议已取消，不能签到。"
            if meeting.status == Meeting.Status.CANCELLED
            else "本次会议记录已审核锁定，不能再签到。"
        )
    raise ServiceError(signin_window_text(meeting, now))


def _add_member(meeting: Meeting, person_id: int) -> Attendance:
    """A member of the organisation who was not drawn signs in: add them to the expected."""
    from dangjian.meetings.services.attendees import attendee_pool, snapshot_rows

    if (
        not attendee_pool(meeting.organization, members_only=True)
        .filter(person_id=person_id)
        .exists()
    ):
        raise ServiceError(NOT_EXPECTED)
    (row,) = snapshot_rows(meeting, [person_id])
    row.save()
    return row


# ---------------------------------------------------------------- the secretary's register


def mark_attendance(meeting: Meeting, *, user, marks: dict[int, tuple[str, str]]) -> None:
    """Tick attendance: attendance id → (status, leave reason). 请假 needs a reason. Rows whose
    mark does not change are left alone (their sign-in time stays)."""
    require_manage(user, meeting.organization, "登记出勤")
    with transaction.atomic():
        meeting = _locked_unlocked(meeting)
        rows = {row.pk: row for row in meeting.attendances.filter(pk__in=list(marks))}
        missing = set(marks) - set(rows)
        if missing:
            raise ServiceError("出勤名单已经变化（有人员不属于本次会议），请刷新页面后重新登记。")
        changed = [rows[pk] for pk, mark in marks.items() if _apply_mark(meeting, rows[pk], *mark)]
        if not changed:
            return
        Attendance.objects.bulk_update(
            changed, ["status", "leave_reason", "method", "signed_in_at"]
        )
        recount(meeting)
        if meeting.status in RECORDED:
            credits.sync_credits(meeting)
        audit(
            user,
            "meetings.attendance_update",
            meeting,
            after={str(row.pk): [row.status, row.leave_reason] for row in changed},
            message=f"登记出勤 {len(changed)} 人",
        )


def _apply_mark(meeting: Meeting, row: Attendance, status: str, reason: str) -> bool:
    allowed = {Attendance.Status.PRESENT, Attendance.Status.LEAVE, Attendance.Status.ABSENT}
    if meeting.status not in RECORDED:
        allowed.add(Attendance.Status.PENDING)
    if status not in allowed:
        raise ServiceError("出勤只能登记为出席、请假或缺席。")
    reason = clean_text(reason, label="请假事由", maximum=LEAVE_REASON_MAX)
    who = row.visitor_name or (row.person.name if row.person_id else "")
    if status == Attendance.Status.LEAVE and not reason:
        raise ServiceError(f"{who}登记为请假，请填写请假事由。")
    if status != Attendance.Status.LEAVE:
        reason = ""
    if (row.status, row.leave_reason) == (status, reason):
        return False
    if status != Attendance.Status.PRESENT:
        row.signed_in_at = None
    row.status, row.leave_reason, row.method = status, reason, Attendance.Method.MANUAL
    return True


def reset_signin_code(meeting: Meeting, *, user) -> str:
    """A new code and QR token (e.g. the old ones were shared outside the meeting)."""
    from dangjian.meetings.services.attendees import assign_signin

    require_manage(user, meeting.organization, "重置签到码")
    with transaction.atomic():
        locked = _locked_unlocked(meeting)
        if locked.status not in SIGNABLE:
            raise ServiceError("本次会议已不能签到，无需重置签到码。")
        assign_signin(locked, new_code=True)
        locked.save(update_fields=["signin_code", "signin_token"])
        audit(user, "meetings.signin_code_reset", locked)
    refresh_from(meeting, locked)
    return locked.signin_code


def _locked_unlocked(meeting: Meeting) -> Meeting:
    locked = locked_meeting(meeting)
    require_unlocked(locked)
    return locked


# ---------------------------------------------------------------- counters and quorum


class QuorumResult(NamedTuple):
    applies: bool
    expected: int
    present: int
    required: int
    met: bool | None
    text: str


def recount(meeting: Meeting) -> Meeting:
    """Store 应到/实到/请假/缺席/列席 and the quorum base and count on the meeting row, from its
    attendance rows in one aggregate query."""
    quorum_rule = meeting.meeting_type.quorum
    member = Q(is_visitor=False)
    present = Q(status=Attendance.Status.PRESENT)
    counted = (
        Q(is_voting=True) if quorum_rule == Quorum.VOTING_MEMBERS else Q(is_committee_member=True)
    )
    totals = Attendance.objects.filter(meeting=meeting).aggregate(
        expected=Count("pk", filter=member),
        present=Count("pk", filter=member & present),
        leave=Count("pk", filter=member & Q(status=Attendance.Status.LEAVE)),
        absent=Count("pk", filter=member & Q(status=Attendance.Status.ABSENT)),
        visitors=Count("pk", filter=Q(is_visitor=True)),
        quorum_expected=Count("pk", filter=member & counted),
        quorum_present=Count("pk", filter=member & counted & present),
    )
    meeting.expected_count = totals["expected"]
    meeting.present_count = totals["present"]
    meeting.leave_count = totals["leave"]
    meeting.absent_count = totals["absent"]
    meeting.visitor_count = totals["visitors"]
    applies = quorum_rule != Quorum.NONE
    meeting.quorum_expected = totals["quorum_expected"] if applies else 0
    meeting.quorum_present = totals["quorum_present"] if applies else 0
    result = quorum_of(meeting)
    meeting.has_quorum = result.met if meeting.status in RECORDED else None
    meeting.save(update_fields=COUNTER_FIELDS)
    return meeting


COUNTER_FIELDS = [
    "expected_count",
    "present_count",
    "leave_count",
    "absent_count",
    "visitor_count",
    "quorum_expected",
    "quorum_present",
    "has_quorum",
    "updated_at",
]


def required_for(expected: int) -> int:
    """More than half: the smallest count strictly greater than expected ÷ 2."""
    return expected // 2 + 1


def quorum_of(meeting: Meeting) -> QuorumResult:
    """The quorum of a 党员大会 (voting full members present > ½ of those expected, §1.3) or a
    支委会 (committee members present > ½ of the committee, §3.2), from the stored counters."""
    rule = meeting.meeting_type.quorum
    if rule == Quorum.NONE:
        return QuorumResult(False, 0, 0, 0, None, "本类会议不计算法定人数。")
    expected, present = meeting.quorum_expected, meeting.quorum_present
    required = required_for(expected)
    met = expected > 0 and present >= required
    if rule == Quorum.VOTING_MEMBERS:
        who = "应到会有表决权的正式党员"
        source = (
            f"依据：{_BRANCH_REGULATION}，党员大会须有半数以上有表决权的党员到会方能召开；"
            "预备党员没有表决权，不计入（党章第七条）"
        )
    else:
        who = "支部委员会委员"
        source = f"依据：{_BRANCH_REGULATION}，支部委员会会议须有半数以上委员到会方能召开"
    if expected == 0:
        head = f"没有{who}，无法计算法定人数"
    else:
        verdict = "达到法定人数" if met else "未达到法定人数，会议决议无效"
        head = (
            f"{who} {expected} 人，实到 {present} 人（须超过半数，至少 {required} 人），{verdict}"
        )
    return QuorumResult(True, expected, present, required, met, f"{head}。{source}。")
