"""Workflow messages by e-mail for the users who asked for it (issue 11).

Every message is in the app (access.Notification, the bell). A user whose preference says "also by
e-mail" gets each one at their own address, sent in a task after the transaction commits, through
the messaging app's e-mail channel (kehu.messaging.channels: the one mail path of Kehu)."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def wants_email(user_id: int) -> bool:
    from .models import DeliveryPreference

    return DeliveryPreference.objects.filter(user_id=user_id, email=True).exists()


def on_notified(sender: Any, notification: Any, **kwargs: Any) -> None:
    """access.signals.notified: queue the mail when the message's transaction commits (a rollback
    takes the message back, and no mail says otherwise)."""
    if wants_email(notification.user_id):
        from .tasks import mail_notification

        transaction.on_commit(partial(mail_notification.enqueue, notification.pk))


def set_preference(*, actor: Any, email: bool) -> Any:
    from .models import DeliveryPreference

    preference, _created = DeliveryPreference.objects.update_or_create(user=actor, defaults={"email": email})
    return preference


def send_mail_for(notification_id: int) -> int:
    """Mail one message to its user's own address; 0 when there is nothing to send (opted out since,
    no address, inactive). A refused address is logged, not retried; a passing failure is raised so the
    task queue may try again."""
    from kehu.access.models import Notification
    from kehu.messaging.channels import Outgoing, SendError, channel_for, messaging_conf

    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None or not note.user.is_active or not note.user.email or not wants_email(note.user_id):
        return 0
    link = ""
    if note.url.startswith("/"):
        link = messaging_conf("PUBLIC_URL", "").rstrip("/") + note.url
    body = "\n\n".join(
        part for part in (note.message, link, _("您在 Kehu 消息中心选择了同时以邮件接收工作消息。")) if part
    )
    message = Outgoing(
        delivery_id=note.pk,
        to=note.user.email,
        subject=_("【Kehu】%(message)s") % {"message": note.message[:120]},
        body=body,
        user_id=note.user_id,
        extra={"url": note.url},
    )
    try:
        channel_for("email").send(message)
    except SendError as error:
        if not error.permanent:
            raise
        log.warning("workflow message %s not mailed: %s", note.pk, error.reason)
        return 0
    return 1
