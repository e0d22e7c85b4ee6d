"""Channel statistics: per channel and per person, for one month (in the configured time zone).

A conversation counts in the month its response clock started (arrival, or the hand-over of a chat);
chats the assistant closed by itself never needed a person and are not counted. Within target means
the first human answer came within the channel's target measured on its basis (clock, working days,
office hours on the PRC calendar); a conversation still unanswered past its due time is a breach.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from .choices import ChannelKind
from .services import target_for


@dataclass
class Row:
    key: str
    label: str
    received: int = 0
    answered: int = 0
    within_target: int = 0
    breached: int = 0
    pending: int = 0
    _seconds: list[int] = field(default_factory=list)

    @property
    def average_minutes(self) -> float | None:
        return round(sum(self._seconds) / len(self._seconds) / 60, 1) if self._seconds else None

    @property
    def within_rate(self) -> float | None:
        decided = self.within_target + self.breached
        return round(self.within_target / decided * 100, 1) if decided else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "received": self.received,
            "answered": self.answered,
            "within_target": self.within_target,
            "breached": self.breached,
            "pending": self.pending,
            "average_response_minutes": self.average_minutes,
            "within_target_rate": self.within_rate,
        }


def month_bounds(period: str) -> tuple[dt.datetime, dt.datetime]:
    """ "2026-10" -> [2026-10-01 00:00, 2026-11-01 00:00) local time; ValueError if malformed."""
    year_text, month_text = period.split("-")
    if len(year_text) != 4 or len(month_text) != 2:
        raise ValueError(period)
    year, month = int(year_text), int(month_text)
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(start, dt.time.min, tz), dt.datetime.combine(end, dt.time.min, tz)


def channel_stats(queryset: Any, *, period: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """`queryset`: the conversations the reader may see (restricted by the caller)."""
    now = now or timezone.now()
    start, end = month_bounds(period)
    rows = (
        queryset.filter(waiting_since__gte=start, waiting_since__lt=end)
        .order_by()
        .values_list(
            "channel",
            "first_responder_id",
            "first_responder__username",
            "first_response_at",
            "due_at",
            "response_seconds",
        )
    )
    targets = {c: target_for(c) for c in ChannelKind.values}
    by_channel: dict[str, Row] = {c: Row(c, str(ChannelKind(c).label)) for c in ChannelKind.values}
    by_person: dict[str, Row] = defaultdict(lambda: Row("", ""))
    for channel, responder_id, username, answered_at, due_at, seconds in rows.iterator(chunk_size=2000):
        row = by_channel[channel]
        person = by_person[str(responder_id or "")]
        person.key, person.label = str(responder_id or ""), username or "—"
        for r in (row, person):
            r.received += 1
            if answered_at is not None:
                r.answered += 1
                r._seconds.append(seconds or 0)
                if (seconds or 0) <= targets[channel].minutes * 60:
                    r.within_target += 1
                else:
                    r.breached += 1
            elif due_at is not None and due_at <= now:
                r.breached += 1
            else:
                r.pending += 1
    channels = [r.as_dict() for r in by_channel.values() if r.received]
    people = [r.as_dict() for k, r in sorted(by_person.items()) if k]
    return {
        "period": period,
        "targets": {c: {"minutes": t.minutes, "basis": t.basis} for c, t in targets.items()},
        "channels": channels,
        "people": people,
    }
