"""Reads of the service desk. Every read starts from the user's customers (access.policy)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access.policy import customers_for
from kehu.core import search

from .choices import ComplaintState, ConsultationState, DemandState, TicketState
from .models import Complaint, Consultation, Demand, MailMessage, SlaTimer, Ticket, TimelineEntry

OPEN_COMPLAINT = Q(state__in=[s for s in ComplaintState.values if s != ComplaintState.CLOSED])
OPEN_TICKET = Q(state__in=[TicketState.NEW, TicketState.RESPONDED, TicketState.ANALYSED, TicketState.IN_PROGRESS])
OPEN_DEMAND = Q(state__in=[DemandState.RESEARCHING, DemandState.DEVELOPING])
OPEN_CONSULTATION = Q(state__in=[ConsultationState.RECORDED, ConsultationState.HANDLED, ConsultationState.TRACKING])
MODELS: dict[str, Any] = {"complaint": Complaint, "ticket": Ticket, "demand": Demand, "consultation": Consultation}
OPEN = {"complaint": OPEN_COMPLAINT, "ticket": OPEN_TICKET, "demand": OPEN_DEMAND, "consultation": OPEN_CONSULTATION}
OWNER = {"complaint": "receiver", "ticket": "owner", "demand": "owner", "consultation": "owner"}
DEPARTMENT = {
    "complaint": "responsible_department",
    "ticket": "department",
    "demand": "department",
    "consultation": "department",
}
# List filters each backed by an index (Meta.indexes): state, owner/receiver, department, channel, ...
FILTERS = {
    "complaint": ("state", "receiver", "responsible_department", "channel", "category", "customer"),
    "ticket": ("state", "owner", "department", "urgency", "customer"),
    "demand": ("state", "owner", "department", "type", "customer"),
    "consultation": ("state", "owner", "department", "type", "customer"),
}


def _with_next_timer(queryset: QuerySet[Any], kind: str) -> QuerySet[Any]:
    """The nearest open deadline of each row (one correlated subquery, no N+1)."""
    open_timers = SlaTimer.objects.filter(**{kind: OuterRef("pk")}, stopped_at__isnull=True).order_by("due_at")
    return queryset.annotate(
        next_due=Subquery(open_timers.values("due_at")[:1]),
        next_warn=Subquery(open_timers.values("warn_at")[:1]),
        next_kind=Subquery(open_timers.values("kind")[:1]),
    )


def scoped(user: Any, kind: str) -> QuerySet[Any]:
    return MODELS[kind].objects.filter(customer__in=customers_for(user, "view"))


NUMBER = re.compile(r"^(TS|WT|XQ|ZX)-\d{4}-\d{6}$", re.IGNORECASE)


def record_list_for(user: Any, kind: str, *, queue: str = "", q: str = "", **filters: Any) -> QuerySet[Any]:
    """q: a record number (exact), or a customer (name, pinyin, phone or e-mail fragment, via core.search)."""
    queryset = scoped(user, kind).select_related("customer", OWNER[kind])
    q = q.strip()
    if q:
        if NUMBER.match(q):
            queryset = queryset.filter(number=q.upper())
        else:
            queryset = queryset.filter(customer__in=search.search(customers_for(user, "view"), q).values("pk"))
    clean = {k: v for k, v in filters.items() if k in FILTERS[kind] and v not in (None, "")}
    if clean:
        queryset = queryset.filter(
            **{(f"{k}_id" if k in ("receiver", "owner", "customer") else k): v for k, v in clean.items()}
        )
    queryset = apply_queue(queryset, user, kind, queue)
    return _with_next_timer(queryset, kind).order_by("-id")


def apply_queue(queryset: QuerySet[Any], user: Any, kind: str, queue: str, now: dt.datetime | None = None) -> Any:
    if not queue:
        return queryset
    queryset = queryset.filter(OPEN[kind])
    if queue == "mine":
        return queryset.filter(**{OWNER[kind]: user})
    if queue == "department":
        return queryset.filter(**{DEPARTMENT[kind]: user.department or "-"})
    if queue == "unassigned":
        return queryset.filter(**{f"{OWNER[kind]}__isnull": True})
    if queue == "breaching":
        now = now or timezone.now()
        soon = SlaTimer.objects.filter(stopped_at__isnull=True, warn_at__lte=now).values(kind)
        return queryset.filter(pk__in=soon)
    return queryset


def page(queryset: QuerySet[Any], *, after: int | None, size: int = 50) -> tuple[list[Any], int | None]:
    if after:
        queryset = queryset.filter(id__lt=after)
    rows = list(queryset[: size + 1])
    if len(rows) > size:
        return rows[:size], rows[size - 1].pk
    return rows, None


DETAIL_RELATED = {
    "complaint": ("receiver", "plan_by", "plan_approved_by"),
    "ticket": ("owner",),
    "demand": ("owner",),
    "consultation": ("owner", "receiver"),
}


def get_record_for(user: Any, kind: str, pk: int) -> Any:
    record = scoped(user, kind).select_related("customer", *DETAIL_RELATED[kind]).filter(pk=pk).first()
    if record is None:
        raise Http404(_("记录不存在或您无权查看。"))
    return record


def timeline_of(record: Any, kind: str) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(**{kind: record}).select_related("actor").order_by("id"))


def timers_of(record: Any, kind: str) -> list[SlaTimer]:
    return list(SlaTimer.objects.filter(**{kind: record}).select_related("owner", "escalated_to").order_by("id"))


def mails_of(record: Any, kind: str) -> list[MailMessage]:
    if kind not in ("complaint", "ticket"):
        return []
    return list(MailMessage.objects.filter(**{kind: record}).prefetch_related("attachments").order_by("id"))


def unmatched_mail() -> QuerySet[MailMessage]:
    """Mail from unknown senders: customer-service staff assign it to a customer or dismiss it."""
    return (
        MailMessage.objects.filter(customer__isnull=True, complaint__isnull=True, ticket__isnull=True, dismissed=False)
        .prefetch_related(Prefetch("attachments"))
        .order_by("-id")
    )


COUNT_CAP = 100


def queue_counts(user: Any) -> dict[str, int]:
    """Open items per queue, counted up to COUNT_CAP per kind (a bounded count, never a full scan)."""
    counts: dict[str, int] = {}
    for queue in ("mine", "department", "unassigned", "breaching"):
        counts[queue] = sum(
            apply_queue(scoped(user, kind), user, kind, queue).values("pk")[:COUNT_CAP].count() for kind in MODELS
        )
    return counts


def sla_compliance(
    user: Any, *, since: dt.datetime, until: dt.datetime, by: str = "department"
) -> list[dict[str, Any]]:
    """Timers due in [since, until): how many were met, how many breached, per department or person."""
    now = timezone.now()
    customers = customers_for(user, "view")
    scope = Q(complaint__customer__in=customers) | Q(ticket__customer__in=customers) | Q(demand__customer__in=customers)
    key = "department" if by == "department" else "owner_id"
    group = [key] if by == "department" else [key, "owner__username", "owner__last_name", "owner__first_name"]
    rows = (
        SlaTimer.objects.filter(scope, due_at__gte=since, due_at__lt=until, due_at__lte=now)
        .values(*group)
        .annotate(
            total=Count("id"),
            breached=Count(
                "id", filter=Q(breached_at__isnull=False) | Q(stopped_at__gt=F("due_at")) | Q(stopped_at__isnull=True)
            ),
        )
        .order_by(key)
    )
    result = []
    for row in rows:
        row = dict(row)
        row["met"] = row["total"] - row["breached"]
        row["rate"] = round(100 * row["met"] / row["total"], 1) if row["total"] else None
        result.append(row)
    return result
