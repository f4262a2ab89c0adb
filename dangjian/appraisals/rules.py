"""Rules of 民主评议党员 (domain §3.3), each with its source."""

from dangjian.core.rules import define

_OPINIONS = "中共中央组织部《关于建立民主评议党员制度的意见》（1988）"

EXCELLENT_DENOMINATOR = define(
    "appraisals.excellent_share_denominator",
    3,
    "评为优秀的党员不超过参加评定等次党员的几分之一",
    f"{_OPINIONS}：评为优秀的党员，一般不超过党员总数的三分之一",
    unit="分之一",
    minimum=1,
    maximum=10,
)
EXCELLENT_ROUNDING = define(
    "appraisals.excellent_rounding",
    "floor",
    "优秀名额取整方式（floor=向下取整，round=四舍五入）",
    "平台约定（domain.md §3.3 ⚙️）：count(优秀) ≤ floor(评定等次人数 ÷ 3)，可改为四舍五入",
)
REMIND_DAYS_BEFORE = define(
    "appraisals.remind_days_before",
    3,
    "互评和确定等次截止前几天提醒",
    "平台约定：截止前提醒一次，截止当天（及逾期未完成时）再提醒一次",
    unit="天",
    minimum=1,
    maximum=30,
)
