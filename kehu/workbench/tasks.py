"""Background work of the 工作台: mailing workflow messages to the users who asked for e-mail."""

from __future__ import annotations

from django.tasks import task


@task
def mail_notification(notification_id: int) -> int:
    from .delivery import send_mail_for

    return send_mail_for(notification_id)
