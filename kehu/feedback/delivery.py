"""The one seam to the messaging layer (kehu.messaging.services.message_send, API-MESSAGING.md).

Feedback never sends mail itself: it queues a delivery there, which applies consent, quiet hours
and frequency caps, retries, and lists the delivery on the customer's timeline.
"""

from __future__ import annotations

import importlib
from typing import Any


def send(*, channel: str, to: Any, subject: str, body: str, customer: Any, contact: Any, related: str) -> Any:
    services = importlib.import_module("kehu.messaging.services")
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
