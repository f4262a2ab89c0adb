"""Rewards and punishments: the page, the 纪律处分条例 checks, the optional decision file."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.models import MemberDocument, RecordChange, RewardPunishment
from dangjian.members.services.people import RecordInvalid
from dangjian.members.services.records import member_reward_add, reward_problems
from dangjian.members.tests.factories import make_member
from dangjian.members.views.records import detail_url

TODAY = date(2026, 11, 24)
PDF = b"%PDF-1.4\n" + b"0" * 100


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def reward_data(**changes):
    data = {
        "kind": "reward",
        "title": "优秀共产党员",
        "decided_on": "2024-06-28",
        "issuer": "中共一矿委员会",
        "document_number": "矿党发〔2024〕12号",
    }
    return {**data, **changes}


def probation(**changes):
    data = {
        "kind": "punishment",
        "title": "留党察看一年",
        "discipline": "probation",
        "decided_on": "2024-03-15",
        "ends_on": "2025-03-15",
    }
    return reward_data(**{**data, **changes})


def state():
    return list(RewardPunishment.objects.values_list("pk", "title")), RecordChange.objects.count()


def problems(**values):
    base = {"kind": "punishment", "discipline": "", "decided_on": date(2024, 3, 15)}
    return dict(reward_problems(**{**base, "ends_on": None, **values}, today=TODAY))


# ---------------------------------------------------------------- the rules


def test_a_punishment_needs_its_discipline():
    assert "须选择党纪处分种类" in problems()["discipline"]


def test_a_reward_has_no_discipline():
    assert "奖励不填写党纪处分种类" in problems(kind="reward", discipline="warning")["discipline"]


def test_probation_needs_its_end_date():
    assert "须填写察看期满日期" in problems(discipline="probation")["ends_on"]


@pytest.mark.parametrize("ends_on", [date(2025, 3, 15), date(2026, 3, 15)])
def test_probation_lasts_one_or_two_years(ends_on):
    assert problems(discipline="probation", ends_on=ends_on) == {}


@pytest.mark.parametrize("ends_on", [date(2024, 9, 15), date(2025, 3, 16), date(2027, 3, 15)])
def test_any_other_probation_length_is_refused_with_the_allowed_dates(ends_on):
    message = problems(discipline="probation", ends_on=ends_on)["ends_on"]
    assert "留党察看期为一年或二年" in message and "2025-03-15 或 2026-03-15" in message


def test_only_probation_has_an_end_date():
    found = problems(discipline="warning", ends_on=date(2025, 3, 15))
    assert "只有留党察看才填写" in found["ends_on"]


def test_a_decision_in_the_future_is_refused():
    assert (
        "不能晚于今天" in problems(discipline="warning", decided_on=date(2027, 1, 1))["decided_on"]
    )


def test_the_service_re_checks_the_scope(world):
    member = make_member(world.branch1, "张三")
    from django.http import Http404

    with pytest.raises(Http404):
        member_reward_add(
            actor=world.dave,
            member=member,
            kind="reward",
            title="优秀共产党员",
            decided_on=date(2024, 6, 28),
            issuer="中共一矿委员会",
        )
    with pytest.raises(RecordInvalid):
        member_reward_add(
            actor=world.alice, member=member, kind="reward", title="", decided_on=None, issuer=""
        )
    assert not RewardPunishment.objects.exists()


# ---------------------------------------------------------------- the pages


def test_the_reward_page_follows_the_manage_scope(client, world):
    member = make_member(world.branch1, "张三")
    url = reverse("members:reward_add", args=[member.pk])
    assert_access_matrix(
        client, url=url, in_scope=world.bob, out_of_scope=world.dave, no_role=world.charlie
    )
    result = assert_access_matrix(
        client,
        url=url,
        method="post",
        data=reward_data(),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=state,
    )
    assert result.responses["in_scope"]["Location"] == detail_url(member, "party")
    reward = RewardPunishment.objects.get()
    assert (reward.kind, reward.title, reward.created_by) == ("reward", "优秀共产党员", world.bob)
    assert AuditEntry.objects.filter(action="members.reward_add", actor=world.bob).exists()
    assert RecordChange.objects.get().note == "登记奖惩"


def test_bob_cannot_add_a_reward_to_branch2(client, world):
    member = make_member(world.branch2, "李四")
    client.force_login(world.bob)
    response = client.post(reverse("members:reward_add", args=[member.pk]), reward_data())
    assert response.status_code == 404 and not RewardPunishment.objects.exists()


def test_a_probation_punishment_with_a_wrong_end_is_a_field_error(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    url = reverse("members:reward_add", args=[member.pk])
    response = client.post(url, probation(ends_on="2025-01-01"))
    html = response.content.decode()
    assert response.status_code == 200 and "期满日期应为 2025-03-15 或 2026-03-15" in html
    assert "is-invalid" in html and not RewardPunishment.objects.exists()
    assert client.post(url, probation()).status_code == 302
    reward = RewardPunishment.objects.get()
    assert (reward.discipline, reward.ends_on) == ("probation", date(2025, 3, 15))


def test_a_punishment_without_discipline_is_refused_on_the_page(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    url = reverse("members:reward_add", args=[member.pk])
    response = client.post(url, reward_data(kind="punishment", title="严重警告"))
    assert "须选择党纪处分种类" in response.content.decode()
    assert not RewardPunishment.objects.exists()


def test_the_decision_file_is_kept_in_the_member_file(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    url = reverse("members:reward_add", args=[member.pk])
    data = reward_data(file=SimpleUploadedFile("决定.pdf", PDF))
    assert client.post(url, data).status_code == 302
    reward = RewardPunishment.objects.select_related("document").get()
    assert reward.document.kind == MemberDocument.Kind.REWARD
    assert reward.document.person_id == member.person_id


def test_a_refused_decision_file_saves_nothing(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    data = reward_data(file=SimpleUploadedFile("决定.pdf", b"<html></html>"))
    response = client.post(reverse("members:reward_add", args=[member.pk]), data)
    assert "文件格式不对" in response.content.decode()
    assert not RewardPunishment.objects.exists() and not MemberDocument.objects.exists()


def test_deleting_a_reward_is_a_post_inside_the_scope(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    data = reward_data(file=SimpleUploadedFile("决定.pdf", PDF))
    client.post(reverse("members:reward_add", args=[member.pk]), data)
    reward = RewardPunishment.objects.get()
    url = reverse("members:reward_delete", args=[reward.pk])
    assert client.get(url).status_code == 405
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data={},
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=state,
    )
    assert not RewardPunishment.objects.exists() and not MemberDocument.objects.exists()
    assert AuditEntry.objects.filter(action="members.reward_delete", actor=world.bob).exists()
