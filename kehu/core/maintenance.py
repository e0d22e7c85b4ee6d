"""Database housekeeping that keeps query plans good as the data grows."""

from __future__ import annotations

from django.db import connection


def analyze_database() -> None:
    """Fresh planner statistics for every table (after a bulk load; SQLite also nightly).

    PostgreSQL's autovacuum analyzes by itself after enough changes; SQLite never does, and without
    statistics it cannot tell a selective index from a useless one.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def optimize_database() -> None:
    """Nightly: SQLite re-analyzes what changed since last time (PRAGMA optimize); PostgreSQL needs nothing."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
