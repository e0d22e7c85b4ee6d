"""Scheduled work of the conversation layer (huey periodic tasks)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .sla import conversations_sweep


@db_periodic_task(crontab(minute="*"))
def sweep_response_targets() -> None:
    """Every minute: phone targets are minutes long."""
    conversations_sweep()
