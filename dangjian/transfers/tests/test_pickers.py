"""The search-backed selects of the transfer forms: the member to transfer, the in-tree
destination, the branch chosen on accept/assign. Each option endpoint is scoped, answers at most
`OPTION_LIMIT` options in a constant number of queries, and the forms still refuse a value
outside the allowed set with a Chinese message."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.models import Member, Status
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import Organization, OrgType
from dangjian.transfers.models import State, Transfer
from dangjian.transfers.selectors import OPTION_LIMIT
from dangjian.transfers.tests.helpers import TODAY, issued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def _options(response) -> list[str]:
    """The labels of the choosable options of an options answer."""
    return re.findall(r'<option value="\d+">([^<]*)</option>', response.content.decode())


def _select(page: str, name: str) -> str:
    found = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert found, f"no select {name}"
    return found.group(0)


# ---------------------------------------------------------------- the member search


def test_member_options_matrix_and_scope(client, world):
    make_member(world.branch1, "张三")
    make_member(world.branch2, "张四")
    make_member(world.branch3, "张五")
    url = reverse("transfers:member_options") + "?q=张"
    result = assert_access_matrix(
        client,
        url=url,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200},
    )
    assert _options(result.responses["in_scope"]) == ["张三（综采一队党支部）"]
    assert _options(result.responses["out_of_scope"]) == ["张五（通风区党支部）"]
    client.force_login(world.alice)
    assert len(_options(client.get(url))) == 2  # the mine's two branches, not the other mine


def test_member_search_reads_pinyin_initials_work_number_and_id_number(client, world):
    zhang = make_member(world.branch1, "张三", work_number="K2231")
    make_member(world.branch1, "李四")
    make_member(world.branch1, "王五", status=Status.TRANSFERRED_OUT)
    url = reverse("transfers:member_options")
    client.force_login(world.bob)
    for query in ("zhangsan", "zs", "ZS", "张", "K2231", zhang.person.id_number):
        assert _options(client.get(url, {"q": query})) == ["张三（综采一队党支部）"], query
    assert _options(client.get(url, {"q": "王五"})) == []  # no longer held here
    everyone = _options(client.get(url))
    assert everyone == ["李四（综采一队党支部）", "张三（综采一队党支部）"]  # pinyin order
    page = client.get(url, {"q": "没有这个人"}).content.decode()
    assert "没有匹配的结果" in page
    assert zhang.person.id_number not in client.get(url, {"q": "zs"}).content.decode()


def test_member_options_stop_at_the_limit_and_say_so(client, world):
    for index in range(OPTION_LIMIT + 3):
        make_member(world.branch1, f"张{index:02d}")
    client.force_login(world.bob)
    response = client.get(reverse("transfers:member_options"), {"q": "张"})
    assert len(_options(response)) == OPTION_LIMIT
    assert f"仅显示前 {OPTION_LIMIT} 项" in response.content.decode()


def test_member_options_query_count_does_not_grow(client, world):
    url = reverse("transfers:member_options")
    make_member(world.branch1, "张甲")
    client.force_login(world.alice)
    client.get(url, {"q": "张"})
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"q": "张"})
    for index in range(12):
        make_member(world.branch1 if index % 2 else world.branch2, f"张{index}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"q": "张"})
    assert len(_options(response)) == 13
    assert len(many) == len(few)


# ---------------------------------------------------------------- the in-tree destination


def test_destination_options_matrix_any_organisation_by_name_and_type_only(client, world):
    url = reverse("transfers:destination_options") + "?q=党支部"
    result = assert_access_matrix(
        client,
        url=url,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200},
    )
    wanted = ["综采一队党支部（党支部）", "掘进二队党支部（党支部）", "通风区党支部（党支部）"]
    # A branch may send a member anywhere in the group: dave (二矿) finds the 一矿 branches too.
    assert _options(result.responses["in_scope"]) == wanted
    assert _options(result.responses["out_of_scope"]) == wanted
    text = result.responses["out_of_scope"].content.decode()
    assert "G-M1" not in text  # the name and type only
    client.force_login(world.dave)
    assert _options(client.get(url.split("?")[0], {"q": "G-M1-B2"})) == ["掘进二队党支部（党支部）"]
    assert _options(client.get(url.split("?")[0], {"q": "二矿党委"})) == ["中共二矿委员会（党委）"]


def test_destination_options_leave_out_party_groups_and_inactive_organisations(client, world):
    Organization.objects.filter(pk=world.branch2.pk).update(is_active=False)
    client.force_login(world.bob)
    url = reverse("transfers:destination_options")
    labels = _options(client.get(url))
    assert "中共某煤业集团委员会（党委）" in labels and "通风区党支部（党支部）" in labels
    assert not [label for label in labels if "党小组" in label or "掘进二队" in label]


def test_destination_options_query_count_does_not_grow(client, world):
    url = reverse("transfers:destination_options")
    client.force_login(world.bob)
    client.get(url, {"q": "支部"})
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"q": "支部"})
    for index in range(10):
        Organization.objects.add_child(
            world.mine2,
            {"org_type": OrgType.BRANCH, "name": f"机电{index}队党支部", "code": f"G-M2-E{index}"},
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"q": "支部"})
    assert len(_options(response)) == 13
    assert len(many) == len(few)


# ---------------------------------------------------------------- the branch on accept / assign


def _addressed_to_mine2(world):
    return issued(world, make_member(world.branch1, "张三"), destination=world.mine2)


def test_branch_options_matrix_only_the_receiving_committee(client, world):
    transfer = _addressed_to_mine2(world)
    url = reverse("transfers:branch_options", args=[transfer.pk])
    result = assert_access_matrix(
        client,
        url=url,
        in_scope=world.dave,  # 二矿 组织部: approve_transfer over the receiver
        out_of_scope=world.alice,  # sees the transfer (sending side) but may not accept it
        no_role=world.charlie,
    )
    assert _options(result.responses["in_scope"]) == ["通风区党支部"]
    client.force_login(world.bob)
    assert client.get(url).status_code == 404
    client.force_login(world.dave)
    assert _options(client.get(url, {"q": "综采"})) == []  # never a branch of another subtree
    missing = reverse("transfers:branch_options", args=[transfer.pk + 1000])
    assert client.get(missing).status_code == 404


def test_branch_options_for_an_outside_destination_is_not_found(client, world):
    transfer = issued(world, make_member(world.branch1, "张三"))  # addressed outside the tree
    client.force_login(world.alice)
    url = reverse("transfers:branch_options", args=[transfer.pk])
    assert client.get(url).status_code == 404


def test_branch_options_query_count_does_not_grow(client, world):
    transfer = _addressed_to_mine2(world)
    url = reverse("transfers:branch_options", args=[transfer.pk])
    client.force_login(world.dave)
    client.get(url, {"q": "党支部"})
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"q": "党支部"})
    for index in range(10):
        Organization.objects.add_child(
            world.mine2,
            {"org_type": OrgType.BRANCH, "name": f"机电{index}队党支部", "code": f"G-M2-E{index}"},
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"q": "党支部"})
    assert len(_options(response)) == 11
    assert len(many) == len(few)


# ---------------------------------------------------------------- the forms


def test_the_request_form_renders_a_short_head_and_keeps_the_chosen_member(client, world):
    members = [make_member(world.branch1, f"张{index:02d}") for index in range(OPTION_LIMIT + 5)]
    last = Member.objects.get(pk=members[-1].pk)
    client.force_login(world.bob)
    page = client.get(reverse("transfers:new"), {"member": last.pk}).content.decode()
    select = _select(page, "member")
    assert select.count("<option") == OPTION_LIMIT + 2  # blank, the head, the chosen one
    assert f'value="{last.pk}" selected' in select
    assert 'data-testid="search-member"' in page and "列表只列出前 30 项" in page
    assert reverse("transfers:member_options") in page
    assert reverse("transfers:destination_options") in page
    response = client.post(
        reverse("transfers:new"),
        {
            "member": last.pk,  # not among the rendered head: the field still takes it
            "within": "inside",
            "destination": world.branch3.pk,
            "reason": "调动",
            "requested_on": "2026-03-05",
        },
    )
    assert response.status_code == 302
    assert Transfer.objects.get().receiver == world.branch3


def test_the_request_form_refuses_values_outside_the_allowed_sets(client, world):
    zhang = make_member(world.branch1, "张三")
    other = make_member(world.branch2, "李四")  # not bob's branch
    data = {
        "member": zhang.pk,
        "within": "inside",
        "destination": world.branch3.pk,
        "reason": "调动",
        "requested_on": "2026-03-05",
    }
    url = reverse("transfers:new")
    client.force_login(world.bob)
    page = client.post(url, {**data, "member": other.pk}).content.decode()
    assert "所选党员不在您可以办理转接的范围内" in page
    page = client.post(url, {**data, "member": "abc"}).content.decode()
    assert "所选党员不在您可以办理转接的范围内" in page
    for bad in (world.group1.pk, "999999", "x"):
        page = client.post(url, {**data, "destination": bad}).content.decode()
        assert "所选接收党组织不是本集团有效的党委、党总支或党支部" in page, bad
    Organization.objects.filter(pk=world.branch3.pk).update(is_active=False)
    page = client.post(url, data).content.decode()
    assert "所选接收党组织不是本集团有效的党委、党总支或党支部" in page
    assert not Transfer.objects.exists()


def test_accept_refuses_a_branch_outside_the_receiver_in_chinese(client, world):
    transfer = _addressed_to_mine2(world)
    url = reverse("transfers:step", args=[transfer.pk, "accept"])
    client.force_login(world.dave)
    page = client.get(url).content.decode()
    assert 'data-testid="search-branch"' in page
    assert reverse("transfers:branch_options", args=[transfer.pk]) in page
    for bad in (world.branch1.pk, world.mine2.pk, "x"):
        response = client.post(url, {"accepted_on": "2026-03-09", "branch": bad})
        assert response.status_code == 200
        assert "所选党支部不是“中共二矿委员会”下属的有效党支部" in response.content.decode()
    assert Transfer.objects.get().state == State.LETTER_ISSUED
    detail = client.get(reverse("transfers:detail", args=[transfer.pk])).content.decode()
    form = detail.split('data-testid="accept-form"')[1].split("</form>")[0]
    assert 'data-testid="search-branch"' in form and "通风区党支部" in form


def test_the_accept_form_on_the_detail_page_renders_only_a_short_head(client, world):
    for index in range(OPTION_LIMIT + 5):
        Organization.objects.add_child(
            world.mine2,
            {"org_type": OrgType.BRANCH, "name": f"机电{index:02d}队党支部", "code": f"M2E{index}"},
        )
    transfer = _addressed_to_mine2(world)
    client.force_login(world.dave)
    page = client.get(reverse("transfers:detail", args=[transfer.pk])).content.decode()
    assert _select(page, "branch").count("<option") == OPTION_LIMIT + 1
    last = Organization.objects.filter(name="机电34队党支部").get()
    response = client.post(
        reverse("transfers:step", args=[transfer.pk, "accept"]),
        {"accepted_on": "2026-03-09", "branch": last.pk},
    )
    assert response.status_code == 302
    assert Member.objects.get(person=transfer.person).organization == last


# ---------------------------------------------------------------- the registration's receiver


def test_receiver_options_matrix_and_scope(client, world):
    url = reverse("transfers:receiver_options")
    result = assert_access_matrix(
        client,
        url=url + "?q=党支部",
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200},
    )
    assert _options(result.responses["in_scope"]) == ["综采一队党支部"]
    assert _options(result.responses["out_of_scope"]) == ["通风区党支部"]
    client.force_login(world.alice)
    labels = _options(client.get(url))
    assert labels == ["中共一矿委员会", "综采一队党支部", "掘进二队党支部"]  # no 党小组
    assert _options(client.get(url, {"q": "G-M1-B2"})) == ["掘进二队党支部"]


def test_receiver_options_query_count_does_not_grow(client, world):
    url = reverse("transfers:receiver_options")
    client.force_login(world.dave)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(10):
        Organization.objects.add_child(
            world.mine2,
            {"org_type": OrgType.BRANCH, "name": f"机电{index}队党支部", "code": f"G-M2-E{index}"},
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(_options(response)) == 12
    assert len(many) == len(few)


def test_the_registration_refuses_a_receiver_outside_the_scope(client, world):
    client.force_login(world.bob)
    page = client.get(reverse("transfers:register")).content.decode()
    assert 'data-testid="search-receiver"' in page
    response = client.post(
        reverse("transfers:register"),
        {
            "receiver": world.branch3.pk,  # 二矿's branch: not bob's
            "name": "赵六",
            "id_number": "11010519491231002X",
            "category": "probationary",
            "joined_on": "2025-09-01",
            "origin_name": "外地党委",
            "registered_on": "2026-03-05",
        },
    )
    assert "所选接收党组织不在您可以办理转入登记的范围内" in response.content.decode()
    assert not Transfer.objects.exists()
