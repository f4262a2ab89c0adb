"""Security rules (等保 2.0 第三级, GB/T 22239-2019 8.1.4.1; numbers are 测评 practice ⚙️)."""

from dangjian.core.rules import define

_SOURCE = "GB/T 22239-2019 8.1.4.1（测评通行取值）"

PASSWORD_MIN_LENGTH = define(
    "accounts.password_min_length", 8, "密码最小长度", _SOURCE, unit="位", minimum=8, maximum=64
)
PASSWORD_MIN_CLASSES = define(
    "accounts.password_min_classes", 3, "密码字符类别数", _SOURCE, unit="类", minimum=3, maximum=4
)
PASSWORD_HISTORY = define(
    "accounts.password_history",
    5,
    "不得重复的历史密码数",
    _SOURCE,
    unit="次",
    minimum=1,
    maximum=24,
)
PASSWORD_MAX_AGE_DAYS = define(
    "accounts.password_max_age_days", 90, "密码有效期", _SOURCE, unit="天", minimum=1, maximum=365
)
LOCKOUT_FAILURES = define(
    "accounts.lockout_failures",
    5,
    "连续登录失败锁定次数",
    _SOURCE,
    unit="次",
    minimum=1,
    maximum=10,
)
LOCKOUT_MINUTES = define(
    "accounts.lockout_minutes", 30, "锁定时长", _SOURCE, unit="分钟", minimum=1, maximum=1440
)
IDLE_TIMEOUT_MINUTES = define(
    "accounts.idle_timeout_minutes", 30, "空闲超时", _SOURCE, unit="分钟", minimum=5, maximum=120
)
DORMANT_ACCOUNT_DAYS = define(
    "accounts.dormant_account_days",
    90,
    "长期未登录账号停用期限",
    "GB/T 22239-2019 8.1.4.2",
    unit="天",
    minimum=30,
    maximum=730,
)
