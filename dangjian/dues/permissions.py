from dangjian.core.permissions import register

VIEW_DUES = register("dues.view_dues", "查看党费")
MANAGE_DUES = register("dues.manage_dues", "党费收缴（基数、应缴、实缴、补交登记）")
APPROVE_HARDSHIP = register("dues.approve_hardship", "审批党费减免（上一级党委）")
EXPORT_DUES = register("dues.export_dues", "导出党费台账和工资代扣清单")
