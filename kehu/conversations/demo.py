"""Demo conversations for `make run`: an unmatched WeCom message, an SMS and a missed call (idempotent)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def seed(customers: int = 0, stdout: Any = None) -> None:
    from .models import Conversation
    from .services import call_record, inbound_receive

    if Conversation.objects.unscoped("demo data").exists():
        return
    now = timezone.now()
    inbound_receive(
        channel="wecom", handle="demo-wecom-user", body="你好，请问设备保修几年？", at=now - dt.timedelta(minutes=20)
    )
    inbound_receive(channel="sms", handle="13900001234", body="发票什么时候能寄出？", at=now - dt.timedelta(hours=2))
    call_record(
        actor=None,
        number="13900005678",
        rang_at=now - dt.timedelta(minutes=30),
        ended_at=now - dt.timedelta(minutes=29),
    )
    if stdout is not None:
        stdout.write("conversations: 3 demo contacts (an unmatched WeCom message, an SMS, a missed call)")
