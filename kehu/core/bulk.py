"""Bulk inserts for loads of many rows (demo seeding, imports): COPY on PostgreSQL, one prepared
executemany on SQLite. No per-row ORM save, no signals, no history.

Primary keys are reserved up front (PostgreSQL: nextval of the table's sequence; SQLite: after the
current maximum, inside the caller's transaction, which holds SQLite's write lock), so that children
can point at their parents before anything is written and a batch of three tables costs three
statements. Values go through each field's own get_db_prep_save, as Django's INSERT does (encrypted
fields encrypt, JSON fields dump).
"""

from __future__ import annotations

from collections.abc import Sequence

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
