"""Planning a meeting: the plan, who is expected, the notice and cancelling (domain §3.2).

Who is expected is drawn from the organisation when the meeting is planned (per the type's
`default_attendees`) and kept as attendance rows with two snapshots taken that day: whether the
person had a vote (正式党员 in good standing — 预备党员 have none, 党章第七条) and whether they sat
on the organisation's current committee. The quorum is computed from these snapshots, so a
member converted or elected later does not change an old meeting's quorum.
"""

from __future__ import annotations

import datetime
import hashlib

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core.exceptions import ServiceError
from dangjian.core.scope import scope_of
from dangjian.meetings.models import (
    Attendance,
    Category,
    Guide,
    Meeting,
    MeetingType,
)
from dangjian.meetings.permissions import VIEW_MEETING
from dangjian.meetings.services import credits
from dangjian.meetings.services.attendance import RECORDED, recount
from dangjian.meetings.services.attendees import (  # noqa: F401 — part of this module's API
    assign_signin,
    attendee_pool,
    check_attendees,
    committee_person_ids,
    default_attendee_ids,
    organization_members,
    snapshot_rows,
)
from dangjian.meetings.services.guards import (
    audit,
    clean_text,
    locked_meeting,
    page_url,
    refresh_from,
    require_manage,
    require_unlocked,
)
from dangjian.orgs.models import Committee, Organization, OrgType

TOPIC_MAX = 200
PLACE_MAX = 200
LECTURER_NAME_MAX = 50
AGENDA_MAX = 5000
REASON_MAX = 300
VISITOR_NAME_MAX = 50
VISITOR_TITLE_MAX = 100
MAX_DURATION = datetime.timedelta(days=3)
# Categories a 党小组 may hold in its own name; everything else is held by the branch.
GROUP_CATEGORIES = {Category.GROUP, Category.TALK, Category.OTHER}
PLAN_FIELDS = (
    "meeting_type",
    "topic",
    "planned_start",
    "planned_end",
    "place",
    "is_online",
    "host",
    "recorder",
    "lecturer",
    "lecturer_name",
    "agenda",
    "guide",
)


# ---------------------------------------------------------------- plan, update


def plan_meeting(
    *,
    user,
    organization: Organization,
    meeting_type: MeetingType,
    topic: str,
    planned_start: datetime.datetime,
    planned_end: datetime.datetime,
    place: str = "",
    is_online: bool = False,
    host=None,
    recorder=None,
    lecturer=None,
    lecturer_name: str = "",
    agenda: str = "",
    guide=None,
    attendee_ids: list[int] | None = None,
) -> Meeting:
    """Plan a meeting (计划中) with its expected attendees and sign-in window. The same plan
    submitted twice (same organisation, type, topic and start) returns the first meeting."""
    require_manage(user, organization, "计划组织生活")
    values = _clean_plan(
        user,
        organization,
        {
            "meeting_type": meeting_type,
            "topic": topic,
            "planned_start": planned_start,
            "planned_end": planned_end,
            "place": place,
            "is_online": is_online,
            "host": host,
            "recorder": recorder,
            "lecturer": lecturer,
            "lecturer_name": lecturer_name,
            "agenda": agenda,
            "guide": guide,
        },
    )
    if attendee_ids is not None:
        attendee_ids = check_attendees(organization, attendee_ids)
    with transaction.atomic():
        # Serialise plans of one organisation: a double click finds the first plan.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        duplicate = (
            Meeting.objects.filter(
                organization=organization,
                meeting_type=values["meeting_type"],
                topic=values["topic"],
                planned_start=values["planned_start"],
            )
            .exclude(status=Meeting.Status.CANCELLED)
            .first()
        )
        if duplicate is not None:
            return duplicate
        meeting = Meeting(
            organization=organization,
            category=values["meeting_type"].category,
            held_on=timezone.localdate(values["planned_start"]),
            created_by=user,
            **values,
        )
        assign_signin(meeting)
        meeting.save()
        if attendee_ids is None:
            attendee_ids = default_attendee_ids(organization, meeting.meeting_type)
        Attendance.objects.bulk_create(snapshot_rows(meeting, attendee_ids))
        recount(meeting)
        audit(
            user,
            "meetings.meeting_create",
            meeting,
            after={
                "type": meeting.meeting_type.code,
                "topic": meeting.topic,
                "planned_start": meeting.planned_start,
                "expected": meeting.expected_count,
            },
        )
    return meeting


def update_meeting(meeting: Meeting, *, user, **fields) -> Meeting:
    """Change plan fields (any of PLAN_FIELDS); the sign-in window follows the new times. The
    type can change only before the notice (the attendees are then drawn again for the new
    type while nobody has signed in). Attendees of a notified meeting hear of a new time or
    place. Only the fields that change are checked, so a host who has since moved away does
    not block a new topic."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"update_meeting() got unexpected fields: {', '.join(sorted(unknown))}")
    require_manage(user, meeting.organization, "修改组织生活")
    with transaction.atomic():
        locked = locked_meeting(meeting)
        require_unlocked(locked)
        current = {name: getattr(locked, name) for name in PLAN_FIELDS}
        touched = {name for name, value in fields.items() if value != current[name]}
        values = _clean_plan(user, locked.organization, {**current, **fields}, check=touched)
        changed = {name: value for name, value in values.items() if value != current[name]}
        if not changed:
            return refresh_from(meeting, locked)
        if "meeting_type" in changed and locked.status != Meeting.Status.DRAFT:
            raise ServiceError("会议通知发出后不能再更改会议类型；如类型有误，请取消后重新计划。")
        for name, value in values.items():
            setattr(locked, name, value)
        locked.category = locked.meeting_type.category
        if locked.actual_start is None:
            locked.held_on = timezone.localdate(locked.planned_start)
        assign_signin(locked)
        locked.save()
        if "meeting_type" in changed:
            _redraw_for_type(locked, current["meeting_type"])
            recount(locked)
        audit(
            user,
            "meetings.meeting_update",
            locked,
            before={name: _plain(current[name]) for name in changed},
            after={name: _plain(value) for name, value in changed.items()},
        )
        if locked.status == Meeting.Status.NOTIFIED and CHANGE_NOTICE_FIELDS & set(changed):
            _tell_change(locked)
    return refresh_from(meeting, locked)


CHANGE_NOTICE_FIELDS = {"planned_start", "planned_end", "place", "is_online"}


def _redraw_for_type(meeting: Meeting, old_type: MeetingType) -> None:
    """A draft whose type changed gets the new type's default attendees, unless someone has
    already signed in or been marked (then the list stays and the secretary adjusts it)."""
    if old_type.default_attendees == meeting.meeting_type.default_attendees:
        return
    rows = meeting.attendances.filter(is_visitor=False)
    if rows.exclude(status=Attendance.Status.PENDING).exists():
        return
    rows.delete()
    person_ids = default_attendee_ids(meeting.organization, meeting.meeting_type)
    Attendance.objects.bulk_create(snapshot_rows(meeting, person_ids))


def _plain(value):
    return getattr(value, "pk", value)


def _clean_plan(user, organization: Organization, values: dict, check=None) -> dict:
    """Checked plan values. `check` names the reference fields to verify (type, people, guide);
    None verifies all of them (a new plan)."""
    check = set(PLAN_FIELDS) if check is None else check
    meeting_type = values["meeting_type"]
    if "meeting_type" in check:
        if meeting_type is None or not meeting_type.is_active:
            raise ServiceError("请选择一个启用中的会议类型。")
        _check_organization(organization, meeting_type)
    start, end = values["planned_start"], values["planned_end"]
    if not isinstance(start, datetime.datetime) or not isinstance(end, datetime.datetime):
        raise ServiceError("请填写会议的计划开始和结束时间。")
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ServiceError("会议时间缺少时区，请重新选择时间。")
    if end <= start:
        raise ServiceError("会议的结束时间须晚于开始时间。")
    if end - start > MAX_DURATION:
        raise ServiceError("一次会议的时长不能超过 3 天，请核对结束时间。")
    cleaned = dict(values)
    cleaned["topic"] = clean_text(
        values["topic"], label="会议主题", maximum=TOPIC_MAX, required=True
    )
    cleaned["place"] = clean_text(values["place"], label="会议地点", maximum=PLACE_MAX)
    cleaned["is_online"] = bool(values["is_online"])
    cleaned["lecturer_name"] = clean_text(
        values["lecturer_name"], label="授课人（外请）", maximum=LECTURER_NAME_MAX
    )
    cleaned["agenda"] = clean_text(values["agenda"], label="会议议程", maximum=AGENDA_MAX)
    for name, label in (("host", "主持人"), ("recorder", "记录人"), ("lecturer", "授课人")):
        if name in check:
            _check_person(user, organization, values[name], label)
    if "guide" in check:
        _check_guide(organization, values["guide"])
    return cleaned


def _check_organization(organization: Organization, meeting_type: MeetingType) -> None:
    name = organization.display_name
    if not organization.is_active:
        raise ServiceError(f"“{name}”已经撤销，不能再计划组织生活。")
    category = meeting_type.category
    if organization.org_type == OrgType.GROUP and category not in GROUP_CATEGORIES:
        raise ServiceError(
            f"党小组只能召开党小组会或开展谈心谈话；{meeting_type.name}请以所在党支部的名义计划。"
        )
    if category == Category.GROUP and not (
        organization.org_type == OrgType.GROUP or organization.is_branch
    ):
        raise ServiceError("党小组会须由党小组（或党支部统一组织）召开，请选择党小组或党支部。")
    if (
        category == Category.COMMITTEE
        and not Committee.objects.filter(organization=organization, is_current=True).exists()
    ):
        raise ServiceError(
            f"“{name}”没有现任支部委员会（班子），不能召开支委会；"
            "未设支委会的支部由党员大会或书记研究决定，或先在组织管理中登记班子。"
        )


def _check_person(user, organization: Organization, person, label: str) -> None:
    """A host, recorder or lecturer is someone of this organisation's line (its subtree or an
    upper organisation, e.g. a 党委书记 giving a 党课) or someone the user may see."""
    if person is None:
        return
    paths = list(
        Organization.objects.filter(
            Q(pk=person.organization_id) | Q(members__person=person)
        ).values_list("path", flat=True)
    )
    scope = scope_of(user)
    for path in paths:
        if path.startswith(organization.path) or organization.path.startswith(path):
            return
        if scope.covers(VIEW_MEETING, path):
            return
    # No name: the id may be of someone the caller is not allowed to see.
    raise ServiceError(f"所选{label}不属于本组织及其上级组织，也不在您可管理的范围内，请重新选择。")


def _check_guide(organization: Organization, guide) -> None:
    if guide is None:
        return
    if guide.status != Guide.Status.PUBLISHED or not organization.path.startswith(
        guide.organization.path
    ):
        raise ServiceError("所选组织生活指南未发布或不适用于本组织，请重新选择。")


# ---------------------------------------------------------------- attendees and visitors


def set_attendees(meeting: Meeting, *, user, person_ids: list[int]) -> None:
    """Replace the expected attendees: people kept keep their marks, new ones are added with
    today's snapshots, the others are removed. Visitors are not touched."""
    require_manage(user, meeting.organization, "调整参会人员")
    person_ids = check_attendees(meeting.organization, person_ids)
    with transaction.atomic():
        locked = locked_meeting(meeting)
        require_unlocked(locked)
        current = set(
            locked.attendances.filter(is_visitor=False).values_list("person_id", flat=True)
        )
        wanted = set(person_ids)
        removed, added = current - wanted, [pk for pk in person_ids if pk not in current]
        if not removed and not added:
            return
        locked.attendances.filter(is_visitor=False, person_id__in=removed).delete()
        rows = snapshot_rows(locked, added)
        if locked.status in RECORDED:
            # The record is in: somebody added now did not sign in, so is absent until marked.
            for row in rows:
                row.status = Attendance.Status.ABSENT
        Attendance.objects.bulk_create(rows)
        recount(locked)
        credits.sync_credits(locked)
        audit(
            user,
            "meetings.attendance_update",
            locked,
            after={"added": sorted(added), "removed": sorted(removed)},
            message=f"调整参会人员：增加 {len(added)} 人，移除 {len(removed)} 人",
        )
        if locked.status == Meeting.Status.NOTIFIED and added:
            _send_notice(locked, added)
    refresh_from(meeting, locked)


def add_visitor(meeting: Meeting, *, user, name: str, title: str = "") -> Attendance:
    """A visitor (列席) by name; present by definition. The same name twice is one visitor."""
    require_manage(user, meeting.organization, "登记列席人员")
    name = clean_text(name, label="列席人员姓名", maximum=VISITOR_NAME_MAX, required=True)
    title = clean_text(title, label="列席人员单位职务", maximum=VISITOR_TITLE_MAX)
    with transaction.atomic():
        locked = locked_meeting(meeting)
        require_unlocked(locked)
        existing = locked.attendances.filter(is_visitor=True, visitor_name=name).first()
        if existing is not None:
            return existing
        visitor = Attendance.objects.create(
            meeting=locked,
            is_visitor=True,
            visitor_name=name,
            visitor_title=title,
            status=Attendance.Status.PRESENT,
            method=Attendance.Method.MANUAL,
        )
        recount(locked)
        audit(
            user,
            "meetings.attendance_update",
            locked,
            after={"visitor": name, "title": title},
            message=f"登记列席人员：{name}",
        )
    refresh_from(meeting, locked)
    return visitor


# ---------------------------------------------------------------- notice and cancel


def notify_meeting(meeting: Meeting, *, user) -> int:
    """Send the notice (计划中 → 已通知) to the expected attendees' accounts. A second call
    sends nothing and returns 0."""
    require_manage(user, meeting.organization, "发布会议通知")
    with transaction.atomic():
        locked = locked_meeting(meeting)
        if locked.status == Meeting.Status.NOTIFIED:
            return 0
        require_unlocked(locked)
        if locked.status != Meeting.Status.DRAFT:
            raise ServiceError("会议记录已经录入，无需再发布会议通知。")
        if locked.planned_end <= timezone.now():
            raise ServiceError(
                "会议的计划时间已经过去，不能再发布通知；请修改会议时间，或直接录入会议记录。"
            )
        person_ids = list(
            locked.attendances.filter(is_visitor=False).values_list("person_id", flat=True)
        )
        if not person_ids:
            raise ServiceError("本次会议还没有应到人员，请先选择参会人员再发布通知。")
        locked.status = Meeting.Status.NOTIFIED
        locked.notified_at = timezone.now()
        locked.save(update_fields=["status", "notified_at", "updated_at"])
        reached = _send_notice(locked, person_ids)
        audit(user, "meetings.meeting_notify", locked, after={"reached": reached})
    refresh_from(meeting, locked)
    return reached


def _accounts(person_ids):
    return get_user_model().objects.filter(person_id__in=list(person_ids), is_active=True)


def _schedule(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.planned_start)
    end = timezone.localtime(meeting.planned_end)
    place = "线上会议" if meeting.is_online and not meeting.place else meeting.place
    if meeting.is_online and meeting.place:
        place = f"线上会议（{meeting.place}）"
    when = f"{start:%Y年%m月%d日 %H:%M}—{end:%H:%M}"
    return f"时间：{when}；地点：{place or '另行通知'}"


def _send_notice(meeting: Meeting, person_ids) -> int:
    organization = meeting.organization
    return _notify(
        meeting,
        person_ids,
        title=f"会议通知：{organization.display_name}{meeting.meeting_type.name}——{meeting.topic}",
        body=f"{_schedule(meeting)}。请准时参加，到会后用会议签到码或扫码签到；不能参加请向书记请假。",
        key=f"meetings:notice:{meeting.pk}",
    )


def _tell_change(meeting: Meeting) -> None:
    person_ids = meeting.attendances.filter(is_visitor=False).values_list("person_id", flat=True)
    where = f"{meeting.is_online}:{meeting.place}".encode()
    stamp = (
        f"{meeting.planned_start:%Y%m%d%H%M}-{meeting.planned_end:%Y%m%d%H%M}-"
        f"{hashlib.sha256(where).hexdigest()[:12]}"
    )
    _notify(
        meeting,
        person_ids,
        title=f"会议变更：{meeting.organization.display_name}{meeting.meeting_type.name}——{meeting.topic}",
        body=f"会议时间或地点有变化。{_schedule(meeting)}。",
        key=f"meetings:changed:{meeting.pk}:{stamp}",
    )


def _notify(meeting: Meeting, person_ids, *, title: str, body: str, key: str) -> int:
    from dangjian.notifications.services import notify

    return notify(
        recipients=_accounts(person_ids),
        title=title,
        body=body,
        url=page_url("meetings:mine_detail", meeting.pk),
        category="meetings",
        obj=meeting,
        dedupe_key=key,
    )


def cancel_meeting(meeting: Meeting, *, user, reason: str) -> None:
    """Cancel a planned meeting, or withdraw a record entered by mistake (its 学时 go with it).
    A reviewed record cannot be cancelled; cancelling twice is harmless."""
    require_manage(user, meeting.organization, "取消会议")
    reason = clean_text(reason, label="取消原因", maximum=REASON_MAX, required=True)
    with transaction.atomic():
        locked = locked_meeting(meeting)
        if locked.status == Meeting.Status.CANCELLED:
            refresh_from(meeting, locked)
            return
        require_unlocked(locked)
        before = locked.status
        locked.status = Meeting.Status.CANCELLED
        locked.cancelled_reason = reason
        locked.has_quorum = None
        locked.save(update_fields=["status", "cancelled_reason", "has_quorum", "updated_at"])
        credits.sync_credits(locked)
        audit(
            user,
            "meetings.meeting_cancel",
            locked,
            before={"status": before},
            after={"status": locked.status, "reason": reason},
        )
        if locked.notified_at is not None and before == Meeting.Status.NOTIFIED:
            person_ids = locked.attendances.filter(is_visitor=False).values_list(
                "person_id", flat=True
            )
            _notify(
                locked,
                person_ids,
                title=f"会议取消：{locked.organization.display_name}{locked.meeting_type.name}——{locked.topic}",
                body=f"原定{_schedule(locked)}的会议已取消。原因：{reason}",
                key=f"meetings:cancelled:{locked.pk}",
            )
    refresh_from(meeting, locked)
