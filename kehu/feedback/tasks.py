"""Scheduled work of surveys (huey periodic task)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="30", hour="9"))
def survey_reminders_daily() -> None:
    """09:30 (working hours, when people read mail): remind non-responders, close waves past their date."""
    from .surveys import reminders_sweep

    reminders_sweep()
