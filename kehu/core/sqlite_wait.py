"""SQLite allows one writer at a time. A read request must never wait for a long writer (an import
committing 10k rows held the lock for 80 s and detail pages failed with "database is locked").

A read request still writes a little: its access-log row and the refreshed session expiry. Those
writes run with a short busy timeout (`not_waiting`); if the lock is taken, the caller falls back
(the access-log row goes to a spool file that the worker flushes; the session refresh is skipped).
PostgreSQL has no such lock: there `not_waiting` is a no-op that reports False.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

SHORT_WAIT_MS = 300


def _default_timeout_ms(connection: Any) -> int:
    return int(float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)) * 1000)


@contextmanager
def not_waiting(alias: str = DEFAULT_DB_ALIAS, *, ms: int = SHORT_WAIT_MS) -> Iterator[bool]:
    """Inside: an autocommit write on SQLite gives up after `ms` instead of the configured timeout.

    Yields True when the short wait applies (SQLite, outside a transaction). Inside a transaction
    the write lock is already ours (transaction_mode IMMEDIATE), so nothing changes there."""
    connection = connections[alias]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield False
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield True
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {_default_timeout_ms(connection)}")


def is_locked(error: OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text
