"""The standard sheets: the 党支部 sheet totals exactly 100 plus capped bonuses, with the
scoring departments and live-data sources of the brief; the 党员积分 sheet scores 80 + bonus
≤ 20 − deductions, clamped 0–100, zero on a 党纪处分; installing twice changes nothing."""

from decimal import Decimal

import pytest

from dangjian.assessment import engine
from dangjian.assessment.models import Indicator, LeafScore, RuleType, TargetKind, Template
from dangjian.assessment.standard_sheets import (
    BRANCH_SHEET,
    MEMBER_SHEET,
    install_standard_sheets,
)
from dangjian.core.exceptions import ServiceError


@pytest.fixture
def aw(module_aw, db):
    return module_aw


@pytest.fixture
def sheets(aw):
    return install_standard_sheets(actor=aw.alice, owner=aw.mine, year=2026)


def _leaves(template):
    return list(
        Indicator.objects.filter(template=template, level=3)
        .select_related("scorer_role", "parent__parent")
        .order_by("position")
    )


def test_branch_sheet_totals_100_plus_capped_bonus(sheets):
    branch, _member = sheets
    assert branch.name == BRANCH_SHEET and branch.target_kind == TargetKind.ORGANIZATION
    leaves = _leaves(branch)
    regular = [leaf for leaf in leaves if leaf.rule_type != RuleType.BONUS]
    bonus = [leaf for leaf in leaves if leaf.rule_type == RuleType.BONUS]
    assert sum(leaf.max_points for leaf in regular) == Decimal("100")
    assert bonus and branch.bonus_cap == Decimal("5")
    blocks = list(
        Indicator.objects.filter(template=branch, level=1)
        .order_by("position")
        .values_list("title", flat=True)
    )
    assert blocks == [
        "支部建设",
        "思想建设和宣传",
        "公文与信息",
        "安全生产“一区两无”",
        "党风廉政建设",
        "群团工作",
        "加分项目",
    ]
    # Every leaf has a realistic 评分说明 and passes the engine's rules.
    for leaf in leaves:
        assert leaf.scoring_note
        engine.allowed_range(leaf)
    # Codes follow the tree; positions are the sheet order.
    assert [leaf.code for leaf in leaves[:3]] == ["1.1.1", "1.1.2", "1.1.3"]


def test_branch_sheet_block_one_follows_the_published_example(sheets):
    branch, _ = sheets
    block = {leaf.title: leaf for leaf in _leaves(branch) if leaf.parent.parent.title == "支部建设"}
    points = {title: leaf.max_points for title, leaf in block.items()}
    assert points["支委会研究决定支部重大事项"] == 2
    sanhui = block["三会一课按期召开，记录完整规范"]
    assert (sanhui.max_points, sanhui.unit_points, sanhui.floor_at_zero) == (5, 1, True)
    assert sanhui.source == "meetings.sanhui_yike" and sanhui.evidence_kinds == []
    assert points["党建项目化管理"] == 3 and points["星级党员月度考评，资料齐全"] == 3
    assert points["按期开展民主评议党员"] == 2
    dues = block["组织关系转接及时，党费按时足额交纳并公示"]
    assert (dues.max_points, dues.source) == (2, "dues.on_time")
    activists = block["入党积极分子有培养联系人、按期培养考察"]
    assert (activists.max_points, activists.source) == (2, "development.deadlines")
    assert block["党员信息完整准确"].source == "completeness.member_records"
    assert {leaf.scorer_role.code for leaf in block.values()} == {"org_department"}


def test_branch_sheet_departments_sources_and_veto(sheets):
    branch, _ = sheets
    leaves = _leaves(branch)
    by_block = {}
    for leaf in leaves:
        by_block.setdefault(leaf.parent.parent.title, set()).add(
            leaf.scorer_role.code if leaf.scorer_role_id else None
        )
    assert by_block["思想建设和宣传"] == {"propaganda_head"}
    assert by_block["公文与信息"] == {"party_office"}
    assert by_block["加分项目"] == {None}
    sources = {leaf.source for leaf in leaves if leaf.source}
    assert sources == {
        "meetings.sanhui_yike",
        "documents.sign_timeliness",
        "documents.reply_rate",
        "dues.on_time",
        "development.deadlines",
        "completeness.member_records",
    }
    vetoes = [leaf for leaf in leaves if leaf.veto]
    assert [leaf.title for leaf in vetoes] == ["未发生责任死亡事故"]
    assert vetoes[0].parent.parent.title == "安全生产“一区两无”"
    assert branch.veto_effect == Template.VetoEffect.GRADE


def _total(template, choices):
    """The engine's total for a card scored leaf by leaf: choices maps leaf title to points
    (unnamed leaves: full points)."""
    pairs = []
    for leaf in _leaves(template):
        points = choices.get(leaf.title, engine.full_points(leaf))
        vetoed = leaf.veto and leaf.title in choices.get("veto", ())
        pairs.append((leaf, LeafScore(points=points, self_points=points, vetoed=vetoed)))
    return engine.card_totals(template, pairs)


def test_branch_sheet_scores(sheets):
    branch, _ = sheets
    assert _total(branch, {}).total == 100
    bonus = {"获上级党组织表彰": Decimal("3"), "党建工作经验被上级推广": Decimal("2")}
    assert _total(branch, bonus).total == 105  # capped at 5
    missed = {"三会一课按期召开，记录完整规范": Decimal("3")}
    assert _total(branch, missed).total == 98
    vetoed = _total(branch, {"veto": ["未发生责任死亡事故"]})
    assert vetoed.vetoed and vetoed.grade == "不合格"


def test_member_sheet(sheets):
    _, member = sheets
    assert member.name == MEMBER_SHEET and member.target_kind == TargetKind.MEMBER
    assert (member.base_points, member.bonus_cap, member.min_total, member.max_total) == (
        80,
        20,
        0,
        100,
    )
    assert member.veto_effect == Template.VetoEffect.ZERO
    leaves = _leaves(member)
    deductions = [leaf for leaf in leaves if leaf.rule_type == RuleType.DEDUCTION]
    assert deductions and all(
        leaf.max_points == 0 and not leaf.floor_at_zero for leaf in deductions
    )
    assert sum(leaf.bonus_cap for leaf in leaves if leaf.rule_type == RuleType.BONUS) >= 20
    assert _total(member, {}).total == 80
    many_bonus = {leaf.title: leaf.bonus_cap for leaf in leaves if leaf.bonus_cap}
    assert _total(member, many_bonus).total == 100
    absent = engine.leaf_points(deductions[0], occurrences=50)
    assert _total(member, {deductions[0].title: absent}).total == 0  # clamped at 0
    assert _total(member, {"veto": ["受党纪处分"], **many_bonus}).total == 0


def test_install_is_idempotent(aw, sheets):
    again = install_standard_sheets(actor=aw.alice, owner=aw.mine, year=2026)
    assert again == sheets
    assert Template.objects.filter(owner=aw.mine, year=2026, name=BRANCH_SHEET).count() == 1
    assert Indicator.objects.filter(template=sheets[0]).count() == len(
        Indicator.objects.filter(template=again[0])
    )
    other_year = install_standard_sheets(actor=aw.alice, owner=aw.mine, year=2027)
    assert other_year[0].pk != sheets[0].pk and other_year[0].year == 2027


def test_install_needs_the_permission(aw):
    with pytest.raises(ServiceError, match="没有管理"):
        install_standard_sheets(actor=aw.dave, owner=aw.mine, year=2026)
    assert not Template.objects.filter(owner=aw.mine, name=BRANCH_SHEET).exists()
