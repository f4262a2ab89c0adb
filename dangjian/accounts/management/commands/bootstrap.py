"""`dangjian bootstrap`: the root organisation and the three administrators of a new installation.

    dangjian bootstrap --org-name 中共某煤业集团委员会 --org-code G \\
        --system xtgl --security aqgl --audit sjgl

Each administrator gets a random initial password, printed once; the first login forces a new
password and the enrolment of two-factor authentication. No account is made a Django superuser.
"""

from django.core.management.base import BaseCommand, CommandError

from dangjian.accounts.models import AdminKind
from dangjian.accounts.services.bootstrap import administrators_bootstrap
from dangjian.core.exceptions import ServiceError


class Command(BaseCommand):
    help = "新装系统时创建根组织和三员（系统、安全、审计管理员）账号。"

    def add_arguments(self, parser):
        parser.add_argument("--org-name", default="", help="根组织全称（组织树为空时必填）")
        parser.add_argument("--org-code", default="", help="根组织代码（组织树为空时必填）")
        for kind in AdminKind.values:
            parser.add_argument(f"--{kind}", required=True, help=f"{AdminKind(kind).label}登录名")
            parser.add_argument(f"--{kind}-name", default="", help=f"{AdminKind(kind).label}姓名")
        parser.add_argument("--force", action="store_true", help="已有三员时仍然创建或重置")

    def handle(self, *args, **options):
        accounts = {kind: (options[kind], options[f"{kind}_name"]) for kind in AdminKind.values}
        try:
            created = administrators_bootstrap(
                accounts=accounts,
                organization_name=options["org_name"],
                organization_code=options["org_code"],
                force=options["force"],
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS("已创建三员账号（初始密码只显示这一次，请妥善交付）：")
        )
        for account in created:
            label = AdminKind(account.kind).label
            self.stdout.write(f"  {label}  登录名 {account.username}  初始密码 {account.password}")
        self.stdout.write("首次登录须修改密码并绑定双因素认证。")
