"""Re-encrypt every EncryptedTextField of every model with the first key of KEHU_FIELD_KEYS.

Rotation: put the new key first (KEHU_FIELD_KEYS=new,old), run this, then remove the old key.
Rows are read raw (no decryption in Python objects) and written with .update(), batch by batch,
so neither save() nor simple_history see a change that is only a new ciphertext.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from kehu.core import crypto


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the newest field key (KEHU_FIELD_KEYS, first entry)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedTextField)]
            if not fields:
                continue
            count = rotate_model(model, [f.attname for f in fields], batch_size)
            total += count
            self.stdout.write(f"{model._meta.label}: {count} rows")
        self.stdout.write(self.style.SUCCESS(f"re-encrypted {total} rows"))


def rotate_model(model: Any, columns: list[str], batch_size: int) -> int:
    """Keyset walk over the primary key with raw SQL: values stay ciphertext on the way in and out
    (the ORM would decrypt on read and encrypt the token again on write)."""
    from django.db import connection

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk_column = quote(model._meta.pk.column)
    db_columns = [quote(model._meta.get_field(c).column) for c in columns]
    select = f"SELECT {pk_column}, {', '.join(db_columns)} FROM {table}"
    last_pk: Any = None
    done = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last_pk is None:
                cursor.execute(f"{select} ORDER BY {pk_column} LIMIT %s", [batch_size])
            else:
                cursor.execute(f"{select} WHERE {pk_column} > %s ORDER BY {pk_column} LIMIT %s", [last_pk, batch_size])
            rows = cursor.fetchall()
            if not rows:
                return done
            for pk, *values in rows:
                changes = [(col, crypto.rotate(v)) for col, v in zip(db_columns, values, strict=True) if v]
                if changes:
                    assignments = ", ".join(f"{col} = %s" for col, _ in changes)
                    cursor.execute(
                        f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s",
                        [v for _, v in changes] + [pk],
                    )
                    done += 1
            last_pk = rows[-1][0]
