"""Bench rows of the assessment system (issue 8): opening a period for the whole group (about
10 000 organisations), the assessors' queue, a period's ranking for a 二级党委 subtree, a card's
result page, and the API's card list and ranking.

The group seed writes no assessment data, so `bench_assessment()` adds it on first use and keeps
it (names marked 【性能测试】), the way the 公文 rows add theirs:

* the group's standard 党支部 sheet for this year (`standard_sheets.install_standard_sheets`);
* last month's period over every 党支部 of the group, scored, locked, ranked and published
  (three comparison categories; every leaf of every card has a score, deductions with reasons);
* this month's period over the same branches, open: three quarters of the cards submitted with
  every leaf self-checked, half of those with the 组织部 leaves scored, one in twenty with a
  宣传部 leaf returned — the queue's pending / returned / scored mix.

Scores are drawn with a fixed seed and written with bulk inserts; totals come from
`engine.card_totals` and ranks from `engine.rank_period`, as the services would leave them.
Accounts: the bench's 集团组织部 and 支部书记, plus a 矿宣传部长 of the measured mine and a
党委负责人 of the 二级党委 above it (VIEW_RESULT over its subtree).

`dangjian bench --only 考核` runs these rows.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.core.bench.cases import BenchWorld, Case, Operation, OperationCase, Skip

MARK = "【性能测试】"
GROUP = "group_department"
SECRETARY = "secretary"
PROPAGANDA = "assessment_propaganda"
SECONDARY = "assessment_secondary"
CATEGORIES = (
    ("生产区队", ["采", "掘", "综", "机", "运", "通"]),
    ("辅助区队", ["队", "车间", "站"]),
    ("机关科室", []),
)
ALL_TYPES = ["committee", "general_branch", "branch", "group"]


@dataclass
class BenchAssessment:
    template: object
    published: object  # last month, ranked and published
    open: object  # this month, self-check and scoring under way
    card: object | None  # the bench secretary's branch card in the published period


def bench_assessment(world: BenchWorld) -> BenchAssessment:
    """The bench's assessment data, written the first time and found again afterwards; also
    puts the two extra accounts on `world`."""
    with transaction.atomic():
        data = _ensure(world)
    _accounts(world)
    return data


def _root():
    from dangjian.orgs.models import Organization

    return Organization.objects.filter(depth=1).order_by("path").first()


def _months() -> tuple[dt.date, dt.date]:
    this = timezone.localdate().replace(day=1)
    last = (this - dt.timedelta(days=1)).replace(day=1)
    return last, this


def _month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _name(first: dt.date) -> str:
    return f"{MARK}{first.year}年{first.month}月党支部工作考核"


def _ensure(world: BenchWorld) -> BenchAssessment:
    from dangjian.assessment.models import Period, Scorecard
    from dangjian.assessment.standard_sheets import install_standard_sheets

    root = _root()
    last, this = _months()
    template, _member_sheet = install_standard_sheets(
        actor=world.group_department, owner=root, year=this.year
    )
    published = Period.objects.filter(owner=root, name=_name(last)).first()
    if published is None:
        published = _period(world, template, last, published=True)
    current = Period.objects.filter(owner=root, name=_name(this)).first()
    if current is None:
        current = _period(world, template, this, published=False, previous=published)
    card = Scorecard.objects.filter(period=published, organization=world.branch).first()
    return BenchAssessment(template=template, published=published, open=current, card=card)


def _accounts(world: BenchWorld) -> None:
    from dangjian.core.bench import _bench_user

    if getattr(world, PROPAGANDA, None) is None:
        setattr(
            world,
            PROPAGANDA,
            _bench_user("bench_xuanchuan", "测试矿宣传部长", "propaganda_head", world.mine),
        )
    if getattr(world, SECONDARY, None) is None:
        from dangjian.orgs.models import Organization

        above = world.mine.path[: Organization.steplen * 2]
        secondary = Organization.objects.filter(depth=2, path=above).first() or world.mine
        setattr(
            world,
            SECONDARY,
            _bench_user("bench_erji", "测试二级党委负责人", "committee_leader", secondary),
        )


def _period(world, template, first: dt.date, *, published: bool, previous=None):
    """A period of the group over every active 党支部, with its cards and leaf rows."""
    from dangjian.assessment import engine
    from dangjian.assessment.models import Category, Indicator, Period
    from dangjian.orgs.models import Organization, OrgType

    root = _root()
    end = _month_end(first)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    status = Period.Status.PUBLISHED if published else Period.Status.OPEN
    period = Period.objects.create(
        owner=root,
        template=template,
        name=_name(first),
        kind=Period.Kind.MONTH,
        starts_on=first,
        ends_on=end,
        status=status,
        target_root=root,
        target_types=["branch"],
        target_note="集团所属全部党支部（性能测试数据）",
        self_check_until=dt.datetime.combine(end + dt.timedelta(days=5), dt.time(18), tz),
        scoring_until=dt.datetime.combine(end + dt.timedelta(days=10), dt.time(18), tz),
        previous=previous,
        created_by=world.group_department,
        opened_at=now,
        locked_at=now if published else None,
        published_at=now if published else None,
        appeal_until=now + dt.timedelta(days=7) if published else None,
    )
    categories = [
        Category.objects.create(period=period, name=name, position=position, name_keywords=words)
        for position, (name, words) in enumerate(CATEGORIES)
    ]
    leaves = list(
        Indicator.objects.filter(template=template, level=Indicator.Level.RULE)
        .select_related("scorer_role")
        .order_by("position", "id")
    )
    targets = list(
        Organization.objects.filter(
            path__startswith=root.path, is_active=True, org_type=OrgType.BRANCH
        )
        .order_by("path")
        .values_list("pk", "name")
    )
    rng = random.Random(f"bench-assessment-{first}")  # noqa: S311 — stand-in data
    if published:
        submitted, cards, rows = _published_cards(period, template, leaves, targets, rng)
    else:
        submitted, cards, rows = _open_cards(period, template, leaves, targets, rng)
    for index, card in enumerate(cards):
        card.category = categories[index % len(categories)]
    _write(cards, rows)
    Period.objects.filter(pk=period.pk).update(
        target_count=len(cards),
        submitted_count=submitted,
        scored_count=sum(1 for card in cards if card.status == "scored"),
    )
    if published:
        engine.rank_period(period)
    template.__class__.objects.filter(pk=template.pk, used_at__isnull=True).update(used_at=now)
    period.refresh_from_db()
    return period


def _scored_leaf(indicator, rng):
    """A LeafScore (unsaved, no card yet) with an assessor's score drawn for the rule type."""
    from dangjian.assessment import engine
    from dangjian.assessment.models import LeafScore, RuleType

    rule = indicator.rule_type
    values = {}
    if rule == RuleType.DEDUCTION:
        values["occurrences"] = Decimal(rng.choices((0, 1, 2), (80, 15, 5))[0])
    elif rule == RuleType.BINARY:
        values["achieved"] = rng.random() > 0.08
    elif rule == RuleType.GRADED:
        labels = [level["label"] for level in indicator.levels]
        weights = [60 // (position + 1) for position in range(len(labels))]
        values["level"] = rng.choices(labels, weights)[0]
    else:
        values["occurrences"] = Decimal(rng.choices((0, 1), (90, 10))[0])
    points = engine.leaf_points(indicator, **values)
    deducted = engine.is_deduction(indicator, points)
    return LeafScore(
        indicator=indicator,
        status=LeafScore.Status.SCORED,
        self_points=engine.full_points(indicator),
        self_at=timezone.now(),
        points=points,
        reason=f"抽查发现“{indicator.title[:30]}”落实不到位。" if deducted else "",
        scored_at=timezone.now(),
        **values,
    )


def _published_cards(period, template, leaves, targets, rng):
    from dangjian.assessment import engine
    from dangjian.assessment.models import Scorecard

    now = timezone.now()
    cards, rows = [], []
    for pk, name in targets:
        scored = [_scored_leaf(indicator, rng) for indicator in leaves]
        totals = engine.card_totals(template, list(zip(leaves, scored, strict=True)))
        card = Scorecard(
            period=period,
            organization_id=pk,
            target_name=name[:100],
            status=Scorecard.Status.SCORED,
            submitted_at=now,
            leaf_count=len(leaves),
            self_done_count=len(leaves),
            scored_count=len(leaves),
            self_total=totals.self_total,
            total=totals.total,
            deduction_total=totals.deductions,
            bonus_total=totals.bonus,
            vetoed=totals.vetoed,
            grade=totals.grade,
        )
        cards.append(card)
        rows.append(scored)
    return len(cards), cards, rows


def _open_cards(period, template, leaves, targets, rng):
    """3/4 submitted (every leaf self-checked); of those, half with the 组织部 leaves scored;
    one in twenty with its first 宣传部 leaf returned."""
    from dangjian.assessment import engine
    from dangjian.assessment.models import LeafScore, Scorecard

    now = timezone.now()
    org_role = "org_department"
    first_prop = next(
        (leaf.pk for leaf in leaves if leaf.scorer_role and leaf.scorer_role.code != org_role),
        None,
    )
    cards, rows = [], []
    submitted = 0
    for index, (pk, name) in enumerate(targets):
        card = Scorecard(
            period=period,
            organization_id=pk,
            target_name=name[:100],
            leaf_count=len(leaves),
        )
        own: list = []
        if index % 4 != 3:
            submitted += 1
            card.status = Scorecard.Status.SUBMITTED
            card.submitted_at = now
            for indicator in leaves:
                scored = (
                    index % 2 == 0
                    and indicator.scorer_role
                    and (indicator.scorer_role.code == org_role)
                )
                if scored:
                    row = _scored_leaf(indicator, rng)
                else:
                    row = LeafScore(
                        indicator=indicator,
                        status=LeafScore.Status.SELF_DONE,
                        self_points=engine.full_points(indicator),
                        self_at=now,
                        self_note="已按要求落实，佐证材料见会议记录。",
                    )
                if index % 20 == 1 and indicator.pk == first_prop:
                    row.status = LeafScore.Status.RETURNED
                    row.return_message = "请补充本月宣传报道的截图或链接。"
                    row.returned_at = now
                own.append(row)
            totals = engine.card_totals(
                template, [(leaf, row) for leaf, row in zip(leaves, own, strict=True)]
            )
            card.self_total = totals.self_total
            card.self_done_count = len(own)
            card.scored_count = sum(1 for row in own if row.points is not None)
            card.returned_count = sum(1 for row in own if row.status == LeafScore.Status.RETURNED)
        cards.append(card)
        rows.append(own)
    return submitted, cards, rows


def _write(cards, rows) -> None:
    from dangjian.assessment.models import LeafScore, Scorecard

    Scorecard.objects.bulk_create(cards, batch_size=1000)
    batch: list = []
    for card, leaves in zip(cards, rows, strict=True):
        for leaf in leaves:
            leaf.scorecard_id = card.pk
            batch.append(leaf)
        if len(batch) >= 5000:
            LeafScore.objects.bulk_create(batch, batch_size=1000)
            batch = []
    if batch:
        LeafScore.objects.bulk_create(batch, batch_size=1000)


# ------------------------------------------------------------------------------ the pages


def _queue(world: BenchWorld) -> str:
    bench_assessment(world)
    return reverse("assessment:queue")


def _ranking(world: BenchWorld) -> str:
    return reverse("assessment:period_results", args=[bench_assessment(world).published.pk])


def _card_result(world: BenchWorld) -> str | None:
    card = bench_assessment(world).card
    return reverse("assessment:card_result", args=[card.pk]) if card else None


def _api_cards(world: BenchWorld) -> str:
    period = bench_assessment(world).open
    return reverse("api:assessment-scorecard-list") + f"?period={period.pk}"


def _api_card(world: BenchWorld) -> str | None:
    card = bench_assessment(world).card
    return reverse("api:assessment-scorecard-detail", args=[card.pk]) if card else None


def _api_ranking(world: BenchWorld) -> str:
    period = bench_assessment(world).published
    return reverse("api:assessment-result-ranking", args=[period.pk])


# ------------------------------------------------------------------------- the operation


def _prepare_open(world: BenchWorld, folder: Path, size: int | None) -> Operation:
    """A draft period of the group over every active organisation (党委, 党总支, 党支部 and
    党小组: about 10 000 at group scale), opened with `period_open` (cards in batches of
    1 000, categories, counters, the template frozen, the targets' holders notified, audit)."""
    try:
        from dangjian.assessment.services.periods import period_open
    except ImportError as exc:
        raise Skip("开启服务 period_open 尚未实现，跳过") from exc
    from dangjian.assessment.models import Category, Period

    data = bench_assessment(world)
    root = _root()
    _last, this = _months()
    first = (this + dt.timedelta(days=32)).replace(day=1)
    end = _month_end(first)
    tz = timezone.get_current_timezone()
    reverse("assessment:my_cards")  # the URLconf's first import is not the opening's time
    period = Period.objects.create(
        owner=root,
        template=data.template,
        name=f"{MARK}开启测试（执行后删除）",
        kind=Period.Kind.MONTH,
        starts_on=first,
        ends_on=end,
        target_root=root,
        target_types=ALL_TYPES if size is None else ["branch"],
        self_check_until=dt.datetime.combine(end + dt.timedelta(days=5), dt.time(18), tz),
        scoring_until=dt.datetime.combine(end + dt.timedelta(days=10), dt.time(18), tz),
        previous=data.open,
        created_by=world.group_department,
    )
    for position, (name, words) in enumerate(CATEGORIES):
        Category.objects.create(period=period, name=name, position=position, name_keywords=words)

    def run():
        return period_open(actor=world.group_department, period=period)

    def describe(count, seconds: float) -> str:
        return (
            f"一次，开启 {count:,} 张考核表（含党小组；分类、计数、通知、审计）；"
            f"每秒 {count / seconds:,.0f} 张"
        )

    def cleanup(count) -> None:
        period.delete()

    return Operation(run=run, describe=describe, cleanup=cleanup)


ASSESSMENT_CASES = (
    OperationCase("考核 · 开启考核周期 · 10 000 个组织", _prepare_open),
    Case("考核 · 评分任务队列 · 集团组织部", _queue, GROUP),
    Case("考核 · 评分任务队列 · 矿宣传部", _queue, PROPAGANDA),
    Case("考核 · 考核排名 · 二级党委", _ranking, SECONDARY),
    Case("考核 · 考核排名 · 集团组织部", _ranking, GROUP),
    Case("考核 · 考核结果页 · 支部书记", _card_result, SECRETARY),
    Case("考核 · 考核表列表 API（本月） · 集团组织部", _api_cards, GROUP),
    Case("考核 · 考核表详情 API · 支部书记", _api_card, SECRETARY),
    Case("考核 · 考核排名 API · 二级党委", _api_ranking, SECONDARY),
)
