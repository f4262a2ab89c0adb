"""The services of 民主评议党员: opening, phases, self-assessment, ratings, the 1/3 cap,
finalising — against a real database."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dangjian.appraisals import rules, services
from dangjian.appraisals.models import (
    Grade,
    Participant,
    PeerScope,
    Phase,
    RatingTally,
    Result,
    ResultGrade,
    Round,
)
from dangjian.appraisals.tests.helpers import (
    full_members,
    member_with_account,
    open_round,
    probationary,
)
from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.core.models import RuleVersion
from dangjian.core.rules import invalidate
from dangjian.members.models import Status
from dangjian.members.tests.factories import make_member

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the 1/3 cap


@pytest.mark.parametrize(
    ("graded", "floor_limit", "round_limit"),
    [
        (0, 0, 0),
        (1, 0, 0),
        (2, 0, 1),
        (3, 1, 1),
        (4, 1, 1),
        (5, 1, 2),
        (6, 2, 2),
        (7, 2, 2),
        (8, 2, 3),
        (9, 3, 3),
        (10, 3, 3),
        (11, 3, 4),
        (30, 10, 10),
    ],
)
def test_excellent_limit_is_a_third_floored_or_rounded(graded, floor_limit, round_limit):
    assert services.excellent_limit(graded) == floor_limit
    RuleVersion.objects.create(
        key=rules.EXCELLENT_ROUNDING, value="round", valid_from=timezone.localdate(), source="测试"
    )
    invalidate(rules.EXCELLENT_ROUNDING)
    assert services.excellent_limit(graded) == round_limit


@pytest.mark.parametrize(("graded", "excellent"), [(3, 1), (4, 1), (6, 2), (9, 3), (10, 3)])
def test_the_cap_lets_exactly_the_limit_through(graded, excellent):
    services.check_excellent_cap(excellent, graded)
    with pytest.raises(RuleViolation) as caught:
        services.check_excellent_cap(excellent + 1, graded)
    message = str(caught.value.messages[0])
    assert f"上限 {excellent} 人" in message
    assert "三分之一" in message
    assert "关于建立民主评议党员制度的意见" in message
    assert "请把其中 1 人改为其他等次" in message


# ---------------------------------------------------------------- opening


def test_opening_snapshots_members_in_good_standing(world):
    zhang = make_member(world.branch1, "张三", party_group=world.group1)
    li = probationary(world.branch1, "李四")
    make_member(world.branch1, "王五", status=Status.SUSPENDED)
    make_member(world.branch2, "赵六")
    round_ = open_round(world)
    rows = {row.member_id: row for row in round_.participants.all()}
    assert set(rows) == {zhang.pk, li.pk}
    assert rows[zhang.pk].party_group_id == world.group1.pk
    assert rows[zhang.pk].is_graded and not rows[li.pk].is_graded
    assert RatingTally.objects.filter(ratee=rows[zhang.pk]).count() == 4
    assert not RatingTally.objects.filter(ratee=rows[li.pk]).exists()
    round_.refresh_from_db()
    assert (round_.participant_count, round_.graded_count) == (2, 1)


def test_a_branch_has_one_round_a_year(world):
    full_members(world.branch1, 2)
    open_round(world)
    with pytest.raises(ServiceError, match="已经开启过了"):
        open_round(world)


def test_opening_outside_the_scope_is_refused_as_missing(world):
    from django.http import Http404

    full_members(world.branch3, 2)
    with pytest.raises(Http404):
        open_round(world, organization=world.branch3)
    assert not Round.objects.exists()


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("self_ends_on", "自评截止日期不能早于今天"),
        ("peer_ends_on", "互评截止日期"),
        ("final_ends_on", "确定等次截止日期"),
    ],
)
def test_opening_checks_the_dates(world, field, message):
    full_members(world.branch1, 2)
    with pytest.raises(ServiceError, match=message):
        open_round(world, **{field: timezone.localdate() - timedelta(days=1)})


def test_opening_needs_a_branch_and_members(world):
    with pytest.raises(ServiceError, match="党支部"):
        open_round(world, actor=world.alice, organization=world.mine)
    with pytest.raises(ServiceError, match="没有可参加评议的党员"):
        open_round(world, actor=world.alice, organization=world.branch2)


# ---------------------------------------------------------------- phases and the member's part


@pytest.fixture
def trio(world):
    """Three full members and a 预备党员 of branch 1, each with an account."""
    people = [
        member_with_account(world.branch1, name, username)
        for name, username in (("张三", "zhang"), ("李四", "li"), ("王五", "wang"))
    ]
    people.append(member_with_account(world.branch1, "赵六", "zhao", category="probationary"))
    round_ = open_round(world)
    participants = {row.name: row for row in round_.participants.select_related("round", "member")}
    users = {member.person.name: user for member, user in people}
    return round_, participants, users


def _ratings(participant, grade=Grade.QUALIFIED):
    return {peer.pk: grade for peer in services.peers_to_rate(participant)}


def test_rating_is_refused_before_the_peer_phase(world, trio):
    _, rows, users = trio
    with pytest.raises(ServiceError, match="还没有开始"):
        services.ratings_submit(
            actor=users["张三"], participant=rows["张三"], ratings=_ratings(rows["张三"])
        )


def test_a_member_rates_once_and_a_second_submit_counts_nothing(world, trio):
    round_, rows, users = trio
    services.round_advance(actor=world.bob, round_=round_)
    zhang = Participant.objects.select_related("round", "member").get(pk=rows["张三"].pk)
    ratings = {rows["李四"].pk: Grade.EXCELLENT, rows["王五"].pk: Grade.BASIC}
    assert services.ratings_submit(actor=users["张三"], participant=zhang, ratings=ratings)
    zhang = Participant.objects.select_related("round", "member").get(pk=zhang.pk)
    assert not services.ratings_submit(actor=users["张三"], participant=zhang, ratings=ratings)
    assert RatingTally.objects.get(ratee=rows["李四"], grade=Grade.EXCELLENT).count == 1
    assert RatingTally.objects.get(ratee=rows["王五"], grade=Grade.BASIC).count == 1
    assert Round.objects.get(pk=round_.pk).rated_count == 1


def test_a_ballot_must_cover_every_peer_and_only_peers(world, trio):
    round_, rows, users = trio
    services.round_advance(actor=world.bob, round_=round_)
    zhang = rows["张三"]
    zhang.round.refresh_from_db()
    with pytest.raises(ServiceError, match="还没有选择：王五"):
        services.ratings_submit(
            actor=users["张三"], participant=zhang, ratings={rows["李四"].pk: Grade.QUALIFIED}
        )
    with pytest.raises(ServiceError, match="不在您的互评范围"):
        services.ratings_submit(
            actor=users["张三"], participant=zhang, ratings={rows["赵六"].pk: Grade.QUALIFIED}
        )
    with pytest.raises(ServiceError, match="选择优秀"):
        bad = dict.fromkeys(_ratings(zhang), "perfect")
        services.ratings_submit(actor=users["张三"], participant=zhang, ratings=bad)
    with pytest.raises(ServiceError, match="只能填写本人"):
        services.ratings_submit(actor=users["李四"], participant=zhang, ratings=_ratings(zhang))
    assert not Participant.objects.filter(has_rated=True).exists()


def test_probationary_members_rate_but_are_not_rated(world, trio):
    round_, rows, users = trio
    services.round_advance(actor=world.bob, round_=round_)
    zhao = rows["赵六"]
    zhao.round.refresh_from_db()
    assert {peer.name for peer in services.peers_to_rate(zhao)} == {"张三", "李四", "王五"}
    assert "赵六" not in {peer.name for peer in services.peers_to_rate(rows["张三"])}
    assert services.ratings_submit(actor=users["赵六"], participant=zhao, ratings=_ratings(zhao))


def test_peers_are_the_party_group_when_the_round_says_so(world):
    in_group = [make_member(world.branch1, f"组员{i}", party_group=world.group1) for i in (1, 2)]
    outside = make_member(world.branch1, "无组")
    round_ = open_round(world, peer_scope=PeerScope.GROUP)
    rows = {row.member_id: row for row in round_.participants.select_related("round")}
    assert [p.member_id for p in services.peers_to_rate(rows[in_group[0].pk])] == [in_group[1].pk]
    assert {p.member_id for p in services.peers_to_rate(rows[outside.pk])} == {
        in_group[0].pk,
        in_group[1].pk,
    }


def test_no_rating_after_the_phase_closes_or_the_date_passes(world, trio):
    round_, rows, users = trio
    services.round_advance(actor=world.bob, round_=round_)
    zhang = rows["张三"]
    zhang.round.refresh_from_db()
    late = round_.peer_ends_on + timedelta(days=1)
    with time_machine.travel(late, tick=False), pytest.raises(ServiceError, match=r"已于 .* 截止"):
        services.ratings_submit(actor=users["张三"], participant=zhang, ratings=_ratings(zhang))
    services.round_advance(actor=world.bob, round_=round_)
    zhang.round.refresh_from_db()
    with pytest.raises(ServiceError, match="已经结束"):
        services.ratings_submit(actor=users["张三"], participant=zhang, ratings=_ratings(zhang))


def test_self_assessment_counts_once_and_closes_with_the_peer_phase(world, trio):
    round_, rows, users = trio
    services.self_assessment_save(actor=users["张三"], participant=rows["张三"], text="对照检查。")
    services.self_assessment_save(actor=users["张三"], participant=rows["张三"], text="修改后。")
    assert Round.objects.get(pk=round_.pk).self_count == 1
    with pytest.raises(ServiceError, match="请填写"):
        services.self_assessment_save(actor=users["李四"], participant=rows["李四"], text="  ")
    services.round_advance(actor=world.bob, round_=round_)
    services.round_advance(actor=world.bob, round_=round_)
    with pytest.raises(ServiceError, match="已经截止"):
        services.self_assessment_save(actor=users["张三"], participant=rows["张三"], text="晚了")


# ---------------------------------------------------------------- grading


def _to_propose(world, round_):
    services.round_advance(actor=world.bob, round_=round_)
    services.round_advance(actor=world.bob, round_=round_)


def test_no_grading_before_the_peer_phase_ends(world, trio):
    round_, rows, _ = trio
    services.round_advance(actor=world.bob, round_=round_)
    with pytest.raises(ServiceError, match="不能拟定等次"):
        services.grades_propose(
            actor=world.bob, round_=round_, grades={rows["张三"].pk: (Grade.QUALIFIED, "")}
        )


def test_proposals_enforce_the_cap_reasons_and_skip_probationary(world, trio):
    round_, rows, _ = trio
    _to_propose(world, round_)
    two_excellent = {
        rows["张三"].pk: (Grade.EXCELLENT, ""),
        rows["李四"].pk: (Grade.EXCELLENT, ""),
    }
    with pytest.raises(RuleViolation, match="超过了上限 1 人"):
        services.grades_propose(actor=world.bob, round_=round_, grades=two_excellent)
    assert not Participant.objects.exclude(proposed_grade="").exists()
    with pytest.raises(ServiceError, match="须写明理由"):
        services.grades_propose(
            actor=world.bob, round_=round_, grades={rows["王五"].pk: (Grade.UNQUALIFIED, "")}
        )
    with pytest.raises(ServiceError, match="预备党员不评定等次"):
        services.grades_propose(
            actor=world.bob, round_=round_, grades={rows["赵六"].pk: (Grade.QUALIFIED, "")}
        )
    saved = services.grades_propose(
        actor=world.bob, round_=round_, grades={rows["张三"].pk: (Grade.EXCELLENT, "")}
    )
    assert saved == 3


def test_confirming_needs_every_member_proposed(world, trio):
    round_, rows, _ = trio
    _to_propose(world, round_)
    services.grades_propose(
        actor=world.bob, round_=round_, grades={rows["张三"].pk: (Grade.EXCELLENT, "")}
    )
    with pytest.raises(ServiceError, match="还有 2 名党员没有拟定等次"):
        services.round_advance(actor=world.bob, round_=round_)


def _finalise_ready(world, round_, rows):
    _to_propose(world, round_)
    grades = {
        rows["张三"].pk: (Grade.EXCELLENT, ""),
        rows["李四"].pk: (Grade.QUALIFIED, ""),
        rows["王五"].pk: (Grade.BASIC, "学习不够主动"),
    }
    services.grades_propose(actor=world.bob, round_=round_, grades=grades)
    services.round_advance(actor=world.bob, round_=round_)
    return grades


def test_finalising_stores_a_result_per_member_and_closes(world, trio):
    round_, rows, _ = trio
    grades = _finalise_ready(world, round_, rows)
    today = timezone.localdate()
    services.round_finalise(
        actor=world.bob,
        round_=round_,
        meeting_kind="assembly",
        meeting_date=today,
        grades=grades,
    )
    round_.refresh_from_db()
    assert round_.phase == Phase.CLOSED and round_.meeting_date == today
    results = {r.member.person.name: r for r in Result.objects.select_related("member__person")}
    assert results["张三"].grade == ResultGrade.EXCELLENT
    assert results["王五"].reason == "学习不够主动"
    assert results["赵六"].grade == ResultGrade.NOT_GRADED
    assert {r.year for r in results.values()} == {round_.year}
    from dangjian.notifications.models import Notification

    told = Notification.objects.filter(dedupe_key=f"appraisals:closed:{round_.pk}")
    assert told.count() == 4  # every participant with an account, 预备党员 included


def test_finalising_checks_the_meeting_and_the_cap(world, trio):
    round_, rows, _ = trio
    grades = _finalise_ready(world, round_, rows)
    today = timezone.localdate()
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.round_finalise(
            actor=world.bob,
            round_=round_,
            meeting_kind="assembly",
            meeting_date=today + timedelta(days=1),
            grades=grades,
        )
    with pytest.raises(ServiceError, match="请选择确定等次的会议"):
        services.round_finalise(
            actor=world.bob, round_=round_, meeting_kind="", meeting_date=today, grades=grades
        )
    grades[rows["李四"].pk] = (Grade.EXCELLENT, "")
    with pytest.raises(RuleViolation):
        services.round_finalise(
            actor=world.bob,
            round_=round_,
            meeting_kind="committee",
            meeting_date=today,
            grades=grades,
        )
    assert not Result.objects.exists()
    assert Round.objects.get(pk=round_.pk).phase == Phase.CONFIRM


def test_the_last_step_is_only_by_finalising(world, trio):
    round_, rows, _ = trio
    _finalise_ready(world, round_, rows)
    with pytest.raises(ServiceError, match="录入会议日期"):
        services.round_advance(actor=world.bob, round_=round_)


def test_rescheduling_extends_the_peer_phase(world, trio):
    round_ = trio[0]
    services.round_advance(actor=world.bob, round_=round_)
    today = timezone.localdate()
    dates = {
        "self_ends_on": round_.self_ends_on,
        "peer_ends_on": today + timedelta(days=40),
        "propose_ends_on": today + timedelta(days=45),
        "final_ends_on": today + timedelta(days=50),
    }
    services.round_reschedule(actor=world.bob, round_=round_, **dates)
    assert Round.objects.get(pk=round_.pk).peer_ends_on == dates["peer_ends_on"]
    with pytest.raises(ServiceError, match="不能早于"):
        services.round_reschedule(
            actor=world.bob, round_=round_, **{**dates, "final_ends_on": today}
        )
    with pytest.raises(ServiceError, match="当前“党员互评”阶段的截止日期不能早于今天"):
        past = today - timedelta(days=1)
        services.round_reschedule(
            actor=world.bob,
            round_=round_,
            **{**dates, "self_ends_on": past, "peer_ends_on": past},
        )
