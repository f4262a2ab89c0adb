"""The lifecycle part of the demo data (development, dues, transfers, appraisals) keeps every rule
the lifecycle services enforce, shows the demo something on each page, and is deterministic."""

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Min, Sum

from dangjian.accounts.models import User
from dangjian.core.seed import seed_database
from dangjian.core.seed.digest import lifecycle_digest
from dangjian.core.seed.plan import GroupShape
from dangjian.development.models import (
    OPEN_STATES,
    DevelopmentCase,
    Publicity,
    Quota,
    Sponsor,
    SponsorKind,
    State,
    StepCode,
    Vote,
)
from dangjian.development.services.evaluation import blocks_for
from dangjian.development.steps import STEPS
from dangjian.development.votes import tally
from dangjian.dues.models import (
    BaseCategory,
    BranchStatement,
    DuesBase,
    EntryStatus,
    Hardship,
    LedgerEntry,
    Payment,
)
from dangjian.dues.selectors import arrears, member_arrears_months
from dangjian.dues.services.common import Pricing
from dangjian.members.models import Category, Member, Person
from dangjian.orgs.dates import add_months
from dangjian.orgs.models import Organization, OrgType

from .test_seed import TODAY, empty_the_database, skipping

TINY_GROUP = GroupShape(secondaries=1, mines_per_secondary=2, members=900, members_per_branch=30)
MEMBER_STATES = (State.PROBATIONARY, State.FULL_MEMBER)


@pytest.fixture(scope="module")
def mine(django_db_setup, django_db_blocker):
    """The demo mine, seeded once for the module inside a transaction that is rolled back at
    the end (each test runs in a savepoint of it and only reads)."""
    parts = skipping("write_meetings", "write_portal", "write_documents", "write_assessment")
    with django_db_blocker.unblock(), transaction.atomic(), parts:
        yield seed_database(scale="mine", seed=1, today=TODAY)
        transaction.set_rollback(True)


@pytest.fixture
def data(mine, db):
    return mine


def demo_branch():
    return Member.objects.get(person__user__username="shuji").organization


# --- determinism (first: the mine below is seeded once for the rest of the module) -----------


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_lifecycle_data_at_group_scale():
    seed_database(scale="group", seed=2, today=TODAY, shape=TINY_GROUP)
    first = lifecycle_digest()
    empty_the_database()
    seed_database(scale="group", seed=2, today=TODAY, shape=TINY_GROUP)
    assert lifecycle_digest() == first
    assert DevelopmentCase.objects.count() > 10
    assert not BranchStatement.objects.exists()  # the group keeps twelve months only
    months = LedgerEntry.objects.values_list("month", flat=True).distinct()
    assert min(months) == date(2025, 7, 1) and max(months) == date(2026, 6, 1)


# --- development ---------------------------------------------------------------------------


def test_every_open_state_appears_with_one_to_five_cases_a_branch(data):
    states = Counter(DevelopmentCase.objects.values_list("state", flat=True))
    for state in (State.APPLIED, State.TALKED, State.ACTIVIST, State.CANDIDATE,
                  State.PROBATIONARY, State.FULL_MEMBER):  # fmt: skip
        assert states[state] > 0, state
    per_branch = DevelopmentCase.objects.values("organization").annotate(n=Count("id"))
    assert {row["n"] for row in per_branch} <= {1, 2, 3, 4, 5}
    assert not DevelopmentCase.objects.exclude(organization__org_type=OrgType.BRANCH).exists()
    assert not DevelopmentCase.objects.filter(organization__name__contains="离退休").exists()


def test_every_recorded_step_passes_the_engines_own_rule_checks(data):
    """Each step, replayed through `blocks_for` on its date, is refused by no rule."""
    cases = DevelopmentCase.objects.select_related("person").prefetch_related("steps")
    checked = 0
    for case in cases:
        for step in case.steps.all():
            blocks = blocks_for(case, STEPS[step.code], step.done_on)
            assert blocks == [], (case.person.name, step.code, [b.message for b in blocks])
            checked += 1
    assert checked > 300


def test_the_steps_replay_the_state_machine_to_the_cases_state(data):
    for case in DevelopmentCase.objects.prefetch_related("steps"):
        steps = list(case.steps.all())
        assert steps[0].code == StepCode.APPLICATION
        state = State.APPLIED
        for step in steps:
            assert step.from_state == state, (case.pk, step.code)
            if step.code != StepCode.APPLICATION:
                assert state in STEPS[step.code].from_states, (case.pk, step.code, state)
            state = step.to_state
            assert step.done_on <= TODAY
        assert state == case.state


def test_the_key_dates_are_those_of_the_steps(data):
    fields = {
        StepCode.APPLICATION: "received_on", StepCode.TALK: "talked_on",
        StepCode.ACTIVIST: "activist_on", StepCode.CANDIDATE: "candidate_on",
        StepCode.PRE_REVIEW: "pre_reviewed_on", StepCode.ACCEPTANCE_MEETING: "accepted_on",
        StepCode.APPROVAL: "approved_on", StepCode.CONVERSION_MEETING: "conversion_meeting_on",
        StepCode.CONVERSION_APPROVAL: "converted_on",
    }  # fmt: skip
    for case in DevelopmentCase.objects.prefetch_related("steps"):
        done = {step.code: step.done_on for step in case.steps.all()}
        for code, name in fields.items():
            assert getattr(case, name) == done.get(code), (case.pk, name)
        assert case.applied_on <= case.received_on


def test_probation_ends_a_year_after_the_branch_meeting_and_matches_the_membership(data):
    accepted = DevelopmentCase.objects.filter(accepted_on__isnull=False).select_related("member")
    assert accepted.count() >= 10
    for case in accepted:
        assert case.probation_ends_on == add_months(case.accepted_on, 12)
        if case.state in MEMBER_STATES:
            assert case.member.person_id == case.person_id
            assert case.member.joined_on == case.accepted_on
    for case in accepted.filter(state=State.PROBATIONARY):
        assert case.member.category == Category.PROBATIONARY
    for case in accepted.filter(state=State.FULL_MEMBER):
        assert case.member.category == Category.FULL
        assert case.member.full_member_on == case.full_member_on == case.probation_ends_on
        assert case.converted_on <= TODAY


def test_applicants_are_people_without_a_membership_and_adults_when_they_applied(data):
    for case in DevelopmentCase.objects.select_related("person"):
        person = case.person
        is_member = Member.objects.filter(person=person).exists()
        assert is_member == (case.state in MEMBER_STATES), case.pk
        assert person.organization_id == case.organization_id
        age = (
            case.applied_on.year
            - person.birth_date.year
            - (
                (case.applied_on.month, case.applied_on.day)
                < (person.birth_date.month, person.birth_date.day)
            )
        )
        assert age >= 18


def test_every_case_past_the_candidate_stage_has_two_introducers_who_were_full_members(data):
    past = DevelopmentCase.objects.filter(candidate_on__isnull=False).prefetch_related(
        "steps", "sponsors__member"
    )
    for case in past:
        done = {step.code for step in case.steps.all()}
        introducers = [s for s in case.sponsors.all() if s.kind == SponsorKind.INTRODUCER]
        if StepCode.INTRODUCERS in done:
            assert len(introducers) == 2, case.pk
        for sponsor in case.sponsors.all():
            member = sponsor.member
            assert member.person_id != case.person_id
            assert member.organization_id == case.organization_id
            assert member.full_member_on <= sponsor.assigned_on
    assert Sponsor.objects.filter(kind=SponsorKind.INTRODUCER).count() >= 20


def test_votes_pass_under_the_quorum_rules_and_publicity_lasts_five_working_days(data):
    votes = Vote.objects.all()
    assert votes.exists()
    for vote in votes:
        result = tally(entitled=vote.entitled, present=vote.present, yes=vote.yes,
                       written_yes=vote.written_yes)  # fmt: skip
        assert result.has_quorum and result.passed == vote.passed is True
        assert vote.yes + vote.no + vote.abstain == vote.present <= vote.entitled
    for publicity in Publicity.objects.all():
        assert publicity.working_days >= 5


def test_each_branch_has_this_years_quota_covering_its_acceptances(data):
    branches = Organization.objects.filter(org_type=OrgType.BRANCH).exclude(name__contains="离退休")
    quotas = {quota.organization_id: quota.planned for quota in Quota.objects.filter(year=2026)}
    assert set(quotas) == set(branches.values_list("pk", flat=True))
    accepted = Counter(
        DevelopmentCase.objects.filter(accepted_on__year=2026).values_list(
            "organization_id", flat=True
        )
    )
    for branch, count in accepted.items():
        assert quotas[branch] >= count


def test_the_demo_secretary_sees_the_eleven_month_activist_blocked_until_the_year_is_full(data):
    from dangjian.development.services import step_preview

    shuji = User.objects.get(username="shuji")
    cases = DevelopmentCase.objects.filter(organization=demo_branch())
    assert {State.ACTIVIST, State.APPLIED, State.CANDIDATE, State.PRE_APPROVED} <= set(
        cases.values_list("state", flat=True)
    )
    activist = cases.get(state=State.ACTIVIST, activist_on=add_months(TODAY, -11))
    blocks = step_preview(actor=shuji, case=activist, code=StepCode.CANDIDATE, done_on=TODAY)
    rules = {block.rule_key: block for block in blocks}
    assert rules["development.cultivation_min_months"].earliest == add_months(TODAY, 1)


def test_the_open_cases_have_their_pending_deadlines_stored_as_the_engine_computes_them(data):
    from dangjian.development.models import CaseDeadline
    from dangjian.development.services import deadlines_rebuild

    stored = sorted(CaseDeadline.objects.values_list("case_id", "key", "due_on"))
    assert stored, "the seed left the due/overdue lists empty"
    open_cases = set(
        DevelopmentCase.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True)
    )
    assert {case_id for case_id, _, _ in stored} <= open_cases
    deadlines_rebuild(today=TODAY)
    assert sorted(CaseDeadline.objects.values_list("case_id", "key", "due_on")) == stored


# --- dues ----------------------------------------------------------------------------------


def test_every_member_has_this_years_base_priced_by_the_rate_table(data):
    pricing = Pricing.for_year(2026)
    bases = DuesBase.objects.filter(year=2026)
    assert bases.count() == Member.objects.count()
    for base in bases:
        rate, amount = pricing.price(base.category, base.base)
        assert (base.rate, base.monthly_amount) == (rate, amount)
    rates = Counter((category, rate) for category, rate in bases.values_list("category", "rate"))
    for rate in ("0.0050", "0.0100", "0.0150", "0.0200"):
        assert rates[(BaseCategory.EMPLOYED, Decimal(rate))] > 0, rate
    for rate in ("0.0050", "0.0100"):
        assert rates[(BaseCategory.RETIRED, Decimal(rate))] > 0, rate
    assert bases.filter(category=BaseCategory.UNEMPLOYED, monthly_amount=Decimal("0.20")).exists()
    retired = bases.filter(member__person__employment=Person.Employment.RETIRED)
    assert set(retired.values_list("category", flat=True)) == {BaseCategory.RETIRED}


def test_the_ledger_has_one_row_per_member_month_from_the_acceptance_on(data):
    entries = LedgerEntry.objects.all()
    assert entries.count() == entries.values("member", "month").distinct().count() > 20_000
    starts = dict(
        LedgerEntry.objects.values("member")
        .annotate(first=Min("month"))
        .values_list("member", "first")
    )
    for member_id, joined in Member.objects.values_list("pk", "joined_on"):
        assert starts[member_id] == max(date(2025, 1, 1), joined.replace(day=1)), member_id
    assert not entries.filter(month__gt=date(2026, 6, 1)).exists()


def test_paid_months_have_their_payments_and_nothing_is_paid_in_the_future(data):
    paid = LedgerEntry.objects.filter(status=EntryStatus.PAID)
    assert paid.count() > 0.97 * LedgerEntry.objects.count()
    totals = dict(
        Payment.objects.values("entry").annotate(t=Sum("amount")).values_list("entry", "t")
    )
    for entry_id, amount_paid, amount_due in paid.values_list("pk", "amount_paid", "amount_due"):
        assert totals[entry_id] == amount_paid == amount_due
    assert not LedgerEntry.objects.filter(status=EntryStatus.UNPAID, amount_paid__gt=0).exists()
    assert not LedgerEntry.objects.filter(paid_on__gt=TODAY).exists()
    channels = Counter(paid.values_list("channel", flat=True))
    assert channels.most_common(1)[0][0] == "payroll"
    assert paid.exclude(payer_name="").exists()  # 代缴


def test_some_members_are_three_and_six_months_behind_also_in_the_demo_branch(data):
    zuzhibu = User.objects.get(username="zuzhibu")
    behind = {row["member_id"]: row["months"] for row in arrears(zuzhibu, today=TODAY)}
    assert any(months >= 6 for months in behind.values())
    assert any(3 <= months < 6 for months in behind.values())
    in_branch = Member.objects.filter(organization=demo_branch())
    months = sorted(member_arrears_months(member, today=TODAY) for member in in_branch)
    assert months[-2:] == [4, 7]


def test_hardship_reductions_are_approved_and_priced_into_the_ledger(data):
    hardships = Hardship.objects.all()
    assert hardships.count() == 3
    for hardship in hardships:
        assert hardship.status == "approved"
        rows = LedgerEntry.objects.filter(member=hardship.member, month__year=2026)
        assert set(rows.values_list("amount_due", flat=True)) == {hardship.monthly_amount}
        assert set(rows.values_list("hardship", flat=True)) == {hardship.pk}


def test_last_years_statements_add_up_the_ledger_and_are_published(data):
    collected = defaultdict(Decimal)
    for organization, amount in LedgerEntry.objects.filter(month__year=2025).values_list(
        "organization", "amount_paid"
    ):
        collected[organization] += amount
    statements = BranchStatement.objects.filter(year=2025)
    assert statements.count() == len(collected) > 30
    for statement in statements:
        assert statement.published and statement.published_on.year == 2026
        assert statement.collected == collected[statement.organization_id]
        assert statement.balance >= 0


# --- appraisals ----------------------------------------------------------------------------


def test_last_years_rounds_are_closed_with_at_most_a_third_excellent(data):
    from dangjian.appraisals.models import Participant, Result, Round
    from dangjian.appraisals.services import excellent_limit

    closed = Round.objects.filter(year=2025)
    assert closed.count() == Organization.objects.filter(org_type=OrgType.BRANCH).count()
    assert set(closed.values_list("phase", flat=True)) == {"closed"}
    for round_ in closed:
        graded = round_.participants.filter(is_graded=True)
        assert graded.count() == round_.graded_count
        assert graded.filter(final_grade="excellent").count() <= excellent_limit(
            round_.graded_count
        )
        assert not graded.filter(final_grade="").exists()
        assert not round_.participants.filter(is_graded=False).exclude(final_grade="").exists()
    assert not Participant.objects.filter(is_graded=True).exclude(category=Category.FULL).exists()
    results = Result.objects.filter(year=2025)
    assert results.count() == Participant.objects.filter(round__year=2025).count()
    assert set(results.values_list("grade", flat=True)) >= {"excellent", "qualified", "not_graded"}


def test_peer_tallies_count_one_vote_per_rater_of_the_same_party_group(data):
    from dangjian.appraisals.models import RatingTally, Round

    for round_ in Round.objects.all()[:10]:
        participants = list(round_.participants.all())
        counts = Counter()
        for row in RatingTally.objects.filter(round=round_):
            counts[row.ratee_id] += row.count
        for person in participants:
            if not person.is_graded:
                assert counts[person.pk] == 0
                continue
            raters = sum(
                1
                for other in participants
                if other.has_rated and other.pk != person.pk
                and other.party_group_id == person.party_group_id
            )  # fmt: skip
            assert counts[person.pk] == raters, person.name


def test_the_demo_branch_has_an_open_round_the_demo_member_has_not_done_yet(data):
    from dangjian.appraisals.models import Participant

    dangyuan = User.objects.get(username="dangyuan")
    mine = Participant.objects.get(round__year=2026, member__person_id=dangyuan.person_id)
    assert mine.round.phase == "peer" and mine.round.organization == demo_branch()
    assert not mine.has_rated and not mine.self_assessment
    assert mine.round.rated_count == mine.round.participants.filter(has_rated=True).count() > 0


# --- transfers -----------------------------------------------------------------------------


def test_the_mine_has_transfers_in_each_state_with_numbered_letters(data):
    from dangjian.transfers.models import Letter, LetterCounter, Transfer

    states = Counter(Transfer.objects.values_list("direction", "state"))
    assert states[("out", "requested")] and states[("out", "branch_approved")]
    assert states[("out", "letter_issued")] == 3
    assert states[("in", "registered")] and states[("in", "verified")]
    expired = Letter.objects.filter(valid_until__lt=TODAY, transfer__state="letter_issued")
    assert expired.count() == 1
    pending = Transfer.objects.get(state="letter_issued", receiver=demo_branch())
    assert pending.sender.org_type == OrgType.BRANCH
    assert pending.member.organization == pending.sender
    assert pending.letters.get().valid_until >= TODAY
    for counter in LetterCounter.objects.all():
        serials = Letter.objects.filter(committee=counter.committee, year=counter.year)
        assert sorted(serials.values_list("serial", flat=True)) == list(
            range(1, counter.last_serial + 1)
        )
    for transfer in Transfer.objects.filter(direction="out"):
        assert transfer.member.status == "normal"
        assert transfer.events.first().state == "requested"
        assert transfer.dues_paid_through == date(2026, 6, 1)
