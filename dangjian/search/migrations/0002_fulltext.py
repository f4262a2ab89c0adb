"""The full-text structures of the database in use (see `search.models`).

SQLite: an FTS5 table over the documents' segmented title and content (external content,
rowid = document id) and the three triggers that keep it in step with the table.
PostgreSQL: a generated `tsvector('simple')` column (title weight A, content weight B) with a
GIN index, and — when the `pg_trgm` extension can be created — a trigram index on titles for
the fuzzy fallback. Without the extension, search works and only the fallback is off.
"""

import sys

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title_tokens, content,
        content='search_searchdocument', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE TRIGGER search_document_ai AFTER INSERT ON search_searchdocument BEGIN
        INSERT INTO search_fts(rowid, title_tokens, content)
        VALUES (new.id, new.title_tokens, new.content);
    END""",
    """CREATE TRIGGER search_document_ad AFTER DELETE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, content)
        VALUES ('delete', old.id, old.title_tokens, old.content);
    END""",
    """CREATE TRIGGER search_document_au AFTER UPDATE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, content)
        VALUES ('delete', old.id, old.title_tokens, old.content);
        INSERT INTO search_fts(rowid, title_tokens, content)
        VALUES (new.id, new.title_tokens, new.content);
    END""",
    # Rows indexed before this migration (none in practice) enter the FTS table too.
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRES_FORWARD = [
    """ALTER TABLE search_searchdocument ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('simple'::regconfig, coalesce(title_tokens, '')), 'A')
            || setweight(to_tsvector('simple'::regconfig, coalesce(content, '')), 'B')
        ) STORED""",
    "CREATE INDEX search_document_vector ON search_searchdocument USING gin (search_vector)",
]
POSTGRES_TRIGRAM = (
    "CREATE INDEX search_document_title_trgm ON search_searchdocument "
    "USING gin (title gin_trgm_ops)"
)
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_title_trgm",
    "DROP INDEX IF EXISTS search_document_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS search_vector",
]

TRIGRAM_WARNING = (
    "全文检索：无法创建 PostgreSQL 扩展 pg_trgm（{error}）。检索照常可用，仅标题模糊匹配停用。"
    "请由数据库超级用户执行 CREATE EXTENSION pg_trgm; 之后运行 `dangjian reindex --trigram` 建立索引。\n"
)


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        statements = SQLITE_FORWARD
    elif connection.vendor == "postgresql":
        statements = POSTGRES_FORWARD
    else:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    if connection.vendor == "postgresql":
        create_trigram_index(connection)


def create_trigram_index(connection) -> bool:
    """`pg_trgm` and the title index, inside a savepoint so a refusal (the database user may
    not create extensions) leaves the migration standing. True when the index exists."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(POSTGRES_TRIGRAM.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
    except DatabaseError as error:
        sys.stderr.write(TRIGRAM_WARNING.format(error=str(error).strip()))
        return False
    return True


def backward(apps, schema_editor):
    connection = schema_editor.connection
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(
        connection.vendor, []
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
