"""Who is expected at a meeting, and the meeting's sign-in window and code.

The attendee list is drawn from the organisation when a meeting is planned (per the type's
`default_attendees`); each row snapshots that day whether the person had a vote (正式党员 in
good standing — 预备党员 have none, 党章第七条) and whether they sat on the organisation's
current committee, so the quorum of an old meeting never changes afterwards.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from dangjian.core.exceptions import ServiceError
from dangjian.core.rules import rule_value
from dangjian.meetings import rules
from dangjian.meetings.models import Attendance, Attendees, Meeting, MeetingType
from dangjian.meetings.services.attendance import SIGNABLE
from dangjian.members.models import Category as MemberCategory
from dangjian.members.models import Member
from dangjian.members.models.choices import IN_GOOD_STANDING
from dangjian.orgs.models import CommitteePost, Organization, OrgType

CODE_ATTEMPTS = 50


# ---------------------------------------------------------------- who may be expected


def organization_members(organization: Organization):
    """Members in good standing who belong to the organisation: those whose membership it
    holds, or for a 党小组 those whose `party_group` it is."""
    members = Member.objects.filter(status__in=IN_GOOD_STANDING)
    if organization.org_type == OrgType.GROUP:
        return members.filter(party_group=organization)
    return members.filter(organization=organization)


def attendee_pool(organization: Organization, *, members_only: bool = False):
    """Members who may be put on the attendee list: the organisation's own members (with
    `members_only`), or anyone in good standing in its subtree — for a 党小组, the whole branch."""
    if members_only:
        return organization_members(organization)
    members = Member.objects.filter(status__in=IN_GOOD_STANDING)
    if organization.org_type == OrgType.GROUP:
        parent_path = organization.path[: -Organization.steplen]
        return members.filter(organization__path=parent_path)
    return members.filter(organization__path__startswith=organization.path)


def committee_person_ids(organization: Organization) -> set[int]:
    """People holding a post on the organisation's current committee today (党小组组长 posts are
    a group's leader, not a committee seat)."""
    today = timezone.localdate()
    posts = CommitteePost.objects.filter(
        committee__organization=organization, committee__is_current=True
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
    posts = posts.exclude(post=CommitteePost.Post.GROUP_LEADER)
    return set(posts.values_list("person_id", flat=True))


def default_attendee_ids(organization: Organization, meeting_type: MeetingType) -> list[int]:
    rule = meeting_type.default_attendees
    if rule == Attendees.CHOSEN:
        return []
    if rule == Attendees.COMMITTEE:
        return sorted(committee_person_ids(organization))
    members = organization_members(organization)
    if rule == Attendees.GROUP_MEMBERS and organization.org_type != OrgType.GROUP:
        members = attendee_pool(organization)
    return list(members.order_by("person__pinyin_key", "pk").values_list("person_id", flat=True))


def snapshot_rows(meeting: Meeting, person_ids) -> list[Attendance]:
    """Unsaved attendance rows for the people, with their vote and committee seat of today."""
    person_ids = list(dict.fromkeys(person_ids))
    committee = committee_person_ids(meeting.organization)
    voting = set(
        Member.objects.filter(
            person_id__in=person_ids, category=MemberCategory.FULL, status__in=IN_GOOD_STANDING
        ).values_list("person_id", flat=True)
    )
    return [
        Attendance(
            meeting=meeting,
            person_id=person_id,
            is_voting=person_id in voting,
            is_committee_member=person_id in committee,
        )
        for person_id in person_ids
    ]


def check_attendees(organization: Organization, person_ids: list[int]) -> list[int]:
    try:
        person_ids = list(dict.fromkeys(int(pk) for pk in person_ids))
    except (TypeError, ValueError) as exc:
        raise ServiceError("参会人员名单格式不正确，请刷新页面后重新选择。") from exc
    allowed = set(
        attendee_pool(organization)
        .filter(person_id__in=person_ids)
        .values_list("person_id", flat=True)
    )
    allowed |= committee_person_ids(organization) & set(person_ids)
    outside = [pk for pk in person_ids if pk not in allowed]
    if outside:
        # No names: the ids may be of people the caller is not allowed to see.
        raise ServiceError(
            f"所选人员中有 {len(outside)} 人不是“{organization.display_name}”的在册党员，"
            "不能列为应到人员；请重新选择，或改为列席人员登记。"
        )
    return person_ids


# ---------------------------------------------------------------- sign-in window and code


def assign_signin(meeting: Meeting, *, new_code: bool = False) -> None:
    """Draw the sign-in window from the planned times and the rules in force that day, and give
    the meeting a code no other meeting with an overlapping window uses (and a QR token)."""
    day = timezone.localdate(meeting.planned_start)
    opens = datetime.timedelta(minutes=int(rule_value(rules.SIGNIN_OPENS_MINUTES, on=day)))
    closes = datetime.timedelta(minutes=int(rule_value(rules.SIGNIN_CLOSES_MINUTES, on=day)))
    meeting.signin_opens_at = meeting.planned_start - opens
    meeting.signin_closes_at = meeting.planned_end + closes
    if new_code or not meeting.signin_token:
        meeting.signin_token = Meeting.new_signin_token()
    if new_code or not meeting.signin_code or _code_taken(meeting, meeting.signin_code):
        meeting.signin_code = _free_code(meeting)


def _code_taken(meeting: Meeting, code: str) -> bool:
    return (
        Meeting.objects.filter(
            signin_code=code,
            status__in=SIGNABLE,
            signin_opens_at__lt=meeting.signin_closes_at,
            signin_closes_at__gt=meeting.signin_opens_at,
        )
        .exclude(pk=meeting.pk)
        .exists()
    )


def _free_code(meeting: Meeting) -> str:
    for _attempt in range(CODE_ATTEMPTS):
        code = Meeting.new_signin_code()
        if code != meeting.signin_code and not _code_taken(meeting, code):
            return code
    raise ServiceError("暂时无法生成签到码，请稍后重试。")
