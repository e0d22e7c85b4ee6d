"""Background work of the 工作台: sending workflow messages by e-mail and WeCom to the users who asked."""

from __future__ import annotations

from django.tasks import task


@task
def mail_notification(notification_id: int) -> int:
    """One workflow message out through each channel its user chose (workbench.delivery.send_for)."""
    from .delivery import send_for

    return send_for(notification_id)
