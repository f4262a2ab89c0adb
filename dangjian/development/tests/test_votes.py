"""The 支部大会 tally of domain §1.3, with its three test vectors."""

from datetime import date

import pytest

from dangjian.development.votes import entitled_voters, more_than, tally

pytestmark = pytest.mark.django_db


def test_vector_quorum_but_ten_yes_of_twenty_entitled_fails():
    result = tally(entitled=20, present=11, yes=10)
    assert result.has_quorum and not result.passed
    assert result.needed_yes == 11
    assert "未通过" in result.message


def test_vector_ten_of_twenty_present_is_no_quorum():
    result = tally(entitled=20, present=10, yes=10)
    assert not result.has_quorum and not result.passed
    assert result.needed_present == 11
    assert "未达到法定人数" in result.message


def test_vector_written_yes_counts_towards_the_pass():
    result = tally(entitled=20, present=12, yes=10, written_yes=1)
    assert result.has_quorum and result.passed
    assert "合计 11 票" in result.message


@pytest.mark.parametrize(("entitled", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (21, 11)])
def test_more_than_half(entitled, needed):
    assert more_than(0.5, entitled) == needed


def test_pass_is_against_entitled_not_present():
    # all 11 present vote yes except 5: 6 of 11 present is a majority of those present but not
    # of the 20 entitled
    assert not tally(entitled=20, present=11, yes=6).passed


def test_no_entitled_members_never_passes():
    assert not tally(entitled=0, present=0, yes=0).passed


def test_entitled_voters_are_full_members_in_good_standing_on_the_day(world):
    from dangjian.members.models import Category, Status
    from dangjian.members.tests.factories import make_member

    make_member(world.branch1, "甲", joined_on=date(2010, 7, 1))
    make_member(world.branch1, "乙", joined_on=date(2010, 7, 1), status=Status.SUSPENDED)
    make_member(world.branch1, "丙", category=Category.PROBATIONARY, joined_on=date(2025, 1, 1))
    make_member(world.branch1, "丁", joined_on=date(2024, 7, 1), full_member_on=date(2025, 7, 1))
    make_member(world.branch2, "戊", joined_on=date(2010, 7, 1))
    assert entitled_voters(world.branch1, date(2025, 6, 30)) == 1
    assert entitled_voters(world.branch1, date(2025, 7, 1)) == 2


def test_vote_record_defaults_entitled_and_checks_counts(world, time_machine):
    from dangjian.development import services
    from dangjian.development.tests.factories import make_full_members, open_case

    time_machine.move_to("2024-03-01 10:00 +08:00")
    make_full_members(world.branch1, 5)
    case = open_case(world)
    vote = services.vote_record(actor=world.bob, case=case, purpose="acceptance",
                                meeting_on=date(2024, 2, 28), present=3, yes=3)  # fmt: skip
    assert vote.entitled == 5 and vote.has_quorum and vote.passed
    bad = [
        {"present": 6, "yes": 1},
        {"present": 3, "yes": 3, "no": 1},
        {"present": 3, "yes": 2, "written_yes": 3},
        {"present": -1, "yes": 0},
        {"present": "3", "yes": 0},
    ]
    for counts in bad:
        with pytest.raises(services.StepRefused):
            services.vote_record(actor=world.bob, case=case, purpose="acceptance",
                                 meeting_on=date(2024, 2, 28), **counts)  # fmt: skip
    with pytest.raises(services.StepRefused, match="表决事项"):
        services.vote_record(actor=world.bob, case=case, purpose="x",
                             meeting_on=date(2024, 2, 28), present=3, yes=3)  # fmt: skip
