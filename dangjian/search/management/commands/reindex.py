"""`dangjian reindex [--site CODE] [--trigram]`: rebuild the search index.

Every live article and active download item (of one site, or all) is segmented and written
again in batches; documents of items that no longer qualify are removed. On SQLite the FTS5
table is rebuilt and checked too; `--trigram` (PostgreSQL) retries creating `pg_trgm` and the
title index when the migration could not.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from dangjian.portal.models import Site
from dangjian.search.indexing import reindex


class Command(BaseCommand):
    help = "重建全文检索索引（全部站点，或 --site 指定的站点）。"

    def add_arguments(self, parser):
        parser.add_argument("--site", help="站点代码，如 g-m1；不填为全部站点")
        parser.add_argument(
            "--trigram",
            action="store_true",
            help="PostgreSQL：重新尝试创建 pg_trgm 扩展和标题模糊匹配索引",
        )

    def handle(self, *args, site=None, trigram=False, **options):
        chosen = None
        if site:
            chosen = Site.objects.filter(code=site).first()
            if chosen is None:
                raise CommandError(f"没有代码为“{site}”的站点。")
        if trigram:
            self._trigram()
        started = time.monotonic()
        last = [0.0]

        def progress(done, total):
            now = time.monotonic()
            if now - last[0] >= 2 or done == total:
                last[0] = now
                self.stderr.write(f"\r索引中 {done}/{total}", ending="")
                self.stderr.flush()

        if connection.vendor == "sqlite":
            self._sqlite_triggers()
        result = reindex(site=chosen, progress=progress if sys.stderr.isatty() else None)
        if connection.vendor == "sqlite" and chosen is None:
            self._sqlite_structures()
        elapsed = time.monotonic() - started
        scope = chosen.name if chosen else "全部站点"
        self.stdout.write(
            f"{scope}：已索引 {result['indexed']} 条，移除 {result['removed']} 条过期索引，"
            f"用时 {elapsed:.1f} 秒。"
        )

    def _trigram(self):
        if connection.vendor != "postgresql":
            self.stdout.write("pg_trgm 只用于 PostgreSQL，已跳过。")
            return
        import importlib

        fulltext = importlib.import_module("dangjian.search.migrations.0002_fulltext")
        if fulltext.create_trigram_index(connection):
            connection._dangjian_trigram = None
            self.stdout.write("pg_trgm 与标题模糊匹配索引已就绪。")
        else:
            raise CommandError(
                "无法创建 pg_trgm 扩展，请由数据库超级用户执行 CREATE EXTENSION pg_trgm;"
            )

    def _sqlite_triggers(self):
        """A table rebuild by a later migration drops the triggers that keep FTS5 in step:
        put back the missing ones before indexing."""
        import importlib

        fulltext = importlib.import_module("dangjian.search.migrations.0002_fulltext")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'search_searchdocument'"
            )
            present = {row[0] for row in cursor.fetchall()}
            for statement in fulltext.SQLITE_FORWARD[1:4]:
                name = statement.split()[2]
                if name not in present:
                    cursor.execute(statement)
                    self.stdout.write(f"已恢复检索触发器 {name}。")

    def _sqlite_structures(self):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
