from dangjian.audit.permissions import VIEW_LOG
from dangjian.core.navigation import Entry, add

add(Entry("admin", "审计日志", "audit:list", permission=VIEW_LOG, order=90))
