from dangjian.core.navigation import Entry, add
from dangjian.development.permissions import (
    MANAGE_DEVELOPMENT,
    MANAGE_QUOTA,
    VIEW_DEVELOPMENT,
)

add(Entry("office", "发展党员", "development:home", VIEW_DEVELOPMENT, order=30))
add(Entry("office", "发展党员名单", "development:case_list", VIEW_DEVELOPMENT, order=31))
add(Entry("office", "新建入党申请人", "development:case_new", MANAGE_DEVELOPMENT, order=32))
add(Entry("office", "发展党员到期提醒", "development:deadlines", VIEW_DEVELOPMENT, order=33))
add(Entry("office", "发展计划", "development:quota", MANAGE_QUOTA, order=34))
