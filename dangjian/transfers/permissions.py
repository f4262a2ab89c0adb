from dangjian.core.permissions import register

VIEW_TRANSFER = register("transfers.view_transfer", "查看组织关系转接")
REQUEST_TRANSFER = register("transfers.request_transfer", "办理转出申请和转入登记（支部）")
APPROVE_TRANSFER = register(
    "transfers.approve_transfer", "审批转接、开具介绍信、接收和回执（基层党委）"
)
