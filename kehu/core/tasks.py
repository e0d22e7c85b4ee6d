"""Scheduled housekeeping of the database (huey periodic tasks)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .maintenance import optimize_database


@db_periodic_task(crontab(minute="10", hour="4"))
def nightly_optimize() -> None:
    """04:10, after the night's bulk work (planning, grading, backup)."""
    optimize_database()
