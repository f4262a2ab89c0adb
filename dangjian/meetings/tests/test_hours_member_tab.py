"""The "组织生活" tab of the member detail page: this year's 学时 and the attendance history,
shown only to those who may see the member's meetings or hours (or the member)."""

import pytest
import time_machine
from django.urls import reverse

from dangjian.accounts.models import Role, RoleAssignment
from dangjian.core.testing.world import make_user
from dangjian.meetings.tests.factories import at
from dangjian.meetings.tests.hours_helpers import credit
from dangjian.members.tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    """The credits default to 2026-05-01 (hours_helpers) and the pages count the current year:
    every test runs on 2026-11-24, as the dates were written, not in whatever year CI runs."""
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        yield


def _tab(client, member):
    return client.get(reverse("members:detail", args=[member.pk]), {"tab": "meetings"})


def test_the_secretary_sees_hours_against_the_requirement(client, world):
    zhang = make_member(world.branch1, "张三")
    credit(zhang, 12)
    client.force_login(world.bob)
    response = _tab(client, zhang)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="member-hours"' in page
    assert response.context["hours_year"].hours == 12
    assert "还差 20 学时" in page
    assert 'data-testid="member-attendance"' in page


def test_a_member_viewer_without_meeting_permissions_gets_no_tab(client, world):
    zhang = make_member(world.branch1, "张三")
    viewer = make_user("viewer", "只看档案")
    role = Role.objects.create(
        name="档案查阅", code="records_only", permissions=["members.view_member"]
    )
    RoleAssignment.objects.create(user=viewer, role=role, organization=world.branch1)
    client.force_login(viewer)
    response = _tab(client, zhang)
    assert response.status_code == 200
    assert 'data-testid="member-hours"' not in response.content.decode()
    assert all(key != "meetings" for key, *_ in response.context["tabs"])


def test_out_of_scope_the_member_page_is_missing(client, world):
    zhang = make_member(world.branch1, "张三")
    client.force_login(world.dave)
    assert _tab(client, zhang).status_code == 404
