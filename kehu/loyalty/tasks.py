"""Background work of loyalty: sending a campaign, tier evaluation, points expiry."""

from __future__ import annotations

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task
def campaign_dispatch_task(campaign_id: int, actor_id: int) -> int:
    from .campaigns import campaign_dispatch

    return campaign_dispatch(campaign_id=campaign_id, actor_id=actor_id)


@db_periodic_task(crontab(minute="40", hour="2"))
def nightly_loyalty() -> None:
    """02:40: points that expired yesterday, then every member's tier over the rolling window."""
    from .points import points_expire
    from .tiers import tiers_evaluate_all

    points_expire()
    tiers_evaluate_all()
