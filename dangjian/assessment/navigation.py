"""Menu entries of the assessment system (考核). Each part adds its own entry here."""

from dangjian.assessment.permissions import (
    MANAGE_PERIOD,
    MANAGE_TEMPLATE,
    SCORE,
    SELF_CHECK,
)
from dangjian.core.navigation import Entry, add

add(Entry("assessment", "考核周期", "assessment:periods", MANAGE_PERIOD, order=10))
add(Entry("assessment", "我的考核", "assessment:my_cards", SELF_CHECK, order=20))
add(Entry("assessment", "评分任务", "assessment:queue", any_of=(SCORE, MANAGE_PERIOD), order=30))
# 考核查询 serves members too (their own published results): no permission needed.
add(Entry("assessment", "考核查询", "assessment:results_home", order=40))
add(Entry("assessment", "指标体系", "assessment:templates", MANAGE_TEMPLATE, order=50))
