"""The test world of the assessment system, on top of `core.testing.world`:

    集团党委 (group)
    ├── 一矿党委 (mine)        alice: 组织部 (manages periods and templates, scores role-less
    │                           leaves and 组织部 leaves)   pete: 宣传部长 (scores 宣传部 leaves)
    │                           oscar: 党委办公室 (scores 党委办公室 leaves)   lee: 党委负责人
    │   ├── 综采一队党支部 (branch1)   bob: 书记 (self-check); members mia, max
    │   └── 掘进二队党支部 (branch2)   cora: 书记
    └── 二矿党委 (mine2)       dave: 组织部; branch3 member nick

`make_template(aw)` builds a small organisation sheet of the mine for 2026 with one leaf of each
rule type (see SHEET below); `make_period(aw, …)` writes an OPEN monthly period with its
categories and cards straight, without the opening service (tests of the opening service use the
service). Dates: the period is November 2026 unless told otherwise; tests that depend on "now"
freeze the clock with time_machine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from dangjian.accounts.models import Role
from dangjian.assessment.models import (
    Category,
    Indicator,
    Period,
    RuleType,
    Scorecard,
    Template,
)
from dangjian.core.testing.world import World, build_world, grant, make_user, member_user


@dataclass
class AssessmentWorld:
    world: World
    pete: object  # 宣传部长, mine
    oscar: object  # 党委办公室, mine
    lee: object  # 党委负责人, mine
    cora: object  # 党支部书记, branch2
    mia: object  # member of branch1
    max: object  # member of branch1
    nick: object  # member of branch3 (mine 2)

    def __getattr__(self, name):
        return getattr(self.world, name)


def build_assessment_world() -> AssessmentWorld:
    world = build_world()
    pete = make_user("pete", "裴特")
    grant(pete, "propaganda_head", world.mine)
    oscar = make_user("oscar", "欧阳晓")
    grant(oscar, "party_office", world.mine)
    lee = make_user("lee", "李振华")
    grant(lee, "committee_leader", world.mine)
    cora = make_user("cora", "柯然")
    grant(cora, "branch_secretary", world.branch2)
    mia = member_user("mia", "米娅", world.branch1)
    max_ = member_user("max", "马骁", world.branch1)
    nick = member_user("nick", "聂克", world.branch3)
    return AssessmentWorld(world, pete, oscar, lee, cora, mia, max_, nick)


# (code, title, max, rule, extra) — leaves under their item; roles by code.
SHEET = [
    (
        "1",
        "组织建设",
        [
            (
                "1.1",
                "组织生活",
                [
                    (
                        "1.1.1",
                        "三会一课按期召开，记录完整",
                        "5",
                        RuleType.DEDUCTION,
                        {
                            "unit_points": "1",
                            "scorer": "org_department",
                            "source": "meetings.sanhui_yike",
                            "scoring_note": "缺一次会议扣1分，扣完为止",
                        },
                    ),
                    (
                        "1.1.2",
                        "支委会研究决定重大事项",
                        "2",
                        RuleType.BINARY,
                        {"scorer": "org_department", "scoring_note": "无记录扣2分"},
                    ),
                ],
            ),
        ],
    ),
    (
        "2",
        "宣传思想",
        [
            (
                "2.1",
                "宣传工作",
                [
                    (
                        "2.1.1",
                        "宣传报道及时、质量高",
                        "5",
                        RuleType.GRADED,
                        {
                            "scorer": "propaganda_head",
                            "levels": [
                                {"label": "好", "points": 5},
                                {"label": "较好", "points": 3},
                                {"label": "一般", "points": 1},
                                {"label": "差", "points": 0},
                            ],
                        },
                    ),
                    (
                        "2.1.2",
                        "落实意识形态工作责任制",
                        "3",
                        RuleType.BINARY,
                        {
                            "scorer": "propaganda_head",
                            "veto": True,
                            "scoring_note": "发生意识形态领域重大问题一票否决",
                        },
                    ),
                ],
            ),
        ],
    ),
    (
        "3",
        "公文办理",
        [
            (
                "3.1",
                "公文签收",
                [
                    (
                        "3.1.1",
                        "公文按时签收",
                        "3",
                        RuleType.DEDUCTION,
                        {
                            "unit_points": "0.5",
                            "scorer": "party_office",
                            "source": "documents.sign_timeliness",
                        },
                    ),
                ],
            ),
        ],
    ),
    (
        "4",
        "加分项目",
        [
            (
                "4.1",
                "表彰奖励",
                [
                    (
                        "4.1.1",
                        "获上级党组织表彰",
                        "0",
                        RuleType.BONUS,
                        {"unit_points": "1", "bonus_cap": "2", "scorer": None},
                    ),
                ],
            ),
        ],
    ),
]


def make_template(
    aw: AssessmentWorld, *, year: int = 2026, name: str = "党支部工作考核"
) -> Template:
    template = Template.objects.create(
        owner=aw.mine,
        name=name,
        year=year,
        created_by=aw.alice,
        grade_bands=[
            {"min": 16, "label": "优秀"},
            {"min": 12, "label": "良好"},
            {"min": 9, "label": "合格"},
            {"min": 0, "label": "不合格"},
        ],
    )
    roles = {role.code: role for role in Role.objects.all()}
    for c_pos, (c_code, c_title, items) in enumerate(SHEET):
        category = Indicator.objects.create(
            template=template, level=1, position=c_pos, code=c_code, title=c_title
        )
        for i_pos, (i_code, i_title, leaves) in enumerate(items):
            item = Indicator.objects.create(
                template=template,
                parent=category,
                level=2,
                position=i_pos,
                code=i_code,
                title=i_title,
            )
            for l_pos, (code, title, points, rule, extra) in enumerate(leaves):
                extra = dict(extra)
                scorer = extra.pop("scorer")
                Indicator.objects.create(
                    template=template,
                    parent=item,
                    level=3,
                    position=c_pos * 100 + i_pos * 10 + l_pos,
                    code=code,
                    title=title,
                    max_points=Decimal(points),
                    rule_type=rule,
                    scorer_role=roles[scorer] if scorer else None,
                    evidence_kinds=["image", "pdf", "docx"],
                    evidence_note="会议记录照片或扫描件",
                    **{
                        k: Decimal(v) if k in ("unit_points", "bonus_cap") else v
                        for k, v in extra.items()
                    },
                )
    return template


def leaf(template: Template, code: str) -> Indicator:
    return Indicator.objects.get(template=template, code=code)


def make_period(
    aw: AssessmentWorld,
    template: Template | None = None,
    *,
    targets=None,
    status: str = Period.Status.OPEN,
    month: dt.date = dt.date(2026, 11, 1),
    name: str = "",
    previous: Period | None = None,
) -> Period:
    """An OPEN monthly period of the mine over `targets` (default: branch1 and branch2), one
    category 生产区队, one card per target."""
    template = template or make_template(aw)
    targets = list(targets) if targets is not None else [aw.branch1, aw.branch2]
    last_day = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    tz = timezone.get_current_timezone()
    period = Period.objects.create(
        owner=aw.mine,
        template=template,
        name=name or f"{month.year}年{month.month}月党支部工作考核",
        kind=Period.Kind.MONTH,
        starts_on=month,
        ends_on=last_day,
        status=status,
        target_root=aw.mine,
        target_types=["branch"],
        target_note="一矿党委下属全部党支部",
        self_check_until=dt.datetime.combine(last_day + dt.timedelta(days=5), dt.time(18), tz),
        scoring_until=dt.datetime.combine(last_day + dt.timedelta(days=10), dt.time(18), tz),
        previous=previous,
        created_by=aw.alice,
        opened_at=timezone.now(),
        target_count=len(targets),
    )
    if template.used_at is None:
        Template.objects.filter(pk=template.pk).update(used_at=timezone.now())
    category = Category.objects.create(period=period, name="生产区队", position=0)
    leaf_count = Indicator.objects.filter(template=template, level=3).count()
    Scorecard.objects.bulk_create(
        Scorecard(
            period=period,
            category=category,
            organization=org,
            target_name=org.name,
            leaf_count=leaf_count,
        )
        for org in targets
    )
    return period


def card_of(period: Period, organization) -> Scorecard:
    return Scorecard.objects.get(period=period, organization=organization, member__isnull=True)
