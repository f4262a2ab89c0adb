"""The "my todo" extension point and its providers (the portal's review steps, meetings)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.portal import todo
from dangjian.portal.models import Article
from dangjian.portal.portal_todo import portal_todo
from dangjian.portal.tests.site_world import refreshed
from dangjian.portal.todo import TodoItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(module_portal, db):
    return refreshed(module_portal)


@pytest.fixture
def providers(monkeypatch):
    """An empty registry for the tests of the extension point itself."""
    monkeypatch.setattr(todo, "_PROVIDERS", [])
    monkeypatch.setattr(todo, "_discovered", True)
    return todo._PROVIDERS


def test_items_come_from_every_provider_urgent_first_and_empty_ones_dropped(providers, world, rf):
    todo.register(lambda user, request: [TodoItem("乙项", "/b/", 2), TodoItem("空项", "/e/", 0)])
    todo.register(lambda user, request: [TodoItem("甲项", "/a/", 1, urgent=True)])
    items = todo.items_for(world.bob, rf.get("/"))
    assert [item.label for item in items] == ["甲项", "乙项"]


def test_registering_twice_keeps_one_provider(providers, world):
    def provider(user, request):
        return [TodoItem("一次", "/", 1)]

    todo.register(provider)
    todo.register(provider)
    assert len(todo.items_for(world.bob)) == 1


def test_a_broken_provider_is_skipped_and_logged(providers, world, caplog):
    def broken(user, request):
        raise RuntimeError("数据库超时")

    todo.register(broken)
    todo.register(lambda user, request: [TodoItem("正常", "/", 1)])
    assert [item.label for item in todo.items_for(world.bob)] == ["正常"]
    assert "portal todo provider" in caplog.text


def test_anonymous_visitors_have_no_todo(providers):
    from django.contrib.auth.models import AnonymousUser

    todo.register(lambda user, request: [TodoItem("不该出现", "/", 1)])
    assert todo.items_for(AnonymousUser()) == []


def test_providers_are_discovered_from_the_apps_portal_todo_modules(monkeypatch):
    monkeypatch.setattr(todo, "_discovered", False)
    names = {provider.__module__ for provider in todo.providers()}
    assert {"dangjian.portal.portal_todo", "dangjian.meetings.portal_todo"} <= names


def _article(portal, status, *, by, column="news"):
    return Article.objects.create(
        site=portal.mine_site,
        column=portal.column(portal.mine_site, column),
        title=f"{status}的稿件",
        status=status,
        created_by=by,
    )


def _counts(user) -> dict:
    return {item.kind: item.count for item in portal_todo(user, None)}


def test_the_portal_lists_what_waits_for_each_persons_step(portal):
    _article(portal, Article.Status.SUBMITTED, by=portal.erin)
    _article(portal, Article.Status.RETURNED, by=portal.erin)
    _article(portal, Article.Status.REVIEWED, by=portal.erin)
    assert _counts(portal.erin) == {"portal.review": 0, "portal.returned": 1}
    assert _counts(portal.frank)["portal.review"] == 1  # 宣传部长 reviews the submitted one
    assert _counts(portal.alice)["portal.review"] == 2  # 组织部: review and approve
    assert _counts(portal.dave)["portal.review"] == 0  # another mine
    assert _counts(portal.mia) == {"portal.review": 0, "portal.returned": 0}


def test_the_portal_items_lead_to_the_queue_and_the_returned_drafts(portal):
    items = {item.kind: item for item in portal_todo(portal.erin, None)}
    assert items["portal.review"].url == reverse("portal:review_queue")
    assert items["portal.returned"].url == reverse("portal:my_articles") + "?status=returned"
    assert items["portal.returned"].urgent


def test_the_portal_provider_runs_at_most_two_queries(portal, django_assert_max_num_queries):
    for _ in range(5):
        _article(portal, Article.Status.SUBMITTED, by=portal.erin)
    portal_todo(portal.alice, None)  # the scope is loaded once per request by the layout
    with django_assert_max_num_queries(2):
        portal_todo(portal.alice, None)


def _meeting(portal, days: int, *, notify: bool = True):
    from dangjian.meetings.services.planning import notify_meeting
    from dangjian.meetings.tests.factories import plan

    start = timezone.localtime() + datetime.timedelta(days=days)
    meeting = plan(portal.bob, portal.branch1, "congress", start=start)
    if notify:
        notify_meeting(meeting, user=portal.bob)
    return meeting


def test_meetings_to_attend_in_the_next_two_weeks(portal):
    from dangjian.meetings.models import Attendance
    from dangjian.meetings.portal_todo import meetings_todo

    _meeting(portal, 3)
    on_leave = _meeting(portal, 5)
    _meeting(portal, 20)  # beyond two weeks
    _meeting(portal, 4, notify=False)  # no notice sent yet
    Attendance.objects.filter(meeting=on_leave, person_id=portal.mia.person_id).update(
        status=Attendance.Status.LEAVE
    )
    (item,) = meetings_todo(portal.mia, None)
    assert item.count == 1
    assert item.url == reverse("meetings:mine")
    assert meetings_todo(portal.alice, None) == []  # no person record: nothing to attend


def test_the_todo_block_shows_the_meetings_and_links_them(client, portal):
    _meeting(portal, 2)
    client.force_login(portal.mia)
    page = client.get(reverse("portal:site", args=["g-m1"])).content.decode()
    block = page[page.index('data-testid="todo-block"') :]
    assert 'data-kind="meetings"' in block
    assert reverse("meetings:mine") in block
