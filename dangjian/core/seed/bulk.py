"""The fastest way the seed has to write millions of narrow rows (the dues ledger): tuples in a
fixed column order, sent with COPY on PostgreSQL and `executemany` on SQLite.

`rows.RowWriter` turns a dict per row into a tuple through a converter per field, which is right
for 150 000 people with encrypted columns but costs too much for two million ledger rows. Here
the caller gives tuples of the columns it names, with values both backends take as they are
(ISO date strings, decimal strings, ints, None — the caller caches the strings, which repeat);
the other columns get their model default, computed once. Primary keys are allocated by the
caller from `first_free_pk`, so that rows written later can point to them; the sequence is reset
afterwards.

`without_indexes` drops a table's secondary indexes for the load and builds them again at the
end: maintaining seven B-trees row by row was most of the ledger's time on SQLite (25 µs a row);
building an index once over the loaded table sorts instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, models

from dangjian.core.seed.rows import RowWriter


class TupleWriter:
    def __init__(self, model: type[models.Model], columns: list[str]):
        """`columns`: attribute names (`member_id`), the primary key `id` first."""
        self.model = model
        self.rows = RowWriter(model)  # its defaults, primary keys and sequence reset
        fields = {field.attname: field for field in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.columns = columns
        self.rest = [name for name in fields if name not in columns]
        defaults = dict(zip([f.attname for f in self.rows.fields], self.rows.defaults, strict=True))
        self.constants = tuple(defaults[name] for name in self.rest)
        quote = connection.ops.quote_name
        names = ", ".join(quote(fields[name].column) for name in [*columns, *self.rest])
        self.table = quote(model._meta.db_table)
        self.names = names

    def first_free_pk(self) -> int:
        return self.rows.first_free_pk()

    def write(self, rows: Iterable[tuple]) -> None:
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            self._insert(rows)

    def _copy(self, rows: Iterable[tuple]) -> None:
        constants = self.constants
        # Table and column names come from the model, quoted; values go through COPY.
        sql = f"COPY {self.table} ({self.names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row + constants)

    def _insert(self, rows: Iterable[tuple]) -> None:
        """Dates and Decimals go through the adapters Django registers for sqlite3."""
        marks = ", ".join(["%s"] * (len(self.columns) + len(self.rest)))
        sql = f"INSERT INTO {self.table} ({self.names}) VALUES ({marks})"  # noqa: S608
        constants = self.constants
        batch: list[tuple] = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append(row + constants)
                if len(batch) == 20_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)

    def reset_sequence(self) -> None:
        self.rows.reset_sequence()


@contextmanager
def without_indexes(model: type[models.Model]) -> Iterator[None]:
    """Drop the table's indexes that no constraint owns (the primary key and constraint-backed
    unique indexes of PostgreSQL stay) and create them again, from their own definitions,
    after the block."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's foreign keys are deferred: their checks must run before an index can
            # be built in the same transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _, definition in indexes:
            cursor.execute(definition)  # the database's own CREATE INDEX statement
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
