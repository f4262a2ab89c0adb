from dangjian.core.navigation import Entry, add
from dangjian.orgs.permissions import MANAGE_UNIT, VIEW_ORGANIZATION

add(Entry("admin", "组织机构", "orgs:tree", VIEW_ORGANIZATION, order=10))
add(Entry("admin", "组织预警", "orgs:warnings", VIEW_ORGANIZATION, order=11))
add(Entry("admin", "行政单位", "orgs:units", MANAGE_UNIT, order=12))
