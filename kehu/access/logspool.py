"""Access-log rows that could not be written at once because SQLite's write lock was taken.

Reading a customer must not fail or wait because an import holds the write lock (issue 9 item 6),
yet every read must be logged. So a row that cannot be inserted within a short wait is appended to
a small spool database of its own (DATA_DIR/accesslog-spool.sqlite3, never locked for long) and
the worker moves it into the access log every minute. Each spooled row carries a key in
`detail["spool"]`: a flush interrupted after its insert and before its delete inserts nothing twice.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.dateparse import parse_datetime

from .models import AccessLog


def spool_path() -> Path:
    configured = str(settings.KEHU.get("ACCESS_LOG_SPOOL") or "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "accesslog-spool.sqlite3"


def _open() -> sqlite3.Connection:
    db = sqlite3.connect(spool_path(), timeout=10, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY, row TEXT NOT NULL)")
    return db


def append(fields: dict[str, Any]) -> None:
    fields = {**fields, "detail": {**(fields.get("detail") or {}), "spool": uuid.uuid4().hex}}
    db = _open()
    try:
        db.execute("INSERT INTO spool (row) VALUES (?)", (json.dumps(fields, cls=DjangoJSONEncoder),))
    finally:
        db.close()


def pending() -> int:
    if not spool_path().exists():
        return 0
    db = _open()
    try:
        return int(db.execute("SELECT COUNT(*) FROM spool").fetchone()[0])
    finally:
        db.close()


def flush(*, batch: int = 500) -> int:
    """Move spooled rows into the access log; returns how many were inserted."""
    if not spool_path().exists():
        return 0
    db = _open()
    inserted = 0
    try:
        while True:
            rows = db.execute("SELECT id, row FROM spool ORDER BY id LIMIT ?", (batch,)).fetchall()
            if not rows:
                return inserted
            entries = [(pk, json.loads(text)) for pk, text in rows]
            inserted += _insert_missing([fields for _pk, fields in entries])
            db.execute(f"DELETE FROM spool WHERE id IN ({','.join('?' * len(entries))})", [pk for pk, _ in entries])
    finally:
        db.close()


def _insert_missing(entries: list[dict[str, Any]]) -> int:
    keys = [entry["detail"]["spool"] for entry in entries]
    times = [parse_datetime(entry["at"]) for entry in entries]
    earliest = min(t for t in times if t is not None)
    with transaction.atomic():
        present = set(
            AccessLog.objects.filter(at__gte=earliest, detail__spool__in=keys).values_list("detail__spool", flat=True)
        )
        objects = []
        for entry in entries:
            if entry["detail"]["spool"] in present:
                continue
            entry = {**entry, "at": parse_datetime(entry["at"])}
            objects.append(AccessLog(**entry))
        if objects:
            # raw: keep each row's own time (the read), not the flush time auto_now_add would set.
            fields = [f for f in AccessLog._meta.local_concrete_fields if not f.primary_key]
            AccessLog.objects._insert(objects, fields=fields, raw=True)  # type: ignore[attr-defined]
        return len(objects)
