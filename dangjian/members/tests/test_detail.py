"""The member detail page: who may see it, its four tabs, action buttons and cost."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.models import MemberDocument, RecordChange, RewardPunishment, StatusChange
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import Committee, CommitteePost


def detail_url(member, tab=""):
    url = reverse("members:detail", args=[member.pk])
    return f"{url}?tab={tab}" if tab else url


def page(client, user, member, tab=""):
    client.force_login(user)
    return client.get(detail_url(member, tab))


@pytest.mark.parametrize("tab", ["", "basic", "party", "history", "documents"])
def test_detail_matrix(client, world, tab):
    member = make_member(world.branch1, "张三")
    assert_access_matrix(
        client,
        url=detail_url(member, tab),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_bob_sees_his_branch_but_not_the_next_one(client, world):
    mine = make_member(world.branch1, "张三")
    other = make_member(world.branch2, "李四")
    assert page(client, world.bob, mine).status_code == 200
    assert page(client, world.bob, other).status_code == 404


def test_a_missing_member_is_404_like_one_out_of_scope(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("members:detail", args=[999999])).status_code == 404


def test_a_member_sees_their_own_record_but_cannot_reveal_or_edit(client, world):
    zhang = make_member(world.branch1, "张三", mobile="13812345678")
    world.charlie.person = zhang.person
    world.charlie.save()
    response = page(client, world.charlie, zhang)
    html = response.content.decode()
    assert response.status_code == 200
    assert "138****5678" in html and "13812345678" not in html
    assert 'data-testid="reveal-mobile"' not in html
    assert 'data-testid="member-actions"' not in html


def test_an_unknown_tab_shows_the_basic_tab(client, world):
    member = make_member(world.branch1, "张三")
    html = page(client, world.alice, member, "secret").content.decode()
    assert 'data-testid="tab-basic"' in html


def test_the_basic_tab_masks_personal_data(client, world):
    member = make_member(
        world.branch1,
        "张三",
        gender="female",
        id_number="11010519491231002X",
        mobile="13812345678",
        address="河南省平顶山市新华区矿工路1号",
        birth=date(1949, 12, 31),
    )
    html = page(client, world.alice, member).content.decode()
    assert "110105********002X" in html and "11010519491231002X" not in html
    assert "138****5678" in html and "13812345678" not in html
    assert "河南省平顶山****" in html and "矿工路1号" not in html
    assert 'data-testid="reveal-id_number"' in html  # alice holds reveal_sensitive


def test_the_branch_secretary_sees_no_reveal_button(client, world):
    member = make_member(world.branch1, "张三", mobile="13812345678")
    html = page(client, world.bob, member).content.decode()
    assert "138****5678" in html and 'data-testid="reveal-mobile"' not in html


def test_the_party_tab(client, world):
    member = make_member(
        world.branch1,
        "张三",
        category="probationary",
        joined_on=date(2025, 7, 1),
        party_group=world.group1,
    )
    member.is_floating = True
    member.floating_destination = "深圳"
    member.save()
    committee = Committee.objects.create(
        organization=world.branch1, term_start=date(2024, 1, 1), term_end=date(2027, 1, 1)
    )
    CommitteePost.objects.create(committee=committee, post="organization", person=member.person)
    RewardPunishment.objects.create(
        member=member,
        kind="reward",
        title="优秀共产党员",
        decided_on=date(2025, 7, 1),
        issuer="一矿党委",
    )
    StatusChange.objects.create(
        member=member,
        kind="suspend",
        from_status="normal",
        to_status="suspended",
        effective_on=date(2025, 8, 1),
        reason="失联超过六个月",
    )
    html = page(client, world.alice, member, "party").content.decode()
    assert "第一党小组" in html and "预备党员" in html
    assert "2026-07-01" in html  # probation end = joined + 12 months
    assert "预备期内，转正后起算" in html
    assert "深圳" in html
    assert "优秀共产党员" in html and "失联超过六个月" in html
    assert "综采一队党支部 · " in html  # the committee post


def test_the_party_age_counts_from_full_membership(client, world, time_machine):
    time_machine.move_to(date(2026, 6, 30))
    member = make_member(
        world.branch1, "张三", joined_on=date(2010, 7, 1), full_member_on=date(2011, 7, 1)
    )
    html = page(client, world.alice, member, "party").content.decode()
    assert 'data-testid="party-age">14 年' in html


def test_the_history_tab_lists_changes_with_before_and_after(client, world):
    member = make_member(world.branch1, "张三")
    RecordChange.objects.create(
        person=member.person,
        source="form",
        actor=world.alice,
        actor_name="艾丽",
        changes=[{"field": "post", "label": "岗位", "before": "采煤工", "after": "班长"}],
    )
    html = page(client, world.alice, member, "history").content.decode()
    assert "艾丽" in html and "页面编辑" in html and "采煤工" in html and "班长" in html


def test_the_history_tab_paginates(client, world):
    member = make_member(world.branch1, "张三")
    for index in range(25):
        RecordChange.objects.create(person=member.person, source="form", note=f"第{index}次")
    client.force_login(world.alice)
    html = client.get(detail_url(member, "history")).content.decode()
    assert "第 1/2 页" in html and "tab=history&amp;page=2" in html


def test_the_documents_tab_lists_documents(client, world):
    member = make_member(world.branch1, "张三")
    MemberDocument.objects.create(
        person=member.person,
        kind="application",
        title="入党申请书",
        file="x.pdf",
        file_kind="pdf",
        size=2048,
    )
    html = page(client, world.alice, member, "documents").content.decode()
    assert "入党申请书" in html and "2.0\xa0KB" in html


def test_the_page_works_while_edit_and_status_pages_are_missing(client, world):
    member = make_member(world.branch1, "张三")
    for tab in ("basic", "party", "history", "documents"):
        assert page(client, world.alice, member, tab).status_code == 200


def _fill(member, world, count):
    for index in range(count):
        RecordChange.objects.create(person=member.person, source="form", actor=world.alice)
        MemberDocument.objects.create(
            person=member.person, kind="other", title=f"材料{index}", file="x.pdf", file_kind="pdf"
        )
        RewardPunishment.objects.create(
            member=member,
            kind="reward",
            title=f"表彰{index}",
            decided_on=date(2020, 1, 1),
            issuer="党委",
        )
        StatusChange.objects.create(
            member=member,
            kind="suspend",
            from_status="normal",
            to_status="suspended",
            effective_on=date(2020, 1, 1),
            reason="原因",
            actor=world.alice,
        )


@pytest.mark.parametrize("tab", ["basic", "party", "history", "documents"])
def test_the_detail_query_count_does_not_grow_with_rows(
    client, world, tab, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member = make_member(world.branch1, "张三", party_group=world.group1)
    _fill(member, world, 3)
    client.force_login(world.alice)
    client.get(detail_url(member, tab))
    with CaptureQueriesContext(connection) as few:
        assert client.get(detail_url(member, tab)).status_code == 200
    _fill(member, world, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(detail_url(member, tab)).status_code == 200
