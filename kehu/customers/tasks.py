"""Background work of the customer archive: grading runs (django.tasks) and their nightly schedule (huey)."""

from __future__ import annotations

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task(queue_name="bulk")
def grading_run_task(run_id: int) -> int:
    from .grading import grading_run

    return grading_run(run_id=run_id).processed


@db_periodic_task(crontab(minute="40", hour="1"))
def nightly_grading() -> None:
    """01:40 every night: fresh scores and proposals for the grading page."""
    from .grading import grading_run_start

    grading_run_start()


@db_periodic_task(crontab(minute="0", hour="3", day_of_week="1"))
def weekly_retention_review() -> None:
    """Mondays 03:00: flag customers without business for RETENTION_YEARS for a human decision."""
    from .privacy import retention_flag

    retention_flag()


@db_periodic_task(crontab(minute="*/5"))
def imports_sweep_task() -> None:
    """Every 5 minutes: resume imports whose worker died, delete expired uploads (IMPORT_RETENTION_HOURS)."""
    from .imports import imports_sweep

    imports_sweep()


@db_periodic_task(crontab(minute="10", hour="2"))
def nightly_stale_flagging() -> int:
    """02:10 every night (客户关系管理与维护措施 信息管理3 "对长期未与公司有业务往来……的客户信息进行清理"):
    customers without business for STALE_AFTER_DAYS land in the review list (客户 → 待清理复核); a person
    archives or keeps them, nothing is deleted."""
    from django.conf import settings

    from .services import customers_flag_stale

    idle_days = int(getattr(settings, "KEHU", {}).get("STALE_AFTER_DAYS", 730))
    return customers_flag_stale(actor=None, idle_days=idle_days)
