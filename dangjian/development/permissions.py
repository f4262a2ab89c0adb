from dangjian.core.permissions import register

VIEW_DEVELOPMENT = register("development.view_development", "查看发展党员工作")
MANAGE_DEVELOPMENT = register("development.manage_development", "办理发展党员各步骤（支部）")
APPROVE_DEVELOPMENT = register(
    "development.approve_development", "上级党委审批发展党员（备案、预审、审批、转正审批）"
)
OVERRIDE_RULE = register("development.override_rule", "发展党员规则例外放行（须写明理由）")
MANAGE_QUOTA = register("development.manage_quota", "制定发展党员计划（年度名额）")
