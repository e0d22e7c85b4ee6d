"""Scheduled housekeeping of the database (huey periodic tasks)."""

from __future__ import annotations

import logging

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from .maintenance import optimize_database
from .queues import BULK, TIMER_PRIORITY, bulk_periodic_task


@bulk_periodic_task(crontab(minute="10", hour="4"))
def nightly_optimize() -> None:
    """04:10, after the night's bulk work (planning, grading, backup)."""
    optimize_database()


@task(priority=50)
def outbox_drain_task(ids: list[int] | None = None) -> int:
    """Run the handlers of outbox rows: the kick after a commit names its rows, a retry its one row."""
    from .outbox import drain

    return drain(ids)


@db_periodic_task(crontab(minute="*"), priority=TIMER_PRIORITY)
def outbox_drain_periodic() -> None:
    """Every minute: whatever a kick missed (a process killed after its commit, a queue that was
    down, a retry that is due). huey's schedule has minute granularity; kicks cover the seconds."""
    from .outbox import drain, purge_done

    while drain(limit=500) == 500:
        pass
    purge_done()


@on_startup()
def outbox_drain_on_start() -> None:
    """A worker that was killed comes back and drains at once, not at the next full minute."""
    try:
        outbox_drain_task.enqueue(None)
    except Exception:  # the periodic drain follows within a minute
        logging.getLogger(__name__).warning("outbox: no drain at start", exc_info=True)


@task(queue_name=BULK)
def run_export_task(job_id: int) -> None:
    """A large Excel export (kehu.core.background_exports): a long job, on the bulk queue."""
    from .background_exports import run

    run(job_id)


@db_periodic_task(crontab(minute="*/15"))
def export_sweep_periodic() -> None:
    """Expired export files are deleted; exports whose worker died are queued again."""
    from .background_exports import sweep

    sweep()
