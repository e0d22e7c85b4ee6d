"""Limits of what a user may type, shared by forms, serializers, query parameters and models.

Why: Python dates run from 0001-01-01 to 9999-12-31, but a period starting at 0001-01-01 cannot be
turned into an aware datetime (UTC+8 moves it before year 1) and one ending 9999-12-31 cannot get
its "next day"; both ended as 500s. Ids beyond 64 bits overflow SQLite's INTEGER and PostgreSQL's
bigint. So every date a user enters lies between MIN_DATE and MAX_DATE and every id fits in 63 bits.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2199, 12, 31)
MAX_ID = 2**63 - 1
_ID = re.compile(r"[0-9]{1,19}")


def parse_id(value: str | None) -> int | None:
    """A record id typed into a URL or a form, or None. ASCII digits only: str.isdigit() also says
    yes to "²" or "٣", which int() then refuses (a 500), and a 25-digit number overflows the column."""
    if not value or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


QUERY_MAX_CHARS = 2000


def parse_query(text: str) -> Any:
    """A list's query string carried inside a form field (a saved filter, an export of a selection).

    Bounded to QUERY_MAX_CHARS, so the number of fields is bounded too; parsed without Django's
    DATA_UPLOAD_MAX_NUMBER_FIELDS check, which would answer a field of 1,001 "&"s with a bare
    "Bad Request" page and a security log line instead of just ignoring the empty pairs.
    """
    from urllib.parse import parse_qsl

    from django.http import QueryDict

    parsed = QueryDict(mutable=True)
    for key, value in parse_qsl(text[:QUERY_MAX_CHARS], keep_blank_values=True):
        parsed.appendlist(key, value)
    return parsed


def date_range_message() -> str:
    return _("日期应在 %(min)s 至 %(max)s 之间。") % {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()}


def validate_plausible_date(value: dt.date | dt.datetime | None) -> None:
    """A date (or datetime) a person could mean: 1900-01-01 .. 2199-12-31."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValidationError(date_range_message(), code="date_range")


class DateField(forms.DateField):
    """forms.DateField limited to plausible dates (use it for every filter and form date)."""

    default_validators = [validate_plausible_date]


class DateTimeField(forms.DateTimeField):
    default_validators = [validate_plausible_date]

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            return super().to_python(value)
        except OverflowError as exc:  # making 0001-01-01T00:00 aware in UTC+8
            raise ValidationError(date_range_message(), code="date_range") from exc


def bad_form_response(request: Any, form: forms.Form) -> Any:
    """A download or action whose filter form is invalid: a 400 page naming what is wrong."""
    from django.shortcuts import render

    message = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return render(request, "core/bad_input.html", {"message": message}, status=400)


def safe_next(url: str | None, fallback: str) -> str:
    """A `next` the user may be sent to: a path on this site only. Redirects are never built from
    the Host header (with ALLOWED_HOSTS=* anyone chooses it), so no host at all is allowed here."""
    from django.utils.http import url_has_allowed_host_and_scheme

    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return fallback
