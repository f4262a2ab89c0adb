"""Chinese labels of this app's audit actions (merged into `audit.actions.LABELS`)."""

LABELS: dict[str, str] = {
    "office.task_create": "新建工作任务",
    "office.task_update": "修改工作任务",
    "office.task_delete": "删除工作任务草稿",
    "office.task_open": "下达工作任务",
    "office.task_close": "结束工作任务",
    "office.task_cancel": "撤销工作任务",
    "office.task_file_upload": "上传任务文件",
    "office.task_file_delete": "删除任务文件",
    "office.assignment_submit": "报送工作任务",
    "office.assignment_accept": "通过报送",
    "office.assignment_return": "退回报送",
    "office.chase": "催报工作任务",
    "office.task_export": "导出任务报送情况",
}
