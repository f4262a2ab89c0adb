from dangjian.core.navigation import Entry, add
from dangjian.members.permissions import (
    MANAGE_MEMBER,
    VIEW_MEMBER,
    VIEW_STATISTICS,
)

add(Entry("office", "党员信息", "members:list", VIEW_MEMBER, order=20))
add(Entry("office", "名册导入", "members:import_list", MANAGE_MEMBER, order=21))
add(Entry("office", "党内统计", "members:statistics", VIEW_STATISTICS, order=22))
add(Entry("office", "数据质量", "members:quality", MANAGE_MEMBER, order=23))
add(Entry("office", "离退休党员去向", "members:retiree_settings", MANAGE_MEMBER, order=24))
