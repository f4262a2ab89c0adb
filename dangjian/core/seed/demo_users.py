"""One demo login per role, with a known password (demo databases only).

The password satisfies the password policy; the accounts are marked as not having to change it,
which no real account ever is. The three administrators have no TOTP device: the first login
sends them to the 2FA enrolment page, exactly as it would in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 — printed by `dangjian demo_logins`; refused in production


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role_code: str  # "" for the ordinary member
    label: str
    anchor: str  # which organisation the role is granted on (see `anchors`)
    sees: str
    two_factor: bool = False


DEMO_LOGINS = (
    DemoLogin("sysadmin", "system_admin", "系统管理员", "root",
              "用户、党组织、系统设置（全集团）；看不到审计日志", two_factor=True),
    DemoLogin("secadmin", "security_admin", "安全管理员", "root",
              "角色、授权、密码与锁定策略、解锁账号", two_factor=True),
    DemoLogin("auditor", "audit_admin", "审计管理员", "root",
              "只能查阅、导出审计日志", two_factor=True),
    DemoLogin("jituan", "org_department", "集团组织部", "root",
              "全集团的党组织、党员、组织生活，组织生活的会议类型与落实要求设置"),
    DemoLogin("zuzhibu", "org_department", "组织部", "mine",
              "一矿党委及其下全部党组织、班子、党员"),
    DemoLogin("shuji", "branch_secretary", "党支部书记", "branch",
              "本支部（综采一队党支部）及其党小组"),
    DemoLogin("ganshi", "party_clerk", "党务干事", "plant",
              "洗煤厂党总支及其下各支部（只读）"),
    DemoLogin("xuanchuan", "propaganda_officer", "宣传干事", "mine",
              "一矿党委门户：撰写、提交文章，上传图片，管理下载专区"),
    DemoLogin("xcbz", "propaganda_head", "宣传部长", "mine",
              "一矿党委门户：审核稿件（含保密审查），站点与首页设置，下载专区"),
    DemoLogin("dangyuan", "", "普通党员", "",
              "只有自己的信息和发布给自己的内容"),
    DemoLogin("bangongshi", "party_office", "党委办公室", "mine",
              "一矿党委发文（拟稿、核稿、发文、催办）与收文签收、登记、传阅，下达工作任务"),
    DemoLogin("lingdao", "committee_leader", "党委负责人", "mine",
              "一矿党委公文签发，查阅收发文和工作任务情况"),
    DemoLogin("weiyuan", "", "支部委员", "",
              "传阅给自己的公文（我的传阅：阅知、批示）和自己的信息"),
)  # fmt: skip


def create_demo_users(*, anchors: dict, people: dict) -> list:
    """Create the demo accounts. `anchors` maps anchor names to organisations, `people` maps
    usernames to the Person each account is linked to (or is missing for the administrators)."""
    from dangjian.accounts.models import PasswordHistory, Role, RoleAssignment, User

    now = timezone.now()
    roles = {role.code: role for role in Role.objects.all()}
    # One hash for the one published password: PBKDF2 is slow on purpose, seven times is felt.
    encoded = make_password(DEMO_PASSWORD)
    users = []
    for spec in DEMO_LOGINS:
        person = people.get(spec.username)
        user = User(
            username=spec.username,
            display_name=person.name if person else f"演示{spec.label}",
            person=person,
            must_change_password=False,
            password_changed_at=now,
        )
        validate_password(DEMO_PASSWORD, user)
        user.password = encoded
        user.save()
        PasswordHistory.objects.create(user=user, password=user.password)
        if spec.role_code:
            role = roles[spec.role_code]
            RoleAssignment.objects.create(
                user=user,
                role=role,
                organization=anchors[spec.anchor],
                admin_kind=role.admin_kind,
                note="演示数据",
            )
        users.append(user)
    return users
