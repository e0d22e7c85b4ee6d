"""The PRC working-day calendar: public holidays and make-up working days (调休).

is_workday() asks the admin-editable CalendarDay table first and falls back to
the chinesecalendar package (official notices), then to Monday–Friday for years
neither knows. Deadlines "within N working days" use add_working_days().
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .exceptions import DomainError
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


# chinese_calendar names its holidays in English; people read them in their own language.
HOLIDAY_NAMES = {
    "New Year's Day": gettext_lazy("元旦"),
    "Spring Festival": gettext_lazy("春节"),
    "Tomb-sweeping Day": gettext_lazy("清明节"),
    "Labour Day": gettext_lazy("劳动节"),
    "Dragon Boat Festival": gettext_lazy("端午节"),
    "National Day": gettext_lazy("国庆节"),
    "Mid-autumn Festival": gettext_lazy("中秋节"),
}


def days(start: dt.date, end: dt.date) -> list[dict[str, object]]:
    """Each day of [start, end]: working or not, its holiday name and whether an admin override decided it."""
    if (end - start).days > 366:
        raise ValueError("at most one year at a time")
    rows = {d.date: d for d in CalendarDay.objects.filter(date__range=(start, end))}
    result: list[dict[str, object]] = []
    current = start
    while current <= end:
        row = rows.get(current)
        if row is not None:
            result.append({"date": current, "is_workday": row.is_workday, "name": row.name, "source": "override"})
        else:
            workday = _package_is_workday(current)
            name = ""
            try:
                _on_holiday, holiday = chinese_calendar.get_holiday_detail(current)
            except NotImplementedError:
                holiday = None
            if holiday:
                name = str(HOLIDAY_NAMES.get(str(holiday), str(holiday)))
                if workday:
                    name = _("%(holiday)s调休") % {"holiday": name}
            result.append({"date": current, "is_workday": workday, "name": name, "source": "package"})
        current += dt.timedelta(days=1)
    return result


def calendar_day_set(*, actor: object, date: dt.date, is_workday: bool, name: str = "") -> CalendarDay:
    """An admin decides one day (a new year's schedule before the package knows it, or a company exception)."""
    from kehu.access import roles  # core sits below access: asked at call time

    if not roles.is_admin(actor):
        raise DomainError(_("只有管理员可以修改工作日历。"))
    day, _created = CalendarDay.objects.update_or_create(
        date=date, defaults={"is_workday": is_workday, "name": (name or "").strip()[:60]}
    )
    return day


def calendar_import(*, actor: object, text: str) -> int:
    """Lines "2027-01-01,休,元旦" / "2027-02-07,班,春节调休" (also 0/1, off/work); all or nothing."""
    from kehu.access import roles  # core sits below access: asked at call time

    if not roles.is_admin(actor):
        raise DomainError(_("只有管理员可以修改工作日历。"))
    parsed: list[tuple[dt.date, bool, str]] = []
    errors: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip().replace("，", ",")
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        try:
            date = dt.date.fromisoformat(parts[0])
            kind = parts[1].lower()
        except (ValueError, IndexError):
            errors.append(_("第 %(n)s 行格式有误：%(line)s") % {"n": number, "line": line})
            continue
        if kind in ("班", "1", "work", "workday"):
            workday = True
        elif kind in ("休", "0", "off", "holiday"):
            workday = False
        else:
            errors.append(_("第 %(n)s 行格式有误：%(line)s") % {"n": number, "line": line})
            continue
        parsed.append((date, workday, parts[2] if len(parts) > 2 else ""))
    if errors:
        raise DomainError(_("导入失败，未做任何修改。"), field_errors={"text": errors})
    with transaction.atomic():
        for date, workday, name in parsed:
            CalendarDay.objects.update_or_create(date=date, defaults={"is_workday": workday, "name": name[:60]})
    return len(parsed)
