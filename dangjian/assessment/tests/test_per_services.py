"""Periods: create, open (categories, member sheets), lock, unlock, publish, finalize, the
category of a card — each rule and each refusal (nothing changes on a refusal)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Count
from django.utils import timezone

from dangjian.assessment.models import Category, Period, Scorecard, TargetKind, Template
from dangjian.assessment.services import periods
from dangjian.assessment.testing import card_of, make_period, make_template
from dangjian.assessment.tests.per_helpers import add_unit, at, bulk_branches, draft, score
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.models import CalendarDay
from dangjian.notifications.models import Notification


def _refused(call, text: str):
    with pytest.raises(ServiceError) as info:
        call()
    assert text in info.value.messages[0], info.value.messages[0]


# ------------------------------------------------------------------ create


def test_create_writes_a_draft_with_categories_and_an_audit_entry(aw):
    template = make_template(aw)
    period = draft(aw, template)
    assert period.status == Period.Status.DRAFT and period.target_count == 0
    assert list(period.categories.values_list("name", flat=True)) == [
        "生产区队",
        "机关科室",
        "辅助区队",
    ]
    assert period.target_note == "一矿党委下属党支部"
    assert AuditEntry.objects.filter(action="assessment.period_create").count() == 1
    assert Template.objects.get(pk=template.pk).used_at is None  # frozen only by opening


def test_create_refusals(aw):
    template = make_template(aw)
    before = Period.objects.count()
    _refused(lambda: draft(aw, template, actor=aw.bob), "没有组织")
    _refused(lambda: draft(aw, template, actor=aw.dave), "没有组织")
    _refused(lambda: draft(aw, template, root=aw.branch3), "所辖范围内")
    _refused(lambda: draft(aw, template, name="  "), "请填写考核名称")
    _refused(lambda: draft(aw, template, types=()), "组织类型")
    _refused(lambda: draft(aw, template, ends_on=dt.date(2026, 10, 1)), "截止日不能早于起始日")
    _refused(
        lambda: draft(aw, template, scoring_until=at(dt.date(2026, 12, 1))),
        "评分截止时间不能早于自查截止时间",
    )
    _refused(lambda: draft(aw, template, appeal_days=0), "申诉期")
    _refused(
        lambda: draft(aw, template, categories=[{"name": "甲"}, {"name": "甲"}]),
        "重复",
    )
    other = Template.objects.create(owner=aw.mine2, name="二矿考核", year=2026)
    _refused(lambda: draft(aw, other), "指标体系")
    empty = Template.objects.create(owner=aw.mine, name="空表", year=2026)
    _refused(lambda: draft(aw, empty), "没有评分细则")
    assert Period.objects.count() == before


def test_a_group_template_is_usable_by_the_mine_and_the_previous_period_is_found(aw):
    template = make_template(aw)
    october = make_period(aw, template, month=dt.date(2026, 10, 1))
    november = draft(aw, template)
    assert november.previous_id == october.pk
    group_sheet = Template.objects.create(owner=aw.group, name="集团表", year=2026)
    assert periods.templates_usable(aw.alice).filter(pk=group_sheet.pk).exists()
    assert not periods.templates_usable(aw.dave).filter(pk=template.pk).exists()


def test_update_and_delete_only_drafts(aw):
    template = make_template(aw)
    period = draft(aw, template)
    periods.period_update(
        actor=aw.alice, period=period, name="十一月考核", categories=[{"name": "全部"}]
    )
    period.refresh_from_db()
    assert period.name == "十一月考核"
    assert list(period.categories.values_list("name", flat=True)) == ["全部"]
    _refused(lambda: periods.period_delete(actor=aw.dave, period=period), "没有组织")
    opened = make_period(aw, template, month=dt.date(2026, 9, 1))
    _refused(lambda: periods.period_delete(actor=aw.alice, period=opened), "不能删除")
    _refused(lambda: periods.period_update(actor=aw.alice, period=opened, name="x"), "修改")
    periods.period_delete(actor=aw.alice, period=period)
    assert not Period.objects.filter(pk=period.pk).exists()


# ------------------------------------------------------------------ open


def test_open_forty_branches_assigns_categories(aw, django_assert_max_num_queries):
    names = []
    for i in range(40):
        kind = ["综采{}队党支部", "机电{}队党支部", "后勤{}区党支部", "{}号科室党支部"][i % 4]
        names.append(kind.format(i))
    made = bulk_branches(aw.mine, names)
    offices = [org for org in made if "科室" in org.name]
    helpers = [org for org in made if "后勤" in org.name]
    for index, org in enumerate(offices):
        add_unit(org, "office", aw.mine, f"U-O{index}")
    for index, org in enumerate(helpers):
        add_unit(org, "team", aw.mine, f"U-T{index}")
    template = make_template(aw)
    period = draft(aw, template)
    with django_assert_max_num_queries(40):
        count = periods.period_open(actor=aw.alice, period=period)
    # The 40 plus the world's two branches of the mine (branch3 is in mine 2).
    assert count == 42
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN and period.target_count == 42
    assert period.opened_at is not None
    by_category = dict(
        Category.objects.filter(period=period).values_list("name").annotate(n=Count("scorecards"))
    )
    # 综采 ×10, 综采一队 and 掘进二队 → 生产区队; 机电 ×10 (keyword) and 后勤 (team units) →
    # 辅助区队; 科室 (office units, and the keyword 科室) → 机关科室.
    assert by_category == {"生产区队": 12, "辅助区队": 20, "机关科室": 10}
    card = card_of(period, aw.branch1)
    assert card.leaf_count == 6 and card.target_name == "综采一队党支部"
    assert card.status == Scorecard.Status.SELF_CHECK
    assert Template.objects.get(pk=template.pk).used_at is not None
    # bob (书记 of branch1) and cora (branch2) are told; the 40 new branches have no secretary,
    # so the nearest level holding 自查 above them is the mine, where alice (组织部) holds it.
    told = set(
        Notification.objects.filter(dedupe_key=f"assessment-open:{period.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"alice", "bob", "cora"}
    assert AuditEntry.objects.filter(action="assessment.period_open").count() == 1


def test_open_refusals_change_nothing(aw):
    template = make_template(aw)
    period = draft(aw, template)
    _refused(lambda: periods.period_open(actor=aw.dave, period=period), "没有组织")
    _refused(lambda: periods.period_open(actor=aw.pete, period=period), "没有组织")
    assert Scorecard.objects.count() == 0
    periods.period_open(actor=aw.alice, period=period)
    _refused(lambda: periods.period_open(actor=aw.alice, period=period), "不能开启")
    assert Scorecard.objects.filter(period=period).count() == 2
    lonely = draft(aw, template, root=aw.branch1, types=("general_branch",), name="无对象")
    _refused(lambda: periods.period_open(actor=aw.alice, period=lonely), "没有符合条件")
    lonely.refresh_from_db()
    assert lonely.status == Period.Status.DRAFT


def test_open_a_member_sheet_writes_one_card_per_member(aw):
    template = make_template(aw, name="党员积分")
    Template.objects.filter(pk=template.pk).update(
        target_kind=TargetKind.MEMBER, base_points=Decimal("80")
    )
    template.refresh_from_db()
    period = draft(aw, template, categories=[], name="11月党员积分")
    assert periods.period_open(actor=aw.alice, period=period) == 2  # mia, max (nick: mine 2)
    cards = Scorecard.objects.filter(period=period).order_by("target_name")
    assert sorted(c.target_name for c in cards) == ["米娅", "马骁"]
    assert {c.organization_id for c in cards} == {aw.branch1.pk}
    assert all(c.member_id for c in cards)
    assert {c.category.name for c in cards} == {"全体党员"}
    told = set(
        Notification.objects.filter(dedupe_key=f"assessment-open:{period.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"mia", "max"}


# ------------------------------------------------------------------ lock / unlock


def test_lock_refused_until_every_leaf_is_scored_then_ranks(aw):
    template = make_template(aw)
    period = make_period(aw, template)
    one, two = card_of(period, aw.branch1), card_of(period, aw.branch2)
    score(one, {"1.1.1": {"occurrences": 2}})
    _refused(
        lambda: periods.period_lock(actor=aw.alice, period=period),
        "还有 1 张考核表共 6 项细则",
    )
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN
    score(two)
    _refused(lambda: periods.period_lock(actor=aw.pete, period=period), "没有组织")
    periods.period_lock(actor=aw.alice, period=period)
    period.refresh_from_db()
    one.refresh_from_db()
    two.refresh_from_db()
    assert period.status == Period.Status.LOCKED and period.locked_by == aw.alice
    # Full marks 18 for branch2; branch1 lost 2 points of 1.1.1.
    assert (two.total, two.rank) == (Decimal("18.00"), 1)
    assert (one.total, one.rank) == (Decimal("16.00"), 2)
    assert one.status == Scorecard.Status.SCORED
    _refused(lambda: periods.period_lock(actor=aw.alice, period=period), "不能锁定")


def test_a_returned_leaf_blocks_the_lock(aw):
    from dangjian.assessment.models import LeafScore

    period = make_period(aw)
    for card in Scorecard.objects.filter(period=period):
        score(card)
    LeafScore.objects.filter(scorecard=card_of(period, aw.branch2), indicator__code="2.1.1").update(
        status=LeafScore.Status.RETURNED
    )
    _refused(lambda: periods.period_lock(actor=aw.alice, period=period), "1 项细则")


def test_unlock_needs_a_reason_and_only_from_locked(aw):
    period = make_period(aw)
    for card in Scorecard.objects.filter(period=period):
        score(card)
    _refused(lambda: periods.period_unlock(actor=aw.alice, period=period, reason="x"), "不能解除")
    periods.period_lock(actor=aw.alice, period=period)
    _refused(lambda: periods.period_unlock(actor=aw.alice, period=period, reason=" "), "原因")
    periods.period_unlock(actor=aw.alice, period=period, reason="宣传部复核 2.1.1")
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN and period.locked_at is None
    entry = AuditEntry.objects.get(action="assessment.period_unlock")
    assert "宣传部复核" in entry.message


# ------------------------------------------------------------------ publish / finalize


def _locked_period(aw, **kwargs):
    period = make_period(aw, **kwargs)
    for card in Scorecard.objects.filter(period=period):
        score(card, {"1.1.1": {"occurrences": 1}} if card.organization_id == aw.branch1.pk else {})
    periods.period_lock(actor=aw.alice, period=period)
    period.refresh_from_db()
    return period


def test_publish_sets_the_appeal_window_in_working_days_and_tells_the_targets(aw):
    period = _locked_period(aw)
    # Wednesday 2 December 2026; Friday the 4th is marked a holiday: five working days are
    # 3, 7, 8, 9, 10 December → the window closes at the end of Thursday the 10th.
    CalendarDay.objects.create(date=dt.date(2026, 12, 4), kind=CalendarDay.Kind.HOLIDAY)
    with time_machine.travel(at(dt.date(2026, 12, 2), 10), tick=False):
        periods.period_publish(actor=aw.alice, period=period)
    period.refresh_from_db()
    assert period.status == Period.Status.PUBLISHED
    until = timezone.localtime(period.appeal_until)
    assert (until.date(), until.hour, until.minute) == (dt.date(2026, 12, 10), 23, 59)
    told = set(
        Notification.objects.filter(dedupe_key=f"assessment-publish:{period.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"bob", "cora"}
    _refused(lambda: periods.period_publish(actor=aw.alice, period=period), "不能公示")


def test_publish_refused_before_lock(aw):
    period = make_period(aw)
    _refused(lambda: periods.period_publish(actor=aw.alice, period=period), "请先审核锁定")


def test_finalize_waits_for_the_window_and_the_appeals(aw):
    from dangjian.assessment.services.appeals import appeal_file

    period = _locked_period(aw)
    with time_machine.travel(at(dt.date(2026, 12, 2), 10), tick=False):
        periods.period_publish(actor=aw.alice, period=period)
        period.refresh_from_db()
        _refused(lambda: periods.period_finalize(actor=aw.alice, period=period), "申诉期到")
        card = card_of(period, aw.branch1)
        from dangjian.assessment.testing import leaf

        appeal_file(
            actor=aw.bob, card=card, leaf=leaf(period.template, "1.1.1"), reason="会议已召开"
        )
    with time_machine.travel(at(dt.date(2026, 12, 20), 10), tick=False):
        _refused(lambda: periods.period_finalize(actor=aw.alice, period=period), "1 件申诉")
        from dangjian.assessment.models import Appeal
        from dangjian.assessment.services.appeals import appeal_decide

        appeal_decide(
            actor=aw.alice, appeal=Appeal.objects.get(), upheld=False, decision="记录不全"
        )
        _refused(lambda: periods.period_finalize(actor=aw.bob, period=period), "没有组织")
        periods.period_finalize(actor=aw.alice, period=period)
    period.refresh_from_db()
    assert period.status == Period.Status.FINAL and period.finalized_at is not None


# ------------------------------------------------------------------ card category


def test_card_category_only_before_lock_and_only_the_period_s_categories(aw):
    period = make_period(aw)
    other = Category.objects.create(period=period, name="辅助区队", position=1)
    october = make_period(aw, period.template, month=dt.date(2026, 10, 1))
    stranger = Category.objects.create(period=october, name="x")
    card = card_of(period, aw.branch2)
    _refused(
        lambda: periods.card_set_category(actor=aw.alice, card=card, category=stranger),
        "本期考核的对比类别",
    )
    _refused(lambda: periods.card_set_category(actor=aw.bob, card=card, category=other), "没有组织")
    periods.card_set_category(actor=aw.alice, card=card, category=other)
    card.refresh_from_db()
    assert card.category_id == other.pk
    assert AuditEntry.objects.filter(action="assessment.card_category").count() == 1
    for each in Scorecard.objects.filter(period=period):
        score(each)
    periods.period_lock(actor=aw.alice, period=period)
    first = Category.objects.get(period=period, name="生产区队")
    _refused(lambda: periods.card_set_category(actor=aw.alice, card=card, category=first), "锁定后")
    # Each category ranks on its own: both cards are first of their own.
    assert set(Scorecard.objects.filter(period=period).values_list("rank", flat=True)) == {1}


def test_the_batched_recompute_matches_the_engine_card_by_card(aw):
    from dangjian.assessment import engine
    from dangjian.assessment.models import LeafScore

    period = make_period(aw)
    score(card_of(period, aw.branch1), {"1.1.1": {"occurrences": 2}, "4.1.1": {"occurrences": 5}})
    score(card_of(period, aw.branch2), {"2.1.2": {"achieved": False}})
    LeafScore.objects.filter(scorecard__period=period, indicator__code="2.1.2").update(vetoed=True)
    LeafScore.objects.filter(scorecard__period=period, indicator__code="1.1.2").update(
        self_points=2
    )
    fields = ("total", "self_total", "deduction_total", "bonus_total", "vetoed", "grade")
    fields += ("self_done_count", "scored_count", "returned_count")
    Scorecard.objects.filter(period=period).update(total=None, grade="", scored_count=0)
    engine.recompute_period(period)
    batched = {c.pk: [getattr(c, f) for f in fields] for c in Scorecard.objects.all()}
    for card in Scorecard.objects.filter(period=period):
        engine.recompute_card(card)
    one_by_one = {c.pk: [getattr(c, f) for f in fields] for c in Scorecard.objects.all()}
    assert batched == one_by_one
    assert batched[card_of(period, aw.branch1).pk][:4] == [
        Decimal("18.00"),  # 3 + 2 + 5 + 3 + 3 + bonus 2 (capped)
        None,
        Decimal("2.00"),
        Decimal("2.00"),
    ]
