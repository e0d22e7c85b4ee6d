"""Bulk inserts for loads of many rows (demo seeding, imports): COPY on PostgreSQL, one prepared
executemany on SQLite. No per-row ORM save, no signals, no history.

Primary keys are reserved up front (PostgreSQL: nextval of the table's sequence; SQLite: after the
current maximum, inside the caller's transaction, which holds SQLite's write lock), so that children
can point at their parents before anything is written and a batch of three tables costs three
statements. Values go through each field's own get_db_prep_save, as Django's INSERT does (encrypted
fields encrypt, JSON fields dump).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from django.db.models import Model


def reserve_ids(model: type[Model], count: int, *, using: str = "default") -> list[int]:
    connection = connections[using]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def bulk_copy(model: type[Model], objects: Sequence[Model], *, using: str = "default") -> None:
    """Insert objects (whose pk is set, e.g. from reserve_ids) in one COPY / executemany."""
    if not objects:
        return
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(str(f.column)) for f in fields)
    rows = [[f.get_db_prep_save(f.pre_save(obj, add=True), connection=connection) for f in fields] for obj in objects]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor: COPY ... FROM STDIN
            with raw.copy(f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})",
                rows,
            )


# --- loading into (nearly) empty tables ------------------------------------------------------------
#
# Every secondary index costs each inserted row an index insertion: at 2,000 demo customers per batch
# the 20 btree indexes and the GIN search index of customers_customer took four times as long as the
# rows themselves (measured: COPY of 2,000 customers 5.0 s with them, 1.1 s without, 3.1 s without the
# GIN index alone). Building a btree index once over the loaded table is a sort, far cheaper than a
# million insertions, so a big load into a small table drops them first and builds them again at the
# end. GIN indexes stay: building the search index over 60,000 loaded customers (176 lexemes each)
# took 6.5 minutes, ten times what inserting into it batch by batch costs (its pending list absorbs
# the inserts).
#
# Crash safety: the definitions are written to a file in the data directory BEFORE anything is
# dropped, and restore_dropped_indexes() (called at the start of the next load, and by the end of
# this one) builds whatever that file names and the database lacks. A killed load therefore costs a
# rebuild, never an index.


def _index_file() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "bulk-load-dropped-indexes.json"


def _secondary_indexes(table: str, *, using: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the btree indexes that no constraint owns (primary keys and UNIQUE
    stay: they keep the load honest; GIN indexes stay: see above)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = %s AND i.indexdef NOT LIKE '%% USING gin %%' "
                "AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)",
                [table],
            )
        else:  # SQLite: indexes made by CREATE INDEX have their statement; constraint indexes have none
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        return [(name, sql) for name, sql in cursor.fetchall()]


def restore_dropped_indexes(*, using: str = "default") -> int:
    """Build the indexes a bulk load dropped (after a crash: the ones still missing). Returns how many."""
    path = _index_file()
    if not path.exists():
        return 0
    connection = connections[using]
    built = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in json.loads(path.read_text()):
            cursor.execute(statement.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
            built += 1
    path.unlink()
    return built


@contextmanager
def secondary_indexes_dropped(models: Sequence[type[Model]], *, using: str = "default") -> Iterator[int]:
    """Drop the secondary indexes of these tables for a bulk load and build them again afterwards
    (also when the load fails). Yields how many were dropped. Not for a live system: queries that
    need the indexes are slow meanwhile; demo seeding and first imports into an empty archive only."""
    restore_dropped_indexes(using=using)
    indexes = [index for model in models for index in _secondary_indexes(model._meta.db_table, using=using)]
    path = _index_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([sql for _name, sql in indexes]))
    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
        yield len(indexes)
    finally:
        restore_dropped_indexes(using=using)
