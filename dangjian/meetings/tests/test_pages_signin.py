"""A member's phone pages: signing in with the code or the QR link, 我的会议 and the read-only
meeting page; who may open them, the refusals in large Chinese text, and query-count guards."""

import pytest
import time_machine
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.meetings.models import Attendance
from dangjian.meetings.tests.factories import account, add_members, at, held, plan

pytestmark = pytest.mark.django_db
START = at(2026, 11, 26, 9)
INSIDE = at(2026, 11, 26, 9, 20)


@pytest.fixture
def members(world):
    return add_members(world.branch1, full=4, probationary=1, accounts=True)


@pytest.fixture
def meeting(world, members):
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        return plan(world.bob, world.branch1, "congress", start=START, topic="支部党员大会")


def _row(meeting, member):
    return Attendance.objects.get(meeting=meeting, person=member.person)


def test_signing_in_with_the_code_inside_the_window(client, members, meeting):
    with time_machine.travel(INSIDE, tick=False):
        client.force_login(account(members[0]))
        response = client.post(reverse("meetings:signin"), {"code": meeting.signin_code})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
    assert "签到成功" in page and "支部党员大会" in page
    row = _row(meeting, members[0])
    assert row.status == Attendance.Status.PRESENT and row.method == Attendance.Method.CODE
    meeting.refresh_from_db()
    assert meeting.present_count == 1


def test_a_pasted_code_with_spaces_works(client, members, meeting):
    code = meeting.signin_code
    with time_machine.travel(INSIDE, tick=False):
        client.force_login(account(members[1]))
        response = client.post(reverse("meetings:signin"), {"code": f" {code[:3]} {code[3:]} "})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (at(2026, 11, 26, 8, 0), "签到尚未开始，可于"),
        (at(2026, 11, 26, 12, 0), "签到已于"),
    ],
)
def test_the_code_works_only_inside_the_window(client, members, meeting, moment, message):
    with time_machine.travel(moment, tick=False):
        client.force_login(account(members[0]))
        response = client.post(reverse("meetings:signin"), {"code": meeting.signin_code})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "签到未成功" in body
    assert _row(meeting, members[0]).status == Attendance.Status.PENDING


def test_a_wrong_code_and_an_empty_code_are_refused_in_chinese(client, members, meeting):
    wrong = "000000" if meeting.signin_code != "000000" else "111111"
    with time_machine.travel(INSIDE, tick=False):
        client.force_login(account(members[0]))
        response = client.post(reverse("meetings:signin"), {"code": wrong})
        assert "签到码不正确" in response.content.decode()
        response = client.post(reverse("meetings:signin"), {"code": ""})
        assert "请输入会议主持人公布的6位签到码" in response.content.decode()


def test_someone_outside_the_meeting_cannot_sign_in(client, world, meeting):
    stranger = add_members(world.branch2, full=1, accounts=True)[0]
    with time_machine.travel(INSIDE, tick=False):
        client.force_login(account(stranger))
        response = client.post(reverse("meetings:signin"), {"code": meeting.signin_code})
    assert "你不在本次会议的参会范围内" in response.content.decode()
    assert not Attendance.objects.filter(person=stranger.person).exists()


def test_an_account_without_a_person_is_told_why(client, world, meeting):
    client.force_login(world.charlie)
    page = client.get(reverse("meetings:signin")).content.decode()
    assert "没有关联党员信息" in page


def test_the_qr_link_needs_a_login_then_one_tap(client, members, meeting):
    url = reverse("meetings:signin_qr", args=[meeting.signin_token])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    with time_machine.travel(INSIDE, tick=False):
        client.force_login(account(members[2]))
        page = client.get(url).content.decode()
        assert "确认签到" in page and "支部党员大会" in page
        assert client.post(url).status_code == 302
        assert "签到成功" in client.get(url).content.decode()
    row = _row(meeting, members[2])
    assert row.method == Attendance.Method.QR


def test_a_stale_qr_link_says_so(client, members, meeting):
    client.force_login(account(members[0]))
    page = client.get(reverse("meetings:signin_qr", args=["not-a-real-token"]))
    assert page.status_code == 404
    assert "签到二维码无效" in page.content.decode()


def test_the_qr_page_shows_nothing_of_a_meeting_to_strangers(client, world, meeting):
    stranger = add_members(world.branch3, full=1, accounts=True)[0]
    client.force_login(account(stranger))
    page = client.get(reverse("meetings:signin_qr", args=[meeting.signin_token])).content.decode()
    assert "支部党员大会" not in page


def test_my_meetings_shows_upcoming_and_history_with_class_hours(client, world, members, meeting):
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        notified = plan(
            world.bob, world.branch1, "lecture", start=at(2026, 11, 28, 14), topic="专题党课"
        )
        from dangjian.meetings.services.planning import notify_meeting

        notify_meeting(notified, user=world.bob)
    with time_machine.travel(at(2026, 11, 26, 12), tick=False):
        held(world.bob, meeting, present=members[:3])
    with time_machine.travel(at(2026, 11, 27, 10), tick=False):
        client.force_login(account(members[0]))
        page = client.get(reverse("meetings:mine")).content.decode()
    assert "专题党课" in page and "支部党员大会" in page
    assert "2.0 学时" in page or "2 学时" in page


def test_my_meetings_without_a_person(client, world):
    client.force_login(world.charlie)
    page = client.get(reverse("meetings:mine"))
    assert page.status_code == 200
    assert "没有关联党员信息" in page.content.decode()


def test_my_meeting_page_is_for_the_expected_only(client, world, members, meeting):
    url = reverse("meetings:mine_detail", args=[meeting.pk])
    assert_access_matrix(
        client,
        url=url,
        in_scope=account(members[0]),
        out_of_scope=account(add_members(world.branch2, full=1)[0]),
        no_role=world.charlie,
    )
    client.force_login(world.bob)  # the secretary has no person: his page is meetings:detail
    assert client.get(url).status_code == 404


def test_my_meetings_query_count_does_not_grow(
    client, world, members, django_assert_max_num_queries
):
    user = account(members[0])

    def hold(count, offset):
        for day in range(offset, offset + count):
            with time_machine.travel(at(2026, 10, day, 8), tick=False):
                meeting = plan(world.bob, world.branch1, "theme_day", start=at(2026, 10, day, 9))
                notify = plan(world.bob, world.branch1, "lecture", start=at(2026, 12, day, 9))
                from dangjian.meetings.services.planning import notify_meeting

                notify_meeting(notify, user=world.bob)
            with time_machine.travel(at(2026, 10, day, 12), tick=False):
                held(world.bob, meeting, present=members[:2])

    hold(2, 1)
    client.force_login(user)
    client.get(reverse("meetings:mine"))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("meetings:mine"))
    hold(6, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("meetings:mine"))


def test_the_menu_offers_signin_to_people_and_the_list_to_secretaries(client, world, members):
    client.force_login(account(members[0]))
    page = client.get(reverse("meetings:mine")).content.decode()
    assert f'href="{reverse("meetings:signin")}"' in page
    assert f'href="{reverse("meetings:list")}"' not in page
    client.force_login(world.bob)
    page = client.get(reverse("meetings:list")).content.decode()
    assert f'href="{reverse("meetings:list")}"' in page


def test_the_qr_page_offers_no_button_outside_the_window_or_after_review(
    client, world, members, meeting
):
    from dangjian.meetings.services.records import review_meeting

    url = reverse("meetings:signin_qr", args=[meeting.signin_token])
    with time_machine.travel(at(2026, 11, 26, 7), tick=False):
        client.force_login(account(members[3]))
        page = client.get(url).content.decode()
    assert "签到尚未开始" in page and 'data-testid="confirm-signin"' not in page
    with time_machine.travel(at(2026, 11, 26, 12), tick=False):
        held(world.bob, meeting, present=members[:3])
        review_meeting(meeting, user=world.alice)
        client.logout()  # a new session: the morning's one has been idle too long
        client.force_login(account(members[3]))
        page = client.get(url).content.decode()
    assert "审核锁定，不能再签到" in page and 'data-testid="confirm-signin"' not in page
