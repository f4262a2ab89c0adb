"""The forms that change the tree, committees and units: access matrix, effect, refusals."""

import datetime

import pytest
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.orgs import services
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgType, Unit
from dangjian.orgs.tests.helpers import add_members, tree_state

TODAY = datetime.date.today()
DONE = {"in_scope": 302}


def post_matrix(client, world, url, data, *, in_scope=None, out_of_scope=None, no_role=None):
    """GET shows the form to the one in scope; POST changes nothing unless allowed."""
    users = {
        "in_scope": in_scope or world.alice,
        "out_of_scope": out_of_scope or world.dave,
        "no_role": no_role or world.charlie,
    }
    assert_access_matrix(client, url=url, **users)
    return assert_access_matrix(
        client, url=url, method="post", data=data, state=tree_state, expect=DONE, **users
    )


def test_create_child_page(client, world):
    url = reverse("orgs:create_child", args=[world.mine.pk])
    data = {"org_type": OrgType.BRANCH, "name": "机电队党支部", "code": "G-M1-B9", "sort_order": 0}
    response = post_matrix(client, world, url, data, no_role=world.bob).responses["in_scope"]
    created = Organization.objects.get(code="G-M1-B9")
    assert Organization.objects.get_parent(created) == world.mine
    assert response["Location"] == reverse("orgs:detail", args=[created.pk])


def test_create_child_offers_only_fitting_types(client, world):
    client.force_login(world.alice)
    html = client.get(reverse("orgs:create_child", args=[world.branch1.pk])).content.decode()
    assert 'value="group"' in html and 'value="branch"' not in html


def test_a_double_submit_creates_one_organisation(client, world):
    client.force_login(world.alice)
    url = reverse("orgs:create_child", args=[world.mine.pk])
    data = {"org_type": OrgType.BRANCH, "name": "机电队党支部", "code": "G-M1-B9", "sort_order": 0}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 200 and "已被“机电队党支部”使用" in again.content.decode()
    assert Organization.objects.filter(code="G-M1-B9").count() == 1


def test_a_refused_create_shows_the_rule_and_changes_nothing(client, world):
    client.force_login(world.alice)
    before = tree_state()
    response = client.post(
        reverse("orgs:create_child", args=[world.mine.pk]),
        {"org_type": OrgType.BRANCH, "name": "", "code": "坏代码", "sort_order": 0},
    )
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert tree_state() == before


def test_create_root_page(client, world):
    url = reverse("orgs:create_root")
    data = {
        "org_type": OrgType.COMMITTEE,
        "name": "中共某能源公司委员会",
        "code": "R2",
        "sort_order": 0,
    }
    post_matrix(client, world, url, data, in_scope=world.sysadmin, out_of_scope=world.alice)
    assert Organization.objects.get(code="R2").is_root()


def test_edit_page(client, world):
    url = reverse("orgs:edit", args=[world.branch1.pk])
    data = {
        "org_type": OrgType.BRANCH,
        "name": "综采一区党支部",
        "code": "G-M1-B1",
        "sort_order": 1,
    }
    post_matrix(client, world, url, data, no_role=world.bob)
    assert Organization.objects.get(pk=world.branch1.pk).name == "综采一区党支部"


def test_move_page(client, world):
    target = services.organization_create(
        actor=world.alice,
        parent=world.mine,
        org_type=OrgType.GENERAL_BRANCH,
        name="机电党总支",
        code="Z1",
    )
    url = reverse("orgs:move", args=[world.branch1.pk])
    post_matrix(client, world, url, {"new_parent": target.pk}, no_role=world.bob)
    assert Organization.objects.get_parent(Organization.objects.get(pk=world.branch1.pk)) == target


def test_move_offers_only_parents_in_scope(client, world):
    client.force_login(world.alice)
    html = client.get(reverse("orgs:move", args=[world.branch1.pk])).content.decode()
    assert "二矿" not in html and "通风区" not in html
    response = client.post(
        reverse("orgs:move", args=[world.branch1.pk]), {"new_parent": world.mine2.pk}
    )
    assert response.status_code == 200 and "is-invalid" in response.content.decode()


def test_move_options_matrix_and_search(client, world):
    url = reverse("orgs:move_options", args=[world.group1.pk])
    response = assert_access_matrix(
        client, url=url, in_scope=world.alice, out_of_scope=world.dave, no_role=world.bob
    ).responses["in_scope"]
    html = response.content.decode()
    assert "掘进二队党支部" in html and "综采一队党支部" not in html  # current parent left out
    client.force_login(world.alice)
    html = client.get(url, {"q": "掘进"}).content.decode()
    assert "掘进二队党支部" in html


def test_merge_page(client, world):
    add_members(world.branch1, 2)
    url = reverse("orgs:merge", args=[world.branch1.pk])
    post_matrix(
        client, world, url, {"target": world.branch2.pk, "confirm": "on"}, no_role=world.bob
    )
    assert not Organization.objects.get(pk=world.branch1.pk).is_active
    assert Organization.objects.get(pk=world.branch2.pk).member_count == 2


def test_merge_needs_the_confirmation_and_a_branch(client, world):
    client.force_login(world.alice)
    before = tree_state()
    response = client.post(
        reverse("orgs:merge", args=[world.branch1.pk]), {"target": world.branch2.pk}
    )
    assert response.status_code == 200 and tree_state() == before
    assert client.get(reverse("orgs:merge", args=[world.mine.pk])).status_code == 404


def test_merge_options_matrix(client, world):
    url = reverse("orgs:merge_options", args=[world.branch1.pk])
    html = (
        assert_access_matrix(
            client, url=url, in_scope=world.alice, out_of_scope=world.dave, no_role=world.bob
        )
        .responses["in_scope"]
        .content.decode()
    )
    assert "掘进二队党支部" in html and "通风区党支部" not in html


def test_dissolve_page(client, world):
    url = reverse("orgs:dissolve", args=[world.branch2.pk])
    post_matrix(client, world, url, {"reason": "区队撤并"}, no_role=world.bob)
    assert not Organization.objects.get(pk=world.branch2.pk).is_active


def test_a_group_with_members_is_dissolved_from_its_page(client, world):
    add_members(world.branch1, 2, group=world.group1)
    client.force_login(world.alice)
    url = reverse("orgs:dissolve", args=[world.group1.pk])
    assert "改为不编入党小组" in client.get(url).content.decode()
    assert client.post(url, {"reason": ""}).status_code == 302
    html = client.get(reverse("orgs:detail", args=[world.group1.pk])).content.decode()
    assert "已撤销" in html and "2 名党员改为不编入党小组" in html
    assert "编入党员" in html  # a 党小组 counts the members organised in it


def test_dissolve_refused_when_not_empty_says_why(client, world):
    client.force_login(world.alice)
    before = tree_state()
    response = client.post(reverse("orgs:dissolve", args=[world.branch1.pk]), {"reason": ""})
    assert "1 个下级党组织" in response.content.decode()
    assert tree_state() == before


def test_a_dissolved_organisation_has_no_action_pages(client, world):
    services.organization_dissolve(actor=world.alice, organization=world.branch2)
    client.force_login(world.alice)
    for name in ("edit", "move", "dissolve", "set_units", "create_child", "term_create"):
        assert client.get(reverse(f"orgs:{name}", args=[world.branch2.pk])).status_code == 404


def test_set_units_page(client, world):
    unit = Unit.objects.create(name="综采一队", code="U1", owner=world.mine)
    url = reverse("orgs:set_units", args=[world.branch1.pk])
    post_matrix(client, world, url, {"units": [unit.pk]}, no_role=world.bob)
    assert list(world.branch1.units.all()) == [unit]


def test_term_create_page(client, world):
    url = reverse("orgs:term_create", args=[world.branch1.pk])
    data = {"term_start": "2025-01-01"}
    post_matrix(client, world, url, data, in_scope=world.bob)
    committee = Committee.objects.get(organization=world.branch1)
    assert committee.term_end == datetime.date(2028, 1, 1)


@pytest.fixture
def current(world):
    return services.committee_create(
        actor=world.alice, organization=world.branch1, term_start=TODAY
    )


def test_post_add_page(client, world, current):
    person = add_members(world.branch1, 1)[0]
    url = reverse("orgs:post_add", args=[current.pk])
    data = {"post": "secretary", "person": person.pk, "started_on": TODAY.isoformat()}
    post_matrix(client, world, url, data, in_scope=world.bob)
    assert CommitteePost.objects.get(committee=current).person == person


def test_post_add_refuses_someone_from_another_branch(client, world, current):
    outsider = add_members(world.branch2, 1)[0]
    client.force_login(world.alice)
    before = tree_state()
    response = client.post(
        reverse("orgs:post_add", args=[current.pk]), {"post": "member", "person": outsider.pk}
    )
    assert response.status_code == 200 and tree_state() == before


def test_post_people_matrix_and_search(client, world, current):
    mine, other = add_members(world.branch1, 1)[0], add_members(world.branch2, 1)[0]
    url = reverse("orgs:post_people", args=[current.pk])
    html = (
        assert_access_matrix(
            client, url=url, in_scope=world.bob, out_of_scope=world.dave, no_role=world.charlie
        )
        .responses["in_scope"]
        .content.decode()
    )
    assert mine.name in html and other.name not in html
    client.force_login(world.bob)
    assert mine.name in client.get(url, {"q": mine.work_number}).content.decode()


def test_post_end_page(client, world, current):
    person = add_members(world.branch1, 1)[0]
    post = services.committee_post_add(
        actor=world.alice, committee=current, post="member", person=person
    )
    url = reverse("orgs:post_end", args=[post.pk])
    post_matrix(client, world, url, {"ended_on": TODAY.isoformat()}, in_scope=world.bob)
    assert CommitteePost.objects.get(pk=post.pk).ended_on == TODAY


def test_unit_create_page(client, world):
    url = reverse("orgs:unit_create")
    data = {
        "owner": world.mine.pk,
        "name": "机电科",
        "code": "U-JD",
        "kind": "office",
        "sort_order": 0,
    }
    assert_access_matrix(
        client, url=url, in_scope=world.alice, no_role=world.bob, expect={"no_role": 403}
    )
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data=data,
        state=tree_state,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.bob,
        expect={"no_role": 403, "out_of_scope": 200, "in_scope": 302},
    )
    assert Unit.objects.get(code="U-JD").owner == world.mine


def test_unit_edit_page(client, world):
    unit = Unit.objects.create(name="机电科", code="U-JD", owner=world.mine)
    url = reverse("orgs:unit_edit", args=[unit.pk])
    data = {
        "name": "机电运输科",
        "code": "U-JD",
        "kind": "office",
        "sort_order": 0,
        "is_active": "on",
    }
    post_matrix(client, world, url, data, no_role=world.bob)
    assert Unit.objects.get(pk=unit.pk).name == "机电运输科"
