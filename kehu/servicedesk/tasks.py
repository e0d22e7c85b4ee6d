"""Scheduled work of the service desk (huey periodic tasks)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .sla import sla_sweep


@db_periodic_task(crontab(minute="*"))
def sla_sweep_every_minute() -> None:
    """Warn before, mark and escalate on breach: idempotent, so an overlapping run notifies nobody twice."""
    sla_sweep()
