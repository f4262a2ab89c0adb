from dangjian.core.permissions import register

VIEW_MEETING = register("meetings.view_meeting", "查看组织生活记录")
MANAGE_MEETING = register(
    "meetings.manage_meeting", "组织和记录组织生活（计划、通知、考勤、会议记录、上传照片）"
)
REVIEW_MEETING = register("meetings.review_meeting", "审核下级组织生活记录（审核锁定、退回）")
VIEW_COMPLIANCE = register("meetings.view_compliance", "查看组织生活落实情况与学时统计")
MANAGE_GUIDE = register("meetings.manage_guide", "发布组织生活指南")
MANAGE_ELECTION = register("meetings.manage_election", "登记换届选举")
CONFIGURE = register("meetings.configure", "设置组织生活会议类型、学时规则与落实要求")
