from dangjian.core.permissions import register

VIEW_LOG = register("audit.view_log", "查阅审计日志")
EXPORT_LOG = register("audit.export_log", "导出审计日志")
# The security administrator's view of what the audit administrator did (等保 8.1.5: each of the
# three administrators' actions is visible to another).
VIEW_AUDITOR_LOG = register("audit.view_auditor_log", "查阅审计管理员的操作记录")
