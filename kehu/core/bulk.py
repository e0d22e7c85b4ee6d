"""Bulk inserts for loads of many rows (demo seeding, imports): COPY on PostgreSQL,
multi-row VALUES on SQLite. No per-row ORM save, no signals, no history.

Primary keys are reserved up front (PostgreSQL: nextval of the table's sequence; SQLite: after the
current maximum, inside the caller's transaction, which holds SQLite's write lock), so that children
can point at their parents before anything is written and a batch of three tables costs three
statements. Values go through each field's own get_db_prep_save, as Django's INSERT does (encrypted
fields encrypt, JSON fields dump), except plain ones that already hold what the driver takes.
New rows that may already exist (a unique key) go through insert_new instead: one
INSERT ... SELECT FROM unnest ... ON CONFLICT DO NOTHING on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connections, models
from django.db.models import Model


class Row:
    """A row to insert, read like a model instance: its attributes are a plain dict of attnames.
    Building a customer instance costs ~160 µs (Model.__init__ walks every field), copying one
    ~18 µs (the pickle protocol); a Row from a prototype dict ~2.5 µs."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values

    @classmethod
    def blank(cls, model: type[models.Model], **values: Any) -> dict[str, Any]:
        """The attnames of a new instance of `model` (its field defaults) with `values`: a prototype
        for many rows. A callable default would be called once for all of them, so such fields must
        be given; auto_now stamps too, as copy_rows(pre_save=False) writes what the rows hold."""
        called = [f.name for f in model._meta.concrete_fields if f.has_default() and callable(f.default)]
        called = [name for name in called if name not in values]
        if called:
            raise ValueError(f"{model.__name__}: give {called} (a callable default is per row)")
        attrs = dict(model(**values).__dict__)
        del attrs["_state"]
        return attrs

    if TYPE_CHECKING:  # its attributes are the model's attnames, set and read freely

        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...


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


# Fields whose Python value is already what the database driver takes: get_db_prep_save would
# return it unchanged, at ~2 µs a cell (exact types only: a subclass may convert).
PLAIN_FIELDS = (
    models.CharField,
    models.EmailField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.OneToOneField,
    models.AutoField,
    models.BigAutoField,
)


def copy_rows(
    model: type[Model],
    objects: Sequence[Any],
    *,
    using: str = "default",
    fields: Sequence[Any] | None = None,
    pre_save: bool = True,
) -> list[list[Any]]:
    """The rows copy_in writes (every concrete field, or `fields`), as the database takes them:
    each field's get_db_prep_save, after its pre_save as Django's INSERT does (pre_save=False: the
    objects' values as they are, e.g. timestamps the caller set), read straight off the object for
    plain fields. `objects` may be look-alikes carrying every attname. Plain values, so another
    process can compute them (the demo's builders) and the writer only writes."""
    connection = connections[using]
    fields = list(model._meta.concrete_fields if fields is None else fields)
    passthrough = _DRIVER_TYPES if connection.vendor == "postgresql" else {}
    # One attrgetter call reads a whole row in C (~0.04 µs a cell, against ~0.2 µs for a getattr per
    # cell in Python); only the cells that convert are visited again. A customer row: 22 -> 14 µs.
    read = attrgetter(*[f.attname for f in fields])
    converting = [(i, f, passthrough.get(type(f))) for i, f in enumerate(fields) if type(f) not in PLAIN_FIELDS]
    single = len(fields) == 1
    rows = []
    for obj in objects:
        row = [read(obj)] if single else list(read(obj))
        for i, field, driver_type in converting:
            raw = field.pre_save(obj, add=True) if pre_save else row[i]
            if type(raw) is driver_type and getattr(raw, "tzinfo", True) is not None:
                row[i] = raw
            else:
                row[i] = field.get_db_prep_save(raw, connection=connection)
        rows.append(row)
    return rows


# PostgreSQL's driver takes these Python values as they are, and Django's field would hand them
# over unchanged (an aware datetime, a date): its get_db_prep_save costs ~8 µs a cell, 1.3 of the
# 3.2 s of field preparation in a 10,000-row import commit. (Not Decimal: the field refuses NaN,
# which PostgreSQL's numeric would store.)
_DRIVER_TYPES: dict[type, type] = {models.DateTimeField: dt.datetime, models.DateField: dt.date}


def column_position(model: type[Model], attname: str) -> int:
    """Where a field's value sits in a row of copy_rows."""
    return [f.attname for f in model._meta.concrete_fields].index(attname)


def copy_in(
    model: type[Model], rows: Sequence[Sequence[Any]], *, using: str = "default", fields: Sequence[Any] | None = None
) -> None:
    """Insert rows of copy_rows (primary keys filled in, or `fields` without the key: the database
    numbers them) in one COPY (PostgreSQL) or multi-row VALUES (insert_values)."""
    if not rows:
        return
    connection = connections[using]
    fields = model._meta.concrete_fields if fields is None else fields
    qn = connection.ops.quote_name
    columns = ", ".join(qn(str(f.column)) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor: COPY ... FROM STDIN
            with raw.copy(f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            insert_values(connection, model._meta.db_table, [str(f.column) for f in fields], rows)


def insert_values(connection: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT rows with multi-row VALUES statements, as many rows per statement as SQLite's variable
    limit allows, never executemany: with an FTS5 index kept by a trigger, each statement of an
    executemany runs in its own statement savepoint and FTS5 writes its pending terms to a new
    segment at every savepoint, so 2,000 customers took 10.2 s instead of 0.4 s (SQLite 3.40,
    measured 2026-12-02)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    per_statement = max(1, min(500, connection.features.max_query_params // max(1, len(columns))))
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    head = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES "
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(head + ", ".join([one] * len(chunk)), [value for row in chunk for value in row])


def insert_new(model: type[Model], objects: Sequence[Model | Row], *, using: str = "default") -> None:
    """INSERT objects (model instances or Rows) whose primary key the database assigns, skipping
    those a unique constraint already holds, as bulk_create(ignore_conflicts=True) does. On
    PostgreSQL one statement, INSERT ... SELECT FROM unnest(one array per column) ON CONFLICT DO
    NOTHING: bulk_create compiles a placeholder and prepares a value per cell, 7 of the 10 s that
    planning 100,000 new customers took (measured 2026-12-02). Elsewhere (SQLite), bulk_create."""
    if not objects:
        return
    connection = connections[using]
    if connection.vendor != "postgresql":
        instances = [obj if isinstance(obj, Model) else model(**obj.__dict__) for obj in objects]
        model._base_manager.using(using).bulk_create(instances, ignore_conflicts=True, batch_size=1000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = copy_rows(model, objects, using=using, fields=fields)
    qn = connection.ops.quote_name
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(str(f.column)) for f in fields)}) "
            f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING",
            [list(column) for column in zip(*rows, strict=True)],
        )


# --- loading into (nearly) empty tables ------------------------------------------------------------
#
# Every secondary index costs each inserted row an index insertion: at 2,000 demo customers per batch
# the 20 btree indexes and the GIN search index of customers_customer took four times as long as the
# rows themselves (measured: COPY of 2,000 customers 5.0 s with them, 1.1 s without, 3.1 s without the
# GIN index alone). Building an index once over the loaded table is far cheaper than a million
# insertions, so a big load into a small table drops them first and builds them again at the end.
# The GIN search indexes go too (measured 2026-12-02 on an idle 2-core machine, 100k demo customers:
# building the customers' over the loaded table 19 s and the contacts' 10 s at the default 64 MB of
# maintenance_work_mem, slower with more: 25 s at 256 MB, 28 s at 1 GB; keeping them made the load's
# COPY and the first grading run, which rewrites every row, pay ~176 GIN entries per row version).
# The rebuild runs two statements at a time on PostgreSQL (2 cores; the GIN ones first, they are the
# longest) when it is not inside a transaction, each on its own connection.
#
# Crash safety: the definitions are written to a file in the data directory BEFORE anything is
# dropped, and restore_dropped_indexes() (called at the start of the next load, and by the end of
# this one) builds whatever that file names and the database lacks. A killed load therefore costs a
# rebuild, never an index.

PARALLEL_BUILDS = 2
SORT_MEMORY, GIN_MEMORY = "512MB", "64MB"  # maintenance_work_mem per build


def _index_file() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "bulk-load-dropped-indexes.json"


def _secondary_indexes(table: str, *, using: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes that no constraint owns (primary keys and UNIQUE stay:
    they keep the load honest)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = %s "
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


def _build(statement: str, *, using: str, own_connection: bool) -> None:
    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # a btree build sorts in memory; GIN is slower with more
                cursor.execute(
                    f"SET maintenance_work_mem = '{GIN_MEMORY if ' USING gin ' in statement else SORT_MEMORY}'"
                )
            cursor.execute(statement.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
            if connection.vendor == "postgresql":
                cursor.execute("RESET maintenance_work_mem")
    finally:
        if own_connection:  # a builder thread's connection: Django opened it for this thread
            connection.close()


def restore_dropped_indexes(*, using: str = "default") -> int:
    """Build the indexes a bulk load dropped (after a crash: the ones still missing). Returns how many."""
    path = _index_file()
    if not path.exists():
        return 0
    statements = sorted(json.loads(path.read_text()), key=lambda sql: " USING gin " not in sql)
    connection = connections[using]
    if connection.vendor == "postgresql" and not connection.in_atomic_block and len(statements) > 1:
        # Each thread gets its own connection from Django; a transaction would hold the tables'
        # locks against them, hence sequential inside one.
        with ThreadPoolExecutor(PARALLEL_BUILDS) as pool:
            list(pool.map(lambda sql: _build(sql, using=using, own_connection=True), statements))
    else:
        for statement in statements:
            _build(statement, using=using, own_connection=False)
    path.unlink()
    return len(statements)


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
