"""The analysis module's worker jobs: nightly summaries and the churn run on request."""

from __future__ import annotations

from django.tasks import task
from huey import crontab

from kehu.core.queues import bulk_periodic_task


@task(queue_name="bulk")
def churn_run_task(run_id: int) -> int:
    from .services import churn_run

    return churn_run(run_id).processed


@task(queue_name="bulk")
def backtest_task(backtest_id: int) -> str:
    from .backtest import run

    return str(run(backtest_id).status)


@bulk_periodic_task(crontab(minute="*/5"))
def summary_refresh() -> None:
    """Every five minutes: rebuild the precomputed periods a new transaction touched since their
    last build (cube.py); many transactions in five minutes cost one rebuild per period."""
    from .cube import refresh_dirty

    refresh_dirty()


@bulk_periodic_task(crontab(minute="20", hour="2"))
def nightly_analytics() -> None:
    """02:20, after grading (01:40): this month's grade snapshot, the monthly sales summary rebuilt
    (catching edits the event handler never saw), every precomputed period and grade-migration pair
    rebuilt from them, contact-plan due dates, the churn model back-tested (it decides whether the
    model or the rules score tonight), churn risk."""
    from .backtest import run as backtest_run
    from .cube import rebuild_all
    from .sales import sales_month_rebuild
    from .services import backtest_start, churn_run, churn_run_start, grade_snapshot_take, plan_dues_record

    grade_snapshot_take()
    sales_month_rebuild()
    rebuild_all()
    plan_dues_record()
    backtest_run(backtest_start(enqueue=False).pk)
    churn_run(churn_run_start(enqueue=False).pk)


@bulk_periodic_task(crontab(minute="30", hour="7", day_of_week="1"))
def weekly_manager_digest() -> None:
    """Mondays 07:30: each manager's digest (KPIs, high risks, breaches) by e-mail."""
    from .digest import weekly_digest

    weekly_digest()


@bulk_periodic_task(crontab(minute="40", hour="3", day="1"))
def monthly_review() -> None:
    """The 1st of each month, 03:40: the periodic review (定期审查) of the month just ended."""
    from .review import review_run

    review_run()
