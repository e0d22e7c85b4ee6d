"""Reading the analysis pages' parameters the same way for pages and API: bad input is a clear
message in the user's language (ParamError), never a 500 and never a silent default."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.inputs import MAX_DATE, MIN_DATE, date_range_message

from . import kpis
from .selectors import DIMENSIONS


class ParamError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def date_value(params: Mapping[str, Any], name: str, default: dt.date) -> dt.date:
    value = (params.get(name) or "").strip()
    if not value:
        return default
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ParamError(name, _("日期格式应为 YYYY-MM-DD。")) from exc
    if not MIN_DATE <= day <= MAX_DATE:
        raise ParamError(name, date_range_message())
    return day


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve calendar months ending with the current one (a period the summaries precompute)."""
    first = today.replace(day=1)
    if first.month == 12:
        default_since = first.replace(month=1)
    else:
        default_since = first.replace(year=first.year - 1, month=first.month + 1)
    default_until = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return default_since, default_until


def date_range(params: Mapping[str, Any], names: tuple[str, str] = ("from", "to")) -> tuple[dt.date, dt.date]:
    """from/to (YYYY-MM-DD); unless given, the twelve calendar months ending with the current one
    (whole months, so the monthly sales summary answers); from after to is an error."""
    default_since, default_until = default_range(timezone.localdate())
    since = date_value(params, names[0], default_since)
    until = date_value(params, names[1], default_until)
    if since > until:
        raise ParamError(names[0], _("开始日期不能晚于结束日期。"))
    return since, until


def dimension(params: Mapping[str, Any], default: str = "grade") -> str:
    by = (params.get("by") or default).strip()
    if by not in DIMENSIONS:
        raise ParamError("by", _("可选值：%(choices)s") % {"choices": ", ".join(DIMENSIONS)})
    return by


def period(params: Mapping[str, Any]) -> tuple[dt.date, dt.date]:
    """period=YYYY-MM, this month by default."""
    value = (params.get("period") or "").strip() or timezone.localdate().strftime("%Y-%m")
    parsed = kpis.parse_period(value)
    if parsed is None:
        raise ParamError("period", _("期间格式应为 YYYY-MM。"))
    return parsed


def optional_int(params: Mapping[str, Any], name: str) -> int | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise ParamError(name, _("请输入整数。"))
    return int(value)
