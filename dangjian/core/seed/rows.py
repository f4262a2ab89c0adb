"""Plain multi-row INSERTs for the two big tables of the seed (Person, Member).

`bulk_create` builds a model instance per row and prepares every field of every row through the
field API: at 150 000 people that is most of the seed's time (about 200 µs a row). Here each row is
a dict of column values turned into a tuple and sent with `executemany`; each field is converted
once per value by a converter chosen once per field (dates adapted for the backend, encrypted
fields encrypted, automatic timestamps set), and fields a row leaves out get their default. Primary
keys are allocated here, after the largest existing one, and the sequences are reset afterwards
(PostgreSQL), so later inserts through the ORM continue the numbering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from dangjian.core.crypto import EncryptedTextField


class RowWriter:
    def __init__(self, model: type[models.Model]):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.converters = [self._converter(field) for field in self.fields]
        self.defaults = [self._default(field) for field in self.fields]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        table = quote(model._meta.db_table)
        # Table and column names come from the model, quoted; every value is a parameter.
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608

    def first_free_pk(self) -> int:
        return (self.model.objects.aggregate(largest=Max("pk"))["largest"] or 0) + 1

    def insert(self, rows: Iterable[dict]) -> None:
        """`rows`: attribute name (`organization_id`, not `organization`) → Python value."""
        names = [field.attname for field in self.fields]
        prepared = [
            tuple(
                convert(row[name]) if name in row else default
                for name, convert, default in zip(names, self.converters, self.defaults,
                                                  strict=True)
            )
            for row in rows
        ]  # fmt: skip
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, prepared)

    def reset_sequence(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), [self.model])
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    @staticmethod
    def _converter(field) -> Callable:
        if isinstance(field, EncryptedTextField):
            return lambda value: field.get_prep_value(value) if value else ""
        if isinstance(field, models.DateTimeField):
            return lambda value: connection.ops.adapt_datetimefield_value(value)
        if isinstance(field, models.DateField):
            return connection.ops.adapt_datefield_value
        return lambda value: value

    @staticmethod
    def _default(field):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return connection.ops.adapt_datetimefield_value(timezone.now())
        if field.primary_key:
            return None
        return field.get_db_prep_save(field.get_default(), connection)
