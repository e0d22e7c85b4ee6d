"""Scheduled work of the knowledge base."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import unanswered_group


@db_periodic_task(crontab(minute="30", hour="6", day_of_week="1"))
def group_unanswered_questions() -> None:
    """Mondays 06:30: last week's unanswered questions become draft articles for the editors."""
    unanswered_group()
