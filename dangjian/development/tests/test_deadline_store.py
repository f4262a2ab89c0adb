"""The stored pending deadlines (`CaseDeadline`): kept right by every service a deadline depends
on, equal to what `deadlines.py` computes, listed in a constant number of queries, rebuilt
idempotently."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from dangjian.core.paging import paginate
from dangjian.development import selectors, services
from dangjian.development.deadlines import case_deadlines, pending
from dangjian.development.models import (
    CaseDeadline,
    DevelopmentCase,
    PublicityPurpose,
    PublicityResult,
    SponsorKind,
    State,
    StepCode,
    VotePurpose,
)
from dangjian.development.tests.factories import (
    TODAY_AFTER_PATH,
    make_applicant,
    make_full_members,
    open_case,
    walk,
)

C = StepCode


def _at(time_machine, day):
    time_machine.move_to(datetime.combine(day, datetime.min.time(), ZoneInfo("Asia/Shanghai")))


def _stored(case):
    return sorted(CaseDeadline.objects.filter(case=case).values_list("key", "due_on"))


def _expected(case, today=TODAY_AFTER_PATH):
    case = DevelopmentCase.objects.get(pk=case.pk)
    return sorted(
        (d.key, d.due_on) for d in pending(case_deadlines(case, today, stored=True), today)
    )


def _stale(case):
    """A row no computation gives: it survives only if the service skipped the refresh."""
    CaseDeadline.objects.create(
        case=case, key="stale", label="过期数据", due_on=date(2020, 1, 1),
        rule_key="development.talk_deadline_months", responsible="branch",
        computed_on=date(2020, 1, 1),
    )  # fmt: skip


def _assert_refreshed(case):
    stored = _stored(case)
    assert ("stale", date(2020, 1, 1)) not in stored
    assert stored == _expected(case)


def test_opening_a_case_stores_its_talk_deadline(world, time_machine):
    _at(time_machine, TODAY_AFTER_PATH)
    case = open_case(world)
    assert _stored(case) == [("talk", date(2024, 2, 12))] == _expected(case)


def test_steps_refresh_the_rows(world, time_machine):
    _at(time_machine, TODAY_AFTER_PATH)
    case = open_case(world)
    _stale(case)
    services.step_record(actor=world.bob, case=case, code=C.TALK, done_on=date(2024, 2, 1))
    _assert_refreshed(case)
    assert "talk" not in dict(_stored(case))
    walk(world, case, until=State.BRANCH_ACCEPTED)
    assert "approval" in dict(_stored(case))
    _stale(case)
    services.step_record(
        actor=world.alice, case=case, code=C.REJECTION, done_on=date(2025, 9, 20), note="不批准"
    )
    assert _stored(case) == []


def test_sponsors_refresh_the_rows(world, time_machine):
    _at(time_machine, TODAY_AFTER_PATH)
    case = walk(world, open_case(world), until=State.ACTIVIST)
    member = make_full_members(world.branch1, 1, prefix="联系人")[0]
    _stale(case)
    sponsor = services.sponsor_add(
        actor=world.bob, case=case, kind=SponsorKind.CONTACT, member=member,
        assigned_on=date(2024, 7, 20),
    )  # fmt: skip
    _assert_refreshed(case)
    assert any(key.startswith(C.ACTIVIST_REVIEW) for key, _ in _stored(case))
    _stale(case)
    services.sponsor_remove(actor=world.bob, sponsor=sponsor)
    _assert_refreshed(case)


def test_publicity_refreshes_the_rows(world, time_machine):
    _at(time_machine, TODAY_AFTER_PATH)
    case = walk(world, open_case(world), stop_before=C.BRANCH_REVIEW)
    _stale(case)
    publicity = services.publicity_record(
        actor=world.bob, case=case, purpose=PublicityPurpose.ACCEPTANCE,
        starts_on=date(2025, 8, 25), ends_on=date(2025, 8, 29),
    )  # fmt: skip
    _assert_refreshed(case)
    assert (f"publicity:{publicity.pk}", date(2025, 8, 29)) in _stored(case)
    _stale(case)
    services.publicity_conclude(
        actor=world.bob, publicity=publicity, result=PublicityResult.NO_OBJECTION
    )
    _assert_refreshed(case)
    assert f"publicity:{publicity.pk}" not in dict(_stored(case))


def test_training_political_review_and_votes_refresh_the_rows(world, time_machine):
    _at(time_machine, TODAY_AFTER_PATH)
    case = walk(world, open_case(world), until=State.CANDIDATE)
    _stale(case)
    services.training_record(
        actor=world.bob, case=case, title="培训班", starts_on=date(2025, 8, 4),
        ends_on=date(2025, 8, 6), days=3, hours=24,
    )  # fmt: skip
    _assert_refreshed(case)
    _stale(case)
    services.political_review_record(
        actor=world.bob, case=case, concluded_on=date(2025, 8, 1), passed=True
    )
    _assert_refreshed(case)
    walk(world, case, until=State.PRE_APPROVED)
    _stale(case)
    services.vote_record(
        actor=world.bob, case=case, purpose=VotePurpose.ACCEPTANCE, meeting_on=date(2025, 9, 2),
        entitled=20, present=15, yes=14, abstain=1,
    )  # fmt: skip
    _assert_refreshed(case)


def _sample(world, time_machine):
    """Open cases in various states, and a finished one, all recorded by the services."""
    _at(time_machine, TODAY_AFTER_PATH)
    cases = [open_case(world, make_applicant(world.branch1, "申请甲"))]
    talked = open_case(world, make_applicant(world.branch1, "申请乙"))
    services.step_record(actor=world.bob, case=talked, code=C.TALK, done_on=date(2024, 2, 1))
    cases.append(talked)
    for name, until in [("申请丙", State.ACTIVIST), ("申请丁", State.CANDIDATE),
                        ("申请戊", State.BRANCH_ACCEPTED), ("申请己", State.PROBATIONARY),
                        ("申请庚", State.FULL_MEMBER)]:  # fmt: skip
        cases.append(
            walk(world, open_case(world, make_applicant(world.branch1, name)), until=until)
        )
    pending_publicity = walk(
        world, open_case(world, make_applicant(world.branch1, "申请辛")), until=State.CANDIDATE
    )
    services.publicity_record(
        actor=world.bob, case=pending_publicity, purpose=PublicityPurpose.CANDIDATE,
        starts_on=date(2026, 10, 26), ends_on=date(2026, 10, 30),
    )  # fmt: skip
    cases.append(pending_publicity)
    return cases


def _computed(cases, today):
    items = []
    for case in DevelopmentCase.objects.filter(pk__in=[c.pk for c in cases]):
        items += [(case.pk, d.key, d.due_on) for d in pending(case_deadlines(case, today), today)]
    return items


def test_lists_match_the_computation_as_days_pass(world, time_machine):
    cases = _sample(world, time_machine)
    for later in (0, 20, 45, 120, 200, 400, 800):
        today = TODAY_AFTER_PATH + timedelta(days=later)
        computed = _computed(cases, today)
        overdue = sorted((c, k, d) for c, k, d in computed if d < today)
        due = sorted((c, k, d) for c, k, d in computed if today <= d <= today + timedelta(30))
        rows = selectors.overdue_deadlines(world.bob, today=today)
        assert sorted((r.case_id, r.key, r.due_on) for r in rows) == overdue, later
        rows = selectors.due_deadlines(world.bob, today=today)
        assert sorted((r.case_id, r.key, r.due_on) for r in rows) == due, later
    assert selectors.overdue_deadlines(world.bob, today=TODAY_AFTER_PATH).exists()
    assert not selectors.overdue_deadlines(world.dave, today=TODAY_AFTER_PATH).exists()
    assert not selectors.overdue_deadlines(
        world.alice, organization=world.branch2, today=TODAY_AFTER_PATH
    ).exists()


def _page_queries(user) -> int:
    request = RequestFactory().get("/development/deadlines/")
    with CaptureQueriesContext(connection) as queries:
        for rows in (
            selectors.due_deadlines(user, today=date(2024, 1, 20)),
            selectors.overdue_deadlines(user, today=date(2024, 2, 20)),
        ):
            assert rows.exists()
            page = paginate(request, rows, 30)["page_obj"]
            [(row.case.person.name, row.case.organization.name, row.source) for row in page]
    return len(queries)


def test_list_queries_do_not_grow_with_cases(world, time_machine):
    _at(time_machine, date(2024, 2, 20))
    open_case(world, make_applicant(world.branch1, "申请0"),
              applied_on=date(2024, 1, 2), received_on=date(2024, 1, 2))  # fmt: skip
    one = _page_queries(world.bob)
    for index in range(1, 30):
        open_case(world, make_applicant(world.branch1, f"申请{index}"),
                  applied_on=date(2024, 1, 2), received_on=date(2024, 1, 2))  # fmt: skip
    assert CaseDeadline.objects.count() == 30
    assert _page_queries(world.bob) == one


def test_rebuild_is_idempotent_and_can_be_limited(world, time_machine):
    cases = _sample(world, time_machine)

    def snapshot():
        return sorted(
            CaseDeadline.objects.values_list("case_id", "key", "due_on", "label", "responsible")
        )

    kept = snapshot()
    assert kept
    assert services.deadlines_rebuild(batch_size=3) == len(kept)
    assert snapshot() == kept
    assert services.deadlines_rebuild() == len(kept)
    assert snapshot() == kept
    CaseDeadline.objects.all().delete()
    _stale(cases[0])
    services.deadlines_rebuild(cases=[cases[0]])
    assert sorted(CaseDeadline.objects.values_list("key", "due_on")) == _expected(cases[0])
    assert set(CaseDeadline.objects.values_list("case_id", flat=True)) == {cases[0].pk}
    services.deadlines_rebuild(cases=DevelopmentCase.objects.all())
    assert snapshot() == kept
    finished = DevelopmentCase.objects.get(state=State.FULL_MEMBER)
    _stale(finished)
    services.deadlines_rebuild()
    assert not CaseDeadline.objects.filter(case=finished).exists()
