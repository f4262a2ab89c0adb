"""Chinese labels of this app's audit actions (merged into `audit.actions.LABELS`)."""

LABELS: dict[str, str] = {
    "transfers.transfer_request": "组织关系转出申请",
    "transfers.transfer_branch_approve": "组织关系转接支部同意",
    "transfers.transfer_issue_letter": "开具组织关系介绍信",
    "transfers.transfer_reissue": "补开组织关系介绍信",
    "transfers.transfer_expire": "组织关系介绍信过期",
    "transfers.transfer_lose": "组织关系介绍信遗失",
    "transfers.transfer_receive": "登记对方已接收组织关系",
    "transfers.transfer_receipt": "登记组织关系转接回执",
    "transfers.transfer_close": "组织关系转接办结",
    "transfers.transfer_cancel": "撤销组织关系转接",
    "transfers.transfer_accept": "接收平台内转入的组织关系",
    "transfers.transfer_register": "组织关系转入登记",
    "transfers.transfer_verify": "组织关系转入核验",
    "transfers.transfer_accept_in": "同意接收转入党员",
    "transfers.transfer_assign": "转入党员编入支部",
    "transfers.transfer_send_receipt": "寄出组织关系转接回执",
    "transfers.letter_print": "打印组织关系介绍信",
    "transfers.member_move": "党员组织关系平台内转接",
    "transfers.member_transfer_out": "党员组织关系转出",
    "transfers.member_register": "党员组织关系转入",
}
