"""Background sending: one task per delivery, and a sweep for what waits (retries, quiet hours, rate limits)."""

from __future__ import annotations

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task
def deliver_task(delivery_id: int) -> str:
    from .services import delivery_attempt

    delivery = delivery_attempt(delivery_id)
    return delivery.status if delivery else "not due"


@db_periodic_task(crontab(minute="*"))
def deliveries_sweep() -> None:
    """Every minute: attempt what has become due (each in its own task, so workers share them)."""
    from .services import deliveries_due

    for delivery_id in deliveries_due():
        deliver_task.enqueue(delivery_id)
