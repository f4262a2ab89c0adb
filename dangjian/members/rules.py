"""Rules of the member records (domain.md §1.2, §4), each with its source."""

from dangjian.core.rules import define

_DEVELOPMENT = "《中国共产党发展党员工作细则》（2014）"

PROBATION_MONTHS = define(
    "members.probation_months",
    12,
    "预备期（自支部大会通过之日起）",
    "《中国共产党章程》第七条：预备期为一年，从支部大会通过其为预备党员之日算起",
    unit="个月",
    minimum=1,
    maximum=36,
)
LOST_CONTACT_SUSPEND_MONTHS = define(
    "members.lost_contact_suspend_months",
    6,
    "失联多久后停止党籍",
    "《中国共产党党员教育管理工作条例》（2019）：与党组织失去联系6个月以上，应当停止党籍",
    unit="个月",
    minimum=1,
    maximum=60,
)
IMPORT_MAX_ROWS = define(
    "members.import_max_rows",
    20000,
    "一次导入的最大行数",
    "平台设计：一个集团二级单位的名册不超过2万行",
    unit="行",
    minimum=100,
    maximum=200000,
)
