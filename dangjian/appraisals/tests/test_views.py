"""The pages: permission matrix on every page, query-count guards on lists, bad input, and the
flow through the HTTP forms."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.appraisals import services
from dangjian.appraisals.models import Grade, Participant, Phase, RatingTally, Result, Round
from dangjian.appraisals.tests.helpers import full_members, member_with_account, open_round
from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix

pytestmark = pytest.mark.django_db


def _state():
    return (
        list(Round.objects.values()),
        list(Participant.objects.values()),
        list(RatingTally.objects.values_list("ratee_id", "grade", "count")),
        list(Result.objects.values()),
    )


@pytest.fixture
def round_(world):
    full_members(world.branch1, 4)
    return open_round(world)


def _advance(world, round_, times):
    for _ in range(times):
        services.round_advance(actor=world.bob, round_=round_)


@pytest.mark.parametrize("name", ["appraisals:detail", "appraisals:results", "appraisals:grading"])
def test_round_pages_matrix(client, world, round_, name):
    assert_access_matrix(
        client,
        url=reverse(name, args=[round_.pk]),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_list_and_new_matrix(client, world, round_):
    for name in ("appraisals:list", "appraisals:new"):
        assert_access_matrix(client, url=reverse(name), in_scope=world.alice, no_role=world.charlie)


def test_advance_matrix_changes_nothing_when_refused(client, world, round_):
    assert_access_matrix(
        client,
        url=reverse("appraisals:advance", args=[round_.pk]),
        method="post",
        data={},
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=_state,
    )
    assert Round.objects.get(pk=round_.pk).phase == Phase.PEER


def test_grading_post_and_counter_matrix(client, world, round_):
    _advance(world, round_, 2)
    first = round_.participants.order_by("pk").first()
    data = {f"grade_{first.pk}": Grade.EXCELLENT, f"reason_{first.pk}": ""}
    assert_access_matrix(
        client,
        url=reverse("appraisals:grading_counter", args=[round_.pk]),
        method="post",
        data=data,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        state=_state,
    )
    assert_access_matrix(
        client,
        url=reverse("appraisals:grading", args=[round_.pk]),
        method="post",
        data=data,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=_state,
    )
    assert Participant.objects.get(pk=first.pk).proposed_grade == Grade.EXCELLENT


def test_export_matrix_and_audit(client, world, round_):
    _advance(world, round_, 2)
    grades = {row.pk: (Grade.QUALIFIED, "") for row in round_.participants.all()}
    services.grades_propose(actor=world.bob, round_=round_, grades=grades)
    _advance(world, round_, 1)
    services.round_finalise(
        actor=world.bob,
        round_=round_,
        meeting_kind="committee",
        meeting_date=timezone.localdate(),
        grades=grades,
    )
    result = assert_access_matrix(
        client,
        url=reverse("appraisals:results_export", args=[round_.pk]),
        method="post",
        data={},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    assert result.responses["in_scope"]["Content-Type"].startswith("application/vnd.openxml")
    assert AuditEntry.objects.filter(action="appraisals.results_export").count() == 1


def test_member_pages_are_for_participants_only(client, world):
    _zhang, zhang_user = member_with_account(world.branch1, "张三", "zhang")
    full_members(world.branch1, 2)
    round_ = open_round(world)
    url = reverse("appraisals:mine_detail", args=[round_.pk])
    assert_access_matrix(
        client, url=url, in_scope=zhang_user, no_role=world.charlie, out_of_scope=world.bob
    )
    client.force_login(world.charlie)
    assert client.get(reverse("appraisals:mine")).status_code == 200
    response = client.post(reverse("appraisals:mine_self", args=[round_.pk]), {"text": "x"})
    assert response.status_code == 404


def test_the_member_self_assesses_and_rates_through_the_forms(client, world):
    _zhang, zhang_user = member_with_account(world.branch1, "张三", "zhang")
    peers = full_members(world.branch1, 2)
    round_ = open_round(world)
    client.force_login(zhang_user)
    url = reverse("appraisals:mine_detail", args=[round_.pk])
    response = client.post(reverse("appraisals:mine_self", args=[round_.pk]), {"text": ""})
    assert response.status_code == 400
    assert "请填写个人自评内容" in response.content.decode()
    response = client.post(reverse("appraisals:mine_self", args=[round_.pk]), {"text": "自评"})
    assert response.status_code == 302
    _advance(world, round_, 1)
    rows = {row.member_id: row.pk for row in round_.participants.all()}
    ratings_url = reverse("appraisals:mine_ratings", args=[round_.pk])
    partial = {f"peer_{rows[peers[0].pk]}": Grade.EXCELLENT}
    response = client.post(ratings_url, partial)
    assert response.status_code == 400
    assert "请为“党员2”选择评价等次" in response.content.decode()
    full = {**partial, f"peer_{rows[peers[1].pk]}": "nonsense"}
    assert client.post(ratings_url, full).status_code == 400
    full[f"peer_{rows[peers[1].pk]}"] = Grade.QUALIFIED
    assert client.post(ratings_url, full).status_code == 302
    assert client.post(ratings_url, full).status_code == 302  # a double submit is harmless
    assert RatingTally.objects.get(ratee_id=rows[peers[0].pk], grade=Grade.EXCELLENT).count == 1
    assert "您已提交互评" in client.get(url).content.decode()


def test_grading_page_shows_the_counter_and_refuses_too_many_excellent(client, world, round_):
    _advance(world, round_, 2)
    client.force_login(world.bob)
    url = reverse("appraisals:grading", args=[round_.pk])
    response = client.get(url)
    assert '上限 <strong data-testid="cap-limit">1</strong>' in response.content.decode()
    rows = list(round_.participants.order_by("pk"))
    data = {f"grade_{row.pk}": Grade.EXCELLENT for row in rows[:2]}
    response = client.post(reverse("appraisals:grading_counter", args=[round_.pk]), data)
    assert "超出 1 人" in response.content.decode()
    response = client.post(url, data)
    assert response.status_code == 400
    assert "超过了上限 1 人" in response.content.decode()
    assert not Participant.objects.exclude(proposed_grade="").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"organization": "x", "year": "abc"},
        {"organization": "999999", "year": "2026", "peer_scope": "branch"},
        {"self_ends_on": "2026-13-45"},
        {},
    ],
)
def test_bad_input_to_the_new_round_form_is_a_form_error(client, world, data):
    client.force_login(world.bob)
    response = client.post(reverse("appraisals:new"), data)
    assert response.status_code == 200
    assert "请" in response.content.decode()
    assert not Round.objects.exists()


def test_bad_ids_answer_404(client, world, round_):
    client.force_login(world.bob)
    assert client.get("/appraisals/99999/").status_code == 404
    assert client.get("/appraisals/abc/").status_code == 404
    assert client.get(reverse("appraisals:list") + "?year=abc&phase=zzz").status_code == 200


def test_opening_through_the_form(client, world):
    full_members(world.branch1, 3)
    client.force_login(world.bob)
    today = timezone.localdate()
    response = client.post(
        reverse("appraisals:new"),
        {
            "organization": world.branch1.pk,
            "year": today.year,
            "peer_scope": "group",
            "self_ends_on": today + timedelta(days=3),
            "peer_ends_on": today + timedelta(days=10),
            "propose_ends_on": today + timedelta(days=15),
            "final_ends_on": today + timedelta(days=20),
        },
    )
    round_ = Round.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appraisals:detail", args=[round_.pk])
    assert round_.participant_count == 3


# ---------------------------------------------------------------- query-count guards


def _queries(client, url) -> int:
    client.get(url)  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _branch(world, code):
    from dangjian.orgs.models import Organization

    return Organization.objects.add_child(
        Organization.objects.get(pk=world.mine.pk),
        {"org_type": "branch", "name": f"测试{code}党支部", "code": f"G-M1-{code}"},
    )


def _round_at(world, code, members, phase):
    branch = _branch(world, code)
    full_members(branch, members, prefix=code)
    round_ = open_round(world, actor=world.alice, organization=branch)
    steps = {Phase.SELF: 0, Phase.PEER: 1, Phase.PROPOSE: 2, Phase.CLOSED: 2}[phase]
    for _ in range(steps):
        services.round_advance(actor=world.alice, round_=round_)
    if phase == Phase.CLOSED:
        grades = {row.pk: (Grade.QUALIFIED, "") for row in round_.participants.all()}
        services.grades_propose(actor=world.alice, round_=round_, grades=grades)
        services.round_advance(actor=world.alice, round_=round_)
        services.round_finalise(
            actor=world.alice,
            round_=round_,
            meeting_kind="assembly",
            meeting_date=timezone.localdate(),
            grades=grades,
        )
    return round_


def test_list_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.alice)
    url = reverse("appraisals:list")
    for code in ("LA", "LB"):
        _round_at(world, code, 1, Phase.SELF)
    few = _queries(client, url)
    for code in ("LC", "LD", "LE", "LF"):
        _round_at(world, code, 1, Phase.SELF)
    assert _queries(client, url) == few


@pytest.mark.parametrize(
    ("name", "phase"),
    [
        ("appraisals:detail", Phase.PEER),
        ("appraisals:grading", Phase.PROPOSE),
        ("appraisals:results", Phase.CLOSED),
    ],
)
def test_round_pages_queries_do_not_grow_with_participants(client, world, name, phase):
    client.force_login(world.alice)
    small = _round_at(world, "QA", 3, phase)
    large = _round_at(world, "QB", 12, phase)
    few = _queries(client, reverse(name, args=[small.pk]))
    assert _queries(client, reverse(name, args=[large.pk])) == few


def test_mine_queries_do_not_grow_with_peers(client, world):
    queries = []
    for index, count in enumerate((2, 8)):
        branch = _branch(world, f"M{index}")
        _member, user = member_with_account(branch, f"甲{index}", f"user{index}")
        full_members(branch, count, prefix=f"M{index}")
        round_ = open_round(world, actor=world.alice, organization=branch)
        services.round_advance(actor=world.alice, round_=round_)
        client.force_login(user)
        queries.append(_queries(client, reverse("appraisals:mine_detail", args=[round_.pk])))
        queries.append(_queries(client, reverse("appraisals:mine")))
    assert queries[0] == queries[2] and queries[1] == queries[3]


def test_reschedule_matrix_and_form(client, world, round_):
    url = reverse("appraisals:reschedule", args=[round_.pk])
    assert_access_matrix(
        client, url=url, in_scope=world.bob, out_of_scope=world.dave, no_role=world.charlie
    )
    today = timezone.localdate()
    data = {
        "self_ends_on": today,
        "peer_ends_on": today + timedelta(days=60),
        "propose_ends_on": today + timedelta(days=61),
        "final_ends_on": today + timedelta(days=62),
    }
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data=data,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=_state,
    )
    client.force_login(world.bob)
    response = client.post(url, {**data, "final_ends_on": "not a date"})
    assert response.status_code == 400
    assert "确定等次截止日期格式不正确" in response.content.decode()


def test_the_list_narrows_to_a_subtree_in_scope(client, world):
    full_members(world.branch1, 1)
    full_members(world.branch2, 1, prefix="二队")
    open_round(world, actor=world.alice)
    open_round(world, actor=world.alice, organization=world.branch2)
    client.force_login(world.alice)
    url = reverse("appraisals:list")
    page = client.get(url, {"within": world.branch2.pk}).content.decode()
    assert page.count('data-testid="phase-badge"') == 1 and "掘进二队党支部" in page
    everything = client.get(url, {"within": world.branch3.pk}).content.decode()  # not in scope
    assert everything.count('data-testid="phase-badge"') == 2


def test_no_illegal_transition_through_the_pages(client, world, round_):
    client.force_login(world.bob)
    first = round_.participants.order_by("pk").first()
    grading = reverse("appraisals:grading", args=[round_.pk])
    data = {
        f"grade_{first.pk}": Grade.QUALIFIED,
        "meeting_kind": "assembly",
        "meeting_date": timezone.localdate(),
    }
    response = client.post(grading, data)  # 自评: neither proposing nor finalising
    assert response.status_code == 400
    assert "进入“拟定等次”阶段后才能评定等次" in response.content.decode()
    assert not Participant.objects.exclude(proposed_grade="").exists()
    _advance(world, round_, 2)
    client.post(reverse("appraisals:advance", args=[round_.pk]))  # nothing proposed yet
    assert Round.objects.get(pk=round_.pk).phase == Phase.PROPOSE
    response = client.get(reverse("appraisals:detail", args=[round_.pk]))
    assert "还有 4 名党员没有拟定等次" in response.content.decode()
    assert not Result.objects.exists()
