"""考核 of the demo data (issue 8), written after the organisations, the demo accounts, the
meetings and the documents (it reads them back, and the live-data sources read them).

Mine scale (`make demo`), what a new user tries first — the mine's monthly 党支部精细化考核
over all its branches, on the standard 100-point sheet (and the 党员积分 sheet installed):

* the periods of the last months of the year are 已定档 (final), every leaf scored by the
  department that owns it, deductions with their reasons, one appeal upheld and one rejected:
  rankings, trends and the indicators losing most points have a history to show;
* last month but one is 公示中: its appeal window is open (the demo secretary `shuji` can
  appeal a deduction of his branch) and one appeal of another branch waits for 组织部 `zuzhibu`;
* last month is 自查评分中: most branches have submitted their self-check with evidence,
  宣传部长 `xcbz` has scored part of his leaves, 组织部 part of theirs, the live-data leaves
  (三会一课, 公文签收, 党费 …) carry their computed scores; the demo secretary's branch has
  submitted and has one leaf returned by 宣传部 for more evidence.

Rows are written in bulk with the engine's arithmetic (not through the scoring services: the
dates are in the past, and the services stamp the present); opening uses the real opening
service, so categories are assigned as in production. No audit entries for the seeded history.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

ZONE = ZoneInfo(settings.TIME_ZONE)
FINAL_MONTHS = 4  # months of history before the published and the open period

PRODUCTION = ["综采", "综掘", "掘进", "开拓", "采煤", "准备", "回采"]
AUXILIARY = ["机电", "运输", "通风", "机运", "巷修", "修护", "选煤", "洗煤", "供电", "排水"]

REASONS = {
    "三会一课": "{n}次组织生活未按期召开，会议记录缺失",
    "支委会": "重大事项未经支委会集体研究，无会议记录",
    "计划": "年度工作计划未按时报送",
    "制度": "{n}项制度未上墙、未建立台账",
    "项目": "党建项目推进滞后，无阶段性成果材料",
    "月报": "{n}次月度报表晚于规定时间报送",
    "星级": "星级党员评定材料不完整",
    "党费": "{n}人次党费未按月交纳",
    "转接": "{n}人次组织关系转接超期",
    "积极分子": "入党积极分子未落实培养联系人",
    "民主评议": "民主评议党员会议记录不完整",
    "宣传": "本月宣传报道数量不足，质量不高",
    "学习": "理论学习记录不全，{n}次学习无签到",
    "意识形态": "意识形态阵地管理台账缺失",
    "公文": "{n}份公文未在时限内签收",
    "回复": "{n}份公文未按期回复",
    "安全": "责任区内发生{n}起一般“三违”",
    "廉政": "廉政风险点排查表未更新",
    "群团": "群团活动未按计划开展",
}
SELF_NOTES = [
    "已按要求完成，佐证材料见附件。",
    "本月按计划落实，会议记录、签到表已上传。",
    "已完成，相关台账齐全。",
    "按时完成，详见上传的照片和记录。",
]


@dataclass
class AssessmentSummary:
    periods: int = 0
    cards: int = 0
    leaves: int = 0
    appeals: int = 0
    seconds: float = 0.0


def write_assessment(
    *,
    scale: str,
    rng: random.Random,
    today: dt.date,
    progress: Callable[[str], None] = lambda message: None,
) -> AssessmentSummary:
    started = time.monotonic()
    summary = AssessmentSummary()
    if scale == "mine":
        demo = _Demo(rng, today, summary)
        if demo.ready():
            demo.write()
    summary.seconds = time.monotonic() - started
    progress(
        f"考核：周期 {summary.periods} 个，考核表 {summary.cards} 张，"
        f"细则得分 {summary.leaves} 条，申诉 {summary.appeals} 件，用时 {summary.seconds:.1f} 秒"
    )
    return summary


def month_start(day: dt.date, back: int) -> dt.date:
    """The first day of the month `back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def at(day: dt.date, hour: int = 18) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), ZONE)


def reason_for(indicator, n) -> str:
    for key, text in REASONS.items():
        if key in indicator.title or key in indicator.scoring_note:
            return text.format(n=n)
    unit = indicator.unit_label or "次"
    return f"佐证材料显示{n}{unit}未达到要求（{indicator.scoring_note or indicator.title}）"


class _Demo:
    """The demo mine's assessment periods (mine scale)."""

    def __init__(self, rng: random.Random, today: dt.date, summary: AssessmentSummary):
        self.rng = rng
        self.today = today
        self.summary = summary

    def ready(self) -> bool:
        from dangjian.accounts.models import User
        from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType

        self.users = {
            user.username: user
            for user in User.objects.filter(username__in=["zuzhibu", "xcbz", "bangongshi", "shuji"])
        }
        self.mine = (
            Organization.objects.filter(org_type=OrgType.COMMITTEE, depth=2)
            .order_by("path")
            .first()
        )
        if self.mine is None or not {"zuzhibu", "xcbz", "shuji"} <= set(self.users):
            return False
        self.branches = list(
            Organization.objects.filter(
                path__startswith=self.mine.path, org_type__in=BRANCH_TYPES, is_active=True
            ).order_by("path")
        )
        grants = set(self.users["shuji"].role_assignments.values_list("organization_id", flat=True))
        self.demo_branch = next((b for b in self.branches if b.pk in grants), None)
        return bool(self.branches)

    # --- the periods -----------------------------------------------------------------------

    def write(self) -> None:
        from dangjian.assessment.models import Period

        months = [month_start(self.today, back) for back in range(FINAL_MONTHS + 2, 0, -1)]
        previous = None
        for index, first in enumerate(months):
            if index < FINAL_MONTHS:
                stage = Period.Status.FINAL
            elif index == FINAL_MONTHS:
                stage = Period.Status.PUBLISHED
            else:
                stage = Period.Status.OPEN
            previous = self.period(first, stage, previous)

    def templates(self, year: int):
        from dangjian.assessment.standard_sheets import install_standard_sheets

        return install_standard_sheets(actor=self.users["zuzhibu"], owner=self.mine, year=year)

    def period(self, first: dt.date, stage: str, previous):
        from dangjian.assessment import engine
        from dangjian.assessment.models import Period, Scorecard
        from dangjian.assessment.services.periods import period_create, period_open

        branch_sheet, _member_sheet = self.templates(first.year)
        last = month_end(first)
        opened = last + dt.timedelta(days=1)
        if stage == Period.Status.OPEN:
            self_until = self.today + dt.timedelta(days=3)
            scoring_until = self.today + dt.timedelta(days=8)
        else:
            self_until = opened + dt.timedelta(days=5)
            scoring_until = opened + dt.timedelta(days=10)
        actor = self.users["zuzhibu"]
        period = period_create(
            actor=actor,
            owner=self.mine,
            template=branch_sheet,
            name=f"{first.year}年{first.month}月党支部精细化管理考核",
            kind=Period.Kind.MONTH,
            starts_on=first,
            ends_on=last,
            target_root=self.mine,
            target_types=["branch", "joint_branch", "temporary_branch"],
            categories=[
                {"name": "生产区队", "name_keywords": PRODUCTION, "unit_kinds": []},
                {
                    "name": "辅助区队",
                    "name_keywords": AUXILIARY,
                    "unit_kinds": ["team", "workshop"],
                },
                {"name": "机关科室", "name_keywords": ["机关", "科室"], "unit_kinds": ["office"]},
            ],
            self_check_until=at(self_until),
            scoring_until=at(scoring_until),
            appeal_days=5,
            previous=previous,
        )
        period_open(actor=actor, period=period)
        period.refresh_from_db()
        self.summary.periods += 1
        leaves = engine.template_leaves(branch_sheet)
        cards = list(Scorecard.objects.filter(period=period).select_related("organization"))
        self.summary.cards += len(cards)
        if stage == Period.Status.OPEN:
            self.fill_open(period, cards, leaves)
        else:
            self.fill_scored(period, cards, leaves, opened, stage)
        self.stamp(period, stage, opened, last)
        return period

    # --- scored periods (final, published) -------------------------------------------------

    def score_of(self, indicator):
        """(inputs, points, reason) for a leaf, drawn: most leaves get full points."""
        from dangjian.assessment import engine
        from dangjian.assessment.models import RuleType

        rule, draw = indicator.rule_type, self.rng.random()
        if rule == RuleType.DEDUCTION:
            n = 0 if draw < 0.78 else (1 if draw < 0.95 else 2)
            points = engine.leaf_points(indicator, occurrences=n)
            return {"occurrences": Decimal(n)}, points, reason_for(indicator, n) if n else ""
        if rule == RuleType.BINARY:
            achieved = draw < 0.93 or (indicator.veto and draw < 0.995)
            points = engine.leaf_points(indicator, achieved=achieved)
            return {"achieved": achieved}, points, "" if achieved else reason_for(indicator, 1)
        if rule == RuleType.GRADED:
            levels = indicator.levels
            choice = levels[0] if draw < 0.6 else levels[min(1, len(levels) - 1)]
            if draw > 0.93:
                choice = levels[min(2, len(levels) - 1)]
            points = engine.leaf_points(indicator, level=choice["label"])
            full = engine.full_points(indicator)
            return (
                {"level": choice["label"]},
                points,
                "" if points >= full else reason_for(indicator, 1),
            )
        n = 1 if draw > 0.85 else 0
        points = engine.leaf_points(indicator, occurrences=n)
        return {"occurrences": Decimal(n)}, points, ""

    def scorer_for(self, indicator):
        code = indicator.scorer_role.code if indicator.scorer_role_id else ""
        return {
            "propaganda_head": self.users["xcbz"],
            "party_office": self.users.get("bangongshi", self.users["zuzhibu"]),
        }.get(code, self.users["zuzhibu"])

    def fill_scored(self, period, cards, leaves, opened, stage) -> None:
        from dangjian.assessment import engine
        from dangjian.assessment.models import LeafScore, Scorecard

        rows = []
        submitted = at(opened + dt.timedelta(days=3), 10)
        scored = at(opened + dt.timedelta(days=8), 16)
        for card in cards:
            for indicator in leaves:
                inputs, points, reason = self.score_of(indicator)
                demo_card = card.organization_id == getattr(self.demo_branch, "pk", None)
                # The demo branch has a deduction on a 宣传 leaf to appeal or to read.
                if (
                    demo_card
                    and not reason
                    and stage != "final"
                    and "宣传" in indicator.title
                    and indicator.rule_type == "deduction"
                ):
                    inputs = {"occurrences": Decimal(1)}
                    points = engine.leaf_points(indicator, occurrences=1)
                    reason = reason_for(indicator, 1)
                rows.append(
                    LeafScore(
                        scorecard=card,
                        indicator=indicator,
                        status=LeafScore.Status.SCORED,
                        self_points=engine.full_points(indicator),
                        self_note=self.rng.choice(SELF_NOTES),
                        self_at=submitted,
                        points=points,
                        reason=reason,
                        scored_by=self.scorer_for(indicator),
                        scored_at=scored,
                        vetoed=False,
                        **inputs,
                    )
                )
        LeafScore.objects.bulk_create(rows, batch_size=2000)
        self.summary.leaves += len(rows)
        Scorecard.objects.filter(period=period).update(
            status=Scorecard.Status.SCORED, submitted_at=submitted, submitted_by=self.users["shuji"]
        )
        engine.recompute_period(period)
        engine.rank_period(period)
        self.appeals(period, cards, stage)

    def appeals(self, period, cards, stage) -> None:
        """Final periods: one appeal upheld, one rejected. The published one: one pending."""
        from dangjian.assessment import engine
        from dangjian.assessment.models import Appeal, LeafScore, Period

        deducted = list(
            LeafScore.objects.filter(scorecard__period=period, reason__gt="")
            .exclude(scorecard__organization=self.demo_branch)
            .select_related("indicator", "scorecard")
            .order_by("scorecard__organization__path", "indicator__position")[:2]
        )
        manager = self.users["zuzhibu"]
        decided = at(period.ends_on + dt.timedelta(days=16), 15)
        for index, leaf in enumerate(deducted):
            appeal = Appeal(
                scorecard=leaf.scorecard,
                leaf=leaf,
                reason="该项工作已按要求完成，相关记录当时未及时上传，现补充会议记录和签到表扫描件，请予复核。",
                points_before=leaf.points,
                created_by=self.users["shuji"],
            )
            if stage == Period.Status.FINAL:
                upheld = index == 0
                appeal.status = Appeal.Status.UPHELD if upheld else Appeal.Status.REJECTED
                appeal.decided_by, appeal.decided_at = manager, decided
                if upheld:
                    appeal.points_after = engine.full_points(leaf.indicator)
                    appeal.decision = "经复核补充材料，该项工作已落实，撤销扣分。"
                    LeafScore.objects.filter(pk=leaf.pk).update(
                        points=appeal.points_after, changed_by_appeal=True
                    )
                    engine.recompute_card(leaf.scorecard)
                else:
                    appeal.points_after = leaf.points
                    appeal.decision = "补充材料形成于考核期之后，不能证明当月已落实，维持原评分。"
            elif index:
                break
            appeal.save()
            self.summary.appeals += 1
        if stage == Period.Status.FINAL:
            engine.rank_period(period)
        else:
            Period.objects.filter(pk=period.pk).update(appeal_count=1, appeal_open_count=1)

    # --- the open period ---------------------------------------------------------------------

    def fill_open(self, period, cards, leaves) -> None:
        from dangjian.assessment import engine
        from dangjian.assessment.models import LeafScore, Scorecard

        submitted_at = at(self.today - dt.timedelta(days=1), 9)
        rows, submitted = [], []
        for number, card in enumerate(cards):
            is_demo = card.organization_id == getattr(self.demo_branch, "pk", None)
            if not is_demo and number % 4 == 3:
                continue  # a quarter of the branches have not submitted yet
            submitted.append(card.pk)
            scored_by_dept = number % 3 != 2  # two thirds already scored by the departments
            returned_one = False
            for indicator in leaves:
                role = indicator.scorer_role.code if indicator.scorer_role_id else ""
                leaf = LeafScore(
                    scorecard=card,
                    indicator=indicator,
                    status=LeafScore.Status.SELF_DONE,
                    self_points=engine.full_points(indicator),
                    self_note=self.rng.choice(SELF_NOTES),
                    self_at=submitted_at,
                )
                if role == "propaganda_head" and scored_by_dept and not is_demo:
                    inputs, points, reason = self.score_of(indicator)
                    leaf.status, leaf.points, leaf.reason = LeafScore.Status.SCORED, points, reason
                    leaf.scored_by, leaf.scored_at = self.users["xcbz"], submitted_at
                    for name, value in inputs.items():
                        setattr(leaf, name, value)
                if (
                    is_demo
                    and role == "propaganda_head"
                    and indicator.rule_type == "graded"
                    and not returned_one
                ):
                    returned_one = True
                    leaf.status = LeafScore.Status.RETURNED
                    leaf.return_message = (
                        "请补充本月宣传报道的截图或刊发链接，现有材料只有标题清单。"
                    )
                    leaf.returned_by, leaf.returned_at = self.users["xcbz"], submitted_at
                rows.append(leaf)
        LeafScore.objects.bulk_create(rows, batch_size=2000)
        self.summary.leaves += len(rows)
        Scorecard.objects.filter(pk__in=submitted).update(
            status=Scorecard.Status.SUBMITTED, submitted_at=submitted_at
        )
        engine.recompute_period(period)
        from dangjian.assessment.services.scoring import sources_compute

        sources_compute(period=period)

    def stamp(self, period, stage, opened, last) -> None:
        """Put the period's dates and status where the story says (the services stamp now)."""
        from dangjian.assessment.models import Appeal, Period, Scorecard
        from dangjian.core.workdays import add_working_days

        values = {"status": stage, "opened_at": at(opened, 9)}
        cards = Scorecard.objects.filter(period=period)
        values["submitted_count"] = cards.exclude(status=Scorecard.Status.SELF_CHECK).count()
        values["scored_count"] = cards.filter(status=Scorecard.Status.SCORED).count()
        if stage != Period.Status.OPEN:
            locked = opened + dt.timedelta(days=12)
            published = (
                self.today - dt.timedelta(days=2)
                if stage == Period.Status.PUBLISHED
                else opened + dt.timedelta(days=13)
            )
            values |= {
                "locked_at": at(locked, 10),
                "locked_by": self.users["zuzhibu"],
                "published_at": at(published, 10),
                "publish_on": published,
                "appeal_until": at(add_working_days(published, period.appeal_days)),
            }
            if stage == Period.Status.FINAL:
                values["finalized_at"] = at(add_working_days(published, period.appeal_days + 1), 10)
                values["appeal_count"] = Appeal.objects.filter(scorecard__period=period).count()
        Period.objects.filter(pk=period.pk).update(**values)


def delete_seeded_assessment() -> None:
    """Delete every row this module writes (tests empty the database before seeding again)."""
    from dangjian.assessment import models

    for model in (
        models.Evidence, models.Appeal, models.LeafScore, models.Scorecard, models.Category,
        models.Period, models.Indicator, models.Template,
    ):  # fmt: skip
        model.objects.all().delete()
