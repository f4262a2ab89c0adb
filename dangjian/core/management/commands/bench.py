"""`dangjian bench` (`make bench`): timings of the main pages at group scale, as one table.

Without DATABASE_URL it works on its own SQLite file, `var/bench.sqlite3`, seeded once at group
scale and reused afterwards (`--rebuild` starts over); the command re-runs itself with that
database so the regular development database is never touched. With DATABASE_URL set it uses that
database, which must be a throwaway one: it is seeded if empty and gets two bench accounts.
"""

import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

_CHILD_FLAG = "DANGJIAN_BENCH_CHILD"


class Command(BaseCommand):
    help = "在集团规模数据上测量主要页面的响应时间，打印一张表。"

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=30, help="每个场景计时的请求数")
        parser.add_argument("--warmup", type=int, default=5, help="计时前的预热请求数")
        parser.add_argument("--seed", type=int, default=1, help="生成集团数据用的种子")
        parser.add_argument(
            "--rebuild", action="store_true", help="删除 var/bench.sqlite3 重新生成数据"
        )
        parser.add_argument(
            "--only", default="", help="只测名称里含这段文字的场景（例如 --only 党费）"
        )

    def handle(self, *args, iterations, warmup, seed, rebuild, only, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("生产环境不能运行性能测试（它会写入测试数据和账号）。")
        if iterations < 1 or warmup < 0:
            raise CommandError("--iterations 至少为 1，--warmup 不能为负数。")
        if not os.environ.get("DATABASE_URL"):
            self._run_on_bench_sqlite(iterations, warmup, seed, rebuild, only)
            return
        if not os.environ.get(_CHILD_FLAG):
            self.stdout.write(
                self.style.WARNING(
                    f"数据库：DATABASE_URL 指定的 {connection.vendor} 库 "
                    f"“{connection.settings_dict['NAME']}”——它必须是可丢弃的测试库："
                    "bench 会在空库里装入集团规模数据，并创建两个测试账号。"
                )
            )
        self._benchmark(iterations, warmup, seed, only)

    def _run_on_bench_sqlite(self, iterations, warmup, seed, rebuild, only):
        path = Path(settings.VAR_DIR) / "bench.sqlite3"
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        self.stdout.write(f"数据库：{path}（SQLite，性能测试专用）")
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{path}",
            "DANGJIAN_DEBUG": "false",
            _CHILD_FLAG: "1",
        }
        command = [sys.executable, "-m", "dangjian", "bench", "--iterations", str(iterations),
                   "--warmup", str(warmup), "--seed", str(seed), "--only", only]  # fmt: skip
        self.stdout.flush()
        completed = subprocess.run(command, env=env, check=False)  # noqa: S603 — our own CLI
        if completed.returncode:
            raise CommandError(f"性能测试失败（退出码 {completed.returncode}）。")

    def _benchmark(self, iterations, warmup, seed, only):
        from dangjian.core.bench import prepare_world, render_results, run_benchmarks
        from dangjian.core.seed import seed_database
        from dangjian.orgs.models import Organization

        call_command("migrate", verbosity=0, interactive=False)
        existing = Organization.objects.count()
        if existing:
            self.stdout.write(f"复用已有数据：党组织 {existing} 个。")
        else:
            self.stdout.write("库是空的，先生成集团规模数据（一次性）：")
            summary = seed_database(
                scale="group", seed=seed, progress=lambda message: self.stdout.write(f"  {message}")
            )
            self.stdout.write(
                f"  生成完成：党组织 {summary.organizations} 个，党员 {summary.members} 人，"
                f"用时 {summary.seconds:.1f} 秒。"
            )
        world = prepare_world()
        self.stdout.write(
            f"环境：Python {platform.python_version()}，Django {django.get_version()}，"
            f"{self._database_label()}；每个场景预热 {warmup} 次、计时 {iterations} 次。"
        )
        started = time.monotonic()
        # WhiteNoise warns once per process when collectstatic has not run; irrelevant here.
        warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers")
        results = run_benchmarks(world, iterations=iterations, warmup=warmup, only=only)
        self.stdout.write(render_results(results))
        self.stdout.write(f"（测量用时 {time.monotonic() - started:.1f} 秒）")

    @staticmethod
    def _database_label() -> str:
        if connection.vendor == "sqlite":
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version}"
        major, minor = (
            divmod(connection.pg_version, 10000) if connection.vendor == "postgresql" else (0, 0)
        )
        return f"PostgreSQL {major}.{minor}" if major else connection.display_name
