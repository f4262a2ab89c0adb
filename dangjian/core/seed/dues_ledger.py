"""Dues (党费) of the demo data, planned in memory: each member's base for the year and which of
the last twelve months they paid.

Bases are after-tax monthly pay in coal-mine ranges (underground crews earn the most, 内退 staff
the least; pensions for retirees), so all four 在职 bands and both 离退休 bands occur. A few members
pay a fixed 0.2 元 (下岗失业 after the 去产能 restructuring), a few have a hardship reduction. Most
months are paid by payroll deduction (工资代扣) on pay day; retirees pay cash or by transfer on the
branch's collection day. Members who are away (流动, 失联) fall behind: some three to five months,
a few six or more, so the arrears alerts and the 自行脱党 warning have something to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models

from dangjian.core.seed.names import NameMaker
from dangjian.core.seed.people import PersonPlan
from dangjian.dues.models import BaseCategory, Channel
from dangjian.members.models import Employment
from dangjian.orgs.dates import add_months

# After-tax monthly base (元) by post: (low, high).
_PAY = {
    "采煤工": (7500, 12500), "掘进工": (7000, 12000), "支护工": (6500, 10500),
    "电钳工": (6000, 9500), "机电维修工": (5500, 8500), "瓦斯检查员": (5500, 8000),
    "安全员": (5500, 8500), "班长": (8000, 13000), "技术员": (5000, 8500),
    "副队长": (10000, 15000), "队长": (12000, 18000), "统计员": (3500, 5500),
    "材料员": (3500, 5200), "验收员": (4500, 7000), "科员": (3800, 6000),
    "主任科员": (5000, 7500), "副科长": (7000, 10500), "科长": (8500, 13000),
    "工程师": (7000, 11000), "洗选工": (3200, 5200), "电工": (3500, 5500),
    "装车工": (2800, 4500), "维修工": (3500, 5500), "调度员": (4500, 6500),
}  # fmt: skip
_SECRETARY_PAY = (8000, 14000)
_INTERNAL_RETIRED_PAY = (2200, 3400)  # 内退生活费
_PENSION = (2800, 6800)
CENT = Decimal("0.01")
BASE_COLUMNS = ["id", "member_id", "year", "category", "base", "rate", "monthly_amount",
                "rate_table_id", "source", "note"]  # fmt: skip
ENTRY_COLUMNS = ["id", "member_id", "organization_id", "month", "category", "base", "rate",
                 "amount_due", "amount_paid", "status", "paid_on", "channel", "payer_name",
                 "receipt_number", "hardship_id"]  # fmt: skip
PAYMENT_COLUMNS = ["id", "entry_id", "amount", "paid_on", "channel", "payer_name",
                   "receipt_number", "is_catch_up", "note"]  # fmt: skip

ACTIVE, RETIRED, FIXED = BaseCategory.EMPLOYED, BaseCategory.RETIRED, BaseCategory.UNEMPLOYED


@dataclass(slots=True)
class DuesPlan:
    person: PersonPlan
    kind: str  # the base category: 在职, 离退休 or 下岗失业 (a fixed 0.2 元)
    base: Decimal
    first_month: date  # the first month owed: January, or the month of the 支部大会
    unpaid_from: date | None = None  # arrears: every month from this one is unpaid
    channel: str = Channel.PAYROLL
    payer: str = ""  # 代缴人 (blank: the member)
    hardship: object | None = None  # the approved Hardship row, once written


class DuesMaker:
    def __init__(self, rng: random.Random, today: date, *, history: bool = False):
        """Twelve months up to this one; with `history` (the demo mine) from January of last
        year, so that last year's 收支公开 statement adds up from the ledger."""
        self.rng = rng
        self.today = today
        self.month = today.replace(day=1)
        self.first = add_months(self.month, -11)
        self.history = history
        if history:
            self.first = date(today.year - 1, 1, 1)
        self.names = NameMaker(rng)

    def plan(self, person: PersonPlan) -> DuesPlan:
        rng = self.rng
        first = max(self.first, person.joined_on.replace(day=1))
        if person.employment == Employment.RETIRED:
            plan = DuesPlan(person, RETIRED, self._amount(_PENSION), first)
            plan.channel = Channel.CASH if rng.random() < 0.7 else Channel.TRANSFER
            if rng.random() < 0.05:  # 代缴: paid by a relative
                plan.payer = self.names.full("female" if person.gender == "male" else "male",
                                             person.birth_date.year)  # fmt: skip
        elif person.employment == Employment.INTERNAL_RETIRED and rng.random() < 0.05:
            plan = DuesPlan(person, FIXED, Decimal("0"), first, channel=Channel.CASH)
        elif person.employment == Employment.INTERNAL_RETIRED:
            plan = DuesPlan(person, ACTIVE, self._amount(_INTERNAL_RETIRED_PAY), first)
        else:
            pay = _SECRETARY_PAY if person.post.endswith("书记") else _PAY.get(person.post)
            plan = DuesPlan(person, ACTIVE, self._amount(pay or (4000, 7000)), first)
        plan.unpaid_from = self._arrears(person)
        return plan

    def _amount(self, bounds: tuple[int, int]) -> Decimal:
        """A base in whole 元 plus 角 and 分, as a pay slip after tax reads."""
        low, high = bounds
        return Decimal(self.rng.randint(low * 100, high * 100)) / 100

    def behind(self, plan: DuesPlan, months: int) -> None:
        """Make a member `months` behind, paying cash (the demo branch shows the alerts)."""
        plan.unpaid_from = add_months(self.month, 1 - months)
        plan.channel = Channel.CASH

    def _arrears(self, person: PersonPlan) -> date | None:
        """Away members fall behind (流动 often, 失联 always)."""
        rng = self.rng
        if person.is_lost_contact:
            return add_months(self.month, -rng.randint(6, 9))
        if person.is_floating and rng.random() < 0.5:
            return add_months(self.month, -rng.randint(2, 7))
        return None

    def paid_on(self, plan: DuesPlan, month: date) -> date | None:
        """Pay day (the 15th) for payroll deduction, the branch's collection day (the 10th)
        for cash and transfers; None while that day has not come or the member is behind."""
        if plan.unpaid_from is not None and month >= plan.unpaid_from:
            return None
        day = month.replace(day=15 if plan.channel == Channel.PAYROLL else 10)
        return day if day <= self.today else None

    def months(self, plan: DuesPlan) -> list[date]:
        """The months owed, oldest first, up to this one."""
        months, month = [], plan.first_month
        while month <= self.month:
            months.append(month)
            month = add_months(month, 1)
        return months


class _Text:
    """Dates and amounts as text, each distinct value formatted once."""

    def __init__(self):
        self.days: dict[date, str] = {}
        self.amounts: dict[Decimal, str] = {}

    def day(self, value: date) -> str:
        text = self.days.get(value)
        if text is None:
            text = self.days[value] = value.isoformat()
        return text

    def amount(self, value: Decimal | None) -> str | None:
        if value is None:
            return None
        text = self.amounts.get(value)
        if text is None:
            text = self.amounts[value] = str(value)
        return text


class DuesWriter:
    """Bases, hardships, ledger rows and payments, and (with history) last year's statements.

    Amounts come from the app's own pricing (`dues.services.common.Pricing`: the rate table in
    force on 1 January, flat rate on the whole base, the rounding rule), once per member and
    year; the ledger and its payments — two million rows each at group scale — go through
    `bulk.TupleWriter` (COPY on PostgreSQL)."""

    def __init__(self, maker: DuesMaker, organizations: dict, member_ids: dict):
        self.maker = maker
        self.organizations = organizations
        self.member_ids = member_ids

    def write(self, plans: list[DuesPlan]) -> int:
        from dangjian.dues.services.common import Pricing

        years = sorted({self.maker.first.year, self.maker.month.year})
        priced = {year: self._bases(plans, year, Pricing.for_year(year)) for year in years}
        if self.maker.history:
            self._hardships(plans, priced[self.maker.month.year])
        rows = self._ledger(plans, priced)
        if self.maker.history:
            self._statements()
        return rows

    def _bases(self, plans: list[DuesPlan], year: int, pricing) -> list[tuple]:
        """Each member's base of `year`: last year's pay was about 3 % lower."""
        from dangjian.core.seed.bulk import TupleWriter
        from dangjian.dues.models import BaseSource, DuesBase

        this_year = year == self.maker.month.year
        writer = TupleWriter(DuesBase, BASE_COLUMNS)
        first = writer.first_free_pk()
        priced, rows = [], []
        for index, plan in enumerate(plans):
            base = None
            if plan.kind != FIXED:
                base = plan.base if this_year else (plan.base * Decimal("0.97")).quantize(CENT)
            rate, amount = pricing.price(plan.kind, base)
            priced.append((base, rate, amount))
            source = BaseSource.IMPORT if plan.kind == ACTIVE else BaseSource.MANUAL
            rows.append((first + index, self.member_ids[plan.person.pk], year, str(plan.kind),
                         base, rate, amount, pricing.table.pk, str(source), ""))  # fmt: skip
        writer.write(rows)
        writer.reset_sequence()
        return priced

    def _hardships(self, plans: list[DuesPlan], priced: list[tuple]) -> None:
        """The demo mine: three retirees on the lowest pensions pay half this year (减交),
        requested by their branch and approved by the 党委."""
        from dangjian.dues.models import Hardship, HardshipKind, HardshipStatus

        retirees = sorted(
            (index for index, plan in enumerate(plans) if plan.kind == RETIRED),
            key=lambda index: priced[index][0],
        )[:3]
        year = self.maker.month.year
        for index in retirees:
            plan = plans[index]
            half = (priced[index][2] / 2).quantize(CENT)
            plan.hardship = Hardship.objects.create(
                member_id=self.member_ids[plan.person.pk],
                organization=self.organizations[id(plan.person.organization)],
                kind=HardshipKind.REDUCE,
                monthly_amount=half,
                first_month=date(year, 1, 1),
                last_month=date(year, 12, 1),
                reason="本人长期患病，医疗支出大，生活困难，支部研究同意减半交纳。",
                status=HardshipStatus.APPROVED,
                decision_note="同意。",
            )

    def _ledger(self, plans: list[DuesPlan], priced: dict[int, list[tuple]]) -> int:
        """One row per member-month and a payment per paid month. Values are passed as the
        text both backends take (dates and amounts repeat: each is formatted once)."""
        from dangjian.core.seed.bulk import TupleWriter, without_indexes
        from dangjian.dues.models import EntryStatus, LedgerEntry, Payment

        entries = TupleWriter(LedgerEntry, ENTRY_COLUMNS)
        payments = TupleWriter(Payment, PAYMENT_COLUMNS)
        next_entry, next_payment = entries.first_free_pk(), payments.first_free_pk()
        first_entry = next_entry
        entry_rows, payment_rows = [], []
        paid, unpaid = EntryStatus.PAID.value, EntryStatus.UNPAID.value
        text = _Text()
        months: dict[date, list[tuple[date, str]]] = {}
        this_year = self.maker.month.year
        with without_indexes(LedgerEntry), without_indexes(Payment):
            for index, plan in enumerate(plans):
                member_id = self.member_ids[plan.person.pk]
                organization_id = self.organizations[id(plan.person.organization)].pk
                kind, channel, payer = str(plan.kind), str(plan.channel), plan.payer
                payroll = plan.channel == Channel.PAYROLL
                amounts = {year: tuple(map(text.amount, priced[year][index])) for year in priced}
                if plan.hardship is not None:
                    base, rate, _ = amounts[this_year]
                    amounts[this_year] = (base, rate, text.amount(plan.hardship.monthly_amount))
                hardship = plan.hardship.pk if plan.hardship is not None else None
                if plan.first_month not in months:
                    months[plan.first_month] = [(m, text.day(m)) for m in self.maker.months(plan)]
                for month, month_text in months[plan.first_month]:
                    base, rate, due = amounts[month.year]
                    reduced = hardship if month.year == this_year else None
                    day = self.maker.paid_on(plan, month)
                    if day is None:
                        entry_rows.append((next_entry, member_id, organization_id, month_text,
                                           kind, base, rate, due, "0.00", unpaid, None, "", "",
                                           "", reduced))  # fmt: skip
                    else:
                        day_text = text.day(day)
                        receipt = "" if payroll else f"DF{month:%Y%m}{member_id:06d}"
                        entry_rows.append((next_entry, member_id, organization_id, month_text,
                                           kind, base, rate, due, due, paid, day_text, channel,
                                           payer, receipt, reduced))  # fmt: skip
                        payment_rows.append((next_payment, next_entry, due, day_text, channel,
                                             payer, receipt, False, ""))  # fmt: skip
                        next_payment += 1
                    next_entry += 1
                if len(entry_rows) >= 50_000:
                    self._flush(entries, entry_rows, payments, payment_rows)
            self._flush(entries, entry_rows, payments, payment_rows)
        entries.reset_sequence()
        payments.reset_sequence()
        return next_entry - first_entry

    @staticmethod
    def _flush(entries, entry_rows: list, payments, payment_rows: list) -> None:
        entries.write(entry_rows)
        payments.write(payment_rows)
        entry_rows.clear()
        payment_rows.clear()

    def _statements(self) -> None:
        """Last year's 收支公开 of each branch, published in January: collected adds up the
        ledger's payments of that year (as `statement_prepare` would), the branch remitted 90 %
        to the 党委 and spent part of the rest on its members' education."""
        from dangjian.dues.models import BranchStatement, LedgerEntry

        year = self.maker.first.year
        collected = {}
        for organization_id, amount in (
            LedgerEntry.objects.filter(month__year=year)
            .values_list("organization_id")
            .annotate(total=models.Sum("amount_paid"))
        ):
            collected[organization_id] = amount
        rows = []
        for organization_id, amount in sorted(collected.items()):
            remitted = (amount * Decimal("0.9")).quantize(CENT)
            opening = Decimal(self.maker.rng.randint(200, 1500))
            used = min(opening + amount - remitted, Decimal(self.maker.rng.randint(100, 600)))
            rows.append(
                BranchStatement(
                    organization_id=organization_id,
                    year=year,
                    opening_balance=opening,
                    collected=amount,
                    remitted=remitted,
                    used=used,
                    use_note="购买党员学习资料、开展主题党日活动、慰问生活困难党员。",
                    published=True,
                    published_on=date(year + 1, 1, 20),
                )
            )
        BranchStatement.objects.bulk_create(rows)
