"""Rules of 组织关系转接 (domain §4), each with its source."""

from dangjian.core.rules import define

_EDUCATION = "《中国共产党党员教育管理工作条例》（2019）"
_LETTER = "《中国共产党党员组织关系介绍信》使用说明"

VALIDITY_IN_CITY_DAYS = define(
    "transfers.validity_in_city_days",
    10,
    "介绍信有效期（同城）",
    "各地通行做法：同一城市内转接，介绍信有效期一般为10天（可按本地规定调整）",
    unit="天",
    minimum=1,
    maximum=90,
)
VALIDITY_OUT_OF_CITY_DAYS = define(
    "transfers.validity_out_of_city_days",
    30,
    "介绍信有效期（跨城市）",
    "各地通行做法：跨城市转接，介绍信有效期一般为30天（可按本地规定调整）",
    unit="天",
    minimum=1,
    maximum=90,
)
VALIDITY_MAX_DAYS = define(
    "transfers.validity_max_days",
    90,
    "介绍信最长有效期",
    f"{_LETTER}：介绍信有效期最长不超过3个月",
    unit="天",
    minimum=1,
    maximum=90,
)
RECEIPT_DAYS = define(
    "transfers.receipt_days",
    30,
    "回执寄回期限（自接收之日起）",
    f"{_LETTER}：接收党员的基层党委应在1个月内将回执寄回开具介绍信的党组织",
    unit="天",
    minimum=1,
    maximum=90,
)
AWAY_MONTHS = define(
    "transfers.away_months",
    6,
    "外出多久须转移组织关系",
    f"{_EDUCATION}：党员外出工作、生活6个月以上且地点相对固定的，应当转移组织关系",
    unit="个月",
    minimum=1,
    maximum=24,
)
