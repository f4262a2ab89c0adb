from dangjian.core.permissions import register

VIEW_APPRAISAL = register("appraisals.view_appraisal", "查看民主评议党员结果")
MANAGE_APPRAISAL = register(
    "appraisals.manage_appraisal", "组织民主评议党员（开启、拟定等次、确定结果）"
)
