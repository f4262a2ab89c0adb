"""`dangjian scheduler` — the process that runs the periodic sweeps (see core/scheduler.py)."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from dangjian.core.health import record_heartbeat
from dangjian.core.scheduler import default_scheduler_id, registered_sweeps, run_due_sweeps

logger = logging.getLogger("dangjian.scheduler")


class Command(BaseCommand):
    help = "运行定时任务调度：认领并执行到期的定时任务。可以同时运行多个，每次到期只会执行一次。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="执行一轮到期任务后退出")
        parser.add_argument(
            "--interval", type=float, default=15.0, help="两轮检查之间的秒数（默认 15）"
        )
        parser.add_argument("--scheduler-id", default="", help="本进程的标识（默认 主机名:进程号）")

    def handle(self, *, once, interval, scheduler_id, verbosity, **options):
        if interval <= 0:
            raise CommandError("--interval 必须大于 0 秒")
        scheduler_id = scheduler_id or default_scheduler_id()
        if once:
            self.tick(scheduler_id, verbosity)
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        names = ", ".join(sorted(registered_sweeps()))
        self.stdout.write(f"调度进程 {scheduler_id} 已启动，定时任务：{names}")
        while not stop.is_set():
            try:
                self.tick(scheduler_id, verbosity)
            except DatabaseError:
                # A database restart must not end the scheduler; the next tick retries.
                logger.exception("Scheduler tick failed")
            stop.wait(interval)
        self.stdout.write("调度进程已退出")

    def tick(self, scheduler_id: str, verbosity: int) -> None:
        if not connection.in_atomic_block:
            # Between ticks, like between requests; never inside a caller's transaction.
            close_old_connections()
        record_heartbeat("scheduler", scheduler_id)
        ran = run_due_sweeps(scheduler_id)
        if ran and verbosity >= 1:
            stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(f"{stamp} 已执行：{', '.join(ran)}")
