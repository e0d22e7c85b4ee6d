from __future__ import annotations

import datetime as dt
from typing import Any

from kehu.access.models import Notification
from kehu.conversations import services
from kehu.conversations.sla import conversations_sweep


def test_the_phone_target_warns_then_escalates_once(users: dict[str, Any]) -> None:
    arrived = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    conversation = services.inbound_receive(channel="phone", handle="13900000000", body="来电", at=arrived).conversation
    assert conversation.due_at == arrived + dt.timedelta(minutes=3)
    assert conversations_sweep(now=arrived + dt.timedelta(minutes=1)) == {"warned": 0, "breached": 0}
    assert conversations_sweep(now=arrived + dt.timedelta(minutes=2, seconds=30)) == {"warned": 1, "breached": 0}
    assert conversations_sweep(now=arrived + dt.timedelta(minutes=4)) == {"warned": 0, "breached": 1}
    assert conversations_sweep(now=arrived + dt.timedelta(minutes=5)) == {"warned": 0, "breached": 0}
    conversation.refresh_from_db()
    assert conversation.breached_at is not None and conversation.escalated_to == users["cs_lead"]
    assert Notification.objects.filter(user=users["cs_lead"], message__contains="响应超时升级").count() == 1


def test_an_answered_conversation_is_never_escalated(users: dict[str, Any]) -> None:
    arrived = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    conversation = services.inbound_receive(channel="phone", handle="13900000001", body="来电", at=arrived).conversation
    services.conversation_reply(
        actor=users["cs"], conversation=conversation, body="您好", now=arrived + dt.timedelta(minutes=1)
    )
    assert conversations_sweep(now=arrived + dt.timedelta(hours=1)) == {"warned": 0, "breached": 0}
