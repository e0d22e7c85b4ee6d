"""Service statistics of one month (SPEC M11 "投诉、问题、需求统计；响应和解决时间对比目标").

Counts of complaints, problems, demands and consultations by category or type, and every SLA
timer that started in the month against its target: met (stopped by its due time), breached,
still running. Targets and due times are already in PRC working time (servicedesk.sla), so the
comparison here is plain. One grouped query per kind of case, one for the timers; all restricted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from kehu.accounts.choices import Department


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _grouped(queryset: Any, field: str, labels: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    rows = queryset.values(field).annotate(count=Count("pk"), **extra).order_by("-count", field)
    return [
        {
            "key": r[field],
            "label": str(labels.get(r[field], r[field] or "—")),
            **{k: v for k, v in r.items() if k != field},
        }
        for r in rows
    ]


def cases(user: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The month's cases of each kind the user may view: what the counts count and what their
    drill-down lists (one definition for both, so a list always matches its number)."""
    from kehu.servicedesk.models import Complaint, Consultation, Demand, Ticket

    since, until = _aware(start), _aware(end + dt.timedelta(days=1))
    return {
        "complaints": Complaint.objects.restrict(user, "view").filter(received_at__gte=since, received_at__lt=until),
        "tickets": Ticket.objects.restrict(user, "view").filter(reported_at__gte=since, reported_at__lt=until),
        "demands": Demand.objects.restrict(user, "view").filter(raised_at__range=(start, end)),
        "consultations": Consultation.objects.restrict(user, "view").filter(
            received_at__gte=since, received_at__lt=until
        ),
    }


# kind -> the fields a count may be grouped by (the ?group= of the drill-down)
GROUPS: dict[str, tuple[str, ...]] = {
    "complaints": ("category",),
    "tickets": ("urgency", "department"),
    "demands": ("type",),
    "consultations": ("type",),
}


def case_records(user: Any, *, kind: str, group: str, key: str | None, start: dt.date, end: dt.date) -> Any:
    """The cases behind one count of the service page (kind, group field, its value), restricted."""
    if kind not in GROUPS or group not in GROUPS[kind]:
        raise ValueError(kind)
    queryset = cases(user, start, end)[kind]
    if key is not None:
        queryset = queryset.filter(**{group: key})
    return queryset.select_related("customer").order_by("pk")


# The outcomes of an SLA timer the page counts and the drill-down lists: one definition for both.
TIMER_OUTCOMES = ("all", "met", "breached", "at_risk", "running")
CASE_PATHS = ("complaint", "ticket", "demand", "consultation")


def timer_conditions(now: dt.datetime) -> dict[str, Q]:
    return {
        "all": Q(),
        "met": Q(stopped_at__isnull=False, stopped_at__lte=F("due_at")),
        "breached": Q(breached_at__isnull=False)
        | Q(stopped_at__gt=F("due_at"))
        | Q(stopped_at__isnull=True, due_at__lt=now),
        "running": Q(stopped_at__isnull=True, due_at__gte=now),
        # still running, past its warning time: about to breach (预警)
        "at_risk": Q(stopped_at__isnull=True, breached_at__isnull=True, due_at__gte=now, warn_at__lte=now),
    }


def timers(user: Any, start: dt.date, end: dt.date) -> Any:
    """The SLA timers started in the period whose case the user may view."""
    from kehu.servicedesk.models import SlaTimer

    return SlaTimer.objects.restrict(user, "view").filter(
        started_at__gte=_aware(start), started_at__lt=_aware(end + dt.timedelta(days=1))
    )


def timer_records(user: Any, *, kind: str | None, outcome: str, start: dt.date, end: dt.date, now: dt.datetime) -> Any:
    """The timers behind one count of the page's timer table (kind None: every kind), with their case
    and its customer, restricted like the count."""
    if outcome not in TIMER_OUTCOMES:
        raise ValueError(outcome)
    queryset = timers(user, start, end).filter(timer_conditions(now)[outcome])
    if kind:
        queryset = queryset.filter(kind=kind)
    related = [f"{path}__customer" for path in CASE_PATHS]
    return queryset.select_related(*related).order_by("due_at", "pk")


def service_stats(user: Any, *, start: dt.date, end: dt.date) -> dict[str, Any]:
    from kehu.servicedesk import choices as c

    kinds = cases(user, start, end)
    complaints, tickets, demands, consultations = (
        kinds["complaints"],
        kinds["tickets"],
        kinds["demands"],
        kinds["consultations"],
    )
    by_category = _grouped(
        complaints,
        "category",
        dict(c.ComplaintCategory.choices),
        closed=Count("pk", filter=Q(state=c.ComplaintState.CLOSED)),
    )
    by_urgency = _grouped(
        tickets,
        "urgency",
        dict(c.Urgency.choices),
        closed=Count("pk", filter=Q(state__in=[c.TicketState.CLOSED, c.TicketState.REVIEWED])),
    )
    by_demand_type = _grouped(demands, "type", dict(c.DemandType.choices), closed=Count("pk", filter=Q(state="done")))
    by_topic = _grouped(
        consultations, "type", dict(c.ConsultationTopic.choices), closed=Count("pk", filter=Q(state="closed"))
    )
    when = timer_conditions(timezone.now())
    timer_counts = (
        timers(user, start, end)
        .values("kind")
        .annotate(
            count=Count("pk"),
            met=Count("pk", filter=when["met"]),
            breached=Count("pk", filter=when["breached"]),
            running=Count("pk", filter=when["running"]),
            at_risk=Count("pk", filter=when["at_risk"]),
        )
        .order_by("kind")
    )
    labels = dict(c.TimerKind.choices)
    timer_rows = [
        {
            **row,
            "label": str(labels.get(row["kind"], row["kind"])),
            "met_rate": round(row["met"] / (row["met"] + row["breached"]), 3) if row["met"] + row["breached"] else None,
        }
        for row in timer_counts
    ]
    by_department = _grouped(tickets, "department", dict(Department.choices))

    def total(rows: list[dict[str, Any]]) -> int:
        return sum(r["count"] for r in rows)

    return {
        "start": start,
        "end": end,
        "complaints": {"count": total(by_category), "by_category": by_category},
        "tickets": {"count": total(by_urgency), "by_urgency": by_urgency, "by_department": by_department},
        "demands": {"count": total(by_demand_type), "by_type": by_demand_type},
        "consultations": {"count": total(by_topic), "by_type": by_topic},
        "timers": timer_rows,
        "breaches": sum(r["breached"] for r in timer_rows),
        "at_risk": sum(r["at_risk"] for r in timer_rows),
    }
