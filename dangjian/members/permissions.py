from dangjian.core.permissions import register

VIEW_MEMBER = register("members.view_member", "查看党员信息")
MANAGE_MEMBER = register("members.manage_member", "维护党员信息（新增、编辑、导入、党籍变更）")
REVEAL_SENSITIVE = register("members.reveal_sensitive", "查看完整的身份证号、手机号和住址")
EXPORT_MEMBER = register("members.export_member", "导出党员名册")
VIEW_STATISTICS = register("members.view_statistics", "查看党内统计")
