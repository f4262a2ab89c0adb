"""Rules of 组织生活 (domain §3.2, §3.4), each with its source. The compliance requirements
themselves (党员大会 per quarter …) are rows of `ComplianceRule`, editable per profile; the
numbers here are the ones that are not per-meeting-type."""

from dangjian.core.rules import define

_BRANCH_REGULATION = "《中国共产党支部工作条例（试行）》（2018）"
_TRAINING_PLAN = "《2019—2023年全国党员教育培训工作规划》"
_ELECTION_REGULATION = "《中国共产党基层组织选举工作条例》（2020）"

LATE_ENTRY_DAYS = define(
    "meetings.late_entry_days",
    7,
    "会议记录在会后几天内录入（超过标记为“补录”）",
    "domain.md §3.2：会议日期与录入时间分别保存，迟录的记录标记补录（平台约定 7 天，可调整）",
    unit="天",
    minimum=0,
    maximum=90,
)
SIGNIN_OPENS_MINUTES = define(
    "meetings.signin_opens_minutes",
    30,
    "会前多少分钟开放签到",
    "平台约定：签到码和二维码只在本次会议的签到时段内有效",
    unit="分钟",
    minimum=0,
    maximum=240,
)
SIGNIN_CLOSES_MINUTES = define(
    "meetings.signin_closes_minutes",
    30,
    "会议计划结束后多少分钟停止签到",
    "平台约定：签到码和二维码只在本次会议的签到时段内有效",
    unit="分钟",
    minimum=0,
    maximum=240,
)
YEARLY_HOURS = define(
    "meetings.yearly_class_hours",
    32,
    "党员每年学习培训学时",
    f"{_TRAINING_PLAN}：党员每年集中学习培训时间一般不少于32学时",
    unit="学时",
    minimum=0,
    maximum=500,
)
YEARLY_HOURS_LEADERS = define(
    "meetings.yearly_class_hours_leaders",
    56,
    "基层党组织书记和班子成员每年学习培训学时",
    f"{_TRAINING_PLAN}：基层党组织书记和班子成员每年集中学习培训时间不少于56学时",
    unit="学时",
    minimum=0,
    maximum=500,
)
COMPLIANCE_REMIND_DAYS = define(
    "meetings.compliance_remind_days",
    10,
    "周期结束前几天提醒未落实的组织生活",
    f"{_BRANCH_REGULATION}；平台约定：季度、年度结束前提醒书记尚未召开的会议",
    unit="天",
    minimum=1,
    maximum=60,
)
ELECTION_QUORUM_NUMERATOR = define(
    "meetings.election_quorum_numerator",
    4,
    "选举时到会有选举权党员须达应到人数的几分之几（分子）",
    f"{_ELECTION_REGULATION}：进行选举时，有选举权的到会人数超过应到会人数的五分之四，会议有效",
    minimum=1,
    maximum=10,
)
ELECTION_QUORUM_DENOMINATOR = define(
    "meetings.election_quorum_denominator",
    5,
    "选举时到会有选举权党员须达应到人数的几分之几（分母）",
    f"{_ELECTION_REGULATION}：进行选举时，有选举权的到会人数超过应到会人数的五分之四，会议有效",
    minimum=1,
    maximum=10,
)
ELECTION_MARGIN_PERCENT = define(
    "meetings.election_margin_percent",
    20,
    "差额选举：候选人数多于应选人数的比例",
    f"{_ELECTION_REGULATION}：候选人数应多于应选人数的20%",
    unit="%",
    minimum=0,
    maximum=100,
)
