"""Selectors: scope of each list, what members see of their own, the hardships awaiting a
decision, bases not yet fixed, month totals, the 补交 limit date, and the audit labels."""

import datetime
from decimal import Decimal

import pytest

from dangjian.dues import selectors
from dangjian.dues.models import BranchStatement, Hardship, HardshipKind
from dangjian.dues.tests.conftest import give_base, give_entry

pytestmark = pytest.mark.django_db


def month(m):
    return datetime.date(2026, m, 1)


def test_entries_visible_is_scoped_and_filtered(world, zhang, li, wang):
    for member in (zhang, li, wang):
        give_entry(member, month(9))
    give_entry(zhang, month(8), status="paid")
    names = lambda rows: sorted(row.member.person.name for row in rows)  # noqa: E731
    assert names(selectors.entries_visible(world.alice)) == ["张三", "张三", "李四"]
    assert names(selectors.entries_visible(world.bob, month=month(9))) == ["张三"]
    assert names(selectors.entries_visible(world.alice, organization=world.branch2)) == ["李四"]
    assert names(selectors.entries_visible(world.alice, status="paid")) == ["张三"]
    assert names(selectors.entries_visible(world.alice, member=zhang, year=2026)) == ["张三"] * 2
    assert names(selectors.entries_visible(world.charlie)) == []


def test_a_member_sees_their_own_ledger_and_bases(world, zhang, li):
    give_entry(zhang, month(9))
    give_entry(li, month(9))
    give_base(zhang, 2026)
    world.charlie.person_id = zhang.person_id
    assert [row.member_id for row in selectors.entries_visible(world.charlie)] == [zhang.pk]
    assert [row.member_id for row in selectors.bases_visible(world.charlie, year=2026)] == [
        zhang.pk
    ]


def test_members_see_only_published_statements_of_their_branch(world, zhang):
    mine = BranchStatement.objects.create(organization=world.branch1, year=2025, published=True)
    BranchStatement.objects.create(organization=world.branch1, year=2026)
    BranchStatement.objects.create(organization=world.branch2, year=2025, published=True)
    world.charlie.person_id = zhang.person_id
    assert list(selectors.statements_visible(world.charlie)) == [mine]
    assert selectors.statements_visible(world.alice).count() == 3
    assert selectors.statements_visible(world.alice, year=2026).count() == 1
    assert selectors.statements_visible(world.dave).count() == 0


def test_members_without_base(world, zhang, li):
    give_base(zhang, 2026)
    missing = selectors.members_without_base
    assert list(missing(world.alice, organization=world.mine, year=2026)) == [li]
    assert list(missing(world.bob, organization=world.branch1, year=2026)) == []


def test_month_summary_adds_up(world, zhang, li):
    give_entry(zhang, month(9), status="paid")
    give_entry(li, month(9), status="partial", paid="10.00")
    totals = selectors.month_summary(world.alice, organization=world.mine, month=month(9))
    assert totals == {
        "rows": 2,
        "settled": 1,
        "due": Decimal("80.00"),
        "paid": Decimal("50.00"),
        "owed": Decimal("30.00"),
        "unsettled": 1,
    }
    empty = selectors.month_summary(world.dave, organization=world.mine, month=month(9))
    assert empty["rows"] == 0 and empty["due"] == 0


def test_hardships_to_decide_are_those_below_the_approver(world, zhang, wang):
    def ask(member):
        return Hardship.objects.create(
            member=member,
            organization=member.organization,
            kind=HardshipKind.WAIVE,
            first_month=month(9),
            last_month=month(9),
            reason="困难",
        )

    mine = ask(zhang)
    ask(wang)
    assert list(selectors.hardships_to_decide(world.alice)) == [mine]
    assert list(selectors.hardships_to_decide(world.bob)) == []  # a branch cannot approve
    assert list(selectors.hardships_visible(world.bob)) == [mine]
    assert list(selectors.hardships_visible(world.charlie)) == []


def test_catch_up_earliest_follows_the_rule():
    assert selectors.catch_up_earliest(datetime.date(2026, 9, 10)) == month(3)
    assert selectors.catch_up_earliest(datetime.date(2026, 2, 28)) == datetime.date(2025, 8, 1)


def test_the_rate_table_in_force_and_a_missing_one():
    from dangjian.core.exceptions import ServiceError

    assert selectors.rate_table_in_force(month(1)).name == "2008年党费收缴标准"
    with pytest.raises(ServiceError, match="没有生效的党费标准"):
        selectors.rate_table_in_force(datetime.date(2008, 3, 31))


def test_every_audited_dues_action_has_a_chinese_label():
    import re
    from pathlib import Path

    from dangjian.audit.actions import LABELS

    app = Path(__file__).resolve().parent.parent
    codes = set()
    for path in app.rglob("*.py"):
        if "tests" not in path.parts:
            codes |= set(re.findall(r'action="(dues\.[a-z_]+)"', path.read_text()))
    missing = sorted(code for code in codes if code not in LABELS)
    assert codes and not missing, missing
