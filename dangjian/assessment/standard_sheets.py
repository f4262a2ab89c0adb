"""The standard sheets a mine starts from (issue 8 item 1; domain §5.4):

- 党支部工作目标管理考核: 100 points in six blocks — 支部建设 (the 杨庄煤矿 example of §5.4,
  scored by 组织部), 思想建设和宣传 (宣传部长), 公文与信息 (党委办公室), 安全生产"一区两无"
  (§5.2, with the 一票否决 of a fatal accident), 党风廉政, 群团工作 — plus 加分项目 capped at 5.
  Leaves that the platform can compute carry their source (三会一课, 公文签收/回复, 党费,
  发展党员, 党员信息完整); they ask for no evidence upload, since the data is already here
  (guardrail §6 b: no uploads beyond what is needed).
- 党员积分: base 80, bonus up to 20, deductions uncapped, total clamped to 0–100; 受党纪处分
  sets the total to 0 (veto_effect ZERO).

`install_standard_sheets` is idempotent per (owner, year): a sheet that exists already (any
version) is returned as it is.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from dangjian.accounts.models import Role
from dangjian.assessment.models import Indicator, RuleType, TargetKind, Template
from dangjian.assessment.services import templates as services

BRANCH_SHEET = "党支部工作目标管理考核"
MEMBER_SHEET = "党员积分考核"

D, B, G, P = RuleType.DEDUCTION, RuleType.BINARY, RuleType.GRADED, RuleType.BONUS
ORG, PROP, OFFICE = "org_department", "propaganda_head", "party_office"
DOCS = ["pdf", "docx", "image"]
MINUTES = "会议记录本相关页的照片或扫描件"


def leaf(title, points, note, rule=D, unit=None, **extra) -> dict:
    data = {"title": title, "max_points": points, "scoring_note": note, "rule_type": rule}
    if unit is not None:
        data["unit_points"] = unit
    data.update(extra)
    return data


def levels(*pairs) -> list[dict]:
    return [{"label": label, "points": points} for label, points in pairs]


GOOD4 = levels(("好", 4), ("较好", 3), ("一般", 2), ("差", 0))
GOOD3 = levels(("好", 3), ("较好", 2), ("一般", 1), ("差", 0))

# (目标, role code, [(项目, [leaf…])]) — the role is the 评分部门 of every leaf of the block.
BRANCH = [
    (
        "支部建设",
        ORG,
        [
            (
                "组织生活",
                [
                    leaf(
                        "支委会研究决定支部重大事项",
                        "2",
                        "重大事项未经支委会集体研究、无会议记录的，扣2分",
                        unit="2",
                        evidence_kinds=DOCS,
                        evidence_note="支委会会议记录",
                    ),
                    leaf(
                        "三会一课按期召开，记录完整规范",
                        "5",
                        "对照三会一课要求，每缺一次会议扣1分；记录不规范的扣1分，扣完为止",
                        unit="1",
                        source="meetings.sanhui_yike",
                    ),
                    leaf(
                        "按期开展民主评议党员",
                        "2",
                        "年度未开展民主评议党员的，扣2分",
                        B,
                        evidence_kinds=DOCS,
                        evidence_note="民主评议党员会议记录及测评汇总表",
                    ),
                ],
            ),
            (
                "基础工作",
                [
                    leaf(
                        "年度工作有计划、年终有总结",
                        "1",
                        "无年度计划扣0.5分，无年终总结扣0.5分",
                        unit="0.5",
                        evidence_kinds=DOCS,
                        evidence_note="支部年度工作计划、总结",
                    ),
                    leaf(
                        "支部工作制度健全",
                        "1",
                        "三会一课、组织生活会、党费收缴等制度每缺一项扣0.5分",
                        unit="0.5",
                        unit_label="项",
                    ),
                    leaf(
                        "党建项目化管理",
                        "3",
                        "未确立党建项目扣2分；项目目标、过程资料不全或推进不及时的，每项扣0.5分",
                        unit="0.5",
                        unit_label="项",
                        evidence_kinds=DOCS,
                        evidence_note="党建项目立项书及推进记录",
                    ),
                    leaf(
                        "按时报送党建工作月报",
                        "1",
                        "月报每迟报一次扣0.5分",
                        unit="0.5",
                    ),
                ],
            ),
            (
                "党员队伍建设",
                [
                    leaf(
                        "星级党员月度考评，资料齐全",
                        "3",
                        "未开展月度考评扣1分；无党员创岗项目扣1分；无考评细则扣0.5分",
                        unit="0.5",
                        unit_label="项",
                        evidence_kinds=DOCS,
                        evidence_note="星级党员考评表",
                    ),
                    leaf(
                        "组织关系转接及时，党费按时足额交纳并公示",
                        "2",
                        "组织关系转接不及时的每人次扣0.5分；党费未按月按时交纳的每人扣0.5分",
                        unit="0.5",
                        unit_label="人次",
                        source="dues.on_time",
                    ),
                    leaf(
                        "入党积极分子有培养联系人、按期培养考察",
                        "2",
                        "积极分子未确定培养联系人或未按期培养考察、发展工作超期的，每人次扣1分",
                        unit="1",
                        unit_label="人次",
                        source="development.deadlines",
                    ),
                    leaf(
                        "党员信息完整准确",
                        "3",
                        "党员信息库中必填信息缺漏或错误的，每人扣0.5分",
                        unit="0.5",
                        unit_label="人",
                        source="completeness.member_records",
                    ),
                ],
            ),
        ],
    ),
    (
        "思想建设和宣传",
        PROP,
        [
            (
                "理论学习",
                [
                    leaf(
                        "党员学习教育按计划开展",
                        "4",
                        "按学习计划的落实情况和学习记录评定档次",
                        G,
                        levels=GOOD4,
                        evidence_kinds=DOCS,
                        evidence_note="学习计划和学习记录",
                    ),
                    leaf(
                        "每月开展一次主题党日活动",
                        "3",
                        "当月未开展主题党日活动的，扣3分",
                        B,
                        evidence_kinds=DOCS,
                        evidence_note=MINUTES,
                    ),
                ],
            ),
            (
                "宣传与意识形态",
                [
                    leaf(
                        "宣传报道及时、质量高",
                        "3",
                        "按向矿报、电视台、公众号的投稿及刊用情况评定档次",
                        G,
                        levels=GOOD3,
                    ),
                    leaf(
                        "落实意识形态工作责任制",
                        "3",
                        "未按要求分析研判职工思想动态的扣3分",
                        B,
                    ),
                    leaf(
                        "开展形势任务教育",
                        "2",
                        "每季度至少开展一次形势任务教育，每缺一次扣1分",
                        unit="1",
                    ),
                ],
            ),
        ],
    ),
    (
        "公文与信息",
        OFFICE,
        [
            (
                "公文办理",
                [
                    leaf(
                        "公文按时签收",
                        "3",
                        "上级公文每迟签或漏签一件扣0.5分，扣完为止",
                        unit="0.5",
                        unit_label="件",
                        source="documents.sign_timeliness",
                    ),
                    leaf(
                        "需回复的公文按时回复",
                        "3",
                        "要求回复的公文每逾期未复一件扣0.5分",
                        unit="0.5",
                        unit_label="件",
                        source="documents.reply_rate",
                    ),
                ],
            ),
            (
                "信息报送",
                [
                    leaf(
                        "党建信息按时报送",
                        "2",
                        "每月至少报送党建信息1条，未报送的扣2分",
                        B,
                    ),
                    leaf(
                        "统计报表及时准确",
                        "2",
                        "党内统计报表每迟报或差错一次扣0.5分",
                        unit="0.5",
                    ),
                ],
            ),
        ],
    ),
    (
        "安全生产“一区两无”",
        ORG,
        [
            (
                "党员安全责任区",
                [
                    leaf(
                        "党员安全责任区划分明确、挂牌上岗",
                        "3",
                        "责任区未划分或未挂牌的，扣3分",
                        B,
                        evidence_kinds=["image", "pdf"],
                        evidence_note="责任区划分表",
                    ),
                    leaf(
                        "党员责任区内无三违",
                        "4",
                        "责任区内发生轻微三违每人次扣1分，一般三违每人次扣2分",
                        unit="1",
                        unit_label="人次",
                    ),
                    leaf(
                        "党员排查治理安全隐患",
                        "3",
                        "党员每月排查隐患少于规定条数的，每少一条扣0.5分",
                        unit="0.5",
                        unit_label="条",
                    ),
                ],
            ),
            (
                "党员身边无事故",
                [
                    leaf(
                        "党员责任区内无伤亡事故",
                        "6",
                        "发生轻伤事故每起扣3分；发生重伤事故本项不得分",
                        unit="3",
                        unit_label="起",
                    ),
                    leaf(
                        "未发生责任死亡事故",
                        "4",
                        "发生责任死亡事故的，实行一票否决，当期考核定为最低等次",
                        B,
                        veto=True,
                    ),
                ],
            ),
            (
                "群众安全监督",
                [
                    leaf(
                        "群众安全监督员、青年安全监督岗作用发挥",
                        "3",
                        "按监督检查记录评定档次",
                        G,
                        levels=GOOD3,
                    ),
                    leaf(
                        "党员安全承诺践诺",
                        "2",
                        "未组织党员作出安全承诺的，扣2分",
                        B,
                    ),
                ],
            ),
        ],
    ),
    (
        "党风廉政建设",
        ORG,
        [
            (
                "责任落实",
                [
                    leaf(
                        "签订党风廉政建设责任书",
                        "2",
                        "未签订责任书的，扣2分",
                        B,
                        evidence_kinds=["pdf", "image"],
                        evidence_note="责任书扫描件",
                    ),
                    leaf(
                        "落实“一岗双责”",
                        "3",
                        "支部班子成员未履行“一岗双责”的，每人扣1分",
                        unit="1",
                        unit_label="人",
                    ),
                    leaf(
                        "开展廉洁教育",
                        "3",
                        "每季度至少开展一次廉洁教育，每缺一次扣1分",
                        unit="1",
                    ),
                ],
            ),
            (
                "作风建设",
                [
                    leaf(
                        "党员无违纪违法行为",
                        "4",
                        "支部党员受党纪政务处分的，每人次扣2分",
                        unit="2",
                        unit_label="人次",
                    ),
                    leaf(
                        "纠治“四风”",
                        "3",
                        "被上级通报“四风”问题的，每次扣1分",
                        unit="1",
                    ),
                ],
            ),
        ],
    ),
    (
        "群团工作",
        ORG,
        [
            (
                "工会和共青团",
                [
                    leaf(
                        "支持工会开展职工民主管理",
                        "3",
                        "区队职工民主管理制度不落实的，扣3分",
                        B,
                    ),
                    leaf(
                        "指导团支部工作、推优入党",
                        "3",
                        "团支部活动每季度不少于一次，每缺一次扣1分",
                        unit="1",
                    ),
                    leaf(
                        "关心困难职工、群众满意",
                        "4",
                        "按帮扶记录和群众评议评定档次",
                        G,
                        levels=GOOD4,
                    ),
                ],
            ),
        ],
    ),
]

BRANCH_BONUS = (
    "加分项目",
    None,
    [
        (
            "创先争优",
            [
                leaf(
                    "获上级党组织表彰",
                    "0",
                    "获集团公司级表彰每项加1分，省部级以上每项加2分",
                    P,
                    unit="1",
                    unit_label="项",
                    bonus_cap="3",
                ),
                leaf(
                    "党建工作经验被上级推广",
                    "0",
                    "经验材料被矿党委以上推广的，每次加1分",
                    P,
                    unit="1",
                    bonus_cap="2",
                ),
                leaf(
                    "党建信息被集团公司以上采用",
                    "0",
                    "每采用一篇加0.5分",
                    P,
                    unit="0.5",
                    unit_label="篇",
                    bonus_cap="2",
                ),
            ],
        ),
    ],
)

MEMBER = [
    (
        "履行义务（扣分）",
        None,
        [
            (
                "组织生活",
                [
                    leaf(
                        "无故不参加组织生活",
                        "0",
                        "无故缺席支部党员大会、党小组会、党课的，每次扣2分",
                        unit="2",
                        floor_at_zero=False,
                        source="meetings.member_attendance",
                    ),
                    leaf(
                        "未按月交纳党费",
                        "0",
                        "无正当理由未按月交纳党费的，每月扣2分",
                        unit="2",
                        unit_label="月",
                        floor_at_zero=False,
                    ),
                ],
            ),
            (
                "安全生产",
                [
                    leaf(
                        "本人发生三违",
                        "0",
                        "轻微三违每次扣1分，一般三违每次扣2分，严重三违每次扣5分",
                        unit="1",
                        floor_at_zero=False,
                    ),
                    leaf(
                        "本人发生伤亡事故",
                        "0",
                        "发生轻伤及以上责任事故的，每起扣3分",
                        unit="3",
                        unit_label="起",
                        floor_at_zero=False,
                    ),
                ],
            ),
            (
                "纪律作风",
                [
                    leaf(
                        "违反工作纪律受到通报批评",
                        "0",
                        "每次扣5分",
                        unit="5",
                        floor_at_zero=False,
                    ),
                    leaf(
                        "受党纪处分",
                        "0",
                        "受到党纪处分的，实行一票否决，当期积分为0",
                        B,
                        veto=True,
                    ),
                ],
            ),
        ],
    ),
    (
        "岗位建功（加分）",
        None,
        [
            (
                "安全生产",
                [
                    leaf(
                        "发现并处理安全隐患",
                        "0",
                        "经核实，每处理一条加0.5分",
                        P,
                        unit="0.5",
                        unit_label="条",
                        bonus_cap="5",
                    ),
                    leaf(
                        "制止纠正三违",
                        "0",
                        "每纠正一人次加0.5分",
                        P,
                        unit="0.5",
                        unit_label="人次",
                        bonus_cap="5",
                    ),
                    leaf(
                        "避免重大事故",
                        "0",
                        "经矿认定，每次加3分",
                        P,
                        unit="3",
                        bonus_cap="6",
                    ),
                ],
            ),
            (
                "示范引领",
                [
                    leaf(
                        "获得表彰奖励",
                        "0",
                        "获矿级表彰每项加1分，集团公司级以上每项加2分",
                        P,
                        unit="1",
                        unit_label="项",
                        bonus_cap="6",
                    ),
                    leaf(
                        "参加志愿服务",
                        "0",
                        "每参加一次志愿服务活动加1分",
                        P,
                        unit="1",
                        bonus_cap="4",
                    ),
                ],
            ),
        ],
    ),
]


def _tree(blocks, template: Template, roles: dict[str, Role]) -> list[dict]:
    categories = []
    for title, role_code, items in blocks:
        category = {"title": title, "items": []}
        for item_title, leaves in items:
            cleaned = []
            for spec in leaves:
                spec = dict(spec)
                name, note = spec.pop("title"), spec.pop("scoring_note")
                spec.setdefault("scorer_role", roles.get(role_code) if role_code else None)
                cleaned.append(
                    {
                        "title": name,
                        "scoring_note": note,
                        **services.clean_leaf(spec, template=template),
                    }
                )
            category["items"].append({"title": item_title, "leaves": cleaned})
        categories.append(category)
    return categories


def sheet_total(categories: list[dict]) -> Decimal:
    return sum(
        (
            leaf["max_points"]
            for category in categories
            for item in category["items"]
            for leaf in item["leaves"]
            if leaf["rule_type"] != RuleType.BONUS
        ),
        Decimal("0"),
    )


@transaction.atomic
def install_standard_sheets(*, actor, owner, year) -> tuple[Template, Template]:
    """The 党支部 sheet and the 党员积分 sheet of `owner` for `year` (existing ones returned)."""
    services._require_manager(actor, owner)
    _name, year = services._clean_header(BRANCH_SHEET, year)
    roles = {role.code: role for role in Role.objects.filter(code__in=(ORG, PROP, OFFICE))}
    branch = _existing(owner, year, BRANCH_SHEET)
    if branch is None:
        branch = services.template_create(
            actor=actor,
            owner=owner,
            name=BRANCH_SHEET,
            year=year,
            target_kind=TargetKind.ORGANIZATION,
            description=(
                "依据煤矿党支部工作目标管理考核评分细则编制，满分100分，另设加分项目（合计不超过5分）。"
                "按月考核，年度结果取各月平均。"
            ),
            base_points="0",
            bonus_cap="5",
            min_total="0",
            grade_bands=[
                {"min": 90, "label": "优秀"},
                {"min": 80, "label": "良好"},
                {"min": 60, "label": "合格"},
                {"min": 0, "label": "不合格"},
            ],
            veto_effect=Template.VetoEffect.GRADE,
        )
        tree = _tree([*BRANCH, BRANCH_BONUS], branch, roles)
        if sheet_total(tree) != 100:  # the sheet's own check
            raise RuntimeError(f"standard sheet totals {sheet_total(tree)}, not 100")
        services.build_tree(branch, tree)
    member = _existing(owner, year, MEMBER_SHEET)
    if member is None:
        member = services.template_create(
            actor=actor,
            owner=owner,
            name=MEMBER_SHEET,
            year=year,
            target_kind=TargetKind.MEMBER,
            description=(
                "党员积分实行基础分80分，加分合计不超过20分，扣分不设上限，总分在0～100分之间；"
                "受党纪处分的当期积分为0。"
            ),
            base_points="80",
            bonus_cap="20",
            min_total="0",
            max_total="100",
            grade_bands=[
                {"min": 90, "label": "优秀"},
                {"min": 75, "label": "合格"},
                {"min": 60, "label": "基本合格"},
                {"min": 0, "label": "不合格"},
            ],
            veto_effect=Template.VetoEffect.ZERO,
        )
        services.build_tree(member, _tree(MEMBER, member, roles))
    return branch, member


def _existing(owner, year: int, name: str) -> Template | None:
    return Template.objects.filter(owner=owner, year=year, name=name).order_by("-version").first()


def leaf_count(template: Template) -> int:
    return Indicator.objects.filter(template=template, level=Indicator.Level.RULE).count()
