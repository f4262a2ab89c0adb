"""Bases, payments (partial, 代缴, 补交 limit, payroll), voluntary payments, hardship and the
yearly statement: each service's rules, its audit entry, and its scope (404 outside)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import RuleViolation, ServiceError
from dangjian.dues.models import (
    BaseCategory,
    Channel,
    DuesBase,
    EntryStatus,
    HardshipKind,
    HardshipStatus,
    LedgerEntry,
    Payment,
)
from dangjian.dues.services import (
    base_set,
    default_category,
    hardship_decide,
    hardship_request,
    hardship_withdraw,
    payment_record,
    payroll_mark,
    statement_prepare,
    statement_publish,
    statement_unpublish,
    voluntary_payment_record,
)
from dangjian.dues.tests.conftest import give_entry

D = Decimal
TODAY = datetime.date(2026, 9, 10)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 9, 10, 9, 0), tick=False):
        yield


def month(m, year=2026):
    return datetime.date(year, m, 1)


# ---------------------------------------------------------------- bases


def test_base_set_prices_the_year_and_is_audited(world, zhang):
    row = base_set(actor=world.bob, member=zhang, year=2026, category="employed", base=D("5000.01"))
    assert (row.rate, row.monthly_amount) == (D("0.0150"), D("75.00"))
    assert AuditEntry.objects.filter(action="dues.base_set").count() == 1


def test_base_set_updates_and_reprices_untouched_months_from_this_month(world, zhang):
    base_set(actor=world.bob, member=zhang, year=2026, category="employed", base=D("4000"))
    past = give_entry(zhang, month(8))
    current = give_entry(zhang, month(9))
    partly = give_entry(zhang, month(10), status="partial", paid="10.00")
    base_set(actor=world.bob, member=zhang, year=2026, category="employed", base=D("6000"))
    assert DuesBase.objects.get().monthly_amount == D("90.00")
    past.refresh_from_db(), current.refresh_from_db(), partly.refresh_from_db()
    assert (past.amount_due, current.amount_due, partly.amount_due) == (D(40), D(90), D(40))


def test_fixed_categories_keep_no_base(world, zhang):
    row = base_set(actor=world.bob, member=zhang, year=2026, category="student", base=D("800"))
    assert (row.base, row.rate, row.monthly_amount) == (None, None, D("0.20"))


def test_a_farmer_amount_outside_the_range_is_explained(world, zhang):
    with pytest.raises(ServiceError, match="不在范围内"):
        base_set(
            actor=world.bob, member=zhang, year=2026, category="farmer", fixed_amount=D("2.00")
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"year": 1999}, "年度"),
        ({"category": "pirate"}, "党费类别"),
        ({"base": D("-1")}, "不能为负数"),
        ({"base": None}, "必须填写计算基数"),
    ],
)
def test_bad_base_input_is_explained(world, zhang, kwargs, message):
    values = {"year": 2026, "category": "employed", "base": D("3000")} | kwargs
    with pytest.raises(ServiceError, match=message):
        base_set(actor=world.bob, member=zhang, **values)
    assert not DuesBase.objects.exists()


def test_base_set_out_of_scope_is_404(world, zhang):
    for outsider in (world.dave, world.charlie):
        with pytest.raises(Http404):
            base_set(actor=outsider, member=zhang, year=2026, category="employed", base=D(1))
    assert not DuesBase.objects.exists()


def test_default_category_follows_employment(zhang, li):
    assert default_category(zhang.person) == BaseCategory.EMPLOYED
    assert default_category(li.person) == BaseCategory.RETIRED


# ---------------------------------------------------------------- payments


def test_a_full_payment_settles_the_month(world, zhang):
    entry = give_entry(zhang, month(9))
    payment = payment_record(actor=world.bob, entry=entry, paid_on=TODAY, channel=Channel.CASH)
    entry.refresh_from_db()
    assert payment.amount == D("40.00")
    assert (entry.status, entry.amount_paid, entry.paid_on) == (EntryStatus.PAID, D(40), TODAY)
    assert not payment.is_catch_up
    assert AuditEntry.objects.filter(action="dues.payment_record").count() == 1


def test_partial_payments_add_up(world, zhang):
    entry = give_entry(zhang, month(9))
    payment_record(actor=world.bob, entry=entry, paid_on=TODAY, channel="cash", amount=D("15"))
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PARTIAL
    payment_record(actor=world.bob, entry=entry, paid_on=TODAY, channel="transfer")
    entry.refresh_from_db()
    assert (entry.status, entry.amount_paid) == (EntryStatus.PAID, D("40.00"))
    assert Payment.objects.count() == 2


def test_a_proxy_payment_keeps_the_payer_name(world, zhang):
    entry = give_entry(zhang, month(9))
    payment_record(actor=world.bob, entry=entry, paid_on=TODAY, channel="cash", payer_name=" 张妻 ")
    entry.refresh_from_db()
    assert entry.payer_name == "张妻"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": D("0")}, "必须大于 0"),
        ({"amount": D("40.01")}, "自愿多交"),
        ({"channel": "bitcoin"}, "缴纳方式"),
        ({"paid_on": datetime.date(2026, 9, 11)}, "不能晚于今天"),
        ({"paid_on": None}, "缴纳日期"),
    ],
)
def test_bad_payments_are_explained_and_change_nothing(world, zhang, kwargs, message):
    entry = give_entry(zhang, month(9))
    values = {"paid_on": TODAY, "channel": "cash"} | kwargs
    with pytest.raises(ServiceError, match=message):
        payment_record(actor=world.bob, entry=entry, **values)
    entry.refresh_from_db()
    assert entry.amount_paid == 0 and not Payment.objects.exists()


def test_a_settled_month_refuses_more(world, zhang):
    entry = give_entry(zhang, month(9), status="paid")
    with pytest.raises(ServiceError, match="已缴清"):
        payment_record(actor=world.bob, entry=entry, paid_on=TODAY, channel="cash")


def test_catch_up_is_allowed_six_months_back(world, zhang):
    entry = give_entry(zhang, month(3))
    payment = payment_record(actor=world.bob, entry=entry, paid_on=TODAY, channel="cash")
    assert payment.is_catch_up


def test_catch_up_older_than_six_months_names_the_rule_and_the_earliest_month(world, zhang):
    entry = give_entry(zhang, month(2))
    with pytest.raises(RuleViolation) as caught:
        payment_record(actor=world.bob, entry=entry, paid_on=TODAY, channel="cash")
    error = caught.value
    assert error.rule_key == "dues.catch_up_months"
    assert "2026年02月的党费已超过补交期限" in error.message
    assert "最早只能补交2026年03月" in error.message
    assert "中组发〔2008〕3号" in error.message


def test_the_catch_up_limit_is_a_rule(world, zhang):
    from dangjian.core.models import RuleVersion

    RuleVersion.objects.create(key="dues.catch_up_months", value=12, valid_from=month(1, 2000))
    entry = give_entry(zhang, month(2))
    assert payment_record(actor=world.bob, entry=entry, paid_on=TODAY, channel="cash")


def test_payment_out_of_scope_is_404_and_changes_nothing(world, zhang):
    entry = give_entry(zhang, month(9))
    for outsider in (world.dave, world.charlie):
        with pytest.raises(Http404):
            payment_record(actor=outsider, entry=entry, paid_on=TODAY, channel="cash")
    assert not Payment.objects.exists()


def test_payroll_marks_the_salaried_rows_of_the_branch_month(world, zhang, li):
    other = give_entry(zhang, month(8))
    rows = [give_entry(zhang, month(9))]
    from dangjian.members.tests.factories import make_member

    colleague = make_member(world.branch1, "赵六")
    rows.append(give_entry(colleague, month(9), status="partial", paid="10.00"))
    retired = make_member(world.branch1, "钱七")
    pensioner = give_entry(retired, month(9))
    LedgerEntry.objects.filter(pk=pensioner.pk).update(category=BaseCategory.RETIRED)
    marked = payroll_mark(
        actor=world.bob, organization=world.branch1, month=month(9), paid_on=TODAY
    )
    assert marked == 2
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.amount_paid, row.channel) == ("paid", D(40), "payroll")
    assert Payment.objects.get(entry=rows[1]).amount == D("30.00")
    other.refresh_from_db()
    pensioner.refresh_from_db()
    assert other.status == pensioner.status == EntryStatus.UNPAID
    assert AuditEntry.objects.filter(action="dues.payroll_mark").count() == 1


def test_payroll_respects_the_catch_up_limit(world, zhang):
    give_entry(zhang, month(1))
    with pytest.raises(RuleViolation):
        payroll_mark(actor=world.bob, organization=world.branch1, month=month(1), paid_on=TODAY)


def test_payroll_out_of_scope_is_404(world, zhang):
    give_entry(zhang, month(9))
    with pytest.raises(Http404):
        payroll_mark(actor=world.dave, organization=world.branch1, month=month(9), paid_on=TODAY)


def test_voluntary_one_off_of_1000_goes_to_central(world, zhang):
    small = voluntary_payment_record(
        actor=world.bob, member=zhang, amount=D("999.99"), paid_on=TODAY, channel="cash"
    )
    large = voluntary_payment_record(
        actor=world.bob, member=zhang, amount=D("1000"), paid_on=TODAY, channel="transfer"
    )
    assert (small.to_central, large.to_central) == (False, True)
    with pytest.raises(ServiceError, match="大于 0"):
        voluntary_payment_record(
            actor=world.bob, member=zhang, amount=D("0"), paid_on=TODAY, channel="cash"
        )


# ---------------------------------------------------------------- hardship


def request(world, member, **extra):
    values = {
        "kind": HardshipKind.WAIVE,
        "first_month": month(9),
        "last_month": month(12),
        "reason": "家属重病，家庭困难",
    } | extra
    return hardship_request(actor=world.bob, member=member, **values)


def test_the_branch_requests_and_the_upper_committee_approves(world, zhang):
    paid = give_entry(zhang, month(9), status="paid")
    open_month = give_entry(zhang, month(10))
    hardship = request(world, zhang)
    assert hardship.status == HardshipStatus.REQUESTED
    hardship_decide(actor=world.alice, hardship=hardship, approve=True)
    hardship.refresh_from_db(), paid.refresh_from_db(), open_month.refresh_from_db()
    assert hardship.status == HardshipStatus.APPROVED
    assert (open_month.status, open_month.amount_due) == (EntryStatus.WAIVED, 0)
    assert paid.amount_due == D(40)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"dues.hardship_request", "dues.hardship_decide"} <= actions


def test_a_reduction_lowers_open_months(world, zhang):
    entry = give_entry(zhang, month(10))
    hardship = request(world, zhang, kind="reduce", monthly_amount=D("5.00"))
    hardship_decide(actor=world.alice, hardship=hardship, approve=True)
    entry.refresh_from_db()
    assert (entry.amount_due, entry.status, entry.hardship_id) == (D(5), "unpaid", hardship.pk)


def test_the_branch_cannot_approve_its_own_request(world, zhang):
    from dangjian.core.testing.world import grant

    grant(world.bob, "org_department", world.branch1)  # approve_hardship, but on the branch
    hardship = request(world, zhang)
    with pytest.raises(ServiceError, match="上一级党委审批"):
        hardship_decide(actor=world.bob, hardship=hardship, approve=True)


def test_others_cannot_decide(world, zhang):
    hardship = request(world, zhang)
    for outsider in (world.dave, world.charlie, world.bob):
        with pytest.raises(Http404):
            hardship_decide(actor=outsider, hardship=hardship, approve=True)
    hardship.refresh_from_db()
    assert hardship.status == HardshipStatus.REQUESTED


def test_a_rejection_needs_a_reason_and_is_final(world, zhang):
    hardship = request(world, zhang)
    with pytest.raises(ServiceError, match="审批意见"):
        hardship_decide(actor=world.alice, hardship=hardship, approve=False)
    hardship_decide(actor=world.alice, hardship=hardship, approve=False, note="收入已恢复")
    with pytest.raises(ServiceError, match="不能再审批"):
        hardship_decide(actor=world.alice, hardship=hardship, approve=True)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"kind": "x"}, "减交或免交"),
        ({"last_month": month(8)}, "不能早于"),
        ({"last_month": month(9, 2027)}, "最多 12 个月"),
        ({"reason": "  "}, "减免理由"),
        ({"kind": "reduce"}, "减交后每月"),
    ],
)
def test_bad_hardship_requests_are_explained(world, zhang, extra, message):
    with pytest.raises(ServiceError, match=message):
        request(world, zhang, **extra)


def test_a_request_can_be_withdrawn_once(world, zhang):
    hardship = request(world, zhang)
    hardship_withdraw(actor=world.bob, hardship=hardship)
    with pytest.raises(ServiceError, match="不能撤回"):
        hardship_withdraw(actor=world.bob, hardship=hardship)


# ---------------------------------------------------------------- statement


def test_the_statement_collects_from_the_ledger_and_publishes(world, zhang):
    entry = give_entry(zhang, month(9))
    payment_record(actor=world.bob, entry=entry, paid_on=TODAY, channel="cash")
    voluntary_payment_record(
        actor=world.bob, member=zhang, amount=D("100"), paid_on=TODAY, channel="cash"
    )
    statement = statement_prepare(
        actor=world.bob,
        organization=world.branch1,
        year=2026,
        opening_balance=D("20"),
        remitted=D("50"),
        used=D("30"),
        use_note="订阅党报党刊",
    )
    assert (statement.collected, statement.voluntary, statement.balance) == (
        D(40),
        D(100),
        D(80),
    )
    statement_publish(actor=world.bob, statement=statement)
    statement.refresh_from_db()
    assert statement.published and statement.published_on == TODAY
    with pytest.raises(ServiceError, match="先撤回公开"):
        statement_prepare(
            actor=world.bob,
            organization=world.branch1,
            year=2026,
            opening_balance=D(0),
            remitted=D(0),
            used=D(0),
        )
    statement_unpublish(actor=world.bob, statement=statement)
    statement.refresh_from_db()
    assert not statement.published


def test_a_negative_balance_is_refused(world):
    with pytest.raises(ServiceError, match="超过了可用党费"):
        statement_prepare(
            actor=world.bob,
            organization=world.branch1,
            year=2026,
            opening_balance=D(0),
            remitted=D(10),
            used=D(0),
        )


def test_statement_amounts_must_be_given_and_not_negative(world):
    values = {"opening_balance": D(0), "remitted": D(0), "used": D(0)}
    for name, value, message in (("used", None, "使用党费"), ("remitted", D(-1), "不能为负数")):
        with pytest.raises(ServiceError, match=message):
            statement_prepare(
                actor=world.bob,
                organization=world.branch1,
                year=2026,
                **(values | {name: value}),
            )


def test_statement_out_of_scope_is_404(world):
    with pytest.raises(Http404):
        statement_prepare(
            actor=world.dave,
            organization=world.branch1,
            year=2026,
            opening_balance=D(0),
            remitted=D(0),
            used=D(0),
        )
