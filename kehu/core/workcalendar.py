"""The PRC working-day calendar: public holidays and make-up working days (调休).

is_workday() asks the admin-editable CalendarDay table first and falls back to
the chinesecalendar package (official notices), then to Monday–Friday for years
neither knows. Deadlines "within N working days" use add_working_days().
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar

from .models import CalendarDay


@lru_cache(maxsize=8192)
def _package_is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package has no data for
        return day.weekday() < 5


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


def is_workday(day: dt.date) -> bool:
    override = _overrides(day, day).get(day)
    return _package_is_workday(day) if override is None else override


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted).

    A purchase on the Friday before National Day plus 3 working days lands after
    the holiday week, counting the make-up Saturday if there is one.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    # A long holiday is at most ~9 days; 3x the span plus slack covers any stretch.
    horizon = start + dt.timedelta(days=days * 3 + 30)
    overrides = _overrides(start, horizon)
    current, counted = start, 0
    while counted < days:
        current += dt.timedelta(days=1)
        workday = overrides.get(current)
        if workday is None:
            workday = _package_is_workday(current)
        if workday:
            counted += 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after start up to and including end (0 if end <= start)."""
    if end <= start:
        return 0
    overrides = _overrides(start, end)
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        workday = overrides.get(current)
        if workday is None:
            workday = _package_is_workday(current)
        count += workday
    return count
