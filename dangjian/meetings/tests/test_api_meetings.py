"""`/api/v1/meetings/`: the meetings API for the mobile client — scope matrix of every endpoint,
the writes through the services (400 with their Chinese text), sign-in in its window, the
caller's own meetings, files, and the query counts of the lists."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.meetings.models import Attendance, ClassHourCredit, Meeting, MeetingFile
from dangjian.meetings.tests.factories import (
    account,
    add_members,
    at,
    held,
    meeting_type,
    plan,
)
from dangjian.notifications.models import Notification

pytestmark = pytest.mark.django_db
API = "/api/v1/meetings"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PAST = at(2026, 11, 20, 9)  # a Friday before "today" (2026-11-24)
NOW = at(2026, 11, 24, 10)


@pytest.fixture(autouse=True)
def _today():
    """The module's fixed dates (2026-11-20 past, 2025 last year, "tomorrow" still November) were
    written for 2026-11-24: every test runs on that day unless it travels further itself. The
    clock ticks: a plan sent twice is told apart from a new one by its creation time."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def branch(world):
    """Branch 1 with four full members and one probationary member, each with a login, and a
    党员大会 planned for tomorrow 09:00–11:00."""
    members = add_members(world.branch1, full=4, probationary=1, accounts=True)
    meeting = plan(world.bob, world.branch1, "congress", topic="学习贯彻全会精神")
    return members, meeting


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def _login(client, user):
    """A fresh session (after a time travel the idle timeout would end the old one)."""
    client.logout()
    client.force_login(user)


def _message(response) -> str:
    return response.json()["error"]["message"]


def _state():
    return list(
        Meeting.objects.order_by("pk").values_list(
            "pk", "status", "topic", "present_count", "returned_reason"
        )
    ) + list(Attendance.objects.order_by("pk").values_list("pk", "status"))


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# ---------------------------------------------------------------- reading


def test_list_is_the_visible_part(client, world, branch):
    members, meeting = branch
    member_user = account(members[0])
    assert_access_matrix(
        client,
        url=f"{API}/",
        api=True,
        in_scope=world.bob,
        no_role=world.charlie,
        out_of_scope=world.dave,
        expect={"no_role": 200, "out_of_scope": 200},
    )
    for user, count in ((world.alice, 1), (world.bob, 1), (world.dave, 0), (member_user, 0)):
        client.force_login(user)
        body = client.get(f"{API}/").json()
        assert body["count"] == count, user
    client.force_login(world.bob)
    row = client.get(f"{API}/").json()["results"][0]
    assert row["id"] == meeting.pk
    assert row["status"] == "draft" and row["status_display"] == "计划中"
    assert row["category"] == "congress" and row["meeting_type"]["code"] == "congress"
    assert row["organization"]["id"] == world.branch1.pk
    assert row["expected_count"] == 5
    assert "minutes" not in row and "signin" not in row


def test_list_filters(client, world, branch):
    _members, congress = branch
    add_members(world.branch2, full=2)
    lecture = plan(world.alice, world.branch2, "lecture", topic="党课：党史")
    old = plan(world.bob, world.branch1, "theme_day", start=at(2025, 3, 5, 9), topic="去年主题党日")
    late = plan(world.bob, world.branch1, "group", start=PAST, topic="补录的党小组会")
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        held(world.bob, late)
    Meeting.objects.filter(pk=late.pk).update(is_late_entry=True)
    client.force_login(world.alice)

    def ids(query: str) -> set[int]:
        response = client.get(f"{API}/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {congress.pk, lecture.pk, old.pk, late.pk}
    assert ids(f"organization={world.branch2.pk}") == {lecture.pk}
    assert ids(f"organization={world.mine.pk}") == {congress.pk, lecture.pk, old.pk, late.pk}
    assert ids("category=lecture") == {lecture.pk}
    assert ids(f"type={meeting_type('congress').pk}") == {congress.pk}
    assert ids("status=held") == {late.pk}
    assert ids("year=2025") == {old.pk}
    assert ids("year=2026&month=11") == {congress.pk, lecture.pk, late.pk}
    assert ids("month=3") == {old.pk}
    assert ids("late_entry=true") == {late.pk}
    assert late.pk not in ids("late_entry=false")
    assert ids("q=党史") == {lecture.pk}
    for bad in (
        "month=13",
        "year=abc",
        "status=zzz",
        "category=zzz",
        "late_entry=maybe",
        f"organization={world.branch3.pk}",
    ):
        response = client.get(f"{API}/?{bad}")
        assert response.status_code == 400, bad
        assert response.json()["error"]["message"], bad


def test_list_query_count_does_not_grow(client, world):
    add_members(world.branch1, full=3)
    add_members(world.branch2, full=2)
    client.force_login(world.alice)

    def make(count: int, offset: int):
        for index in range(count):
            organization = world.branch1 if index % 2 else world.branch2
            plan(
                world.alice,
                organization,
                "lecture",
                start=at(2026, 12, 1 + offset + index, 9),
                topic=f"党课{offset + index}",
            )

    make(3, 0)
    few = _queries(client, f"{API}/")
    make(6, 3)
    assert client.get(f"{API}/").json()["count"] == 9
    assert _queries(client, f"{API}/") == few
    page = client.get(f"{API}/?page_size=4&page=2").json()
    assert len(page["results"]) == 4 and page["next"] and page["previous"]
    assert client.get(f"{API}/?page=9").status_code == 404


def test_detail_matrix_and_content(client, world, branch):
    members, meeting = branch
    member_user = account(members[0])
    assert_access_matrix(
        client,
        url=f"{API}/{meeting.pk}/",
        api=True,
        in_scope=world.bob,
        no_role=member_user,
        out_of_scope=world.dave,
    )
    client.force_login(world.charlie)
    assert client.get(f"{API}/{meeting.pk}/").status_code == 404
    client.force_login(world.bob)
    body = client.get(f"{API}/{meeting.pk}/").json()
    assert body["expected_count"] == 5
    assert body["quorum"]["applies"] is True
    assert body["quorum"]["expected"] == 4  # the probationary member has no vote
    assert body["quorum"]["required"] == 3
    assert "法定人数" in body["quorum"]["text"]
    assert body["signin"]["state"] == "not_open"
    assert body["signin"]["code"] == meeting.signin_code and len(body["signin"]["code"]) == 6
    assert body["signin"]["link"] == f"http://testserver/meetings/s/{meeting.signin_token}/"
    assert body["signin"]["qr_image"] == f"http://testserver/meetings/{meeting.pk}/qr.png"
    assert client.get(body["signin"]["qr_image"]).status_code == 200
    assert body["permissions"] == {"manage": True, "review": False}
    assert body["files"] == []
    assert body["late_days"] is None and body["agenda"] == ""
    client.force_login(world.alice)
    assert client.get(f"{API}/{meeting.pk}/").json()["permissions"] == {
        "manage": True,
        "review": True,
    }


def test_lookup_takes_digits_only(client, world, branch):
    client.force_login(world.alice)
    assert client.get(f"{API}/abc/").status_code == 404
    assert client.get(f"{API}/999999/").status_code == 404


# ---------------------------------------------------------------- planning


def _plan_body(world, **extra):
    return {
        "organization": world.branch1.pk,
        "meeting_type": meeting_type("congress").pk,
        "topic": "第四季度党员大会",
        "planned_start": "2026-12-03T09:00:00+08:00",
        "planned_end": "2026-12-03T11:00:00+08:00",
        "place": "会议室",
        **extra,
    }


def test_create_plans_through_the_service(client, world, branch):
    members, _ = branch
    client.force_login(world.bob)
    response = _post(client, f"{API}/", _plan_body(world, host=members[0].person_id))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["expected_count"] == 5
    assert body["host"] == {"id": members[0].person_id, "name": members[0].person.name}
    assert body["held_on"] == "2026-12-03"
    assert body["signin"]["opens_at"].startswith("2026-12-03T08:30")
    assert AuditEntry.objects.filter(action="meetings.meeting_create").exists()
    # A double click returns the same meeting.
    again = _post(client, f"{API}/", _plan_body(world, host=members[0].person_id))
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    chosen = _post(
        client,
        f"{API}/",
        _plan_body(world, topic="只请两位", attendee_ids=[m.person_id for m in members[:2]]),
    )
    assert chosen.status_code == 201 and chosen.json()["expected_count"] == 2


def test_create_with_an_upper_lecturer_and_the_upper_guide(client, world, branch):
    from dangjian.meetings.models import Guide
    from dangjian.members.tests.factories import make_person

    secretary = make_person(world.mine, "矿党委书记")
    guide = Guide.objects.create(
        organization=world.mine,
        month=datetime.date(2026, 12, 1),
        title="十二月组织生活指南",
        status=Guide.Status.PUBLISHED,
    )
    client.force_login(world.bob)
    body = _plan_body(
        world,
        meeting_type=meeting_type("lecture").pk,
        topic="专题党课",
        lecturer=secretary.pk,
        guide=guide.pk,
    )
    response = _post(client, f"{API}/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["lecturer"]["name"] == "矿党委书记"
    assert response.json()["guide"] == guide.pk
    far = make_person(world.branch3, "外矿人员")
    response = _post(client, f"{API}/", {**body, "topic": "另一党课", "lecturer": far.pk})
    assert response.status_code == 400 and _message(response)
    draft = Guide.objects.create(
        organization=world.mine, month=datetime.date(2026, 12, 1), title="草稿指南"
    )
    response = _post(client, f"{API}/", {**body, "topic": "第三党课", "guide": draft.pk})
    assert response.status_code == 400 and "指南" in _message(response)
    response = _post(client, f"{API}/", {**body, "topic": "第四党课", "host": 99999999})
    assert response.status_code == 400 and "不存在" in _message(response)


def test_create_refusals(client, world, branch):
    before = Meeting.objects.count()
    client.force_login(world.charlie)
    assert _post(client, f"{API}/", _plan_body(world)).status_code == 403
    client.force_login(world.dave)
    response = _post(client, f"{API}/", _plan_body(world))
    assert response.status_code == 400
    assert "organization" in response.json()["error"]["details"]
    client.force_login(world.bob)
    response = _post(client, f"{API}/", _plan_body(world, organization=world.branch2.pk))
    assert response.status_code == 400
    response = _post(client, f"{API}/", _plan_body(world, planned_end="2026-12-03T08:00:00+08:00"))
    assert response.status_code == 400
    assert "结束" in _message(response)
    response = _post(client, f"{API}/", {"topic": ""})
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) >= {"organization", "meeting_type", "topic"}
    response = _post(client, f"{API}/", _plan_body(world, meeting_type=99999))
    assert response.status_code == 400
    assert "会议类型" in _message(response)
    client.logout()
    assert _post(client, f"{API}/", _plan_body(world)).status_code == 401
    assert Meeting.objects.count() == before


def test_partial_update(client, world, branch):
    members, meeting = branch
    url = f"{API}/{meeting.pk}/"
    assert_access_matrix(
        client,
        url=url,
        method="patch",
        data={"topic": "改过的主题"},
        api=True,
        in_scope=world.bob,
        no_role=world.charlie,
        out_of_scope=world.dave,
        state=_state,
    )
    meeting.refresh_from_db()
    assert meeting.topic == "改过的主题"
    client.force_login(world.bob)
    response = _patch(client, url, {"attendee_ids": [m.person_id for m in members[:3]]})
    assert response.status_code == 200
    assert response.json()["expected_count"] == 3
    response = _patch(client, url, {"planned_end": "2020-01-01T08:00:00+08:00"})
    assert response.status_code == 400 and _message(response)
    stranger = add_members(world.branch3, full=1)[0]
    both = _patch(client, url, {"topic": "不应保存", "attendee_ids": [stranger.person_id]})
    assert both.status_code == 400 and _message(both)
    meeting.refresh_from_db()
    assert meeting.topic == "改过的主题"  # the two parts of one request stand or fall together


def test_notify_is_harmless_twice(client, world, branch):
    _members, meeting = branch
    url = f"{API}/{meeting.pk}/notify/"
    result = assert_access_matrix(
        client,
        url=url,
        method="post",
        data={},
        api=True,
        in_scope=world.bob,
        no_role=world.charlie,
        out_of_scope=world.dave,
        state=_state,
    )
    first = result.responses["in_scope"].json()
    assert first["notified"] == 5
    assert first["meeting"]["status"] == "notified"
    notices = Notification.objects.count()
    client.force_login(world.bob)
    second = _post(client, url).json()
    assert second["notified"] == 0
    assert Notification.objects.count() == notices


def test_cancel_needs_a_reason_and_locks(client, world, branch):
    _members, meeting = branch
    client.force_login(world.bob)
    url = f"{API}/{meeting.pk}/cancel/"
    response = _post(client, url, {})
    assert response.status_code == 400
    response = _post(client, url, {"reason": "与安全生产检查时间冲突"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_reason"] == "与安全生产检查时间冲突"
    refused = _post(client, f"{API}/{meeting.pk}/notify/")
    assert refused.status_code == 400
    assert "取消" in _message(refused)


# ---------------------------------------------------------------- attendance and sign-in


def test_attendance_rows_and_marks(client, world, branch):
    _members, meeting = branch
    url = f"{API}/{meeting.pk}/attendance/"
    assert_access_matrix(
        client,
        url=url,
        api=True,
        in_scope=world.bob,
        no_role=world.charlie,
        out_of_scope=world.dave,
    )
    client.force_login(world.bob)
    rows = client.get(url).json()
    assert len(rows) == 5
    assert {row["status"] for row in rows} == {"pending"}
    assert sum(row["is_voting"] for row in rows) == 4
    first, second = rows[0]["id"], rows[1]["id"]
    missing_reason = _post(client, url, {"marks": [{"id": second, "status": "leave"}]})
    assert missing_reason.status_code == 400
    assert "请假事由" in _message(missing_reason)
    unknown = _post(client, url, {"marks": [{"id": 999999, "status": "present"}]})
    assert unknown.status_code == 400
    assert _post(client, url, {"marks": []}).status_code == 400
    marks = {
        "marks": [
            {"id": first, "status": "present"},
            {"id": second, "status": "leave", "leave_reason": "井下值班"},
        ]
    }
    response = _post(client, url, marks)
    assert response.status_code == 200
    by_id = {row["id"]: row for row in response.json()}
    assert by_id[first]["status"] == "present" and by_id[first]["method"] == "manual"
    assert by_id[second]["leave_reason"] == "井下值班"
    detail = client.get(f"{API}/{meeting.pk}/").json()
    assert (detail["present_count"], detail["leave_count"]) == (1, 1)
    client.force_login(world.dave)
    assert _post(client, url, marks).status_code == 404


def test_visitor_and_reset_code(client, world, branch):
    _members, meeting = branch
    client.force_login(world.charlie)
    assert _post(client, f"{API}/{meeting.pk}/visitors/", {"name": "王科长"}).status_code == 404
    client.force_login(world.bob)
    response = _post(
        client, f"{API}/{meeting.pk}/visitors/", {"name": "王科长", "title": "矿组织部"}
    )
    assert response.status_code == 201
    assert response.json()["is_visitor"] is True
    assert client.get(f"{API}/{meeting.pk}/").json()["visitor_count"] == 1
    assert _post(client, f"{API}/{meeting.pk}/visitors/", {"name": ""}).status_code == 400
    old = meeting.signin_code
    response = _post(client, f"{API}/{meeting.pk}/reset-code/")
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert response.json()["signin"]["code"] == meeting.signin_code
    assert meeting.signin_token
    assert old  # the new code may by chance equal the old one; the token always changes


def test_sign_in_window_via_the_api(client, world, branch):
    members, meeting = branch
    _login(client, world.bob)
    _post(client, f"{API}/{meeting.pk}/notify/")
    user = account(members[0])
    url = f"{API}/sign-in/"
    code = meeting.signin_code
    start = meeting.planned_start  # tomorrow 09:00, window 08:30–11:30
    # Logged in inside each travel: the idle timeout would end a session from another time.
    with time_machine.travel(start - datetime.timedelta(minutes=31), tick=False):
        _login(client, user)
        early = _post(client, url, {"code": code})
    assert early.status_code == 400
    assert "签到尚未开始" in _message(early) and "08:30" in _message(early)
    with time_machine.travel(start - datetime.timedelta(minutes=30), tick=False):
        _login(client, user)
        wrong = _post(client, url, {"code": "000000" if code != "000000" else "111111"})
        assert wrong.status_code == 400
        assert "签到码不正确" in _message(wrong)
        response = _post(client, url, {"code": code})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["already"] is False and "签到成功" in body["message"]
    assert body["attendance"]["status"] == "present"
    assert body["attendance"]["method"] == "code"
    assert body["meeting"]["id"] == meeting.pk
    first_time = body["attendance"]["signed_in_at"]
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        _login(client, user)
        again = _post(client, url, {"code": code}).json()
    assert "already" in again, again
    assert again["already"] is True and again["attendance"]["signed_in_at"] == first_time
    second = account(members[1])
    with time_machine.travel(meeting.planned_end + datetime.timedelta(minutes=30), tick=False):
        _login(client, second)
        late = _post(client, url, {"code": code})
    assert late.status_code == 400
    assert "截止" in _message(late)
    with time_machine.travel(start, tick=False):
        _login(client, second)
        by_token = _post(client, url, {"token": meeting.signin_token})
    assert by_token.status_code == 200
    assert by_token.json()["attendance"]["method"] == "qr"
    meeting.refresh_from_db()
    assert meeting.present_count == 2


def test_sign_in_refusals(client, world, branch):
    _members, meeting = branch
    stranger = add_members(world.branch2, full=1, accounts=True)[0]
    with time_machine.travel(meeting.planned_start, tick=False):
        assert _post(client, f"{API}/sign-in/", {"code": meeting.signin_code}).status_code == 401
        client.force_login(world.charlie)  # an account without a person
        response = _post(client, f"{API}/sign-in/", {"code": meeting.signin_code})
        assert response.status_code == 400
        assert "没有关联党员信息" in _message(response)
        client.force_login(account(stranger))
        response = _post(client, f"{API}/sign-in/", {"code": meeting.signin_code})
        assert response.status_code == 400
        assert "不在本次会议的参会范围内" in _message(response)
        response = _post(client, f"{API}/sign-in/", {})
        assert response.status_code == 400
        assert "签到码" in _message(response)
        response = _post(client, f"{API}/sign-in/", {"token": "x" * 43})
        assert response.status_code == 400
        assert "二维码无效" in _message(response)
    assert not Attendance.objects.filter(status=Attendance.Status.PRESENT).exists()


def test_sign_in_attempts_are_limited(client, world, branch):
    members, meeting = branch
    client.force_login(account(members[0]))
    wrong = "000000" if meeting.signin_code != "000000" else "111111"
    codes = [_post(client, f"{API}/sign-in/", {"code": wrong}).status_code for _ in range(10)]
    assert codes == [400] * 10
    blocked = _post(client, f"{API}/sign-in/", {"code": meeting.signin_code})
    assert blocked.status_code == 429
    assert blocked.json()["error"]["details"]["retry_after"] > 0
    assert "签到尝试过于频繁" in _message(blocked)


def test_a_member_not_drawn_is_added_at_sign_in(client, world, branch):
    members, _ = branch
    chosen = plan(
        world.bob,
        world.branch1,
        "lecture",
        topic="专题党课",
        start=at(2026, 11, 26, 14),
        attendee_ids=[members[0].person_id],
    )
    with time_machine.travel(chosen.planned_start, tick=False):
        client.force_login(account(members[3]))
        response = _post(client, f"{API}/sign-in/", {"code": chosen.signin_code})
    assert response.status_code == 200
    chosen.refresh_from_db()
    assert (chosen.expected_count, chosen.present_count) == (2, 1)


# ---------------------------------------------------------------- the caller's meetings


def test_mine_upcoming_and_history(client, world, branch):
    members, meeting = branch
    user = account(members[0])
    client.force_login(user)
    empty = client.get(f"{API}/mine/").json()
    assert empty["upcoming"] == [] and empty["history"]["count"] == 0  # not notified yet
    client.force_login(world.bob)
    _post(client, f"{API}/{meeting.pk}/notify/")
    client.force_login(user)
    mine = client.get(f"{API}/mine/").json()
    assert [row["id"] for row in mine["upcoming"]] == [meeting.pk]
    assert mine["upcoming"][0]["my_status"] == "pending"
    assert mine["upcoming"][0]["signin_state"] == "not_open"
    assert "agenda" in mine["upcoming"][0] and "signin_code" not in mine["upcoming"][0]
    past = plan(world.bob, world.branch1, "lecture", start=PAST, topic="上周党课")
    with time_machine.travel(at(2026, 11, 21, 9), tick=False):
        held(world.bob, past, present=members[:1])
    history = client.get(f"{API}/mine/").json()["history"]
    assert history["count"] == 1
    row = history["results"][0]
    assert row["meeting"]["id"] == past.pk and row["status"] == "present"
    assert row["class_hours"] == str(
        ClassHourCredit.objects.get(meeting=past, person=members[0].person).hours
    )
    client.force_login(world.charlie)
    assert client.get(f"{API}/mine/").json() == {
        "upcoming": [],
        "history": {"count": 0, "next": None, "previous": None, "results": []},
    }
    client.logout()
    assert client.get(f"{API}/mine/").status_code == 401


def test_mine_query_count_does_not_grow(client, world, branch):
    members, _ = branch
    user = account(members[0])

    def hold(count: int, offset: int):
        for index in range(count):
            past = plan(
                world.bob,
                world.branch1,
                "lecture",
                start=at(2026, 10, 1 + offset + index, 9),
                topic=f"党课{offset + index}",
            )
            with time_machine.travel(at(2026, 10, 2 + offset + index, 9), tick=False):
                held(world.bob, past, present=members[:2])
            upcoming = plan(
                world.bob,
                world.branch1,
                "theme_day",
                start=at(2026, 12, 1 + offset + index, 9),
                topic=f"主题党日{offset + index}",
            )
            _notify(upcoming, world.bob)

    hold(2, 0)
    client.force_login(user)
    few = _queries(client, f"{API}/mine/")
    hold(4, 2)
    body = client.get(f"{API}/mine/").json()
    assert body["history"]["count"] == 6 and len(body["upcoming"]) == 6
    assert _queries(client, f"{API}/mine/") == few


def _notify(meeting, user):
    from dangjian.meetings.services.planning import notify_meeting

    notify_meeting(meeting, user=user)


# ---------------------------------------------------------------- record and review


def _record_body(**extra):
    return {
        "actual_start": "2026-11-20T09:00:00+08:00",
        "actual_end": "2026-11-20T11:00:00+08:00",
        "minutes": "<p>学习了全会精神。</p><script>alert(1)</script>",
        "resolutions": "通过了发展对象名单",
        **extra,
    }


def test_record_review_return_resubmit(client, world, branch):
    past = plan(world.bob, world.branch1, "congress", start=PAST, topic="十一月党员大会")
    record_url = f"{API}/{past.pk}/record/"
    with time_machine.travel(at(2026, 11, 21, 9), tick=False):
        assert_access_matrix(
            client,
            url=record_url,
            method="post",
            data=_record_body(),
            api=True,
            in_scope=world.bob,
            no_role=world.charlie,
            out_of_scope=world.dave,
            state=_state,
        )
    past.refresh_from_db()
    assert past.status == Meeting.Status.HELD
    assert "<script>" not in past.minutes and "学习了全会精神" in past.minutes
    assert past.is_late_entry is False
    client.force_login(world.bob)
    detail = client.get(f"{API}/{past.pk}/").json()
    assert detail["absent_count"] == 5 and detail["has_quorum"] is False
    assert "未达到法定人数" in detail["quorum"]["text"]

    # A branch cannot review itself; the upper organisation can.
    refused = _post(client, f"{API}/{past.pk}/review/")
    assert refused.status_code == 403
    assert_access_matrix(
        client,
        url=f"{API}/{past.pk}/review/",
        method="post",
        data={"comment": "记录完整"},
        api=True,
        in_scope=world.alice,
        no_role=world.charlie,
        out_of_scope=world.dave,
        state=_state,
    )
    past.refresh_from_db()
    assert past.status == Meeting.Status.REVIEWED and past.review_comment == "记录完整"

    with time_machine.travel(at(2026, 11, 21, 10), tick=False):
        client.force_login(world.bob)
        locked = _post(client, record_url, _record_body())
    assert locked.status_code == 400
    assert _message(locked) == "本记录已经上级审核锁定；如需修改，请联系上级组织退回。"
    client.force_login(world.bob)
    assert (
        _post(client, f"{API}/{past.pk}/return/", {"reason": "请补充会议照片"}).status_code == 403
    )

    client.force_login(world.alice)
    short = _post(client, f"{API}/{past.pk}/return/", {"reason": "补照片"})
    assert short.status_code == 400 and "至少" in _message(short)
    returned = _post(client, f"{API}/{past.pk}/return/", {"reason": "请补充会议照片和签到表"})
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"
    assert returned.json()["returned_reason"] == "请补充会议照片和签到表"

    client.force_login(world.dave)
    assert _post(client, f"{API}/{past.pk}/resubmit/").status_code == 404
    client.force_login(world.bob)
    resubmitted = _post(client, f"{API}/{past.pk}/resubmit/")
    assert resubmitted.status_code == 200 and resubmitted.json()["status"] == "held"
    again = _post(client, f"{API}/{past.pk}/resubmit/")
    assert again.status_code == 200 and again.json()["status"] == "held"


def test_record_new_enters_an_unplanned_meeting_at_once(client, world, branch):
    members, _ = branch
    body = {
        "organization": world.branch1.pk,
        "meeting_type": meeting_type("theme_day").pk,
        "topic": "十一月主题党日：义务植树",
        "actual_start": "2026-11-20T14:00:00+08:00",
        "actual_end": "2026-11-20T16:00:00+08:00",
        "minutes": "<p>全体党员参加义务植树。</p>",
        "place": "矿区东山",
        "present_ids": [m.person_id for m in members[:2]],
    }
    url = f"{API}/record-new/"
    before = Meeting.objects.count()
    client.force_login(world.charlie)
    assert _post(client, url, body).status_code == 403
    client.force_login(world.dave)
    assert _post(client, url, body).status_code == 400
    client.force_login(world.bob)
    future = _post(
        client,
        url,
        {
            **body,
            "actual_start": "2026-12-20T14:00:00+08:00",
            "actual_end": "2026-12-20T16:00:00+08:00",
        },
    )
    assert future.status_code == 400 and "还没有开始" in _message(future)
    stranger = add_members(world.branch2, full=1)[0]
    wrong = _post(client, url, {**body, "present_ids": [stranger.person_id]})
    assert wrong.status_code == 400 and _message(wrong)
    assert Meeting.objects.count() == before  # refused entries leave nothing behind
    response = _post(client, url, body)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "held" and created["held_on"] == "2026-11-20"
    assert (created["expected_count"], created["present_count"], created["absent_count"]) == (
        5,
        2,
        3,
    )
    assert created["place"] == "矿区东山" and created["recorded_at"]
    again = _post(client, url, body)
    assert again.status_code == 200 and again.json()["id"] == created["id"]


def test_record_refusals_and_late_entry(client, world, branch):
    _members, meeting = branch  # tomorrow's meeting
    client.force_login(world.bob)
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)  # not a fixed day: it comes
    future = _post(
        client,
        f"{API}/{meeting.pk}/record/",
        _record_body(
            actual_start=f"{tomorrow}T09:00:00+08:00", actual_end=f"{tomorrow}T11:00:00+08:00"
        ),
    )
    assert future.status_code == 400 and "还没有开始" in _message(future)
    assert _post(client, f"{API}/{meeting.pk}/record/", {}).status_code == 400
    past = plan(world.bob, world.branch1, "lecture", start=PAST, topic="迟录的党课")
    with time_machine.travel(at(2026, 12, 5, 9), tick=False):
        client.force_login(world.bob)
        response = _post(client, f"{API}/{past.pk}/record/", _record_body(class_hours="1.5"))
    assert response.status_code == 200
    assert response.json()["is_late_entry"] is True
    assert response.json()["late_days"] == 15
    assert response.json()["class_hours"] == "1.5"


# ---------------------------------------------------------------- files


def test_files_upload_list_delete(client, world, branch):
    _members, meeting = branch
    url = f"{API}/{meeting.pk}/files/"
    client.force_login(world.dave)
    photo = SimpleUploadedFile("会场.png", PNG, content_type="image/png")
    assert client.post(url, {"file": photo, "kind": "photo"}).status_code == 404
    client.force_login(world.charlie)
    assert client.get(url).status_code == 404
    assert not MeetingFile.objects.exists()

    client.force_login(world.bob)
    photo = SimpleUploadedFile("会场.png", PNG, content_type="image/png")
    response = client.post(url, {"file": photo, "kind": "photo", "title": "会场照片"})
    assert response.status_code == 201, response.json()
    stored = response.json()
    assert stored["kind"] == "photo" and stored["file_kind"] == "png"
    assert stored["title"] == "会场照片"
    assert stored["url"].endswith(f"/meetings/files/{stored['id']}/") or stored["url"]
    text = SimpleUploadedFile("假照片.png", b"not an image at all", content_type="image/png")
    refused = client.post(url, {"file": text, "kind": "photo"})
    assert refused.status_code == 400
    assert "格式不对" in _message(refused)
    assert client.post(url, {"kind": "photo"}).status_code == 400
    listed = client.get(url).json()
    assert [row["id"] for row in listed] == [stored["id"]]
    assert client.get(f"{API}/{meeting.pk}/").json()["files"][0]["id"] == stored["id"]

    delete_url = f"{API}/{meeting.pk}/files/{stored['id']}/"
    client.force_login(world.dave)
    assert client.delete(delete_url).status_code == 404
    client.force_login(world.bob)
    assert client.delete(f"{API}/{meeting.pk}/files/999999/").status_code == 404
    assert client.delete(delete_url).status_code == 204
    assert not MeetingFile.objects.exists()


def test_file_download_url_goes_through_the_scoped_page(client, world, branch):
    _members, meeting = branch
    client.force_login(world.bob)
    photo = SimpleUploadedFile("会场.png", PNG, content_type="image/png")
    stored = client.post(f"{API}/{meeting.pk}/files/", {"file": photo, "kind": "photo"}).json()
    assert stored["url"].startswith("http://testserver/meetings/")
    assert client.get(stored["url"]).status_code == 200
    client.force_login(world.dave)
    assert client.get(stored["url"]).status_code == 404


def test_upload_refused_after_review(client, world, branch):
    past = plan(world.bob, world.branch1, "lecture", start=PAST, topic="已审核的党课")
    with time_machine.travel(at(2026, 11, 21, 9), tick=False):
        held(world.bob, past)
    client.force_login(world.alice)
    assert _post(client, f"{API}/{past.pk}/review/").status_code == 200
    client.force_login(world.bob)
    photo = SimpleUploadedFile("会场.png", PNG, content_type="image/png")
    response = client.post(f"{API}/{past.pk}/files/", {"file": photo, "kind": "photo"})
    assert response.status_code == 400
    assert "审核锁定" in _message(response)


def test_schema_names_the_endpoints(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/meetings/",
        "/api/v1/meetings/{id}/",
        "/api/v1/meetings/{id}/attendance/",
        "/api/v1/meetings/{id}/files/",
        "/api/v1/meetings/{id}/return/",
        "/api/v1/meetings/sign-in/",
        "/api/v1/meetings/mine/",
    ):
        assert path in paths, path


# ---------------------------------------------------------------- every endpoint, every persona


@pytest.fixture
def viewer(world):
    """An account that may see branch 1's meetings and change nothing (a custom role)."""
    from dangjian.accounts.models import Role
    from dangjian.core.testing.world import grant, make_user
    from dangjian.meetings.permissions import VIEW_MEETING

    Role.objects.create(code="meeting_viewer", name="组织生活查阅", permissions=[VIEW_MEETING])
    user = make_user("viewer", "查阅员")
    grant(user, "meeting_viewer", world.branch1)
    return user


def _past_held(world):
    past = plan(world.bob, world.branch1, "lecture", start=PAST, topic="上周的党课")
    with time_machine.travel(at(2026, 11, 21, 9), tick=False):
        held(world.bob, past)
    return past


def _returned(world):
    past = _past_held(world)
    from dangjian.meetings.services.records import return_meeting

    return_meeting(past, user=world.alice, reason="请补充会议照片和签到表")
    return past


def _first_row(meeting):
    return {"marks": [{"id": meeting.attendances.first().pk, "status": "present"}]}


# (name, method, suffix, body(meeting) | None, builder, who may, is_write)
ENDPOINTS = [
    ("detail", "get", "", None, "future", "bob", False),
    ("update", "patch", "", lambda m: {"topic": "改过的主题"}, "future", "bob", True),
    ("notify", "post", "notify/", lambda m: {}, "future", "bob", True),
    (
        "cancel",
        "post",
        "cancel/",
        lambda m: {"reason": "与检修时间冲突，改期"},
        "future",
        "bob",
        True,
    ),
    ("attendance", "get", "attendance/", None, "future", "bob", False),
    ("marks", "post", "attendance/", _first_row, "future", "bob", True),
    ("visitors", "post", "visitors/", lambda m: {"name": "王科长"}, "future", "bob", True),
    ("reset-code", "post", "reset-code/", lambda m: {}, "future", "bob", True),
    ("files", "get", "files/", None, "future", "bob", False),
    ("record", "post", "record/", lambda m: _record_body(), "past", "bob", True),
    ("review", "post", "review/", lambda m: {}, "held", "alice", True),
    ("return", "post", "return/", lambda m: {"reason": "请补充会议照片"}, "held", "alice", True),
    ("resubmit", "post", "resubmit/", lambda m: {}, "returned", "bob", True),
]


@pytest.mark.parametrize(
    ("method", "suffix", "body", "builder", "allowed", "is_write"),
    [endpoint[1:] for endpoint in ENDPOINTS],
    ids=[endpoint[0] for endpoint in ENDPOINTS],
)
def test_every_endpoint_for_every_persona(
    client, world, viewer, method, suffix, body, builder, allowed, is_write
):
    members = add_members(world.branch1, full=3, accounts=True)
    meeting = {
        "future": lambda: plan(world.bob, world.branch1, "congress", topic="下月党员大会"),
        "past": lambda: plan(world.bob, world.branch1, "lecture", start=PAST, topic="上周党课"),
        "held": lambda: _past_held(world),
        "returned": lambda: _returned(world),
    }[builder]()
    url = f"{API}/{meeting.pk}/{suffix}"
    data = body(meeting) if body else None
    # A plain member (a person with a login, no role) never sees the meeting here.
    assert_access_matrix(
        client,
        url=url,
        method=method,
        data=data,
        api=True,
        in_scope=getattr(world, allowed),
        no_role=account(members[0]),
        out_of_scope=world.dave,
        state=_state,
        expect={"in_scope": 201 if suffix == "visitors/" else 200},
    )
    _login(client, world.charlie)
    assert getattr(client, method)(url, data, content_type="application/json").status_code == 404
    # Who sees the meeting but may not change it is told so (403), and nothing changes.
    before = _state()
    _login(client, viewer)
    response = getattr(client, method)(url, data, content_type="application/json")
    assert response.status_code == (403 if is_write else 200), response.json()
    if is_write:
        assert response.json()["error"]["message"]
    assert _state() == before


def test_a_viewer_sees_no_sign_in_code_and_cannot_upload(client, world, branch, viewer):
    _members, meeting = branch
    client.force_login(world.bob)
    photo = SimpleUploadedFile("会场.png", PNG, content_type="image/png")
    stored = client.post(f"{API}/{meeting.pk}/files/", {"file": photo, "kind": "photo"}).json()
    client.force_login(viewer)
    body = client.get(f"{API}/{meeting.pk}/").json()
    assert body["permissions"] == {"manage": False, "review": False}
    assert body["signin"]["code"] is None and body["signin"]["link"] is None
    assert body["signin"]["qr_image"] is None and body["signin"]["state"] == "not_open"
    assert [row["id"] for row in body["files"]] == [stored["id"]]
    photo = SimpleUploadedFile("会场2.png", PNG, content_type="image/png")
    response = client.post(f"{API}/{meeting.pk}/files/", {"file": photo, "kind": "photo"})
    assert response.status_code == 403
    assert client.delete(f"{API}/{meeting.pk}/files/{stored['id']}/").status_code == 403
    assert MeetingFile.objects.count() == 1


def test_detail_and_attendance_query_counts_do_not_grow(client, world):
    add_members(world.branch1, full=2)
    meeting = plan(world.bob, world.branch1, "congress", topic="计数")
    client.force_login(world.bob)

    def upload(count: int, offset: int):
        for index in range(count):
            photo = SimpleUploadedFile(f"{offset + index}.png", PNG, content_type="image/png")
            title = f"照片{offset + index}"
            client.post(
                f"{API}/{meeting.pk}/files/", {"file": photo, "kind": "photo", "title": title}
            )

    upload(1, 0)
    few = [_queries(client, f"{API}/{meeting.pk}/{part}") for part in ("", "attendance/", "files/")]
    upload(3, 1)
    add_members(world.branch1, full=4)
    from dangjian.meetings.services.planning import set_attendees

    set_attendees(
        meeting,
        user=world.bob,
        person_ids=list(world.branch1.members.values_list("person_id", flat=True)),
    )
    assert len(client.get(f"{API}/{meeting.pk}/").json()["files"]) == 4
    assert len(client.get(f"{API}/{meeting.pk}/attendance/").json()) == 6
    many = [
        _queries(client, f"{API}/{meeting.pk}/{part}") for part in ("", "attendance/", "files/")
    ]
    assert many == few


def test_the_phone_signs_in_with_a_bearer_token(world, branch):
    """The mobile client: a token, no session and no CSRF cookie."""
    from django.test import Client
    from rest_framework.authtoken.models import Token

    members, meeting = branch
    _notify(meeting, world.bob)
    token = Token.objects.create(user=account(members[2]))
    phone = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token.key}")
    with time_machine.travel(meeting.planned_start, tick=False):
        upcoming = phone.get(f"{API}/mine/").json()["upcoming"]
        assert [row["signin_state"] for row in upcoming] == ["open"]
        response = phone.post(
            f"{API}/sign-in/", {"code": meeting.signin_code}, content_type="application/json"
        )
    assert response.status_code == 200, response.json()
    assert response.json()["attendance"]["person"]["id"] == members[2].person_id
    assert Client(HTTP_AUTHORIZATION="Bearer wrong").get(f"{API}/mine/").status_code == 401
