"""`dangjian audit verify` proves the chain; `dangjian audit purge` applies the retention."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.audit.services import audit_purge, audit_verify


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链，purge 清理超过保留期的记录 / audit log: verify, purge"

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="命令")
        subcommands.add_parser(
            "verify",
            help="校验审计链，报告第一个断点（失败时退出码为 1）/ verify the hash chain",
        )
        subcommands.add_parser(
            "purge",
            help="删除超过保留期的审计记录并留下锚点 / delete entries past the retention",
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            self._verify()
        else:
            self._purge()

    def _verify(self):
        verification = audit_verify(actor=None)
        if not verification.ok:
            raise CommandError(verification.message, returncode=1)
        self.stdout.write(self.style.SUCCESS(verification.message))

    def _purge(self):
        result = audit_purge(actor=None)
        when, days = f"{timezone.localtime(result.cutoff):%Y-%m-%d %H:%M}", result.retention_days
        self.stdout.write(
            self.style.SUCCESS(
                f"已清理 {result.purged} 条早于 {when} 的审计记录（保留 {days} 天）"
                f" / purged {result.purged} entries older than {when}"
            )
        )
