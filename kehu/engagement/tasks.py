"""Background work of the contact engine: per-item tasks (django.tasks) and periodic sweeps (huey)."""

from __future__ import annotations

from typing import Any

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kehu.core.queues import TIMER_PRIORITY, bulk_periodic_task


@task(queue_name="bulk")
def replan_task(job_id: int) -> int:
    from .services import replan_run

    return replan_run(job_id).processed


@task
def plan_refresh_task(customer_id: int) -> None:
    from .services import plan_refresh

    plan_refresh(customer_id=customer_id)


@task
def plans_for_imported_task(customer_ids: list[int], plans: list[list[Any]]) -> int:
    from .services import plans_for_imported

    return plans_for_imported(customer_ids=customer_ids, seen=plans)


@task
def reminders_task() -> int:
    from .reminders import reminders_sweep

    return reminders_sweep()


@db_periodic_task(crontab(minute="*/10"), priority=TIMER_PRIORITY)
def reminders_periodic() -> None:
    """Every 10 minutes: remind what is due or overdue (each item once per due date)."""
    from .reminders import reminders_sweep

    reminders_sweep()


@db_periodic_task(crontab(minute="30", hour="8"))
def care_greetings_periodic() -> None:
    """08:30 (inside the usual sending window): queue the greetings that are due; kehu.messaging sends
    them, holding any for quiet hours and checking each person's consent."""
    from .care import care_send_due

    care_send_due()


@bulk_periodic_task(crontab(minute="20", hour="1"))
def nightly_planning() -> None:
    """01:20: plans for new customers, the half-year clock of key customers, the care calendar."""
    from .care import care_plan
    from .services import followups_plan_periodic, plans_fill_missing

    plans_fill_missing()
    followups_plan_periodic()
    care_plan()
