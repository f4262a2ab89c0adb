"""A member's own dues (我的党费), the 党费 tab of the member page, and the menu entries."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.dues.models import BranchStatement
from dangjian.dues.tests.conftest import give_base, give_entry
from dangjian.members.tests.factories import make_member


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 9, 10, 9, 0), tick=False):
        yield


def link(user, member):
    user.person = member.person
    user.save()
    return user


def months(member, unpaid):
    give_entry(member, datetime.date(2026, 8 - unpaid, 1), status="paid")
    for month in range(9 - unpaid, 10):
        give_entry(member, datetime.date(2026, month, 1))


def test_a_member_sees_their_own_dues_and_published_statements(client, world, zhang):
    give_base(zhang, 2026, base="4000.00")
    months(zhang, 3)
    BranchStatement.objects.create(
        organization=world.branch1,
        year=2025,
        published=True,
        published_on=datetime.date(2026, 1, 5),
    )
    BranchStatement.objects.create(organization=world.branch1, year=2024)  # not published
    BranchStatement.objects.create(
        organization=world.branch2,
        year=2025,
        published=True,
        published_on=datetime.date(2026, 1, 5),
    )
    client.force_login(link(world.charlie, zhang))
    response = client.get(reverse("dues:mine"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "40.00 元" in page  # this year's monthly amount
    assert 'data-testid="arrears-months">4 个月' in page
    assert 'data-testid="alert-badge"' in page
    assert "2025年党费收支情况" in page and "2024年" not in page
    assert [s.organization_id for s in response.context["statements"]] == [world.branch1.pk]


def test_my_page_is_404_for_an_account_without_a_membership(client, world):
    client.force_login(world.charlie)
    assert client.get(reverse("dues:mine")).status_code == 404
    client.logout()
    assert client.get(reverse("dues:mine")).status_code == 302


def test_a_member_sees_nothing_of_another_member(client, world, zhang):
    other = make_member(world.branch1, "钱七")
    give_entry(other, datetime.date(2026, 9, 1), amount="99.00")
    give_entry(zhang, datetime.date(2026, 9, 1), amount="40.00")
    client.force_login(link(world.charlie, zhang))
    page = client.get(reverse("dues:mine")).content.decode()
    assert "99.00" not in page
    assert client.get(reverse("members:detail", args=[other.pk]) + "?tab=dues").status_code == 404
    for url in (
        reverse("dues:branch-month", args=[world.branch1.pk, 2026, 9]),
        reverse("dues:arrears"),
        reverse("dues:bases"),
        reverse("dues:hardships"),
    ):
        assert client.get(url).status_code in (302, 403, 404), url


def test_the_member_tab_shows_the_months_to_whoever_sees_the_member(client, world, zhang):
    give_base(zhang, 2026)
    months(zhang, 1)
    url = reverse("members:detail", args=[zhang.pk]) + "?tab=dues"
    result = assert_access_matrix(
        client,
        url=url,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    page = result.responses["in_scope"].content.decode()
    assert 'data-testid="member-dues"' in page and "2026年9月" in page
    assert reverse("dues:hardship-new", args=[zhang.pk]) in page
    client.force_login(link(world.charlie, zhang))
    own = client.get(url).content.decode()
    assert 'data-testid="member-dues"' in own
    assert reverse("dues:hardship-new", args=[zhang.pk]) not in own


def test_the_member_tab_runs_the_same_queries_for_more_months(
    client, world, zhang, django_assert_max_num_queries
):
    url = reverse("members:detail", args=[zhang.pk]) + "?tab=dues"
    client.force_login(world.bob)
    months(zhang, 2)
    with django_assert_max_num_queries(40) as first:
        client.get(url)
    for month in range(1, 5):
        give_entry(zhang, datetime.date(2025, month, 1), status="paid")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)


def test_the_menu_lists_the_dues_pages_by_permission(client, world, zhang):
    client.force_login(world.bob)
    page = client.get(reverse("dues:arrears")).content.decode()
    for label in ("党费收缴", "缴费基数", "党费减免", "欠缴党费", "党费收支公开"):
        assert label in page
    client.force_login(link(world.charlie, zhang))
    page = client.get(reverse("dues:mine")).content.decode()
    assert "我的党费" in page and "缴费基数" not in page
