from dangjian.core.permissions import register

VIEW_MEMBER = register("members.view_member", "查看党员信息")
