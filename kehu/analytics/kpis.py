"""Staff performance (绩效考核, SPEC M11): per person and month, on the PRC working-day calendar.

- plans_due / plans_on_time: contact-plan due dates (PlanDue) in the month, and those met by the
  deadline.
- followups_due / followups_on_time: visits due in the month (cancelled ones left out), done by the
  deadline.
- complaints_closed / complaints_on_time: complaints the person received (受理人) that were closed in
  the month, and those handled (executed) by their promised deadline (already in working days).
- satisfaction_avg: the average 1–5 score of the visits that rated this person's service
  (FollowUp.served_by), done in the month: credited to whoever did the work at the time.

The deadline of a plan or visit date that falls on a day off (a weekend or a public holiday) is the
next working day; a make-up working day (调休上班) is a working day, so nothing moves past it. That
is the one rule the policies' "按时" needs on a holiday, taken from kehu.core.workcalendar.

Who sees whose figures: everyone their own, a manager the people they manage (roles.managed_users_q),
administrators everyone. The figures count only records the viewer may view (restrict).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Avg, Case, Count, DateField, F, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from kehu.access import roles
from kehu.core import workcalendar

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIELDS = (
    "plans_due",
    "plans_on_time",
    "followups_due",
    "followups_on_time",
    "complaints_closed",
    "complaints_on_time",
    "satisfaction_avg",
)


class NotAllowed(Exception):
    """The viewer may not see this person's figures."""


def parse_period(value: str) -> tuple[dt.date, dt.date] | None:
    """'2026-10' -> (2026-10-01, 2026-10-31); anything else -> None."""
    match = PERIOD.match(value or "")
    if not match:
        return None
    start = dt.date(int(match.group(1)), int(match.group(2)), 1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def deadlines(start: dt.date, end: dt.date) -> dict[dt.date, dt.date]:
    """Each day of [start, end] -> the day it must be done by: itself, or the next working day."""
    horizon = end + dt.timedelta(days=20)  # past any holiday week
    workdays: list[dt.date] = [d["date"] for d in workcalendar.days(start, horizon) if d["is_workday"]]  # type: ignore[misc]
    result: dict[dt.date, dt.date] = {}
    day = start
    index = 0
    while day <= end:
        while index < len(workdays) and workdays[index] < day:
            index += 1
        result[day] = workdays[index] if index < len(workdays) else day
        day += dt.timedelta(days=1)
    return result


def _deadline_case(field: str, table: dict[dt.date, dt.date]) -> Case:
    """The deadline of `field` as SQL: only the days that move need a WHEN."""
    whens = [When(**{field: day}, then=Value(deadline)) for day, deadline in table.items() if deadline != day]
    return Case(*whens, default=F(field), output_field=DateField())


def people(viewer: Any, user_id: int | None) -> list[Any]:
    """The people whose figures `viewer` may see (one query); NotAllowed for someone else's."""
    from kehu.accounts.models import User

    if not roles.is_active(viewer):
        raise NotAllowed
    if user_id is not None:
        if user_id == viewer.pk or roles.is_admin(viewer) or roles.manages(viewer, user_id):
            return list(User.objects.filter(pk=user_id, is_active=True))
        raise NotAllowed
    if roles.is_admin(viewer):
        return list(User.objects.filter(is_active=True).order_by("username"))
    if roles.is_manager(viewer):
        return list(User.objects.filter(Q(pk=viewer.pk) | roles.managed_users_q(viewer), is_active=True).distinct()
                    .order_by("username"))  # fmt: skip
    return [viewer]


def _plan_dues(viewer: Any, ids: list[int], start: dt.date, end: dt.date, table: dict[dt.date, dt.date]) -> Any:
    from .models import PlanDue

    # My own figures: PlanDue's scope lets the assignee see their own dates whatever the archive
    # rule, so those rows are exactly what restrict() would give, without its join to the customers.
    rows = (
        PlanDue.objects.restrict_own(viewer, "view") if ids == [viewer.pk] else PlanDue.objects.restrict(viewer, "view")
    )
    return rows.filter(assignee_id__in=ids, due_on__range=(start, end)).annotate(
        deadline=_deadline_case("due_on", table)
    )


PLAN_ON_TIME = Q(done_on__isnull=False, done_on__lte=F("deadline"))
FOLLOWUP_ON_TIME = Q(status="done", done_at__isnull=False, done_day__lte=F("deadline"))
COMPLAINT_ON_TIME = Q(deadline__isnull=False, handled_day__lte=F("deadline"))


def _followups(viewer: Any, ids: list[int], start: dt.date, end: dt.date, table: dict[dt.date, dt.date]) -> Any:
    from kehu.engagement.choices import FollowUpStatus
    from kehu.engagement.models import FollowUp

    return (
        FollowUp.objects.restrict(viewer, "view")
        .filter(assignee_id__in=ids, due_on__range=(start, end))
        .exclude(status=FollowUpStatus.CANCELLED)
        .annotate(
            deadline=_deadline_case("due_on", table),
            done_day=TruncDate("done_at", tzinfo=timezone.get_current_timezone()),
        )
    )


def _complaints(viewer: Any, ids: list[int], start: dt.date, end: dt.date) -> Any:
    from kehu.servicedesk.choices import ComplaintState
    from kehu.servicedesk.models import Complaint

    return (
        Complaint.objects.restrict(viewer, "view")
        .filter(
            receiver_id__in=ids,
            state=ComplaintState.CLOSED,
            closed_at__gte=_aware(start),
            closed_at__lt=_aware(end + dt.timedelta(days=1)),
        )
        .annotate(handled_day=TruncDate(Coalesce("executed_at", "closed_at"), tzinfo=timezone.get_current_timezone()))
    )


def _rated(viewer: Any, ids: list[int], start: dt.date, end: dt.date) -> Any:
    from kehu.engagement.choices import FollowUpStatus
    from kehu.engagement.models import FollowUp

    return FollowUp.objects.restrict(viewer, "view").filter(
        status=FollowUpStatus.DONE,
        done_at__isnull=False,
        served_by_id__in=ids,
        satisfaction__isnull=False,
        done_at__gte=_aware(start),
        done_at__lt=_aware(end + dt.timedelta(days=1)),
    )


# figure -> (kind of record, the records behind it): the drill-down lists exactly what was counted.
DRILLS = ("plans_due", "plans_on_time", "followups_due", "followups_on_time", "complaints_closed",
          "complaints_on_time", "satisfaction_avg")  # fmt: skip


def figure_records(viewer: Any, *, figure: str, start: dt.date, end: dt.date, person: Any) -> tuple[str, Any]:
    """The records one KPI figure of one person counts, restricted like the figure: ("plan", qs) etc."""
    ids = [person.pk]
    table = deadlines(start, end)
    if figure.startswith("plans_"):
        plans = _plan_dues(viewer, ids, start, end, table).select_related("customer")
        return "plan", (plans.filter(PLAN_ON_TIME) if figure == "plans_on_time" else plans).order_by("due_on", "pk")
    if figure.startswith("followups_"):
        visits = _followups(viewer, ids, start, end, table).select_related("customer")
        on_time = figure == "followups_on_time"
        return "followup", (visits.filter(FOLLOWUP_ON_TIME) if on_time else visits).order_by("due_on", "pk")
    if figure.startswith("complaints_"):
        cases = _complaints(viewer, ids, start, end).select_related("customer")
        on_time = figure == "complaints_on_time"
        return "complaint", (cases.filter(COMPLAINT_ON_TIME) if on_time else cases).order_by("closed_at", "pk")
    if figure == "satisfaction_avg":
        return "followup", _rated(viewer, ids, start, end).select_related("customer").order_by("done_at", "pk")
    raise ValueError(figure)


def kpis(viewer: Any, *, start: dt.date, end: dt.date, persons: list[Any]) -> list[dict[str, Any]]:
    """One row per person, the FIELDS above; four grouped queries whatever the number of people."""
    ids = [p.pk for p in persons]
    rows: dict[int, dict[str, Any]] = {p.pk: {"user": p, **dict.fromkeys(FIELDS, 0)} for p in persons}
    for person_row in rows.values():
        person_row["satisfaction_avg"] = None
    if not ids:
        return []
    table = deadlines(start, end)
    row: Any
    for row in (
        _plan_dues(viewer, ids, start, end, table)
        .values("assignee_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=PLAN_ON_TIME))
    ):
        rows[row["assignee_id"]].update(plans_due=row["due"], plans_on_time=row["on_time"])
    for row in (
        _followups(viewer, ids, start, end, table)
        .values("assignee_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=FOLLOWUP_ON_TIME))
    ):
        rows[row["assignee_id"]].update(followups_due=row["due"], followups_on_time=row["on_time"])
    for row in (
        _complaints(viewer, ids, start, end)
        .values("receiver_id")
        .annotate(closed=Count("pk"), on_time=Count("pk", filter=COMPLAINT_ON_TIME))
    ):
        rows[row["receiver_id"]].update(complaints_closed=row["closed"], complaints_on_time=row["on_time"])
    for row in _rated(viewer, ids, start, end).values("served_by_id").annotate(avg=Avg("satisfaction")):
        rows[row["served_by_id"]]["satisfaction_avg"] = round(float(row["avg"]), 2)
    return list(rows.values())


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
