"""Election arithmetic (quorum > 4/5, majority > ½ of those present, ranking within the seats,
ties at the last seat, 差额) and the services that record and confirm an election."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from dangjian.appraisals.tests.helpers import full_members, probationary
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.meetings.models import Candidate, Election
from dangjian.meetings.services import elections as services
from dangjian.orgs.models import Committee, CommitteePost

HELD = date(2026, 11, 20)


@dataclass
class Row:
    votes: int
    pk: int = 0
    sort_order: int = 0
    person: object = None


def election(entitled=10, present=9, seats=3, valid=None, **extra):
    return Election(
        held_on=HELD,
        seats=seats,
        entitled_count=entitled,
        present_count=present,
        ballots_issued=extra.get("issued", present),
        ballots_returned=extra.get("returned", present),
        ballots_valid=present if valid is None else valid,
    )


def rows(*votes):
    return [Row(votes=v, pk=index, sort_order=index) for index, v in enumerate(votes)]


# --- quorum: more than four fifths of those entitled (条例: 超过应到会人数的五分之四) ------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("entitled", "present", "met"),
    [
        (10, 8, False),  # exactly 4/5 is not "more than"
        (10, 9, True),
        (5, 4, False),
        (5, 5, True),
        (7, 5, False),  # 5.6 needed → 6
        (7, 6, True),
        (31, 24, False),  # 24.8 → 25
        (31, 25, True),
    ],
)
def test_quorum_boundary(entitled, present, met):
    result = services.tally(election(entitled, present), rows(present))
    assert result.quorum_met is met
    assert result.quorum_required == entitled * 4 // 5 + 1


# --- majority: more than half of those present -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("present", "votes", "elected"),
    [(10, 5, False), (10, 6, True), (9, 4, False), (9, 5, True), (1, 1, True)],
)
def test_majority_boundary(present, votes, elected):
    result = services.tally(election(entitled=present, present=present, seats=1), rows(votes))
    assert result.results[0].is_elected is elected
    assert result.majority_required == present // 2 + 1


@pytest.mark.django_db
def test_elected_are_ranked_by_votes_within_the_seats():
    result = services.tally(election(seats=2), rows(6, 9, 8, 7))
    assert [(r.votes, r.rank, r.is_elected) for r in result.results] == [
        (9, 1, True),
        (8, 2, True),
        (7, 3, False),
        (6, 4, False),
    ]
    assert result.elected_count == 2 and not result.tie and result.confirmable


@pytest.mark.django_db
def test_a_tie_at_the_last_seat_elects_neither_and_asks_for_a_second_ballot():
    result = services.tally(election(seats=2), rows(9, 7, 7, 3))
    assert result.tie
    assert [(r.votes, r.is_elected, r.is_tied) for r in result.results] == [
        (9, True, False),
        (7, False, True),
        (7, False, True),
        (3, False, False),
    ]
    assert not result.confirmable


@pytest.mark.django_db
def test_a_tie_inside_the_seats_is_no_tie():
    result = services.tally(election(seats=3), rows(8, 8, 7, 4))
    assert not result.tie and result.elected_count == 3


@pytest.mark.django_db
def test_a_tie_below_the_majority_is_no_tie():
    result = services.tally(election(seats=1), rows(8, 4, 4))
    assert not result.tie and result.elected_count == 1


@pytest.mark.django_db
def test_fewer_than_the_seats_reach_a_majority():
    result = services.tally(election(seats=3), rows(8, 4, 3, 2))
    assert result.elected_count == 1


@pytest.mark.django_db
def test_no_one_is_elected_without_quorum():
    result = services.tally(election(entitled=10, present=8, seats=1), rows(8))
    assert not result.quorum_met and result.elected_count == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("seats", "candidates", "ok"),
    [(5, 5, False), (5, 6, True), (3, 3, False), (3, 4, True), (7, 8, False), (7, 9, True)],
)
def test_margin_of_twenty_percent(seats, candidates, ok):
    result = services.tally(election(seats=seats), rows(*([9] * candidates)))
    assert result.margin_ok is ok
    if not ok:
        assert "差额选举" in result.margin_text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"issued": 10}, "发出的选票不能多于实到"),
        ({"issued": 8, "returned": 9}, "收回的选票多于发出的选票"),
        ({"valid": 9, "returned": 8}, "有效票不能多于收回的选票"),
    ],
)
def test_ballot_figures_that_contradict_each_other(extra, message):
    result = services.tally(election(present=9, **extra), rows(5))
    assert any(message in problem for problem in result.problems)
    assert not result.confirmable


@pytest.mark.django_db
def test_votes_above_the_valid_ballots_are_a_problem():
    result = services.tally(election(present=9, valid=7), rows(8))
    assert any("多于有效票" in problem for problem in result.problems)


# --- services -----------------------------------------------------------------------------------


def _record(world, people, votes, *, actor=None, seats=3, entitled=None, present=None, **extra):
    entitled = entitled if entitled is not None else 9
    present = present if present is not None else entitled
    return services.election_save(
        actor=actor or world.bob,
        organization=extra.pop("organization", world.branch1),
        held_on=HELD,
        seats=seats,
        entitled_count=entitled,
        present_count=present,
        ballots_issued=present,
        ballots_returned=present,
        ballots_valid=present,
        term_years=None,
        candidates=list(zip(people, votes, strict=False)),
        **extra,
    )


@pytest.fixture
def voters(world):
    return [member.person for member in full_members(world.branch1, 9)]


@pytest.mark.django_db
def test_record_stores_candidates_and_marks_the_elected(world, voters):
    result = _record(world, voters[:4], [9, 8, 5, 7])
    elected = set(result.candidates.filter(is_elected=True).values_list("person__name", flat=True))
    assert elected == {voters[0].name, voters[1].name, voters[3].name}
    assert result.term_years == 3  # the branch default (orgs rules)
    assert AuditEntry.objects.filter(action="meetings.election_save").count() == 1


@pytest.mark.django_db
def test_a_probationary_member_cannot_stand(world, voters):
    young = probationary(world.branch1).person
    with pytest.raises(ServiceError, match="预备党员"):
        _record(world, [*voters[:3], young], [9, 8, 7, 1])
    assert not Election.objects.exists()


@pytest.mark.django_db
def test_probationary_members_are_not_entitled_to_vote(world, voters):
    probationary(world.branch1)
    with pytest.raises(ServiceError, match="预备党员没有选举权"):
        _record(world, voters[:4], [9, 8, 7, 1], entitled=10, present=9)


@pytest.mark.django_db
def test_someone_of_another_branch_cannot_stand(world, voters):
    outsider = full_members(world.branch2, 1, prefix="外支部")[0].person
    with pytest.raises(ServiceError, match="不是“综采一队党支部”党籍正常的党员"):
        _record(world, [*voters[:3], outsider], [9, 8, 7, 1])


@pytest.mark.django_db
def test_recording_is_scoped(world, voters):
    from django.http import Http404

    with pytest.raises(Http404):
        _record(world, voters[:4], [9, 8, 7, 1], actor=world.dave)
    with pytest.raises(Http404):
        _record(world, voters[:4], [9, 8, 7, 1], actor=world.charlie)


@pytest.mark.django_db
def test_fewer_candidates_than_seats_and_a_future_date_are_refused(world, voters):
    with pytest.raises(ServiceError, match="少于应选名额"):
        _record(world, voters[:2], [9, 8])
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.election_save(
            actor=world.bob,
            organization=world.branch1,
            held_on=timezone.localdate() + timedelta(days=1),
            seats=1,
            entitled_count=9,
            present_count=9,
            candidates=[(voters[0], 9)],
        )


@pytest.mark.django_db
def test_confirm_creates_the_new_term_with_the_posts(world, voters):
    old = Committee.objects.create(
        organization=world.branch1, term_start=date(2023, 11, 1), term_end=date(2026, 11, 1)
    )
    recorded = _record(world, voters[:4], [9, 8, 5, 7])
    elected = {c.person_id: c for c in recorded.candidates.filter(is_elected=True)}
    posts = {elected[voters[0].pk].pk: "secretary", elected[voters[1].pk].pk: "organization"}
    confirmed = services.election_confirm(actor=world.bob, election=recorded, posts=posts)
    committee = confirmed.committee
    assert confirmed.status == Election.Status.CONFIRMED
    assert committee.is_current and committee.term_start == HELD
    assert committee.term_end == date(2029, 11, 20)
    old.refresh_from_db()
    assert not old.is_current
    held = dict(committee.posts.values_list("person_id", "post"))
    assert held == {
        voters[0].pk: CommitteePost.Post.SECRETARY,
        voters[1].pk: CommitteePost.Post.ORGANIZATION,
        voters[3].pk: CommitteePost.Post.MEMBER,
    }
    assert "报上级党组织批准" in confirmed.note
    with pytest.raises(ServiceError, match="已经确认"):
        services.election_confirm(actor=world.bob, election=recorded, posts={})
    with pytest.raises(ServiceError, match="已经确认"):
        _record(world, voters[:4], [9, 8, 5, 7], election=recorded)


@pytest.mark.django_db
def test_confirm_refuses_a_tie_and_a_meeting_without_quorum(world, voters):
    tied = _record(world, voters[:4], [9, 8, 7, 7])
    with pytest.raises(ServiceError, match="再次投票"):
        services.election_confirm(actor=world.bob, election=tied, posts={})
    short = _record(world, voters[:4], [7, 7, 7, 1], entitled=9, present=7)
    with pytest.raises(ServiceError, match="五分之四"):
        services.election_confirm(actor=world.bob, election=short, posts={})
    assert not Committee.objects.filter(organization=world.branch1).exists()


@pytest.mark.django_db
def test_a_second_ballot_is_recorded_by_correcting_the_draft(world, voters):
    tied = _record(world, voters[:4], [9, 8, 7, 7])
    fixed = _record(world, voters[:4], [9, 8, 7, 6], election=tied)
    assert fixed.pk == tied.pk
    assert Candidate.objects.filter(election=fixed).count() == 4
    assert Candidate.objects.filter(election=fixed, is_elected=True).count() == 3
