"""Scheduled work of access governance (huey periodic tasks)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kehu.core.queues import TIMER_PRIORITY, bulk_periodic_task

from . import services
from .backup import create_backup, prune_backups
from .conf import setting


def backup_keep() -> int:
    return int(setting("BACKUP_KEEP"))


@bulk_periodic_task(crontab(minute="30", hour="2"))
def nightly_backup() -> None:
    """02:30 every night; keeps the newest settings.KEHU["BACKUP_KEEP"] archives (default 14)."""
    create_backup()
    prune_backups(keep=backup_keep())


@db_periodic_task(crontab(minute="5", hour="0"))
def expire_grants() -> None:
    """Display only: the policy already ignores grants past valid_until."""
    services.access_grants_expire()


@db_periodic_task(crontab(minute="*"), priority=TIMER_PRIORITY)
def access_log_spool_flush() -> None:
    """Every minute: access-log rows spooled while SQLite's write lock was taken (logspool.py)."""
    from .logspool import flush

    flush()
