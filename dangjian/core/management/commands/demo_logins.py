"""`dangjian demo_logins`: the demo accounts, their password and what each one sees."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangjian.core.seed import DEMO_LOGINS, DEMO_PASSWORD
from dangjian.core.seed.table import render_table


class Command(BaseCommand):
    help = "列出演示账号（仅演示库；生产环境拒绝运行）。"

    def handle(self, *args, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("生产环境不提供演示账号。")
        from dangjian.accounts.models import RoleAssignment, User

        existing = dict(
            User.objects.filter(username__in=[spec.username for spec in DEMO_LOGINS]).values_list(
                "username", "display_name"
            )
        )
        if not existing:
            self.stdout.write("库里没有演示账号。先运行：dangjian seed --scale mine --seed 1")
            return
        scopes = dict(
            RoleAssignment.objects.filter(user__username__in=existing).values_list(
                "user__username", "organization__short_name"
            )
        )
        rows = [
            [
                spec.label,
                spec.username,
                DEMO_PASSWORD,
                existing[spec.username],
                scopes.get(spec.username, "—"),
                spec.sees + ("；首次登录先绑定动态口令" if spec.two_factor else ""),
            ]
            for spec in DEMO_LOGINS
            if spec.username in existing
        ]
        self.stdout.write("演示账号（仅供演示，密码公开）：")
        headers = ["角色", "登录名", "密码", "姓名", "授权在", "能看到什么"]
        self.stdout.write(render_table(headers, rows))
        self.stdout.write(
            "三位管理员必须使用双因素认证：第一次登录后按页面提示用手机验证器"
            "（如 FreeOTP、Google Authenticator）扫码绑定，之后每次登录输入 6 位动态口令。"
        )
