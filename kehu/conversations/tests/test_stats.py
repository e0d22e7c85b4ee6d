"""Channel statistics on a fixed data set, against a hand count. October 2026: National Day
1–7 October is a holiday, Saturday 10 October a make-up working day (chinese_calendar data)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from kehu.conversations import services, stats, worktime
from kehu.conversations.models import Conversation

TZ = ZoneInfo("Asia/Shanghai")


def t(day: int, hour: int, minute: int = 0, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def test_working_days_skip_the_national_holiday_and_count_the_make_up_saturday(db: Any) -> None:
    # Wednesday 30 September 12:00 + 24 h on working days: 12 h on the 30th, then 1–7 Oct are off,
    # Thursday 8 Oct counts -> due Thursday 8 Oct 12:00.
    assert worktime.add_minutes(t(30, 12, month=9), 24 * 60, "working_days") == t(8, 12)
    # Friday 9 Oct 18:00 + 24 h: 6 h of Friday, Saturday 10 Oct is a make-up working day -> Sat 18:00.
    assert worktime.add_minutes(t(9, 18), 24 * 60, "working_days") == t(10, 18)
    # office hours 09:00–18:00: Tuesday 6 Oct (holiday) 10:00 + 30 min -> Thursday 8 Oct 09:30
    assert worktime.add_minutes(t(6, 10), 30, "working_hours") == t(8, 9, 30)
    assert worktime.elapsed_seconds(t(30, 17, month=9), t(8, 9, 30), "working_hours") == 90 * 60
    assert worktime.elapsed_seconds(t(3, 10), t(3, 11), "working_hours") == 0  # a holiday


def _conversation(channel: str, arrived: dt.datetime, answered: dt.datetime | None, responder: Any) -> Conversation:
    message = services.inbound_receive(channel=channel, handle="", body="测试", at=arrived)
    conversation = message.conversation
    if answered is not None:
        services._first_response(conversation, responder, answered)
        conversation.save()
    return conversation


def test_channel_stats_match_the_hand_count(users: dict[str, Any]) -> None:
    cs, cs_lead = users["cs"], users["cs_lead"]
    data = [
        # channel, arrived, answered, who          hand count
        ("email", t(30, 16, month=9), t(8, 10), cs),  # September: not in October's report
        ("email", t(2, 9), t(8, 20), cs),  # holiday arrival: clock from 8 Oct 00:00 -> 20 h: within
        ("email", t(9, 12), t(10, 11), cs),  # Fri 12:00 -> make-up Sat 11:00 = 23 h: within
        ("email", t(9, 12), t(12, 13), cs_lead),  # Fri 12 -> Mon 13 (Sun off) = 12+24+13 = 49 h: breached
        ("phone", t(12, 10, 0), t(12, 10, 2), cs),  # 2 min: within
        ("phone", t(12, 11, 0), t(12, 11, 5), cs_lead),  # 5 min: breached
        ("phone", t(3, 11, 0), t(3, 11, 2), cs),  # holiday, clock time: 2 min within
        ("phone", t(13, 9, 0), None, None),  # never answered, due long past: breached
        ("web_chat", t(7, 20), t(8, 9, 3), cs),  # office hours: 3 min within
    ]
    for channel, arrived, answered, who in data:
        _conversation(channel, arrived, answered, who)
    report = stats.channel_stats(Conversation.objects.unscoped("test"), period="2026-10", now=t(20, 0))
    channels = {row["key"]: row for row in report["channels"]}
    assert channels["email"]["received"] == 3
    assert channels["email"]["within_target"] == 2
    assert channels["email"]["breached"] == 1
    assert channels["phone"]["received"] == 4
    assert channels["phone"]["answered"] == 3
    assert channels["phone"]["within_target"] == 2
    assert channels["phone"]["breached"] == 2
    assert channels["phone"]["average_response_minutes"] == 3.0  # (2 + 5 + 2) / 3
    assert channels["web_chat"]["within_target"] == 1
    assert channels["email"]["average_response_minutes"] == round((20 + 23 + 49) * 60 / 3, 1)
    people = {row["label"]: row for row in report["people"]}
    assert people["cs"]["answered"] == 5 and people["cs"]["within_target"] == 5
    assert people["cs_lead"]["answered"] == 2 and people["cs_lead"]["breached"] == 2


def test_the_api_report_and_its_bad_input(api_for: Any, users: dict[str, Any]) -> None:
    _conversation("phone", t(12, 10), t(12, 10, 1), users["cs"])
    response = api_for("cs_lead").get("/api/channel-stats/?period=2026-10")
    assert response.status_code == 200
    assert response.json()["channels"][0]["received"] == 1
    for bad in ("2026-13", "2026", "x", ""):
        assert api_for("cs_lead").get(f"/api/channel-stats/?period={bad}").status_code == 400
