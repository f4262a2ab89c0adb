"""Rules of the dues ledger (domain §2), each with its source. The rate bands themselves are a
table (`dues.RateTable`), not scalar rules."""

from dangjian.core.rules import define

_DUES_2008 = "《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）"

ROUNDING = define(
    "dues.rounding",
    "ROUND_HALF_UP",
    "党费金额取整方式（ROUND_HALF_UP 四舍五入 / ROUND_UP 进位 / ROUND_DOWN 舍去）",
    "中央未统一规定取整方式，平台默认四舍五入到分（domain §2.1 ⚙️，可由集团调整）",
)
QUANTUM = define(
    "dues.quantum",
    "0.01",
    "党费金额精确到（元）：0.01 到分，0.1 到角，1 到元",
    "中央未统一规定，平台默认精确到分（domain §2.1 ⚙️）",
    unit="元",
)
CATCH_UP_MONTHS = define(
    "dues.catch_up_months",
    6,
    "补交党费最多可追溯的月数",
    f"{_DUES_2008}：党员补交党费的时间一般不超过6个月",
    unit="个月",
    minimum=0,
    maximum=24,
)
ARREARS_ALERT_MONTHS = define(
    "dues.arrears_alert_months",
    3,
    "连续未交党费多少个月提醒支部（批评教育）",
    "地方做法：连续3个月不交党费，党支部应批评教育（domain §2.2 ⚙️）",
    unit="个月",
    minimum=1,
    maximum=12,
)
LAPSE_WARNING_MONTHS = define(
    "dues.lapse_warning_months",
    6,
    "连续未交党费多少个月视为自行脱党（预警）",
    "《中国共产党章程》第九条：党员如果没有正当理由，连续六个月不交纳党费，就被认为是自行脱党",
    unit="个月",
    minimum=1,
    maximum=24,
)
CENTRAL_THRESHOLD = define(
    "dues.central_threshold",
    1000,
    "自愿一次性多交党费达到多少元全额上缴中央",
    f"{_DUES_2008}：党员自愿一次性多交纳1000元以上的党费，全部上缴中央（domain §2.1 🧠）",
    unit="元",
    minimum=1,
    maximum=1000000,
)
BASE_IMPORT_TASK_ROWS = define(
    "dues.base_import_task_rows",
    2000,
    "工资表超过多少行时转为后台任务（显示进度）",
    "平台设计：大文件后台处理，页面显示进度条",
    unit="行",
    minimum=10,
    maximum=1000000,
)
RUN_TASK_MEMBERS = define(
    "dues.run_task_members",
    5000,
    "月度生成的党员超过多少人时转为后台任务（显示进度）",
    "平台设计：大范围的月度生成在后台进行，页面显示进度条",
    unit="人",
    minimum=1,
    maximum=10000000,
)
