"""`dangjian seed --scale mine|group --seed N [--if-empty]`: load deterministic demo data."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangjian.core.seed import SCALES, SeedError, seed_database
from dangjian.core.seed.digest import database_digest


class Command(BaseCommand):
    help = "装入演示数据：一个矿（mine）或整个集团（group）；同一个种子得到同样的数据。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="mine")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="库里已有党组织时什么也不做（make demo 用它，重复运行不出错）",
        )

    def handle(self, *args, scale, seed, if_empty, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("生产环境不能装入演示数据（演示账号的密码是公开的）。")
        from dangjian.orgs.models import Organization

        if if_empty and Organization.objects.exists():
            self.stdout.write("库里已有党组织，跳过演示数据。")
            return
        started = time.monotonic()

        def progress(message: str) -> None:
            self.stdout.write(f"  [{time.monotonic() - started:6.1f}s] {message}")

        self.stdout.write(f"装入演示数据：规模 {scale}，种子 {seed}")
        try:
            summary = seed_database(scale=scale, seed=seed, progress=progress)
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：党组织 {summary.organizations} 个，党员 {summary.members} 人，"
                f"班子 {summary.committees} 个，行政单位 {summary.units} 个，"
                f"用时 {summary.seconds:.1f} 秒。"
            )
        )
        digest = database_digest()
        self.stdout.write(
            "数据指纹：" + "  ".join(f"{key} {value[:12]}" for key, value in digest.items())
        )
