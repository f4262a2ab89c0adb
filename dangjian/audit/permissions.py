from dangjian.core.permissions import register

VIEW_LOG = register("audit.view_log", "查阅审计日志")
EXPORT_LOG = register("audit.export_log", "导出审计日志")
