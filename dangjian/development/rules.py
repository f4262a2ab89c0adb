"""Rules of the development workflow (domain §1.2, §1.3), each with its source.

Article numbers are data (in the source text), never code: a revision of the 细则 changes the
text through a new rule version, not a release.
"""

from dangjian.core.rules import define
from dangjian.members.rules import PROBATION_MONTHS

_RULES = "《中国共产党发展党员工作细则》（中办发〔2014〕33号）"

AGE_MIN = define(
    "development.age_min",
    18,
    "申请入党须年满的周岁",
    f"《中国共产党章程》第一条；{_RULES}第五条：年满十八岁的中国工人、农民、军人、知识分子和"
    "其他社会阶层的先进分子",
    unit="周岁",
    minimum=18,
    maximum=30,
)
TALK_DEADLINE_MONTHS = define(
    "development.talk_deadline_months",
    1,
    "收到入党申请书后派人谈话的期限",
    f"{_RULES}第七条：党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话",
    unit="个月",
    minimum=1,
    maximum=3,
)
ACTIVIST_MIN_WAIT_MONTHS = define(
    "development.activist_min_wait_months",
    6,
    "递交入党申请书后多久方可确定为入党积极分子",
    "地方实施办法（⚙️ 常见为递交申请书满6个月，亦有3个月或不作要求，设为0即不检查）",
    unit="个月",
    minimum=0,
    maximum=24,
)
ACTIVIST_REVIEW_MONTHS = define(
    "development.activist_review_months",
    6,
    "党支部对入党积极分子、预备党员考察的间隔",
    f"{_RULES}第十一条：党支部每半年对入党积极分子进行一次考察",
    unit="个月",
    minimum=1,
    maximum=12,
)
CULTIVATION_MIN_MONTHS = define(
    "development.cultivation_min_months",
    12,
    "确定为发展对象前须经过的培养教育时间",
    f"{_RULES}第十二条：对经过一年以上培养教育和考察、基本具备党员条件的入党积极分子，"
    "在听取党小组、培养联系人、党员和群众意见的基础上，支部委员会讨论同意并报上级党委备案后，"
    "可列为发展对象",
    unit="个月",
    minimum=12,
    maximum=36,
)
TRAINING_MIN_DAYS = define(
    "development.training_min_days",
    3,
    "发展对象集中培训的最少天数",
    f"{_RULES}第十七条：集中培训时间一般不少于3天（或不少于24个学时）",
    unit="天",
    minimum=1,
    maximum=30,
)
TRAINING_MIN_HOURS = define(
    "development.training_min_hours",
    24,
    "发展对象集中培训的最少学时",
    f"{_RULES}第十七条：集中培训时间一般不少于3天（或不少于24个学时）",
    unit="学时",
    minimum=8,
    maximum=240,
)
CONTACTS_MAX = define(
    "development.contacts_max",
    2,
    "培养联系人人数上限",
    f"{_RULES}第十条：党组织应当指定一至二名正式党员作入党积极分子的培养联系人",
    unit="名",
    minimum=1,
    maximum=2,
)
INTRODUCERS = define(
    "development.introducers",
    2,
    "入党介绍人人数",
    f"{_RULES}第十四条；《中国共产党章程》第五条：发展党员，必须有两名正式党员作介绍人",
    unit="名",
    minimum=2,
    maximum=2,
)
LEAVING_SOON_MONTHS = define(
    "development.leaving_soon_months",
    3,
    "即将离开本单位多久以内不办理接收",
    f"{_RULES}第十九条：发展对象未来3个月内将离开工作、学习单位的，一般不办理接收预备党员的手续",
    unit="个月",
    minimum=1,
    maximum=12,
)
PUBLICITY_WORKING_DAYS = define(
    "development.publicity_working_days",
    5,
    "公示的最少工作日数",
    "地方实施办法（⚙️ 一般为5个工作日，部分地方7天）；公示期按节假日与调休日历计算",
    unit="个工作日",
    minimum=3,
    maximum=15,
)
APPROVAL_DEADLINE_MONTHS = define(
    "development.approval_deadline_months",
    3,
    "支部大会通过后上级党委审批的期限",
    f"{_RULES}第二十四条：上级党委应当在三个月内审批；因特殊情况可适当延长审批时间，但不得超过六个月",
    unit="个月",
    minimum=1,
    maximum=6,
)
APPROVAL_HARD_MAX_MONTHS = define(
    "development.approval_hard_max_months",
    6,
    "党委审批的最长期限（特殊情况，不得超过）",
    f"{_RULES}第二十四条：因特殊情况可适当延长审批时间，但不得超过六个月",
    unit="个月",
    minimum=3,
    maximum=6,
)
EXTENSION_MIN_MONTHS = define(
    "development.extension_min_months",
    6,
    "延长预备期的最短时间",
    "《中国共产党章程》第七条：需要继续考察和教育的，可以延长预备期，但不能超过一年；"
    f"{_RULES}第三十三条：延长时间不能少于半年，最长不超过一年",
    unit="个月",
    minimum=1,
    maximum=12,
)
EXTENSION_MAX_MONTHS = define(
    "development.extension_max_months",
    12,
    "延长预备期的最长时间",
    "《中国共产党章程》第七条：延长预备期，但不能超过一年",
    unit="个月",
    minimum=6,
    maximum=12,
)
CONVERSION_APPROVAL_MONTHS = define(
    "development.conversion_approval_months",
    3,
    "支部大会讨论转正后上级党委审批的期限",
    f"{_RULES}第三十四条：上级党委应当在三个月内审批",
    unit="个月",
    minimum=1,
    maximum=6,
)
POLITICAL_REVIEW_VALID_MONTHS = define(
    "development.political_review_valid_months",
    12,
    "政审结论的有效期",
    "地方实施办法（⚙️ 政审结论一般一年内有效，超过须重新政审）",
    unit="个月",
    minimum=3,
    maximum=36,
)
REMINDER_LEAD_DAYS = define(
    "development.reminder_lead_days",
    7,
    "到期前几天提醒经办人",
    "平台设置：期限前7天及当天各提醒一次",
    unit="天",
    minimum=1,
    maximum=60,
)
QUORUM_FRACTION = define(
    "development.quorum_fraction",
    0.5,
    "支部大会有效的到会比例（须超过）",
    f"{_RULES}第二十条：有表决权的到会人数必须超过应到会有表决权人数的半数",
    minimum=0.5,
    maximum=1,
)
PASS_FRACTION = define(
    "development.pass_fraction",
    0.5,
    "支部大会通过的赞成票比例（须超过应到会有表决权的正式党员）",
    f"{_RULES}第二十二条：以赞成人数超过应到会有表决权的正式党员的半数，才能通过接收预备党员"
    "的决议；因故不能到会的有表决权的正式党员，在支部大会召开前正式向党支部提出书面意见的，"
    "应当统计在票数内",
    minimum=0.5,
    maximum=1,
)

__all__ = [
    "ACTIVIST_MIN_WAIT_MONTHS",
    "ACTIVIST_REVIEW_MONTHS",
    "AGE_MIN",
    "APPROVAL_DEADLINE_MONTHS",
    "APPROVAL_HARD_MAX_MONTHS",
    "CONTACTS_MAX",
    "CONVERSION_APPROVAL_MONTHS",
    "CULTIVATION_MIN_MONTHS",
    "EXTENSION_MAX_MONTHS",
    "EXTENSION_MIN_MONTHS",
    "INTRODUCERS",
    "LEAVING_SOON_MONTHS",
    "PASS_FRACTION",
    "POLITICAL_REVIEW_VALID_MONTHS",
    "PROBATION_MONTHS",
    "PUBLICITY_WORKING_DAYS",
    "QUORUM_FRACTION",
    "REMINDER_LEAD_DAYS",
    "TALK_DEADLINE_MONTHS",
    "TRAINING_MIN_DAYS",
    "TRAINING_MIN_HOURS",
]
