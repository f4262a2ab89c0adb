"""Built-in roles. They are created and kept in step with this list after every migrate.

The three administrators (三员分立, DESIGN §4) are mutually exclusive: a user holds at most one
of them, which `accounts.services.role_grant` and a database constraint both enforce.
"""

from dataclasses import dataclass

from dangjian.accounts import permissions as accounts
from dangjian.accounts.models import AdminKind
from dangjian.appraisals import permissions as appraisals
from dangjian.assessment import permissions as assessment
from dangjian.audit import permissions as audit
from dangjian.development import permissions as development
from dangjian.documents import permissions as documents
from dangjian.dues import permissions as dues
from dangjian.meetings import permissions as meetings
from dangjian.members import permissions as members
from dangjian.office import permissions as office
from dangjian.orgs import permissions as orgs
from dangjian.portal import permissions as portal
from dangjian.transfers import permissions as transfers


@dataclass(frozen=True)
class BuiltinRole:
    code: str
    name: str
    description: str
    permissions: tuple[str, ...]
    admin_kind: str = ""


SYSTEM_ADMIN = BuiltinRole(
    "system_admin",
    "系统管理员",
    "管理用户、党组织和系统设置；不能查阅审计日志，不能授权。",
    (
        accounts.VIEW_USER,
        accounts.MANAGE_USER,
        orgs.VIEW_ORGANIZATION,
        orgs.MANAGE_ORGANIZATION,
        orgs.VIEW_COMMITTEE,
        orgs.MANAGE_COMMITTEE,
        orgs.MANAGE_UNIT,
    ),
    AdminKind.SYSTEM,
)
SECURITY_ADMIN = BuiltinRole(
    "security_admin",
    "安全管理员",
    "管理角色、授权、密码与锁定策略，解除账号锁定，查阅审计管理员的操作记录；不能修改业务数据。",
    (
        accounts.VIEW_USER,
        accounts.MANAGE_ROLE,
        accounts.GRANT_ROLE,
        accounts.VIEW_ROLE_ASSIGNMENT,
        accounts.UNLOCK_USER,
        accounts.MANAGE_SECURITY_POLICY,
        orgs.VIEW_ORGANIZATION,
        audit.VIEW_AUDITOR_LOG,
    ),
    AdminKind.SECURITY,
)
AUDIT_ADMIN = BuiltinRole(
    "audit_admin",
    "审计管理员",
    "只能查阅和导出审计日志。",
    (audit.VIEW_LOG, audit.EXPORT_LOG),
    AdminKind.AUDIT,
)
# Everything an issuing office does with its own 发文, except 签发 (the leader's).
DOCUMENT_SENDER = (
    documents.VIEW_DOCUMENT,
    documents.DRAFT_DOCUMENT,
    documents.REVIEW_DOCUMENT,
    documents.ISSUE_DOCUMENT,
    documents.EXPORT_DOCUMENT,
)

ORG_DEPARTMENT = BuiltinRole(
    "org_department",
    "组织部",
    "党委组织部门：管理所辖范围内的党组织、班子和党员信息，组织精细化考核。",
    (
        orgs.VIEW_ORGANIZATION,
        orgs.MANAGE_ORGANIZATION,
        orgs.VIEW_COMMITTEE,
        orgs.MANAGE_COMMITTEE,
        orgs.MANAGE_UNIT,
        accounts.VIEW_USER,
        accounts.VIEW_ROLE_ASSIGNMENT,
        members.VIEW_MEMBER,
        members.MANAGE_MEMBER,
        members.REVEAL_SENSITIVE,
        members.EXPORT_MEMBER,
        members.VIEW_STATISTICS,
        development.VIEW_DEVELOPMENT,
        development.MANAGE_DEVELOPMENT,
        development.APPROVE_DEVELOPMENT,
        development.OVERRIDE_RULE,
        development.MANAGE_QUOTA,
        transfers.VIEW_TRANSFER,
        transfers.REQUEST_TRANSFER,
        transfers.APPROVE_TRANSFER,
        dues.VIEW_DUES,
        dues.MANAGE_DUES,
        dues.APPROVE_HARDSHIP,
        dues.EXPORT_DUES,
        appraisals.VIEW_APPRAISAL,
        appraisals.MANAGE_APPRAISAL,
        meetings.VIEW_MEETING,
        meetings.MANAGE_MEETING,
        meetings.REVIEW_MEETING,
        meetings.VIEW_COMPLIANCE,
        meetings.MANAGE_GUIDE,
        meetings.MANAGE_ELECTION,
        meetings.CONFIGURE,
        portal.WRITE_ARTICLE,
        portal.REVIEW_ARTICLE,
        portal.APPROVE_ARTICLE,
        portal.MANAGE_DOWNLOADS,
        portal.MANAGE_SITE,
        *DOCUMENT_SENDER,
        documents.SIGN_RECEIPT,
        office.ASSIGN_TASK,
        office.HANDLE_TASK,
        assessment.MANAGE_TEMPLATE,
        assessment.MANAGE_PERIOD,
        assessment.SCORE,
        assessment.SELF_CHECK,
        assessment.VIEW_RESULT,
    ),
)
PARTY_OFFICE = BuiltinRole(
    "party_office",
    "党委办公室",
    "党委办公室：拟稿、核稿、发文和收文签收、登记、传阅、承办、回复，下达和办理工作任务。",
    (
        orgs.VIEW_ORGANIZATION,
        *DOCUMENT_SENDER,
        documents.SIGN_RECEIPT,
        office.ASSIGN_TASK,
        office.HANDLE_TASK,
        assessment.SCORE,
        assessment.VIEW_RESULT,
    ),
)
COMMITTEE_LEADER = BuiltinRole(
    "committee_leader",
    "党委负责人",
    "党委书记、副书记：签发公文，查阅收发文、工作任务和考核结果。",
    (
        orgs.VIEW_ORGANIZATION,
        documents.VIEW_DOCUMENT,
        documents.REVIEW_DOCUMENT,
        documents.SIGN_DOCUMENT,
        documents.EXPORT_DOCUMENT,
        assessment.VIEW_RESULT,
    ),
)
PROPAGANDA_HEAD = BuiltinRole(
    "propaganda_head",
    "宣传部长",
    "党委宣传部门负责人：审核本站稿件（含保密审查），管理栏目、首页和下载专区。",
    (
        orgs.VIEW_ORGANIZATION,
        portal.WRITE_ARTICLE,
        portal.REVIEW_ARTICLE,
        portal.MANAGE_DOWNLOADS,
        portal.MANAGE_SITE,
        assessment.SCORE,
        assessment.VIEW_RESULT,
    ),
)
PROPAGANDA_OFFICER = BuiltinRole(
    "propaganda_officer",
    "宣传干事",
    "撰写和投稿本站文章，维护下载专区资料。",
    (
        orgs.VIEW_ORGANIZATION,
        portal.WRITE_ARTICLE,
        portal.MANAGE_DOWNLOADS,
    ),
)
BRANCH_SECRETARY = BuiltinRole(
    "branch_secretary",
    "党支部书记",
    "本支部的党务工作：班子、党员、组织生活。",
    (
        orgs.VIEW_ORGANIZATION,
        orgs.VIEW_COMMITTEE,
        orgs.MANAGE_COMMITTEE,
        accounts.VIEW_USER,
        members.VIEW_MEMBER,
        members.MANAGE_MEMBER,
        members.EXPORT_MEMBER,
        members.VIEW_STATISTICS,
        development.VIEW_DEVELOPMENT,
        development.MANAGE_DEVELOPMENT,
        transfers.VIEW_TRANSFER,
        transfers.REQUEST_TRANSFER,
        dues.VIEW_DUES,
        dues.MANAGE_DUES,
        dues.EXPORT_DUES,
        appraisals.VIEW_APPRAISAL,
        appraisals.MANAGE_APPRAISAL,
        meetings.VIEW_MEETING,
        meetings.MANAGE_MEETING,
        meetings.VIEW_COMPLIANCE,
        meetings.MANAGE_ELECTION,
        documents.VIEW_DOCUMENT,
        documents.SIGN_RECEIPT,
        office.HANDLE_TASK,
        assessment.SELF_CHECK,
        assessment.VIEW_RESULT,
    ),
)
PARTY_CLERK = BuiltinRole(
    "party_clerk",
    "党务干事",
    "协助书记录入和查询本组织的党务信息。",
    (
        orgs.VIEW_ORGANIZATION,
        orgs.VIEW_COMMITTEE,
        members.VIEW_MEMBER,
        members.MANAGE_MEMBER,
        members.EXPORT_MEMBER,
        development.VIEW_DEVELOPMENT,
        development.MANAGE_DEVELOPMENT,
        transfers.VIEW_TRANSFER,
        dues.VIEW_DUES,
        dues.MANAGE_DUES,
        appraisals.VIEW_APPRAISAL,
        meetings.VIEW_MEETING,
        meetings.MANAGE_MEETING,
        meetings.VIEW_COMPLIANCE,
        documents.VIEW_DOCUMENT,
        documents.SIGN_RECEIPT,
        office.HANDLE_TASK,
        assessment.SELF_CHECK,
        assessment.VIEW_RESULT,
    ),
)

BUILTIN_ROLES = (
    SYSTEM_ADMIN,
    SECURITY_ADMIN,
    AUDIT_ADMIN,
    ORG_DEPARTMENT,
    BRANCH_SECRETARY,
    PARTY_CLERK,
    PROPAGANDA_HEAD,
    PROPAGANDA_OFFICER,
    PARTY_OFFICE,
    COMMITTEE_LEADER,
)


def ensure_builtin_roles(**kwargs) -> None:
    """Create or update the built-in roles (connected to post_migrate)."""
    from dangjian.accounts.models import Role

    for spec in BUILTIN_ROLES:
        Role.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "permissions": sorted(spec.permissions),
                "admin_kind": spec.admin_kind,
                "is_builtin": True,
            },
        )
