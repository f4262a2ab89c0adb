"""The secretary's 组织生活 pages: the permission matrix on every page, the forms through HTTP
(plan, attendance, record, upload, review), refusals in Chinese, and query-count guards."""

import datetime
import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.meetings.models import Attendance, Meeting, MeetingFile
from dangjian.meetings.services.attendance import mark_attendance
from dangjian.meetings.tests.factories import account, add_members, at, held, plan

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 24, 10)


@pytest.fixture(autouse=True)
def _today():
    """The module's meetings are planned for "tomorrow" (2026-11-25) and held on fixed days after
    it: every test runs on 2026-11-24, as the dates were written."""
    with time_machine.travel(NOW, tick=False):
        yield


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _state():
    return (
        list(Meeting.objects.order_by("pk").values()),
        list(Attendance.objects.order_by("pk").values()),
        list(MeetingFile.objects.order_by("pk").values("pk", "title")),
    )


@pytest.fixture
def members(world):
    return add_members(world.branch1, full=4, probationary=1, accounts=True)


@pytest.fixture
def meeting(world, members):
    return plan(world.bob, world.branch1, "congress", topic="学习党的二十届四中全会精神")


@pytest.fixture
def member_user(members):
    return account(members[0])


MANAGE_PAGES = [
    "meetings:detail",
    "meetings:edit",
    "meetings:attendance",
    "meetings:record",
    "meetings:upload",
    "meetings:cancel",
    "meetings:qr",
]


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_meeting_pages_answer_the_secretary_and_hide_from_others(client, world, meeting, name):
    assert_access_matrix(
        client,
        url=reverse(name, args=[meeting.pk]),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_a_plain_member_sees_none_of_the_secretary_pages(client, meeting, member_user, name):
    client.force_login(member_user)
    assert client.get(reverse(name, args=[meeting.pk])).status_code == 404


def test_the_upper_organisation_sees_the_meeting_and_may_review_it(client, world, meeting):
    client.force_login(world.alice)
    page = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert page.status_code == 200
    assert "学习党的二十届四中全会精神" in page.content.decode()


def test_list_and_plan_pages_matrix(client, world, meeting, member_user):
    for name in ("meetings:list", "meetings:create"):
        result = assert_access_matrix(
            client, url=reverse(name), in_scope=world.bob, no_role=world.charlie
        )
        assert result.responses["in_scope"].status_code == 200
        client.force_login(member_user)
        assert client.get(reverse(name)).status_code == 404


def test_the_list_shows_only_the_scope(client, world, meeting, members):
    from dangjian.meetings.tests.factories import add_members as more

    more(world.branch3, full=2)
    other = plan(world.dave, world.branch3, "theme_day", topic="二矿的主题党日")
    client.force_login(world.alice)
    body = client.get(reverse("meetings:list")).content.decode()
    assert meeting.topic in body and other.topic not in body
    client.force_login(world.dave)
    body = client.get(reverse("meetings:list")).content.decode()
    assert meeting.topic not in body and other.topic in body


@pytest.mark.parametrize(
    "query",
    [
        "status=held",
        "late=on",
        "awaiting=on",
        "year=2026&month=11",
        "year=abc&month=13&status=nonsense&within=999999",
    ],
)
def test_list_filters_never_fail(client, world, meeting, query):
    client.force_login(world.bob)
    assert client.get(reverse("meetings:list") + "?" + query).status_code == 200


def test_list_filters_narrow_the_rows(client, world, members, meeting):
    with time_machine.travel(NOW, tick=False):
        old = plan(
            world.bob, world.branch1, "lecture", start=at(2026, 11, 2, 9), topic="迟录的党课"
        )
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        held(world.bob, old, present=members[:3])
    client.force_login(world.bob)
    late = client.get(reverse("meetings:list") + "?late=on").content.decode()
    assert "迟录的党课" in late and meeting.topic not in late
    assert "补录" in late
    awaiting = client.get(reverse("meetings:list") + "?awaiting=on").content.decode()
    assert "迟录的党课" in awaiting and meeting.topic not in awaiting


def test_list_query_count_does_not_grow_with_the_rows(
    client, world, members, django_assert_max_num_queries
):
    client.force_login(world.bob)
    for index in range(3):
        plan(world.bob, world.branch1, "theme_day", topic=f"主题党日{index}")
    client.get(reverse("meetings:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("meetings:list"))
    for index in range(3, 12):
        plan(world.bob, world.branch1, "theme_day", topic=f"主题党日{index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("meetings:list"))


# ---------------------------------------------------------------- plan


def _plan_data(world, members, **extra):
    return {
        "organization": world.branch1.pk,
        "meeting_type": 1,
        "topic": "支部党员大会：讨论发展对象",
        "planned_start": "2026-11-26T09:00",
        "planned_end": "2026-11-26T11:00",
        "place": "综采一队会议室",
        "host": members[0].person_id,
        "attendees_drawn": "on",
        "attendees": [m.person_id for m in members[:3]],
        "visitors": "王主任 一矿党委组织部",
        "form_token": "a" * 32,
        **extra,
    }


def test_planning_through_the_form_once_even_on_a_double_click(client, world, members):
    from dangjian.meetings.tests.factories import meeting_type

    client.force_login(world.bob)
    data = _plan_data(world, members, meeting_type=meeting_type("congress").pk)
    with time_machine.travel(NOW, tick=False):
        first = client.post(reverse("meetings:create"), data)
        second = client.post(reverse("meetings:create"), data)
    meeting = Meeting.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse(
        "meetings:detail", args=[meeting.pk]
    )
    assert second.status_code == 302
    assert meeting.expected_count == 3 and meeting.visitor_count == 1
    assert meeting.host_id == members[0].person_id


def test_the_plan_form_refuses_in_chinese(client, world, members):
    from dangjian.meetings.tests.factories import meeting_type

    client.force_login(world.bob)
    data = _plan_data(
        world, members, meeting_type=meeting_type("congress").pk, planned_end="2026-11-26T08:00"
    )
    page = client.post(reverse("meetings:create"), data)
    assert page.status_code == 400
    assert "结束时间须晚于开始时间" in page.content.decode()
    committee = _plan_data(world, members, meeting_type=meeting_type("committee").pk)
    with time_machine.travel(NOW, tick=False):
        page = client.post(reverse("meetings:create"), committee)
    assert page.status_code == 400
    assert "没有现任支部委员会" in page.content.decode()
    assert not Meeting.objects.exists()


def test_the_plan_form_starts_with_the_picker_ticked_by_the_type(client, world, members):
    client.force_login(world.bob)
    page = client.get(reverse("meetings:create")).content.decode()
    ticked = re.findall(r'name="attendees" value="(\d+)" checked', page)
    assert len(ticked) == 5  # 党员大会: every member of the branch
    helpers = client.get(
        reverse("meetings:plan_helpers"),
        {"organization": world.branch1.pk, "meeting_type": "999999"},
    )
    assert "选择召开组织和会议类型后列出参会人员" in helpers.content.decode()


def test_the_picker_refuses_an_organisation_outside_the_scope(client, world, members):
    client.force_login(world.bob)
    helpers = client.get(
        reverse("meetings:plan_helpers"), {"organization": world.branch3.pk, "meeting_type": 1}
    )
    assert 'name="attendees"' not in helpers.content.decode()


# ---------------------------------------------------------------- notice, attendance, record


def test_writes_are_refused_without_change_to_anyone_but_the_secretary(client, world, meeting):
    for name in ("meetings:notify", "meetings:reset_code"):
        assert_access_matrix(
            client,
            url=reverse(name, args=[meeting.pk]),
            method="post",
            data={},
            in_scope=world.bob,
            out_of_scope=world.dave,
            no_role=world.charlie,
            expect={"in_scope": 302},
            state=_state,
        )


def test_notify_twice_sends_once(client, world, meeting):
    from dangjian.notifications.models import Notification

    client.force_login(world.bob)
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("meetings:notify", args=[meeting.pk]))
        count = Notification.objects.count()
        page = client.post(reverse("meetings:notify", args=[meeting.pk]), follow=True)
    assert count == 5 and Notification.objects.count() == 5
    assert "没有重复发送" in page.content.decode()


def test_attendance_marks_and_leave_needs_a_reason(client, world, meeting):
    rows = list(meeting.attendances.order_by("pk"))
    client.force_login(world.bob)
    url = reverse("meetings:attendance", args=[meeting.pk])
    refused = client.post(url, {"action": "marks", f"status_{rows[0].pk}": "leave"})
    assert refused.status_code == 400
    assert "请填写请假事由" in refused.content.decode()
    done = client.post(
        url,
        {
            "action": "marks",
            f"status_{rows[0].pk}": "present",
            f"status_{rows[1].pk}": "leave",
            f"reason_{rows[1].pk}": "井下值班",
            f"status_{rows[2].pk}": "absent",
        },
    )
    assert done.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.present_count, meeting.leave_count, meeting.absent_count) == (1, 1, 1)
    visitor = client.post(url, {"action": "visitor", "name": "王主任", "title": "组织部"})
    assert visitor.status_code == 302
    assert meeting.attendances.filter(is_visitor=True).count() == 1


def test_recording_sanitises_the_minutes_and_shows_the_quorum(client, world, members, meeting):
    rows = {row.person_id: row.pk for row in meeting.attendances.all()}
    mark_attendance(
        meeting,
        user=world.bob,
        marks={rows[m.person_id]: ("present", "") for m in members[:2]},
    )
    with time_machine.travel(at(2026, 11, 26, 12), tick=False):
        client.force_login(world.bob)
        response = client.post(
            reverse("meetings:record", args=[meeting.pk]),
            {
                "actual_start": "2026-11-26T09:00",
                "actual_end": "2026-11-26T10:30",
                "minutes": "<p>书记传达<strong>全会精神</strong></p><script>alert(1)</script>",
                "resolutions": "同意张三为发展对象",
            },
        )
        assert response.status_code == 302
        page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert "<strong>全会精神</strong>" in meeting.minutes and "script" not in meeting.minutes
    # 4 voting full members expected, 2 present: not more than half.
    assert meeting.has_quorum is False
    assert "未达法定人数，决议无效" in page
    assert "会后 0 天录入" in page


def test_the_record_page_has_no_inline_script_or_style(client, world, meeting):
    client.force_login(world.bob)
    page = client.get(reverse("meetings:record", args=[meeting.pk]))
    body = page.content.decode()
    assert "vendor/quill/quill.js" in body and "meetings/minutes-editor.js" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), "inline script"
    assert " style=" not in body and "<style" not in body
    assert "script-src 'self'" in page["Content-Security-Policy"]


# ---------------------------------------------------------------- files


def test_upload_several_photos_and_refuse_a_disguised_file(client, world, meeting):
    client.force_login(world.bob)
    url = reverse("meetings:upload", args=[meeting.pk])
    photos = [SimpleUploadedFile(f"照片{i}.png", png_bytes(), "image/png") for i in range(2)]
    for index, photo in enumerate(photos):
        photo.size += index  # two different photos
    response = client.post(url, {"kind": "photo", "files": photos})
    assert response.status_code == 302
    assert meeting.files.filter(kind="photo").count() >= 1
    before = meeting.files.count()
    fake = SimpleUploadedFile("会议照片.png", b"<html>not a picture</html>", "image/png")
    refused = client.post(url, {"kind": "photo", "files": [fake]})
    assert refused.status_code == 400
    assert "格式不对" in refused.content.decode()
    assert meeting.files.count() == before


def test_files_are_served_to_the_scope_and_to_the_attendees_only(client, world, meeting, members):
    client.force_login(world.bob)
    photo = SimpleUploadedFile("p.png", png_bytes(), "image/png")
    client.post(reverse("meetings:upload", args=[meeting.pk]), {"kind": "photo", "files": [photo]})
    stored = meeting.files.get()
    url = reverse("meetings:file", args=[stored.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("inline")
    client.force_login(account(members[1]))
    assert client.get(url).status_code == 200
    for stranger in (world.charlie, world.dave):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
    assert_access_matrix(
        client,
        url=reverse("meetings:file_delete", args=[stored.pk]),
        method="post",
        data={},
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=_state,
    )
    assert not meeting.files.exists()


# ---------------------------------------------------------------- review


def test_review_is_for_the_upper_organisation_only(client, world, members, meeting):
    with time_machine.travel(at(2026, 11, 26, 12), tick=False):
        held(world.bob, meeting, present=members[:4])
    url = reverse("meetings:review", args=[meeting.pk])
    client.force_login(world.bob)
    assert client.post(url).status_code == 403
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data={"comment": "记录完整"},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=_state,
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEWED
    client.force_login(world.bob)
    page = client.get(reverse("meetings:record", args=[meeting.pk]), follow=True)
    assert "审核锁定" in page.content.decode()


def test_return_needs_a_reason_and_resubmit_brings_it_back(client, world, members, meeting):
    with time_machine.travel(at(2026, 11, 26, 12), tick=False):
        held(world.bob, meeting, present=members[:4])
    client.force_login(world.alice)
    url = reverse("meetings:return", args=[meeting.pk])
    page = client.post(url, {"reason": ""}, follow=True)
    assert "退回时请填写原因" in page.content.decode()
    client.post(url, {"reason": "会议记录缺少讨论发言情况"})
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.RETURNED
    client.force_login(world.bob)
    page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "会议记录缺少讨论发言情况" in page and 'data-testid="resubmit"' in page
    client.post(reverse("meetings:resubmit", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD


def test_cancel_asks_for_a_reason(client, world, meeting):
    client.force_login(world.bob)
    url = reverse("meetings:cancel", args=[meeting.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "井下抢险，改期召开"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED


def test_the_qr_code_is_a_png_of_the_sign_in_link(client, world, meeting):
    client.force_login(world.bob)
    response = client.get(reverse("meetings:qr", args=[meeting.pk]))
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_the_detail_shows_the_code_only_to_those_who_run_the_meeting(client, world, meeting):
    client.force_login(world.bob)
    assert (
        meeting.signin_code
        in client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    )
    client.force_login(world.alice)  # manages the mine's subtree too
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 200


def test_times_on_the_pages_are_beijing_time(client, world, meeting):
    client.force_login(world.bob)
    body = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    local = timezone.localtime(meeting.planned_start)
    assert f"{local:%Y-%m-%d %H:%M}" in body
    assert local.hour == 9 and local.utcoffset() == datetime.timedelta(hours=8)


def test_editing_the_plan_changes_the_topic_and_the_attendees(client, world, members, meeting):
    client.force_login(world.bob)
    url = reverse("meetings:edit", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert 'name="organization"' not in page  # the organisation of a meeting is fixed
    keep = [m.person_id for m in members[:2]]
    response = client.post(
        url,
        {
            "meeting_type": meeting.meeting_type_id,
            "topic": "改期后的党员大会",
            "planned_start": "2026-11-27T09:00",
            "planned_end": "2026-11-27T11:00",
            "place": "矿会议中心",
            "host": members[1].person_id,
            "attendees_drawn": "on",
            "attendees": keep,
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.topic == "改期后的党员大会" and meeting.host_id == members[1].person_id
    assert meeting.expected_count == 2
    assert sorted(meeting.attendances.values_list("person_id", flat=True)) == sorted(keep)


def test_the_search_boxes_answer_within_the_scope(client, world, members):
    others = add_members(world.branch3, full=1, prefix="二矿")
    people = reverse("meetings:people_options")
    organizations = reverse("meetings:organization_options")
    client.force_login(world.bob)
    found = client.get(people, {"q": "党员"}).content.decode()
    assert members[0].person.name in found and others[0].person.name not in found
    found = client.get(organizations, {"q": "党支部", "manage": "1"}).content.decode()
    assert "综采一队党支部" in found and "通风区党支部" not in found and "掘进二队" not in found
    client.force_login(world.alice)
    found = client.get(organizations, {"q": "党支部"}).content.decode()
    assert "掘进二队党支部" in found and "通风区党支部" not in found
    for url in (people, organizations):
        assert_access_matrix(client, url=url, in_scope=world.bob, no_role=world.charlie)
