"""The read pages: tree, children on demand, search, detail, warnings, units — scope and cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.orgs.models import Committee, Organization, OrgType, Unit
from dangjian.orgs.tests.helpers import add_members

LIST_PAGE = {"no_role": 403, "out_of_scope": 200}


def page(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


# ---------------------------------------------------------------- tree


def test_tree_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("orgs:tree"),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect=LIST_PAGE,
    )


def test_alice_sees_the_mine_opened_and_nothing_of_the_other_mine(client, world):
    html = page(client, world.alice, reverse("orgs:tree")).content.decode()
    assert "一矿党委" in html and "综采一队党支部" in html and "掘进二队党支部" in html
    assert "二矿党委" not in html and "集团党委" not in html and "通风区党支部" not in html
    assert reverse("orgs:children", args=[world.branch1.pk]) in html  # loads on demand


def test_bob_sees_his_branch_as_the_root(client, world):
    html = page(client, world.bob, reverse("orgs:tree")).content.decode()
    assert "综采一队党支部" in html and "第一党小组" in html
    assert "一矿党委" not in html and "掘进二队党支部" not in html


def test_dave_does_not_see_the_mine(client, world):
    html = page(client, world.dave, reverse("orgs:tree")).content.decode()
    assert "二矿党委" in html and "通风区党支部" in html
    assert "一矿党委" not in html and "综采一队党支部" not in html
    html = page(client, world.dave, reverse("orgs:tree"), q="综采").content.decode()
    assert "没有找到" in html and "综采一队党支部" not in html


def test_the_tree_shows_member_counts(client, world):
    add_members(world.branch1, 3)
    html = page(client, world.alice, reverse("orgs:tree")).content.decode()
    assert "3 人" in html


def test_children_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("orgs:children", args=[world.mine.pk]),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_children_are_ordered_by_sort_order_then_path(client, world):
    Organization.objects.filter(pk=world.branch2.pk).update(sort_order=0)
    Organization.objects.filter(pk=world.branch1.pk).update(sort_order=5)
    html = page(client, world.alice, reverse("orgs:children", args=[world.mine.pk])).content
    html = html.decode()
    assert html.index("掘进二队党支部") < html.index("综采一队党支部")


def test_bob_cannot_load_the_mine_children(client, world):
    assert (
        page(client, world.bob, reverse("orgs:children", args=[world.mine.pk])).status_code == 404
    )


def _add_branches(world, count, prefix):
    for number in range(count):
        Organization.objects.add_child(
            world.mine,
            {
                "org_type": OrgType.BRANCH,
                "name": f"{prefix}{number}党支部",
                "code": f"{prefix}{number}",
            },
        )
        world.mine.refresh_from_db()


def _count_queries(client, url, **params):
    client.get(url, params)  # warm the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_children_cost_does_not_grow_with_the_children(client, world):
    client.force_login(world.alice)
    url = reverse("orgs:children", args=[world.mine.pk])
    _add_branches(world, 5, "A")
    few, html = _count_queries(client, url)
    assert html.count('data-testid="tree-node"') == 7
    _add_branches(world, 14, "B")
    many, html = _count_queries(client, url)
    assert html.count('data-testid="tree-node"') == 21
    assert few == many


def test_search_cost_does_not_grow_with_the_results(client, world):
    client.force_login(world.alice)
    url = reverse("orgs:tree")
    _add_branches(world, 5, "A")
    few, html = _count_queries(client, url, q="党支部")
    assert html.count("list-group-item") == 7
    _add_branches(world, 10, "B")
    many, html = _count_queries(client, url, q="党支部")
    assert html.count("list-group-item") == 17
    assert few == many


# ---------------------------------------------------------------- search


def test_search_finds_by_name_short_name_and_code_inside_the_scope(client, world):
    for query in ("支部", "G-M"):
        html = page(client, world.alice, reverse("orgs:tree"), q=query).content.decode()
        assert "综采一队党支部" in html and "掘进二队党支部" in html
        assert "通风区党支部" not in html
    html = page(client, world.alice, reverse("orgs:tree"), q="一矿").content.decode()
    assert "中共一矿委员会" in html


def test_search_results_show_their_visible_ancestors(client, world):
    html = page(client, world.alice, reverse("orgs:tree"), q="第一党小组").content.decode()
    assert "dj-org-path" in html and "一矿党委" in html and "综采一队党支部" in html
    assert "集团党委" not in html  # above Alice's grant
    html = page(client, world.bob, reverse("orgs:tree"), q="第一党小组").content.decode()
    assert "一矿党委" not in html


def test_search_answers_htmx_with_the_results_only(client, world):
    client.force_login(world.alice)
    response = client.get(
        reverse("orgs:tree"), {"q": "支部"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="org-results"
    )
    html = response.content.decode()
    assert "综采一队党支部" in html and "<html" not in html


def test_search_paginates(client, world):
    _add_branches(world, 25, "P")
    html = page(client, world.alice, reverse("orgs:tree"), q="P").content.decode()
    assert html.count("list-group-item") == 20 and "下一页" in html


# ---------------------------------------------------------------- detail


def test_detail_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("orgs:detail", args=[world.branch1.pk]),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_detail_shows_actions_only_with_permission(client, world):
    url = reverse("orgs:detail", args=[world.branch1.pk])
    html = page(client, world.alice, url).content.decode()
    for name in ("edit", "move", "merge", "dissolve", "set_units", "create_child", "term_create"):
        assert reverse(f"orgs:{name}", args=[world.branch1.pk]) in html, name
    html = page(client, world.bob, url).content.decode()
    assert reverse("orgs:edit", args=[world.branch1.pk]) not in html
    assert reverse("orgs:term_create", args=[world.branch1.pk]) in html  # Bob runs his committee


def test_detail_shows_breadcrumb_children_committee_warnings_and_history(client, world):
    from dangjian.orgs import services

    add_members(world.branch1, 7)
    services.organization_update(
        actor=world.alice, organization=world.branch1, name="综采一区党支部"
    )
    html = page(client, world.alice, reverse("orgs:detail", args=[world.branch1.pk])).content
    html = html.decode()
    assert "一矿党委" in html and "集团党委" not in html
    assert "第一党小组" in html
    assert "尚无现任班子" in html
    assert "应设立支部委员会" in html and "依据" in html
    assert "更名为“综采一区党支部”" in html


def test_merge_is_offered_only_for_branches(client, world):
    html = page(client, world.alice, reverse("orgs:detail", args=[world.mine.pk])).content
    assert reverse("orgs:merge", args=[world.mine.pk]) not in html.decode()


# ---------------------------------------------------------------- warnings, units


def test_warnings_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("orgs:warnings"),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect=LIST_PAGE,
    )


def test_warnings_list_the_user_subtree_only(client, world):
    add_members(world.branch1, 7)
    add_members(world.branch3, 7)
    html = page(client, world.alice, reverse("orgs:warnings")).content.decode()
    assert "综采一队党支部" in html and "通风区党支部" not in html
    html = page(client, world.dave, reverse("orgs:warnings")).content.decode()
    assert "通风区党支部" in html and "综采一队党支部" not in html


def test_warnings_paginate(client, world):
    _add_branches(world, 23, "W")
    for org in Organization.objects.filter(code__startswith="W"):
        add_members(org, 7)
    client.force_login(world.alice)
    html = client.get(reverse("orgs:warnings")).content.decode()
    assert html.count("dj-warning-danger") == 20 and "下一页" in html


def test_warnings_cost_does_not_grow_with_the_rows(client, world):
    client.force_login(world.alice)
    url = reverse("orgs:warnings")
    _add_branches(world, 4, "A")
    for org in Organization.objects.filter(code__startswith="A"):
        add_members(org, 7)
    few, html = _count_queries(client, url)
    assert html.count("dj-warning-danger") == 4
    _add_branches(world, 8, "B")
    for org in Organization.objects.filter(code__startswith="B"):
        add_members(org, 7)
    many, html = _count_queries(client, url)
    assert html.count("dj-warning-danger") == 12
    assert few == many


def test_detail_cost_does_not_grow_with_children_posts_and_history(client, world):
    from dangjian.orgs import services
    from dangjian.orgs.tests.helpers import make_committee

    client.force_login(world.alice)
    url = reverse("orgs:detail", args=[world.mine.pk])
    first = make_committee(world.mine, size=2)
    few, _ = _count_queries(client, url)
    _add_branches(world, 6, "D")
    Committee.objects.filter(pk=first.pk).update(is_current=False)
    make_committee(world.mine, start=datetime.date(2025, 1, 1), size=6)
    for number in range(3):
        services.organization_update(
            actor=world.alice, organization=world.mine, short_name=f"矿{number}"
        )
    many, _ = _count_queries(client, url)
    assert few == many


def test_units_matrix(client, world):
    Unit.objects.create(name="综采一队", code="U1", owner=world.mine)
    response = assert_access_matrix(
        client,
        url=reverse("orgs:units"),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.bob,
        expect=LIST_PAGE,
    ).responses
    assert "综采一队" in response["in_scope"].content.decode()
    assert "综采一队" not in response["out_of_scope"].content.decode()


@pytest.mark.parametrize(
    ("user", "labels"),
    [
        ("alice", {"组织机构", "组织预警", "行政单位"}),
        ("bob", {"组织机构", "组织预警"}),
        ("charlie", set()),
    ],
)
def test_menu_entries_follow_the_permissions(world, user, labels):
    from dangjian.core.navigation import menu_for

    admin = next(m for m in menu_for(getattr(world, user)) if m["section"].key == "admin")
    shown = {item["label"] for item in admin["items"]}
    assert labels <= shown
    assert not ({"组织机构", "组织预警", "行政单位"} - labels) & shown


def test_units_cost_does_not_grow_with_the_units(client, world):
    from dangjian.orgs.models import Unit

    def add_units(count, prefix):
        for index in range(count):
            unit = Unit.objects.create(
                owner=world.mine, name=f"{prefix}队{index}", code=f"{prefix}-{index}"
            )
            world.branch1.units.add(unit)

    client.force_login(world.alice)
    url = reverse("orgs:units")
    add_units(3, "甲")
    few, html = _count_queries(client, url)
    add_units(9, "乙")
    many, html = _count_queries(client, url)
    assert "乙队8" in html
    assert few == many
