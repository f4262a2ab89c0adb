"""Chinese labels of this app's audit actions (merged into `audit.actions.LABELS`)."""

LABELS: dict[str, str] = {
    "appraisals.round_open": "开启民主评议党员",
    "appraisals.round_advance": "推进民主评议阶段",
    "appraisals.round_reschedule": "调整民主评议日期",
    "appraisals.self_assessment_save": "填写民主评议个人自评",
    "appraisals.rating_submit": "提交民主评议互评（不含评价内容）",
    "appraisals.grades_propose": "拟定民主评议等次",
    "appraisals.round_finalise": "确定民主评议等次",
    "appraisals.results_export": "导出民主评议结果",
}
