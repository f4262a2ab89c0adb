from dangjian.audit.permissions import VIEW_AUDITOR_LOG, VIEW_LOG
from dangjian.core.navigation import Entry, add

add(Entry("admin", "审计日志", "audit:list", order=90, any_of=(VIEW_LOG, VIEW_AUDITOR_LOG)))
