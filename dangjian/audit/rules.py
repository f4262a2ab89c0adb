from dangjian.audit.triggers import MINIMUM_RETENTION_DAYS
from dangjian.core.rules import define

RETENTION_DAYS = define(
    "audit.retention_days",
    MINIMUM_RETENTION_DAYS,
    "审计记录在线保留天数",
    "《中华人民共和国网络安全法》第二十一条（三）：网络日志留存不少于六个月；"
    "GB/T 22239-2019 8.1.5.4 d)：审计记录的留存时间符合法律法规要求",
    unit="天",
    minimum=MINIMUM_RETENTION_DAYS,
)
