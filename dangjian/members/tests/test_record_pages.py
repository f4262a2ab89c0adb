"""The record pages: `members:create` and `members:edit` — access, saving through `record_save`,
field errors in Chinese, masked personal data, history and counts."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.core.crypto import lookup_hash
from dangjian.core.idnumbers import make_id_number
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.models import Category, Member, Person, RecordChange
from dangjian.members.tests.factories import make_member
from dangjian.members.views.records import detail_url
from dangjian.orgs.models import Organization

MALE_ID = make_id_number("410402", date(1985, 6, 15), 13)
FEMALE_ID = make_id_number("410402", date(1990, 3, 8), 24)


def form_data(world, **changes):
    data = {
        "name": "王五",
        "id_number": MALE_ID,
        "gender": "",
        "birth_date": "",
        "ethnicity": "01",
        "employment": "active",
        "organization": world.branch1.pk,
        "category": Category.FULL,
        "joined_on": "2010-07-01",
        "full_member_on": "2011-07-01",
        "mobile": "13912345678",
        "address": "河南省平顶山市新华区矿工路 1 号",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def state():
    return (
        list(Person.objects.values_list("pk", "name", "id_number_hash", "mobile_hash")),
        list(Member.objects.values_list("pk", "organization", "category", "joined_on")),
        RecordChange.objects.count(),
    )


def counts(*orgs):
    return [Organization.objects.get(pk=org.pk).member_count for org in orgs]


# ---------------------------------------------------------------- access


def test_it_lets_managers_open_the_create_page_and_refuses_the_others(client, world):
    url = reverse("members:create")
    assert_access_matrix(
        client,
        url=url,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200},  # Dave manages his own mine and may add members there
    )


def test_it_refuses_a_create_post_into_another_mine_and_changes_nothing(client, world):
    assert_access_matrix(
        client,
        url=reverse("members:create"),
        method="post",
        data=form_data(world),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200, "in_scope": 302},
        state=state,
    )
    assert Person.objects.get(name="王五").membership.organization == world.branch1


def test_it_offers_the_branch_secretary_only_his_branch(client, world):
    client.force_login(world.bob)
    html = client.get(reverse("members:create")).content.decode()
    assert f'value="{world.branch1.pk}"' in html
    assert f'value="{world.branch2.pk}"' not in html and f'value="{world.branch3.pk}"' not in html
    assert f'value="{world.group1.pk}"' not in html  # a 党小组 never holds a membership


def test_it_refuses_bob_a_member_of_the_other_branch(client, world):
    client.force_login(world.bob)
    response = client.post(
        reverse("members:create"), form_data(world, organization=world.branch2.pk)
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Person.objects.filter(name="王五").exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_edit_page_answers_404_outside_the_manage_scope(client, world, method):
    member = make_member(world.branch1, "张三")
    before = state()
    assert_access_matrix(
        client,
        url=reverse("members:edit", args=[member.pk]),
        method=method,
        data=form_data(world, name="张三丰", id_number="") if method == "post" else None,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302 if method == "post" else 200},
        state=state,
    )
    if method == "post":
        assert Person.objects.get(pk=member.person_id).name == "张三丰"
    else:
        assert state() == before


def test_bob_cannot_edit_a_member_of_branch2(client, world):
    member = make_member(world.branch2, "李四")
    client.force_login(world.bob)
    url = reverse("members:edit", args=[member.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(world, name="改名")).status_code == 404
    assert Person.objects.get(pk=member.person_id).name == "李四"


def test_an_unknown_member_answers_404(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("members:edit", args=[999999])).status_code == 404


# ---------------------------------------------------------------- creating


def test_it_creates_a_member_and_sends_the_user_to_the_detail_page(client, world):
    client.force_login(world.alice)
    response = client.post(reverse("members:create"), form_data(world))
    person = Person.objects.get(name="王五")
    assert response.status_code == 302
    assert response["Location"] == detail_url(person.membership)
    assert person.gender == "male" and person.birth_date == date(1985, 6, 15)  # from the ID
    assert person.id_number_hash == lookup_hash(MALE_ID)
    assert person.organization == world.branch1
    followed = client.get(response["Location"], follow=True).content.decode()
    assert "已新建党员“王五”的档案。" in followed


def test_a_double_submit_creates_one_member(client, world):
    client.force_login(world.alice)
    url = reverse("members:create")
    token = "a" * 32
    first = client.post(url, form_data(world, form_token=token))
    again = client.post(url, form_data(world, form_token=token))
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Person.objects.filter(name="王五").count() == 1


def test_a_second_form_with_the_same_id_number_is_refused(client, world):
    make_member(world.branch2, "张三", id_number=MALE_ID)
    client.force_login(world.alice)
    response = client.post(reverse("members:create"), form_data(world))
    assert response.status_code == 200
    assert "身份证号已登记在“张三”名下" in response.content.decode()
    assert Person.objects.filter(id_number_hash=lookup_hash(MALE_ID)).count() == 1


def test_a_wrong_check_character_is_a_field_error_in_chinese(client, world):
    client.force_login(world.alice)
    wrong = MALE_ID[:17] + ("0" if MALE_ID[17] != "0" else "1")
    response = client.post(reverse("members:create"), form_data(world, id_number=wrong))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"最后一位应为 {MALE_ID[17]}" in html
    assert 'name="id_number"' in html and "is-invalid" in html
    assert not Person.objects.exists()


def test_a_15_digit_number_is_stored_in_its_18_digit_form(client, world):
    client.force_login(world.alice)
    legacy = MALE_ID[:6] + MALE_ID[8:17]
    client.post(reverse("members:create"), form_data(world, id_number=legacy))
    assert Person.objects.get(name="王五").id_number == MALE_ID


def test_a_gender_against_the_id_number_is_refused(client, world):
    client.force_login(world.alice)
    response = client.post(reverse("members:create"), form_data(world, gender="female"))
    assert "性别与身份证号不符：身份证号第 17 位表示男性。" in response.content.decode()
    assert not Person.objects.exists()


def test_a_full_member_without_a_conversion_date_is_refused(client, world):
    client.force_login(world.alice)
    response = client.post(reverse("members:create"), form_data(world, full_member_on=""))
    assert "正式党员须填写转正日期" in response.content.decode()
    assert not Person.objects.exists()


def test_every_problem_is_listed_at_once(client, world):
    client.force_login(world.alice)
    response = client.post(
        reverse("members:create"),
        form_data(world, name="", organization="", category="", joined_on=""),
    )
    html = response.content.decode()
    for message in ("姓名不能为空", "所在党支部不能为空", "党员类别不能为空", "入党日期不能为空"):
        assert message in html


def test_a_floating_member_needs_the_date_of_leaving(client, world):
    client.force_login(world.alice)
    response = client.post(reverse("members:create"), form_data(world, is_floating="on"))
    assert "请填写外出流动日期。" in response.content.decode()
    assert not Person.objects.exists()


def test_creating_refreshes_the_member_counts(client, world):
    client.force_login(world.alice)
    client.post(reverse("members:create"), form_data(world))
    assert counts(world.branch1, world.mine, world.group) == [1, 1, 1]


def test_the_history_and_the_audit_never_hold_the_full_id_number(client, world):
    client.force_login(world.alice)
    client.post(reverse("members:create"), form_data(world))
    person = Person.objects.get(name="王五")
    change = RecordChange.objects.get(person=person)
    assert change.source == RecordChange.Source.FORM and change.actor == world.alice
    shown = {row["field"]: row["after"] for row in change.changes}
    assert shown["id_number"] == "410402********" + MALE_ID[-4:]
    assert shown["mobile"] == "139****5678"
    entries = AuditEntry.objects.filter(action="members.record_create")
    assert entries.count() == 1
    for text in (str(change.changes), str(entries[0].after), str(entries[0].before)):
        assert MALE_ID not in text and "13912345678" not in text and "矿工路" not in text


# ---------------------------------------------------------------- editing


def test_the_edit_form_never_contains_the_full_personal_data(client, world):
    member = make_member(world.branch1, "张三", address="河南省平顶山市卫东区建设路 8 号")
    person = member.person
    client.force_login(world.alice)  # 组织部 holds reveal_sensitive: still masked in the form
    html = client.get(reverse("members:edit", args=[member.pk])).content.decode()
    assert person.id_number not in html and person.mobile not in html and "建设路" not in html
    assert person.id_number[:6] + "********" + person.id_number[-4:] in html
    assert "河南省平顶山****" in html


def test_a_blank_sensitive_field_keeps_the_stored_value(client, world):
    member = make_member(world.branch1, "张三", address="河南省平顶山市卫东区建设路 8 号")
    before = Person.objects.get(pk=member.person_id)
    client.force_login(world.alice)
    data = form_data(world, name="张三", id_number="", mobile="", address="", post="采煤机司机")
    data["work_number"] = before.work_number
    response = client.post(reverse("members:edit", args=[member.pk]), data)
    assert response.status_code == 302
    after = Person.objects.get(pk=member.person_id)
    assert (after.id_number, after.mobile, after.address) == (
        before.id_number,
        before.mobile,
        before.address,
    )
    change = RecordChange.objects.get(person=after)
    assert [row["field"] for row in change.changes] == ["post"]


def test_a_typed_id_number_replaces_the_stored_one_and_is_masked_in_the_history(client, world):
    # An explicit stored number: the factory's own numbers come from a process-wide counter and
    # one of them is FEMALE_ID itself, which made the edit a no-op in some test orders.
    stored = make_id_number("410402", date(1990, 3, 8), 22)
    member = make_member(
        world.branch1, "张三", gender="female", birth=date(1990, 3, 8), id_number=stored
    )
    old = member.person.id_number
    assert old != FEMALE_ID
    client.force_login(world.alice)
    data = form_data(world, name="张三", id_number=FEMALE_ID, gender="female", mobile="")
    assert client.post(reverse("members:edit", args=[member.pk]), data).status_code == 302
    person = Person.objects.get(pk=member.person_id)
    assert person.id_number == FEMALE_ID
    row = next(
        r for r in RecordChange.objects.get(person=person).changes if r["field"] == "id_number"
    )
    assert row["before"] == old[:6] + "********" + old[-4:]
    assert row["after"] == FEMALE_ID[:6] + "********" + FEMALE_ID[-4:]
    entry = AuditEntry.objects.get(action="members.record_update")
    assert FEMALE_ID not in str(entry.after) and old not in str(entry.before)


def test_the_clear_box_removes_the_mobile_number(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    data = form_data(world, name="张三", id_number="", mobile="", clear_mobile="on")
    client.post(reverse("members:edit", args=[member.pk]), data)
    person = Person.objects.get(pk=member.person_id)
    assert person.mobile == "" and person.mobile_hash == ""


def test_an_unchanged_form_writes_nothing(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    url = reverse("members:edit", args=[member.pk])
    page = client.get(url)
    data = {
        name: value
        for name, value in page.context["form"].initial.items()
        if value is not None and not hasattr(value, "pk")
    }
    data.update(organization=world.branch1.pk, joined_on="2010-07-01", full_member_on="2011-07-01")
    data["birth_date"] = "1985-06-15"
    response = client.post(url, data)
    assert response.status_code == 302
    assert not RecordChange.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="members.record").exists()


def test_moving_a_member_refreshes_both_branches_counts(client, world):
    member = make_member(world.branch1, "张三")
    from dangjian.members.services.people import refresh_counts

    refresh_counts(world.branch1, world.branch2)
    assert counts(world.branch1, world.branch2) == [1, 0]
    client.force_login(world.alice)
    data = form_data(world, name="张三", id_number="", organization=world.branch2.pk)
    assert client.post(reverse("members:edit", args=[member.pk]), data).status_code == 302
    assert counts(world.branch1, world.branch2, world.mine) == [0, 1, 1]
    assert Person.objects.get(pk=member.person_id).organization == world.branch2


def test_the_party_group_must_belong_to_the_chosen_branch(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    data = form_data(
        world, name="张三", id_number="", organization=world.branch2.pk, party_group=world.group1.pk
    )
    response = client.post(reverse("members:edit", args=[member.pk]), data)
    assert "不是“掘进二队党支部”下属的党小组" in response.content.decode()
    assert Member.objects.get(pk=member.pk).organization == world.branch1


# ---------------------------------------------------------------- pickers


def test_the_organisation_search_offers_only_the_managed_scope(client, world):
    client.force_login(world.bob)
    url = reverse("members:record_options")
    html = client.get(url, {"field": "organization", "q": "党支部"}).content.decode()
    assert "综采一队党支部" in html and "掘进二队党支部" not in html and "通风区" not in html


def test_the_party_group_options_follow_the_chosen_branch(client, world):
    client.force_login(world.alice)
    url = reverse("members:record_options")
    html = client.get(url, {"field": "party_group", "organization": world.branch1.pk})
    assert "第一党小组" in html.content.decode()
    other = client.get(url, {"field": "party_group", "organization": world.branch3.pk})
    assert "第一党小组" not in other.content.decode()


def test_the_options_answer_404_to_a_user_without_the_permission(client, world):
    assert_access_matrix(
        client,
        url=reverse("members:record_options") + "?field=organization",
        in_scope=world.alice,
        no_role=world.charlie,
    )


def test_the_create_page_renders_a_bounded_number_of_organisations(client, world):
    tree = Organization.objects
    for index in range(40):
        tree.add_child(
            Organization.objects.get(pk=world.mine.pk),
            {"org_type": "branch", "name": f"测试支部{index:02d}", "code": f"T-{index}"},
        )
    client.force_login(world.alice)
    html = client.get(reverse("members:create")).content.decode()
    assert html.count("测试支部") <= 30
