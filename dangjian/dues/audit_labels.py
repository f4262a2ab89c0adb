"""Chinese labels of this app's audit actions (merged into `audit.actions.LABELS`)."""

LABELS: dict[str, str] = {
    "dues.base_set": "核定党费基数",
    "dues.base_import_upload": "上传党费基数工资表",
    "dues.base_import_apply": "导入党费基数",
    "dues.monthly_run": "生成月度党费台账",
    "dues.payment_record": "登记党费缴纳",
    "dues.payroll_mark": "批量登记工资代扣党费",
    "dues.voluntary_payment": "登记自愿多交党费",
    "dues.hardship_request": "申请党费减免",
    "dues.hardship_decide": "审批党费减免",
    "dues.hardship_withdraw": "撤回党费减免申请",
    "dues.statement_prepare": "编制党费收支公开表",
    "dues.statement_publish": "公开党费收支",
    "dues.statement_unpublish": "撤回党费收支公开",
    "dues.export_payroll": "导出工资代扣党费清单",
    "dues.export_ledger": "导出党费台账",
}
