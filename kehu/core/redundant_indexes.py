"""Migration helper: drop btree indexes that another index already covers, and build them again when
the migration is reversed (issue 16; ADR 0006 "Translated labels and redundant indexes").

Two kinds, both named the way Django names them, so the same migration works on every database:
- a field's own index (a foreign key's, or db_index=True) next to a composite or unique index that
  starts with the same column: that one answers `field = x` (a list filter, a cascade) just as
  well. The migration's state says `db_index=False` for the field (SeparateDatabaseAndState), and
  the index is dropped directly, because an AlterField makes SQLite rebuild the whole table,
  which drops its full-text triggers.
- PostgreSQL's `varchar_pattern_ops` copy ("..._like") of an indexed CharField, kept for LIKE
  'prefix%' only. Django's state does not know these, so only the database changes.

Imported by migrations: keep its signature and behaviour stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations

FieldRef = tuple[str, str, str]  # (app label, model name, field name)


def _drop(schema_editor: Any, table: str, column: str, suffix: str = "") -> None:
    name = schema_editor._create_index_name(table, [column], suffix=suffix)  # the name Django gave it
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def _create(schema_editor: Any, statement: Any) -> None:
    if statement is not None:
        schema_editor.execute(str(statement).replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))


def _field(apps: Any, app_label: str, model_name: str, field_name: str) -> tuple[Any, Any]:
    model = apps.get_model(app_label, model_name)
    return model, model._meta.get_field(field_name)


def drop_redundant_indexes(
    *, covered_fields: Sequence[FieldRef] = (), pattern_copies: Sequence[FieldRef] = ()
) -> migrations.RunPython:
    """A RunPython that drops the covered fields' own indexes and the fields' "..._like" copies
    (PostgreSQL), and builds them again backwards (from the state before: db_index=True)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        for ref in covered_fields:
            model, field = _field(apps, *ref)
            _drop(schema_editor, model._meta.db_table, field.column)
        if schema_editor.connection.vendor == "postgresql":
            for ref in pattern_copies:
                model, field = _field(apps, *ref)
                _drop(schema_editor, model._meta.db_table, field.column, suffix="_like")

    def backward(apps: Any, schema_editor: Any) -> None:
        for ref in covered_fields:
            model, field = _field(apps, *ref)
            _create(schema_editor, schema_editor._create_index_sql(model, fields=[field]))
        if schema_editor.connection.vendor == "postgresql":
            for ref in pattern_copies:
                _create(schema_editor, schema_editor._create_like_index_sql(*_field(apps, *ref)))

    return migrations.RunPython(forward, backward)
