"""组织生活 configuration: who may configure (CONFIGURE on a root organisation), meeting types,
the rule table and profiles — bad input answers a Chinese message and changes nothing, every
saved change is audited."""

import pytest
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.meetings import configuration
from dangjian.meetings.models import ComplianceProfile, ComplianceRule, MeetingType
from dangjian.meetings.tests.hours_helpers import group_configurer

pytestmark = pytest.mark.django_db


@pytest.fixture
def grace(world):
    return group_configurer(world)


def _types():
    return list(MeetingType.objects.order_by("pk").values())


def _rules():
    return list(ComplianceRule.objects.order_by("pk").values())


def _profiles():
    return [
        (
            profile.name,
            profile.description,
            sorted(profile.organizations.values_list("pk", flat=True)),
        )
        for profile in ComplianceProfile.objects.order_by("pk")
    ]


def _type_form(**extra):
    return {
        "name": "专题学习会",
        "category": "lecture",
        "quorum": "none",
        "default_attendees": "all_members",
        "class_hours": "1.5",
        "is_active": "on",
        "sort_order": "50",
        "form_token": "b" * 32,
        **extra,
    }


@pytest.mark.parametrize(
    "name",
    [
        "settings_types",
        "settings_rules",
        "settings_profiles",
        "settings_type_new",
        "settings_rule_new",
    ],
)
def test_only_a_group_wide_configurer_sees_the_settings(client, world, grace, name):
    # Alice is 组织部 of one mine: the types and rules are the whole group's, so 404 for her.
    assert_access_matrix(
        client,
        url=reverse(f"meetings:{name}"),
        in_scope=grace,
        out_of_scope=world.alice,
        no_role=world.charlie,
    )


@pytest.mark.parametrize("count", [2, 6])
def test_the_lists_take_the_same_queries_for_n_and_3n(
    client, world, grace, django_assert_max_num_queries, count
):
    for index in range(count):
        MeetingType.objects.create(code=f"t{index}", name=f"类型{index}", category="other")
        ComplianceProfile.objects.create(name=f"方案{index}").organizations.add(world.branch1)
        ComplianceRule.objects.create(
            category="other",
            period="year",
            label=f"要求{index}",
            source="依据",
            org_types=["branch"],
        )
    client.force_login(grace)
    for name in ("settings_types", "settings_rules", "settings_profiles"):
        with django_assert_max_num_queries(10):
            assert client.get(reverse(f"meetings:{name}")).status_code == 200


def test_adding_a_type_is_audited_and_a_double_click_adds_it_once(client, grace):
    client.force_login(grace)
    first = client.post(reverse("meetings:settings_type_new"), _type_form())
    second = client.post(reverse("meetings:settings_type_new"), _type_form())
    assert first.status_code == second.status_code == 302
    added = MeetingType.objects.get(name="专题学习会")
    assert (added.category, str(added.class_hours), added.is_builtin) == ("lecture", "1.5", False)
    assert AuditEntry.objects.filter(action="meetings.type_save").count() == 1


def test_the_add_type_matrix_changes_nothing_when_refused(client, world, grace):
    assert_access_matrix(
        client,
        url=reverse("meetings:settings_type_new"),
        method="post",
        data=_type_form(),
        in_scope=grace,
        out_of_scope=world.alice,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=_types,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "请填写类型名称"),
        ({"name": "支部党员大会"}, "已有名为“支部党员大会”的会议类型"),
        ({"class_hours": "abc"}, "输入一个数字"),
        ({"class_hours": "-1"}, "大于或等于0"),
        ({"category": "nonsense"}, "选择一个有效的选项"),
        ({"quorum": "committee"}, "默认参加人员应为本组织班子成员"),
    ],
)
def test_bad_type_input_is_refused_in_chinese(client, grace, change, message):
    before = _types()
    client.force_login(grace)
    response = client.post(reverse("meetings:settings_type_new"), _type_form(**change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _types() == before
    assert not AuditEntry.objects.filter(action="meetings.type_save").exists()


def test_a_builtin_type_keeps_its_category_and_cannot_be_deleted(client, grace):
    congress = MeetingType.objects.get(code="congress")
    client.force_login(grace)
    url = reverse("meetings:settings_type_edit", args=[congress.pk])
    data = _type_form(
        name="支部党员大会", category="other", class_hours="3", quorum="voting_members"
    )
    assert client.post(url, data).status_code == 302
    congress.refresh_from_db()
    assert (congress.category, str(congress.class_hours)) == ("congress", "3.0")
    with pytest.raises(ServiceError, match="内置类型，归类固定"):
        configuration.type_save(user=grace, meeting_type=congress, **{**data, "category": "other"})
    response = client.post(reverse("meetings:settings_type_delete", args=[congress.pk]))
    assert response.status_code == 302
    assert MeetingType.objects.filter(pk=congress.pk).exists()


def test_an_unused_added_type_can_be_deleted(client, grace):
    added = configuration.type_save(user=grace, **{**_type_form(), "is_active": True})
    client.force_login(grace)
    client.post(reverse("meetings:settings_type_delete", args=[added.pk]))
    assert not MeetingType.objects.filter(pk=added.pk).exists()
    assert AuditEntry.objects.filter(action="meetings.type_save").count() == 2


# --- rules --------------------------------------------------------------------------------------


def _rule_form(**extra):
    return {
        "label": "每月开展1次安全主题党日",
        "category": "theme_day",
        "period": "month",
        "min_count": "1",
        "org_types": ["branch", "joint_branch"],
        "source": "集团党委〔2026〕5号",
        "is_active": "on",
        "sort_order": "10",
        "form_token": "c" * 32,
        **extra,
    }


def test_the_rule_table_shows_each_rule_with_its_source(client, grace):
    client.force_login(grace)
    page = client.get(reverse("meetings:settings_rules")).content.decode()
    assert "支部党员大会每季度至少召开1次" in page
    assert "党员大会一般每季度召开1次" in page  # the source


def test_adding_a_rule_to_a_profile(client, grace):
    profile = ComplianceProfile.objects.get(name="离退休党支部")
    client.force_login(grace)
    url = reverse("meetings:settings_rule_new") + f"?profile={profile.pk}"
    assert client.post(url, _rule_form()).status_code == 302
    rule = ComplianceRule.objects.get(label="每月开展1次安全主题党日")
    assert (rule.profile, rule.org_types, rule.min_count) == (
        profile,
        ["branch", "joint_branch"],
        1,
    )
    assert AuditEntry.objects.filter(action="meetings.rule_save").count() == 1


def test_editing_a_rule_changes_count_and_period(client, grace):
    rule = ComplianceRule.objects.filter(profile=None, category="congress").get()
    client.force_login(grace)
    data = _rule_form(label=rule.label, category="congress", period="month", min_count="2")
    assert (
        client.post(reverse("meetings:settings_rule_edit", args=[rule.pk]), data).status_code == 302
    )
    rule.refresh_from_db()
    assert (rule.period, rule.min_count) == ("month", 2)
    entry = AuditEntry.objects.get(action="meetings.rule_save")
    assert entry.before["period"] == "quarter"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"min_count": "0"}, "大于或等于1"),
        ({"min_count": "x"}, "输入整数"),
        ({"org_types": []}, "请选择适用组织类型"),
        ({"org_types": ["planet"]}, "选择一个有效的选项"),
        ({"source": ""}, "请填写依据"),
        ({"period": "decade"}, "选择一个有效的选项"),
    ],
)
def test_bad_rule_input_is_refused_in_chinese(client, grace, change, message):
    before = _rules()
    client.force_login(grace)
    response = client.post(reverse("meetings:settings_rule_new"), _rule_form(**change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _rules() == before


def test_the_rule_service_refuses_what_the_form_cannot_send(grace):
    with pytest.raises(ServiceError, match="至少选择一种"):
        configuration.rule_save(user=grace, **{**_rule_form(), "org_types": []})
    with pytest.raises(ServiceError, match="1 至 12"):
        configuration.rule_save(user=grace, **{**_rule_form(), "due_month": "13"})
    with pytest.raises(ServiceError, match="依据"):
        configuration.rule_save(user=grace, **{**_rule_form(), "source": "  "})


# --- profiles -----------------------------------------------------------------------------------


def test_creating_a_profile_and_adding_and_removing_organisations(client, world, grace):
    client.force_login(grace)
    response = client.post(
        reverse("meetings:settings_profiles"), {"name": "井下区队", "form_token": "d" * 32}
    )
    profile = ComplianceProfile.objects.get(name="井下区队")
    assert response["Location"] == reverse("meetings:settings_profile", args=[profile.pk])
    url = reverse("meetings:settings_profile", args=[profile.pk])
    client.post(url, {"action": "add", "organization": world.branch1.pk})
    client.post(url, {"action": "add", "organization": world.branch1.pk})  # double click
    assert list(profile.organizations.all()) == [world.branch1]
    client.post(url, {"action": "remove", "organization": world.branch1.pk})
    assert not profile.organizations.exists()
    assert AuditEntry.objects.filter(action="meetings.profile_save").count() == 3


def test_an_organisation_follows_one_profile_at_most(client, world, grace):
    retirees = ComplianceProfile.objects.get(name="离退休党支部")
    retirees.organizations.add(world.branch2)
    other = ComplianceProfile.objects.create(name="井下区队")
    client.force_login(grace)
    url = reverse("meetings:settings_profile", args=[other.pk])
    response = client.post(url, {"action": "add", "organization": world.branch2.pk})
    assert response.status_code == 400
    assert "已按“离退休党支部”方案统计" in response.content.decode()
    assert not other.organizations.exists()


def test_a_party_group_cannot_follow_a_profile(client, world, grace):
    profile = ComplianceProfile.objects.create(name="井下区队")
    client.force_login(grace)
    url = reverse("meetings:settings_profile", args=[profile.pk])
    response = client.post(url, {"action": "add", "organization": world.group1.pk})
    assert response.status_code == 400
    assert not profile.organizations.exists()


def test_a_duplicate_profile_name_is_refused(client, grace):
    before = _profiles()
    client.force_login(grace)
    response = client.post(
        reverse("meetings:settings_profiles"), {"name": "离退休党支部", "form_token": "e" * 32}
    )
    assert response.status_code == 400
    assert "已有名为“离退休党支部”的方案" in response.content.decode()
    assert _profiles() == before


def test_the_profile_matrix(client, world, grace):
    profile = ComplianceProfile.objects.get(name="离退休党支部")
    assert_access_matrix(
        client,
        url=reverse("meetings:settings_profile", args=[profile.pk]),
        method="post",
        data={"action": "add", "organization": world.branch1.pk},
        in_scope=grace,
        out_of_scope=world.alice,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=_profiles,
    )
