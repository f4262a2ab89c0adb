"""The 党籍 change page (`members:status_change`) and the retirees' branch settings pages."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.models import (
    Employment,
    Member,
    RecordChange,
    RetireeBranch,
    Status,
    StatusChange,
)
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import Organization, OrgType


@pytest.fixture
def zhang(world):
    return make_member(world.branch1, "张三", party_group=world.group1)


@pytest.fixture
def retirees(world):
    branch = Organization.objects.add_child(
        Organization.objects.get(pk=world.mine.pk),
        {"org_type": OrgType.BRANCH, "name": "离退休第一党支部", "code": "G-M1-R1"},
    )
    return Organization.objects.get(pk=branch.pk)


def url(member, kind=""):
    base = reverse("members:status_change", args=[member.pk])
    return f"{base}?kind={kind}" if kind else base


def yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def state(member):
    return lambda: (
        list(Member.objects.filter(pk=member.pk).values()),
        StatusChange.objects.count(),
        RecordChange.objects.count(),
    )


def text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- permission matrix


@pytest.mark.parametrize("kind", ["", "suspend", "restore", "leave", "death", "retire",
                                  "floating", "lost_contact"])  # fmt: skip
@pytest.mark.parametrize("user", ["alice", "bob"])
def test_the_change_pages_answer_in_scope_only(client, world, zhang, kind, user):
    assert_access_matrix(
        client,
        url=url(zhang, kind),
        in_scope=getattr(world, user),
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_a_suspension_is_written_in_scope_only(client, world, zhang, user):
    data = {
        "ground": "settled_abroad",
        "effective_on": yesterday(),
        "reason": "已在国外定居",
    }
    result = assert_access_matrix(
        client,
        url=url(zhang, "suspend"),
        method="post",
        data=data,
        in_scope=getattr(world, user),
        out_of_scope=world.dave,
        no_role=world.charlie,
        state=state(zhang),
        expect={"in_scope": 302},
    )
    assert result.responses["in_scope"]["Location"] == (
        reverse("members:detail", args=[zhang.pk]) + "?tab=party"
    )
    assert Member.objects.get(pk=zhang.pk).status == Status.SUSPENDED


def test_a_member_of_another_branch_is_missing_for_the_branch_secretary(client, world):
    other = make_member(world.branch2, "王五")
    client.force_login(world.bob)
    assert client.get(url(other, "suspend")).status_code == 404
    response = client.post(url(other, "death"), {"effective_on": yesterday(), "reason": "病故"})
    assert response.status_code == 404
    assert Member.objects.get(pk=other.pk).status == Status.NORMAL


def test_a_missing_member_is_404(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("members:status_change", args=[999999])).status_code == 404


# ---------------------------------------------------------------- the pages


def test_the_chooser_lists_the_changes_and_why_some_are_closed(client, world, zhang):
    client.force_login(world.alice)
    page = text(client.get(url(zhang)))
    assert "停止党籍" in page and "登记流动党员" in page and "登记失去联系" in page
    assert "只有停止党籍的党员才能恢复党籍；该党员当前党籍状态为“正常”。" in page
    assert 'href="?kind=suspend"' in page
    assert 'href="?kind=restore"' not in page


def test_the_suspend_page_explains_the_consequence_and_the_lost_contact_rule(client, world, zhang):
    Member.objects.filter(pk=zhang.pk).update(
        is_lost_contact=True, lost_contact_since=date(2025, 10, 31)
    )
    client.force_login(world.alice)
    page = text(client.get(url(zhang, "suspend")))
    assert "停止党籍后，该党员不计入党员人数，不参加党的组织生活" in page
    assert "须失联满 6 个月" in page
    assert "最早可在 <strong>2026-04-30</strong> 办理" in page
    assert 'name="ground"' in page and 'type="date"' in page


def test_a_restore_page_for_a_normal_member_says_why_it_cannot_be_done(client, world, zhang):
    client.force_login(world.alice)
    page = text(client.get(url(zhang, "restore")))
    assert "不能办理：只有停止党籍的党员才能恢复党籍" in page
    assert 'name="reason"' not in page


def test_a_successful_change_redirects_with_a_message(client, world, zhang):
    client.force_login(world.alice)
    response = client.post(
        url(zhang, "death"),
        {"effective_on": yesterday(), "reason": "因病医治无效去世"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("?tab=party")
    assert [str(m) for m in response.context["messages"]] == ["已登记张三去世。"]
    assert Member.objects.get(pk=zhang.pk).status == Status.DECEASED


def test_a_refused_change_shows_the_reason_at_the_field_and_changes_nothing(client, world, zhang):
    client.force_login(world.alice)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    before = state(zhang)()
    response = client.post(
        url(zhang, "suspend"),
        {"ground": "settled_abroad", "effective_on": tomorrow, "reason": "定居"},
    )
    assert response.status_code == 200
    assert "生效日期不能晚于今天" in text(response)
    assert response.context["form"].errors["effective_on"]
    assert state(zhang)() == before


def test_the_form_asks_for_what_is_missing_in_chinese(client, world, zhang):
    client.force_login(world.alice)
    response = client.post(url(zhang, "leave"), {"effective_on": "", "reason": ""})
    errors = response.context["form"].errors
    assert errors["leave_type"] == ["请选择出党方式。"]
    assert errors["effective_on"] == ["请填写出党日期。"]
    assert errors["reason"] == ["请填写原因。"]


def test_expulsion_without_a_document_number_is_refused_at_that_field(client, world, zhang):
    client.force_login(world.alice)
    response = client.post(
        url(zhang, "leave"),
        {"leave_type": "expelled", "effective_on": yesterday(), "reason": "严重违纪"},
    )
    assert response.context["form"].errors["document_number"] == [
        "开除党籍须填写党组织决定的文件字号（如“党发〔2025〕12号”）。"
    ]
    assert Member.objects.get(pk=zhang.pk).status == Status.NORMAL


def test_a_double_submit_writes_one_change_and_explains_the_second(client, world, zhang):
    client.force_login(world.bob)
    data = {"ground": "settled_abroad", "effective_on": yesterday(), "reason": "定居"}
    first = client.post(url(zhang, "suspend"), data)
    second = client.post(url(zhang, "suspend"), data)
    assert first.status_code == 302
    assert second.status_code == 200
    assert "不能办理：该党员已于" in text(second) and "停止党籍，不能重复办理。" in text(second)
    assert StatusChange.objects.filter(member=zhang).count() == 1


def test_the_retire_page_offers_the_configured_retirees_branch(client, world, zhang, retirees):
    RetireeBranch.objects.create(organization=world.mine, branch=retirees)
    client.force_login(world.alice)
    page = text(client.get(url(zhang, "retire")))
    assert "转入离退休党支部：离退休第一党支部" in page
    response = client.post(
        url(zhang, "retire"),
        {"effective_on": yesterday(), "reason": "退休", "move_to_retiree_branch": "on"},
        follow=True,
    )
    member = Member.objects.select_related("person").get(pk=zhang.pk)
    assert member.organization_id == retirees.pk
    assert member.person.employment == Employment.RETIRED
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["已为张三办理退休，组织关系转入“离退休第一党支部”。"]


def test_the_retire_page_tells_the_secretary_he_cannot_move(client, world, zhang, retirees):
    RetireeBranch.objects.create(organization=world.mine, branch=retirees)
    client.force_login(world.bob)
    page = text(client.get(url(zhang, "retire")))
    assert "转入离退休党支部：" not in page
    assert "您无权管理该支部，退休后该党员仍留在本支部" in page
    client.post(url(zhang, "retire"), {"effective_on": yesterday(), "reason": "退休"})
    member = Member.objects.select_related("person").get(pk=zhang.pk)
    assert member.organization_id == world.branch1.pk
    assert member.person.employment == Employment.RETIRED


def test_the_retire_page_without_a_setting_says_the_member_stays(client, world, zhang):
    client.force_login(world.alice)
    page = text(client.get(url(zhang, "retire")))
    assert "上级党组织没有设置离退休党支部，退休后该党员仍留在本支部。" in page
    assert 'name="move_to_retiree_branch"' not in page


def test_the_floating_page_turns_the_flag_on_then_off(client, world, zhang):
    client.force_login(world.bob)
    page = text(client.get(url(zhang, "floating")))
    assert "登记流动党员" in page and "流动去向" in page
    missing = client.post(
        url(zhang, "floating"), {"turn": "on", "effective_on": yesterday(), "reason": "务工"}
    )
    assert missing.context["form"].errors["floating_destination"] == ["请填写流动去向。"]
    client.post(
        url(zhang, "floating"),
        {
            "turn": "on",
            "effective_on": yesterday(),
            "reason": "务工",
            "floating_destination": "深圳",
        },
    )
    assert Member.objects.get(pk=zhang.pk).is_floating
    again = client.post(
        url(zhang, "floating"),
        {
            "turn": "on",
            "effective_on": yesterday(),
            "reason": "务工",
            "floating_destination": "深圳",
        },
    )
    assert "该党员已登记为流动党员" in text(again)
    assert "取消流动党员" in text(client.get(url(zhang, "floating")))
    client.post(
        url(zhang, "floating"), {"turn": "off", "effective_on": yesterday(), "reason": "回"}
    )
    assert not Member.objects.get(pk=zhang.pk).is_floating
    assert RecordChange.objects.filter(person=zhang.person).count() == 2


def test_the_lost_contact_page_records_the_date(client, world, zhang):
    client.force_login(world.alice)
    client.post(
        url(zhang, "lost_contact"),
        {"turn": "on", "effective_on": "2025-09-01", "reason": "电话停机，家属不知去向"},
    )
    member = Member.objects.get(pk=zhang.pk)
    assert member.is_lost_contact and member.lost_contact_since == date(2025, 9, 1)


def test_the_change_page_of_a_deceased_member_offers_nothing(client, world, zhang):
    Member.objects.filter(pk=zhang.pk).update(
        status=Status.DECEASED, status_changed_on=date(2025, 1, 2)
    )
    client.force_login(world.alice)
    page = text(client.get(url(zhang)))
    assert "?kind=" not in page
    assert "该党员已于 2025-01-02 去世" in page


# ---------------------------------------------------------------- retirees' branch settings


def test_the_settings_list_answers_to_holders_of_member_management(client, world):
    assert_access_matrix(
        client,
        url=reverse("members:retiree_settings"),
        in_scope=world.alice,
        no_role=world.charlie,
        expect={"no_role": 403},
    )


def test_the_settings_list_shows_the_committees_in_scope_only(client, world, retirees):
    RetireeBranch.objects.create(organization=world.mine, branch=retirees)
    client.force_login(world.alice)
    page = text(client.get(reverse("members:retiree_settings")))
    assert "中共一矿委员会" in page and "离退休第一党支部" in page
    assert "中共二矿委员会" not in page and "中共某煤业集团委员会" not in page
    client.force_login(world.bob)
    page = text(client.get(reverse("members:retiree_settings")))
    assert "您管理的范围内没有党委或党总支" in page


def test_the_settings_list_runs_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    def add_committees(count, start):
        mine = Organization.objects.get(pk=world.mine.pk)
        for index in range(start, start + count):
            general = Organization.objects.add_child(
                mine,
                {
                    "org_type": OrgType.GENERAL_BRANCH,
                    "name": f"党总支{index}",
                    "code": f"GB{index}",
                },
            )
            general = Organization.objects.get(pk=general.pk)
            branch = Organization.objects.add_child(
                general, {"org_type": OrgType.BRANCH, "name": f"支部{index}", "code": f"B{index}"}
            )
            RetireeBranch.objects.create(organization=general, branch=branch)
            mine = Organization.objects.get(pk=world.mine.pk)

    client.force_login(world.alice)
    add_committees(4, 0)
    client.get(reverse("members:retiree_settings"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("members:retiree_settings"))
    add_committees(8, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("members:retiree_settings"))
    assert "支部11" in text(response)


def test_the_setting_page_answers_in_scope_only(client, world, retirees):
    edit = reverse("members:retiree_setting_edit", args=[world.mine.pk])
    assert_access_matrix(
        client, url=edit, in_scope=world.alice, out_of_scope=world.dave, no_role=world.charlie
    )
    result = assert_access_matrix(
        client,
        url=edit,
        method="post",
        data={"branch": retirees.pk},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        state=lambda: list(RetireeBranch.objects.values()),
        expect={"in_scope": 302},
    )
    assert result.responses["in_scope"]["Location"] == reverse("members:retiree_settings")
    assert RetireeBranch.objects.get(organization=world.mine).branch_id == retirees.pk


def test_the_branch_secretary_cannot_open_the_mines_setting(client, world):
    client.force_login(world.bob)
    edit = reverse("members:retiree_setting_edit", args=[world.mine.pk])
    assert client.get(edit).status_code == 404


def test_a_branch_has_no_setting_page(client, world):
    client.force_login(world.alice)
    edit = reverse("members:retiree_setting_edit", args=[world.branch1.pk])
    assert client.get(edit).status_code == 404


def test_a_branch_outside_the_subtree_is_refused_in_chinese(client, world):
    client.force_login(world.alice)
    edit = reverse("members:retiree_setting_edit", args=[world.mine.pk])
    response = client.post(edit, {"branch": world.branch3.pk})
    assert response.context["form"].errors["branch"] == [
        "所选支部不在本组织的下级组织中，请重新选择。"
    ]
    assert not RetireeBranch.objects.exists()


def test_the_setting_is_cleared_from_its_page(client, world, retirees):
    RetireeBranch.objects.create(organization=world.mine, branch=retirees)
    client.force_login(world.alice)
    edit = reverse("members:retiree_setting_edit", args=[world.mine.pk])
    response = client.post(edit, {"action": "clear"}, follow=True)
    assert not RetireeBranch.objects.exists()
    assert [str(m) for m in response.context["messages"]] == [
        "已取消“中共一矿委员会”的离退休党支部设置。"
    ]
    assert AuditEntry.objects.filter(action="members.retiree_branch_clear").count() == 1


def test_the_branch_options_search_within_the_subtree(client, world, retirees):
    options = reverse("members:retiree_branch_options", args=[world.mine.pk])
    client.force_login(world.alice)
    page = text(client.get(options, {"q": "离退休"}))
    assert "离退休第一党支部" in page and "综采一队党支部" not in page
    assert "通风区党支部" not in text(client.get(options))
    client.force_login(world.dave)
    assert client.get(options).status_code == 404
