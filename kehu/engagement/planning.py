"""Pure date arithmetic of the contact engine: which policy governs a customer, when is it due.

No database access except `policies_by_key()`; the re-plan job calls `compute()` for
thousands of customers per batch.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from kehu.customers.choices import Channel

from .choices import PolicyScope

# Channels that count as a phone-type contact and those that count as a visit (a visit also resets the phone clock).
VISIT_CHANNELS = {Channel.VISIT, Channel.MEETING}


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PolicyTerms:
    phone_every_days: int | None
    visit_every_months: int | None
    visit_whom: str


@dataclass(frozen=True)
class PolicyRow:
    phone_every_days: int | None
    visit_every_months: int | None
    visit_whom: str


def policies_by_key() -> dict[tuple[str, str], PolicyRow]:
    from .models import MaintenancePolicy

    rows = {
        (p.scope, p.key): PolicyRow(p.phone_every_days, p.visit_every_months, p.visit_whom)
        for p in MaintenancePolicy.objects.all()
    }
    if rows:
        return rows
    from .defaults import POLICIES  # a flushed database: SPEC M2's defaults, never "no policy"

    return {(scope, key): PolicyRow(phone, visit, whom) for scope, key, phone, visit, whom, _r in POLICIES}


def _stricter(*values: int | None) -> int | None:
    present = [v for v in values if v]
    return min(present) if present else None


def terms_for(policies: dict[tuple[str, str], PolicyRow], grade: str, priority: str) -> PolicyTerms:
    """The grade's policy and the priority's policy both apply; for each frequency the stricter wins."""
    empty = PolicyRow(None, None, "")
    by_grade = policies.get((PolicyScope.GRADE, grade), empty)
    by_priority = policies.get((PolicyScope.PRIORITY, priority), empty)
    return PolicyTerms(
        phone_every_days=_stricter(by_grade.phone_every_days, by_priority.phone_every_days),
        visit_every_months=_stricter(by_grade.visit_every_months, by_priority.visit_every_months),
        visit_whom=" / ".join(w for w in (by_grade.visit_whom, by_priority.visit_whom) if w),
    )


@dataclass(frozen=True)
class Schedule:
    next_phone_on: dt.date | None
    next_visit_on: dt.date | None

    @property
    def next_due_on(self) -> dt.date | None:
        dates = [d for d in (self.next_phone_on, self.next_visit_on) if d]
        return min(dates) if dates else None


def schedule(
    terms: PolicyTerms, *, anchor_on: dt.date, last_phone_on: dt.date | None, last_visit_on: dt.date | None
) -> Schedule:
    """The clock starts at the last contact of each kind (or the plan's start) and runs one period."""
    phone = None
    if terms.phone_every_days:
        phone = (last_phone_on or anchor_on) + dt.timedelta(days=terms.phone_every_days)
    visit = None
    if terms.visit_every_months:
        visit = add_months(last_visit_on or anchor_on, terms.visit_every_months)
    return Schedule(phone, visit)
