"""Workflow messages by e-mail, WeCom and DingTalk for the users who asked for it (issue 11).

Every message is in the app (access.Notification, the bell). A user whose preference says "also by
e-mail" gets each one at their own address, "also WeCom" as a WeCom application message (企业微信应用消息)
to their own member id, "also DingTalk" as a DingTalk work notification (钉钉工作通知) to their own user id;
all are sent by one task after the transaction commits, through the messaging app's channels
(kehu.messaging.channels: the one mail path, the one WeCom path and the one DingTalk path of Kehu)."""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

# A WeCom member id (userid): letters, digits and _ - . @, up to 64 characters (WeCom's own rule).
WECOM_USERID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
# A DingTalk user id (userid): set by the tenant's admin or generated (digits); the same characters, at most 64.
DINGTALK_USERID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def preference_of(user_id: int) -> Any:
    from .models import DeliveryPreference

    return DeliveryPreference.objects.filter(user_id=user_id).first()


def wants_more_than_app(user_id: int) -> bool:
    from .models import DeliveryPreference

    return DeliveryPreference.objects.filter(Q(email=True) | Q(wecom=True) | Q(dingtalk=True), user_id=user_id).exists()


def wecom_configured() -> bool:
    from kehu.messaging.channels import messaging_conf

    return bool((messaging_conf("WECOM_APP", {}) or {}).get("CORP_ID"))


def dingtalk_configured() -> bool:
    from kehu.messaging.channels import messaging_conf

    conf = messaging_conf("DINGTALK_APP", {}) or {}
    return bool(conf.get("APP_KEY") and conf.get("AGENT_ID"))


def on_notified(sender: Any, notification: Any, **kwargs: Any) -> None:
    """access.signals.notified: queue the delivery when the message's transaction commits (a rollback
    takes the message back, and no mail or WeCom message says otherwise)."""
    if wants_more_than_app(notification.user_id):
        from .tasks import mail_notification

        transaction.on_commit(partial(mail_notification.enqueue, notification.pk))


def set_preference(
    *,
    actor: Any,
    email: bool,
    wecom: bool = False,
    wecom_userid: str = "",
    dingtalk: bool = False,
    dingtalk_userid: str = "",
) -> Any:
    from .models import DeliveryPreference

    preference, _created = DeliveryPreference.objects.update_or_create(
        user=actor,
        defaults={
            "email": email,
            "wecom": wecom,
            "wecom_userid": wecom_userid,
            "dingtalk": dingtalk,
            "dingtalk_userid": dingtalk_userid,
        },
    )
    return preference


def _footnote(channel: str) -> str:
    if channel == "email":
        return _("您在 Kehu 消息中心选择了同时以邮件接收工作消息。")
    if channel == "dingtalk_app":
        return _("您在 Kehu 消息中心选择了同时以钉钉接收工作消息。")
    return _("您在 Kehu 消息中心选择了同时以企业微信接收工作消息。")


def _targets(note: Any, preference: Any) -> list[tuple[str, str]]:
    """(channel, address) for each way the user asked for, which still has an address."""
    targets = []
    if preference.email and note.user.email:
        targets.append(("email", note.user.email))
    if preference.wecom and preference.wecom_userid:
        targets.append(("wecom_app", preference.wecom_userid))
    if preference.dingtalk and preference.dingtalk_userid:
        targets.append(("dingtalk_app", preference.dingtalk_userid))
    return targets


def send_for(notification_id: int) -> int:
    """Send one message through each channel its user asked for; the number sent (0 when there is
    nothing to send: opted out since, no address, inactive). A refused address is logged, not retried.
    A passing failure is raised so the task queue may try again, unless another channel already got
    the message out (a retry would send that one twice)."""
    from kehu.access.models import Notification
    from kehu.messaging.channels import Outgoing, SendError, channel_for, messaging_conf

    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    preference = preference_of(note.user_id) if note is not None else None
    if note is None or preference is None or not note.user.is_active:
        return 0
    link = ""
    if note.url.startswith("/"):
        link = messaging_conf("PUBLIC_URL", "").rstrip("/") + note.url
    sent, passing = 0, None
    for channel, address in _targets(note, preference):
        body = "\n\n".join(part for part in (note.message, link, _footnote(channel)) if part)
        message = Outgoing(
            delivery_id=note.pk,
            to=address,
            subject=_("【Kehu】%(message)s") % {"message": note.message[:120]},
            body=body,
            user_id=note.user_id,
            extra={"url": note.url},
        )
        try:
            channel_for(channel).send(message)
        except SendError as error:
            log.warning("workflow message %s not sent by %s: %s", note.pk, channel, error.reason)
            if not error.permanent:
                passing = error
            continue
        sent += 1
    if passing is not None and not sent:
        raise passing
    return sent
