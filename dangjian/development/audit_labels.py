"""Chinese labels of this app's audit actions (merged into `audit.actions.LABELS`)."""

LABELS: dict[str, str] = {
    "development.case_open": "登记入党申请",
    "development.case_update": "修改发展党员档案",
    "development.step_record": "办理发展党员步骤",
    "development.rule_override": "发展党员规则例外放行",
    "development.sponsor_add": "确定培养联系人/入党介绍人",
    "development.sponsor_remove": "移除培养联系人/入党介绍人",
    "development.publicity_record": "登记发展党员公示",
    "development.publicity_conclude": "登记公示结果",
    "development.vote_record": "登记支部大会表决",
    "development.training_record": "登记发展对象培训",
    "development.political_review_record": "登记政审结论",
    "development.material_upload": "上传发展材料",
    "development.material_download": "下载发展材料",
    "development.material_delete": "删除发展材料",
    "development.quota_set": "制定发展计划",
    "development.member_admit": "接收预备党员",
    "development.member_convert": "预备党员转正",
    "development.member_cancel": "取消预备党员资格",
    "development.export": "导出发展党员材料",
    "development.pdf": "打印发展党员表格",
}
