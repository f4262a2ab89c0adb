"""Action codes of the audit log and their Chinese labels for the audit page and the export.

An action code is `<app>.<verb>` (or `<app>.<entity>_<verb>`). Codes missing from this map are
shown as they are, so a new service never breaks the page; add its label here.
"""

from importlib import import_module

# The audit app's own actions.
VIEW_LOG = "audit.view_log"
VIEW_ENTRY = "audit.view_entry"
EXPORT = "audit.export"
DOWNLOAD_EXPORT = "audit.download_export"
VERIFY = "audit.verify"
PURGE = "audit.purge"

GROUPS = {
    "accounts": "账号与权限",
    "orgs": "党组织",
    "members": "党员信息",
    "development": "发展党员",
    "transfers": "组织关系转接",
    "dues": "党费",
    "appraisals": "民主评议党员",
    "meetings": "组织生活",
    "portal": "门户与信息交流",
    "notifications": "消息",
    "core": "系统",
    "audit": "审计",
}

LABELS = {
    # accounts: logging in and out
    "accounts.login": "登录成功",
    "accounts.login_failed": "登录失败",
    "accounts.lockout": "账号锁定",
    "accounts.logout": "退出登录",
    "accounts.timeout": "超时退出",
    "accounts.password_change": "修改密码",
    "accounts.otp_enable": "启用双因素认证",
    "accounts.otp_disable": "关闭双因素认证",
    "accounts.recovery_codes": "重新生成恢复码",
    "accounts.large_font": "切换大字模式",
    "accounts.token_create": "创建接口令牌",
    "accounts.token_revoke": "作废接口令牌",
    "accounts.reveal_sensitive": "查看敏感信息",
    # accounts: users and roles
    "accounts.bootstrap": "初始化管理员",
    "accounts.user_create": "新建用户",
    "accounts.user_update": "修改用户",
    "accounts.user_activate": "启用用户",
    "accounts.user_deactivate": "停用用户",
    "accounts.user_dormant_deactivate": "长期未登录自动停用",
    "accounts.user_reset_password": "重置密码",
    "accounts.user_unlock": "解除锁定",
    "accounts.role_create": "新建角色",
    "accounts.role_update": "修改角色",
    "accounts.role_delete": "删除角色",
    "accounts.role_grant": "授予角色",
    "accounts.role_revoke": "收回角色",
    "accounts.user_link_person": "关联人员档案",
    # orgs
    "orgs.organization_create": "新建党组织",
    "orgs.organization_update": "修改党组织",
    "orgs.organization_move": "调整隶属关系",
    "orgs.organization_merge": "合并党组织",
    "orgs.organization_dissolve": "撤销党组织",
    "orgs.organization_set_units": "设置覆盖单位",
    "orgs.committee_create": "班子换届",
    "orgs.committee_post_add": "班子任职",
    "orgs.committee_post_end": "班子免职",
    "orgs.unit_create": "新建行政单位",
    "orgs.unit_update": "修改行政单位",
    # members
    "members.record_create": "新建党员档案",
    "members.record_update": "修改党员档案",
    "members.reveal_sensitive": "查看党员敏感信息",
    "members.list_columns": "设置列表显示列",
    "members.photo_upload": "上传照片",
    "members.document_upload": "上传档案材料",
    "members.document_download": "下载档案材料",
    "members.document_delete": "删除档案材料",
    "members.reward_add": "登记奖惩",
    "members.reward_delete": "删除奖惩",
    "members.member_suspend": "停止党籍",
    "members.member_restore": "恢复党籍",
    "members.member_leave": "出党",
    "members.member_death": "党员去世",
    "members.member_retire": "党员退休",
    "members.member_set_flags": "设置流动/失联",
    "members.retiree_branch_set": "设置离退休党员去向",
    "members.retiree_branch_clear": "取消离退休党员去向",
    "members.import_upload": "上传党员名册",
    "members.import_confirm": "确认导入名册",
    "members.import_undo": "撤销导入",
    "members.import_discard": "放弃导入",
    "members.import_rejected_export": "下载导入问题行",
    "members.export": "导出党员名册",
    "members.export_download": "下载党员名册",
    "members.statistics_export": "导出党内统计",
    "members.quality_run": "数据质量检查",
    # notifications
    "notifications.preference_update": "修改通知设置",
    # core
    "core.rule_set": "修改规则",
    "core.seed_load": "导入演示数据",
    # audit
    VIEW_LOG: "查阅审计日志",
    VIEW_ENTRY: "查看审计详情",
    EXPORT: "导出审计日志",
    DOWNLOAD_EXPORT: "下载审计导出文件",
    VERIFY: "校验审计链",
    PURGE: "清理过期审计记录",
}

# Apps with their own label modules (one file per app, so each app owns its labels).
for _module in (
    "development",
    "transfers",
    "dues",
    "appraisals",
    "meetings",
    "portal",
    "documents",
    "office",
    "assessment",
):
    LABELS |= import_module(f"dangjian.{_module}.audit_labels").LABELS


def label(code: str) -> str:
    """The Chinese label of an action, or the code itself when it is not in the map."""
    return LABELS.get(code, code)


def grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for a <select> with one <optgroup> per app; each group starts with "all of it"."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, text in LABELS.items():
        app = code.split(".", 1)[0]
        groups.setdefault(app, []).append((code, text))
    choices = []
    for app, items in groups.items():
        group_label = GROUPS.get(app, app)
        choices.append((group_label, [(f"{app}.*", f"全部{group_label}操作"), *items]))
    return choices


def is_known_choice(value: str) -> bool:
    if value.endswith(".*"):
        return value[:-2] in {code.split(".", 1)[0] for code in LABELS}
    return value in LABELS
