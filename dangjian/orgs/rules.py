"""Rules of the organisation tree (domain.md §3.1 and §3.4), each with its source.

Numbers live here as versioned rules (`core.rules.define`) so a province or the group can change
them without code; the shape of the tree (which type may sit under which) is structure, not a
number, and is a plain table below with its source.
"""

from dangjian.core.rules import define
from dangjian.orgs.models import OrgType

_BRANCH_REGULATION = "《中国共产党支部工作条例（试行）》（2018）"
_CONSTITUTION = "《中国共产党章程》（2022）第三十一条"

MAX_DEPTH = define(
    "orgs.max_depth",
    8,
    "党组织树最大层级",
    "平台设计：集团党委→二级党委→矿党委→党总支→党支部→党小组，最多 8 级（DESIGN §4）",
    unit="级",
    minimum=2,
    maximum=20,
)
BRANCH_MAX_MEMBERS = define(
    "orgs.branch_max_members",
    50,
    "党支部党员人数上限（一般）",
    f"{_BRANCH_REGULATION}第四条：党支部党员人数一般不超过50人",
    unit="人",
    minimum=3,
    maximum=500,
)
COMMITTEE_REQUIRED_FULL_MEMBERS = define(
    "orgs.committee_required_full_members",
    7,
    "应设立支部委员会的正式党员人数",
    f"{_BRANCH_REGULATION}：有正式党员7人以上的党支部，应当设立党支部委员会",
    unit="人",
    minimum=1,
    maximum=100,
)
COMMITTEE_MIN_SIZE = define(
    "orgs.committee_min_size",
    3,
    "支部委员会最少委员数",
    f"{_BRANCH_REGULATION}：党支部委员会由3至5人组成，一般不超过7人",
    unit="人",
    minimum=1,
    maximum=20,
)
COMMITTEE_MAX_SIZE = define(
    "orgs.committee_max_size",
    7,
    "支部委员会最多委员数",
    f"{_BRANCH_REGULATION}：党支部委员会由3至5人组成，一般不超过7人",
    unit="人",
    minimum=1,
    maximum=30,
)
BRANCH_TERM_YEARS = define(
    "orgs.branch_term_years",
    3,
    "党总支、党支部委员会每届任期（默认）",
    f"{_CONSTITUTION}：每届任期三年至五年；{_BRANCH_REGULATION}：一般为3年",
    unit="年",
    minimum=3,
    maximum=5,
)
COMMITTEE_TERM_YEARS = define(
    "orgs.committee_term_years",
    5,
    "基层党委每届任期（默认）",
    f"{_CONSTITUTION}：每届任期三年至五年；国有企业基层党委实践中一般为5年",
    unit="年",
    minimum=3,
    maximum=5,
)
TERM_MAX_YEARS = define(
    "orgs.term_max_years",
    5,
    "每届任期最长年限",
    f"{_CONSTITUTION}：基层委员会、总支部委员会、支部委员会每届任期三年至五年",
    unit="年",
    minimum=3,
    maximum=10,
)
TERM_NOTICE_MONTHS = define(
    "orgs.term_notice_months",
    6,
    "换届提前提醒（第一次）",
    "平台约定：任期届满前6个月提醒换届（可调整）",
    unit="个月",
    minimum=1,
    maximum=24,
)
TERM_URGENT_MONTHS = define(
    "orgs.term_urgent_months",
    3,
    "换届提前提醒（第二次）",
    "平台约定：任期届满前3个月再次提醒换届（可调整）",
    unit="个月",
    minimum=1,
    maximum=12,
)
TERM_OVERDUE_DAYS = define(
    "orgs.term_overdue_days",
    0,
    "任期届满后的换届宽限天数（超过即为严重预警）",
    "《中国共产党基层组织选举工作条例》（2020）：任期届满应当按期进行换届选举，"
    "延期须报上级党组织批准",
    unit="天",
    minimum=0,
    maximum=366,
)
JOINT_BRANCH_MAX_UNITS = define(
    "orgs.joint_branch_max_units",
    5,
    "联合党支部覆盖单位数上限",
    f"{_BRANCH_REGULATION}：联合党支部覆盖单位一般不超过5个",
    unit="个",
    minimum=1,
    maximum=50,
)

# Which organisation types may sit directly under which (党章 chapter 5 on the basic organisations;
# 支部工作条例: 党小组 are set up inside a 党支部, a 党总支 groups 党支部 under a 基层党委).
# A root of the tree is always a 党委.
ROOT_TYPES = frozenset({OrgType.COMMITTEE})
_BRANCHES = frozenset({OrgType.BRANCH, OrgType.JOINT_BRANCH, OrgType.TEMPORARY_BRANCH})
ALLOWED_CHILD_TYPES: dict[str, frozenset[str]] = {
    OrgType.COMMITTEE: frozenset({OrgType.COMMITTEE, OrgType.GENERAL_BRANCH}) | _BRANCHES,
    OrgType.GENERAL_BRANCH: _BRANCHES,
    OrgType.BRANCH: frozenset({OrgType.GROUP}),
    OrgType.JOINT_BRANCH: frozenset({OrgType.GROUP}),
    OrgType.TEMPORARY_BRANCH: frozenset({OrgType.GROUP}),
    OrgType.GROUP: frozenset(),
}
TREE_SHAPE_SOURCE = "《中国共产党章程》第五章；《中国共产党支部工作条例（试行）》"


def may_contain(parent_type: str, child_type: str) -> bool:
    return child_type in ALLOWED_CHILD_TYPES.get(parent_type, frozenset())


def parent_types_for(child_type: str) -> list[str]:
    return [parent for parent, children in ALLOWED_CHILD_TYPES.items() if child_type in children]
