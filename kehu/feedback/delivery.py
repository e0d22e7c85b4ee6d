"""The one seam to the messaging layer (kehu.messaging.services.message_send, API-MESSAGING.md).

Feedback never sends mail itself: it queues a delivery there, which applies consent, quiet hours
and frequency caps, retries, and lists the delivery on the customer's timeline.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.utils.translation import gettext as _

from kehu.core.exceptions import DomainError


def send(*, channel: str, to: Any, subject: str, body: str, customer: Any, contact: Any, related: str) -> Any:
    try:
        services = importlib.import_module("kehu.messaging.services")
    except ModuleNotFoundError as exc:  # before kehu.messaging is installed: a clear refusal, not a 500
        raise DomainError(_("消息发送模块未安装，无法发送电子邮件；请改用二维码或企业微信/钉钉消息文本。")) from exc
    return services.message_send(
        actor=None,
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        topic="surveys",
        contact=contact,
        customer=customer,
        related=related,
    )
