"""Bulk INSERTs for the import's batches: COPY on PostgreSQL, multi-row VALUES on SQLite.

Django's bulk_create prepares every cell through its field (~5 µs a cell): for a customer with
~50 columns, its history row with ~55 more, that was over half of the commit's CPU. Plain columns
(text, numbers, booleans, foreign key ids) already hold what the database driver takes, so only
the others (dates, decimals, JSON, encrypted text) go through the field (`kehu.core.bulk.copy_rows`).
On PostgreSQL the rows go in by COPY, the customers' and contacts' ids reserved from their sequences
first: executemany (even pipelined) and reading the new ids back were 60 % of a commit there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from kehu.core.bulk import Row, copy_in, copy_rows, insert_values, reserve_ids


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField | models.BigAutoField)]


def insert(model: type[models.Model], objs: Sequence[Any]) -> None:
    """INSERT `objs` (model instances or look-alikes carrying every attname), no ids returned."""
    if not objs:
        return
    fields = _columns(model)
    if connection.vendor == "postgresql":
        copy_in(model, copy_rows(model, objs, fields=fields, pre_save=False), fields=fields)
        return
    rows = copy_rows(model, objs, fields=fields, pre_save=False)
    insert_values(connection, model._meta.db_table, [str(f.column) for f in fields], rows)


def insert_pending(model: type[models.Model], objs: Sequence[Row], *, job_id: int) -> None:
    """INSERT rows marked `import_pending = job_id` and set their `id`. PostgreSQL: the ids
    come from the table's sequence first, then one COPY. SQLite: the batch's rows are the newest
    `len(objs)` rows of the job (a batch holds the job's lock and SQLite's write lock), in order."""
    if not objs:
        return
    if connection.vendor == "postgresql":
        for obj, pk in zip(objs, reserve_ids(model, len(objs)), strict=True):
            obj.id = pk
        copy_in(model, copy_rows(model, objs, pre_save=False))
        return
    insert(model, objs)
    ids = list(
        model._base_manager.filter(import_pending=job_id).order_by("-pk").values_list("pk", flat=True)[: len(objs)]
    )
    for obj, pk in zip(objs, reversed(ids), strict=True):
        obj.id = pk


def insert_history(model: type[models.Model], objs: Sequence[Row], *, user_id: int, when: dt.datetime) -> None:
    """One simple_history "+" row per object, as bulk_history_create writes it."""
    history = model.history.model  # type: ignore[attr-defined]
    extra = {
        "history_date": when,
        "history_type": "+",
        "history_user_id": user_id,
        "history_change_reason": None,
    }
    insert(history, [Row({**obj.__dict__, **extra}) for obj in objs])
