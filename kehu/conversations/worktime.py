"""Time on a response clock: clock time, time on PRC working days, or office hours of working days.

Make-up working days (调休) count, national holidays do not (kehu.core.workcalendar). Office hours are
`KEHU["WORK_HOURS"]` ("09:00-18:00" by default) in the configured time zone.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from kehu.core import workcalendar

from .choices import TimeBasis

MAX_DAYS = 366


def office_hours() -> tuple[dt.time, dt.time]:
    text = str(getattr(settings, "KEHU", {}).get("WORK_HOURS", "09:00-18:00"))
    start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-"))
    return start, end


def _window(day: dt.date, basis: str) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    if basis == TimeBasis.WORKING_HOURS:
        start, end = office_hours()
        return dt.datetime.combine(day, start, tz), dt.datetime.combine(day, end, tz)
    return dt.datetime.combine(day, dt.time.min, tz), dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tz)


def _workdays(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return {row["date"]: bool(row["is_workday"]) for row in workcalendar.days(start, end)}  # type: ignore[misc]


def elapsed_seconds(start: dt.datetime, end: dt.datetime, basis: str) -> int:
    """Seconds of `basis` time between start and end (0 if end <= start)."""
    if end <= start:
        return 0
    if basis == TimeBasis.CLOCK:
        return int((end - start).total_seconds())
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    first, last = local_start.date(), min(local_end.date(), local_start.date() + dt.timedelta(days=MAX_DAYS))
    workdays = _workdays(first, last)
    total = 0.0
    day = first
    while day <= last:
        if workdays.get(day):
            open_at, close_at = _window(day, basis)
            overlap = min(close_at, local_end) - max(open_at, local_start)
            total += max(overlap.total_seconds(), 0)
        day += dt.timedelta(days=1)
    return int(total)


def add_minutes(start: dt.datetime, minutes: int, basis: str) -> dt.datetime:
    """The moment `minutes` of `basis` time after start."""
    if basis == TimeBasis.CLOCK:
        return start + dt.timedelta(minutes=minutes)
    remaining = dt.timedelta(minutes=minutes)
    local = timezone.localtime(start)
    day = local.date()
    horizon = day + dt.timedelta(days=60)
    workdays = _workdays(day, horizon)
    while day <= horizon:
        if workdays.get(day):
            open_at, close_at = _window(day, basis)
            begin = max(open_at, local)
            if begin < close_at:
                available = close_at - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
        if day > horizon:  # a target longer than the horizon: extend it
            horizon = day + dt.timedelta(days=60)
            workdays.update(_workdays(day, horizon))
    raise AssertionError("unreachable")
