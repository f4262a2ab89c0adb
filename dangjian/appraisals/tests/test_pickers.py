"""The search-backed selects of the 民主评议 pages: the branch of the open form
(`manage_appraisal`, 党支部 only) and the rounds list's subtree filter (`view_appraisal`). Each
option endpoint is scoped, answers at most `OPTION_LIMIT` options in a constant number of
queries, the pages render only a short head, and a value outside the allowed set is refused in
Chinese."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.appraisals.models import Round
from dangjian.appraisals.tests.helpers import full_members, open_round
from dangjian.core.search_select import OPTION_LIMIT
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import grant, make_user
from dangjian.orgs.models import Organization, OrgType

pytestmark = pytest.mark.django_db

OPEN_REFUSED = "所选党支部不在您可以组织民主评议的范围内"
FILTER_REFUSED = "所选党组织不在您可以查看民主评议的范围内"


def _options(response) -> list[str]:
    """The labels of the choosable options of an options answer."""
    return re.findall(
        r'<option value="\d+"(?: selected)?>([^<]*)</option>', response.content.decode()
    )


def _select(page: str, name: str) -> str:
    found = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert found, f"no select {name}"
    return found.group(0)


def _many_branches(parent, count, prefix="机电"):
    return [
        Organization.objects.add_child(
            parent,
            {
                "org_type": OrgType.BRANCH,
                "name": f"{prefix}{index:02d}队党支部",
                "code": f"E{index}",
            },
        )
        for index in range(count)
    ]


def _clerk(world):
    """党务干事 of the mine: may view appraisals there, not manage them."""
    clerk = make_user("clerk", "干事")
    grant(clerk, "party_clerk", world.mine)
    return clerk


def _open_data(organization):
    today = timezone.localdate()
    return {
        "organization": organization,
        "year": today.year,
        "peer_scope": "branch",
        "self_ends_on": today + timedelta(days=7),
        "peer_ends_on": today + timedelta(days=14),
        "propose_ends_on": today + timedelta(days=21),
        "final_ends_on": today + timedelta(days=30),
    }


# ---------------------------------------------------------------- the open form's branches


def test_branch_options_matrix_and_scope(client, world):
    url = reverse("appraisals:branch_options")
    result = assert_access_matrix(
        client,
        url=url + "?q=党支部",
        in_scope=world.bob,
        out_of_scope=world.dave,  # manages 二矿: answers, but only 二矿's branches
        no_role=world.charlie,
        expect={"out_of_scope": 200},
    )
    assert _options(result.responses["in_scope"]) == ["综采一队党支部"]
    assert _options(result.responses["out_of_scope"]) == ["通风区党支部"]
    client.force_login(_clerk(world))  # may view, not manage: not found
    assert client.get(url).status_code == 404
    client.force_login(world.alice)
    assert _options(client.get(url)) == ["综采一队党支部", "掘进二队党支部"]  # no 党委, 党小组
    assert _options(client.get(url, {"q": "G-M1-B2"})) == ["掘进二队党支部"]
    assert _options(client.get(url, {"q": "通风"})) == []
    assert "没有匹配的结果" in client.get(url, {"q": "通风"}).content.decode()


def test_branch_options_leave_out_inactive_branches(client, world):
    Organization.objects.filter(pk=world.branch2.pk).update(is_active=False)
    client.force_login(world.alice)
    assert _options(client.get(reverse("appraisals:branch_options"))) == ["综采一队党支部"]


def test_branch_options_stop_at_the_limit_and_say_so(client, world):
    _many_branches(world.mine, OPTION_LIMIT + 3)
    client.force_login(world.alice)
    response = client.get(reverse("appraisals:branch_options"), {"q": "机电"})
    assert len(_options(response)) == OPTION_LIMIT
    assert f"仅显示前 {OPTION_LIMIT} 项" in response.content.decode()


def test_branch_options_query_count_does_not_grow(client, world):
    url = reverse("appraisals:branch_options")
    client.force_login(world.alice)
    client.get(url, {"q": "支部"})
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"q": "支部"})
    _many_branches(world.mine, 10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"q": "支部"})
    assert len(_options(response)) == 12
    assert len(many) == len(few)


def test_the_open_form_renders_a_short_head_and_takes_a_branch_beyond_it(client, world):
    branches = _many_branches(world.mine, OPTION_LIMIT + 5)
    last = branches[-1]
    full_members(last, 2)
    client.force_login(world.alice)
    page = client.get(reverse("appraisals:new")).content.decode()
    select = _select(page, "organization")
    assert select.count("<option") == OPTION_LIMIT + 1  # blank and the head
    assert "机电34队党支部" not in select
    assert 'data-testid="search-organization"' in page and "列表只列出前 30 项" in page
    assert reverse("appraisals:branch_options") in page
    assert "core/search-select.js" in page
    response = client.post(reverse("appraisals:new"), _open_data(last.pk))
    assert response.status_code == 302
    assert Round.objects.get().organization == last


def test_a_small_scope_sees_all_its_branches_without_searching(client, world):
    client.force_login(world.bob)
    page = client.get(reverse("appraisals:new")).content.decode()
    select = _select(page, "organization")
    assert "综采一队党支部" in select and "列表只列出前" not in page


def test_the_open_form_refuses_a_branch_outside_the_allowed_set_in_chinese(client, world):
    full_members(world.branch1, 2)
    url = reverse("appraisals:new")
    client.force_login(world.bob)
    for bad in (world.branch2.pk, world.branch3.pk, world.mine.pk, world.group1.pk, "x", "9" * 30):
        response = client.post(url, _open_data(bad))
        assert response.status_code == 200, bad
        assert OPEN_REFUSED in response.content.decode(), bad
    full_members(world.branch2, 2)
    Organization.objects.filter(pk=world.branch2.pk).update(is_active=False)
    client.force_login(world.alice)
    assert OPEN_REFUSED in client.post(url, _open_data(world.branch2.pk)).content.decode()
    assert not Round.objects.exists()


# ---------------------------------------------------------------- the rounds list filter


def test_organization_options_matrix_and_scope(client, world):
    url = reverse("appraisals:organization_options")
    result = assert_access_matrix(
        client,
        url=url,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200},
    )
    assert _options(result.responses["in_scope"]) == [
        "一矿党委",
        "综采一队党支部",
        "掘进二队党支部",
    ]
    assert _options(result.responses["out_of_scope"]) == ["二矿党委", "通风区党支部"]
    client.force_login(_clerk(world))  # view is enough for the filter
    assert _options(client.get(url, {"q": "掘进"})) == ["掘进二队党支部"]
    client.force_login(world.bob)
    assert _options(client.get(url, {"q": "党"})) == ["综采一队党支部"]  # no 党小组, no 党委


def test_organization_options_query_count_does_not_grow(client, world):
    url = reverse("appraisals:organization_options")
    client.force_login(world.dave)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _many_branches(world.mine2, 10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(_options(response)) == 12
    assert len(many) == len(few)


def test_the_filter_renders_a_short_head_and_keeps_the_chosen_organisation(client, world):
    branches = _many_branches(world.mine, OPTION_LIMIT + 5)
    full_members(world.branch1, 1)
    full_members(branches[-1], 1, prefix="机电")
    open_round(world, actor=world.alice)
    open_round(world, actor=world.alice, organization=branches[-1])
    client.force_login(world.alice)
    url = reverse("appraisals:list")
    page = client.get(url).content.decode()
    assert _select(page, "within").count("<option") == OPTION_LIMIT + 1
    assert 'form="within-search"' in page  # the search text stays out of the filter's URL
    page = client.get(url, {"within": branches[-1].pk}).content.decode()
    assert f'value="{branches[-1].pk}" selected' in _select(page, "within")
    assert page.count('data-testid="phase-badge"') == 1 and FILTER_REFUSED not in page


def test_the_filter_refuses_an_organisation_outside_the_scope_in_chinese(client, world):
    full_members(world.branch1, 1)
    open_round(world)
    client.force_login(world.bob)
    url = reverse("appraisals:list")
    for bad in (world.branch3.pk, world.branch2.pk, world.group1.pk, "x", "9" * 30):
        response = client.get(url, {"within": bad})
        assert response.status_code == 200, bad
        page = response.content.decode()
        assert FILTER_REFUSED in page, bad
        assert page.count('data-testid="phase-badge"') == 1  # the scope, unfiltered
        assert "通风区党支部" not in page


def test_the_list_query_count_does_not_grow_with_organisations(client, world):
    url = reverse("appraisals:list")
    client.force_login(world.alice)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _many_branches(world.mine, OPTION_LIMIT + 10)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
