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


def service_stats(user: Any, *, start: dt.date, end: dt.date) -> dict[str, Any]:
    from kehu.servicedesk import choices as c
    from kehu.servicedesk.models import SlaTimer

    since, until = _aware(start), _aware(end + dt.timedelta(days=1))
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
    now = timezone.now()
    timers = (
        SlaTimer.objects.restrict(user, "view")
        .filter(started_at__gte=since, started_at__lt=until)
        .values("kind")
        .annotate(
            count=Count("pk"),
            met=Count("pk", filter=Q(stopped_at__isnull=False, stopped_at__lte=F("due_at"))),
            breached=Count(
                "pk",
                filter=Q(breached_at__isnull=False)
                | Q(stopped_at__gt=F("due_at"))
                | Q(stopped_at__isnull=True, due_at__lt=now),
            ),
            running=Count("pk", filter=Q(stopped_at__isnull=True, due_at__gte=now)),
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
        for row in timers
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
    }
