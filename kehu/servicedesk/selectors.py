"""Reads of the service desk. Every read starts from the user's scope: Model.objects.restrict(user, action).

Complaints, tickets and demands are visible to the service desk whatever the customer's grade
(客户投诉处理方案 三.1), to the department a case is routed to and to the people on it, and to
whoever may open the customer's archive (see the models' access_scope)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.access.audit import log_access
from kehu.workbench.lists import Sort, keyset_page

from .choices import ComplaintState, ConsultationState, DemandState, TicketState
from .models import Complaint, Consultation, Demand, MailAttachment, MailMessage, SlaTimer, Ticket, TimelineEntry

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


def scoped(user: Any, kind: str, action: str = "view") -> QuerySet[Any]:
    return MODELS[kind].objects.restrict(user, action)


def intake_customers(user: Any) -> QuerySet[Any]:
    """Customers a user may open a case for: the service desk (and technical support, for problem
    tickets) accepts cases of every customer it can find by name, of every grade (三.1); anyone
    else only for customers whose archive they may open."""
    from kehu.customers.models import Customer

    if roles.is_service_desk(user) or roles.is_tech_support(user):
        return Customer.objects.restrict(user, "list")
    return Customer.objects.restrict(user, "view")


NUMBER = re.compile(r"^(TS|WT|XQ|ZX)-\d{4}-\d{6}$", re.IGNORECASE)


# Sortable columns of the case lists (issue 11), each paged by a keyset on (key, id): "-id" newest first
# (the default), "id" oldest first, "next_due" the nearest open deadline first (no deadline last).
SORT_KEYS = {
    "-id": Sort("id", descending=True),
    "id": Sort("id"),
    "next_due": Sort("next_due", kind="datetime", nullable=True),
}
SORTS = tuple(SORT_KEYS)


def record_list_for(
    user: Any, kind: str, *, queue: str = "", q: str = "", request: Any = None, sort: str = "-id", **filters: Any
) -> QuerySet[Any]:
    """q: a record number (exact), or a customer (name, pinyin, phone or e-mail fragment, via the
    customer list's search, which matches an archive the user may not open on its name only).
    A search is logged like the customer list's."""
    from kehu.customers.selectors import customer_list_for

    queryset = scoped(user, kind).select_related("customer", OWNER[kind])
    q = q.strip()
    if q:
        if NUMBER.match(q):
            queryset = queryset.filter(number=q.upper())
        else:
            queryset = queryset.filter(customer__in=customer_list_for(user, q=q).values("pk"))
        log_access(user=user, action="search", request=request, query=q, detail={"via": f"servicedesk:{kind}"})
    clean = {k: v for k, v in filters.items() if k in FILTERS[kind] and v not in (None, "")}
    if clean:
        queryset = queryset.filter(
            **{(f"{k}_id" if k in ("receiver", "owner", "customer") else k): v for k, v in clean.items()}
        )
    queryset = _with_next_timer(apply_queue(queryset, user, kind, queue), kind)
    return queryset.order_by(*SORT_KEYS.get(sort, SORT_KEYS["-id"]).order_by())


def sorted_page(queryset: QuerySet[Any], *, sort: str, after: str, size: int = 50) -> tuple[list[Any], str]:
    """One keyset page of a list ordered by `sort` (SORTS), through the lists' one keyset mechanism
    (kehu.workbench.lists.keyset_page). Returns the rows and the next cursor ("" at the end)."""
    return keyset_page(queryset, SORT_KEYS.get(sort, SORT_KEYS["-id"]), after=after, size=size)


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


# The rows of a case the caller already holds (fetched through get_record_for): its related managers.
def timeline_of(record: Any, kind: str) -> list[TimelineEntry]:
    return list(record.timeline.select_related("actor").order_by("id"))


def timers_of(record: Any, kind: str) -> list[SlaTimer]:
    return list(record.timers.select_related("owner", "escalated_to").order_by("id"))


def mails_of(record: Any, kind: str) -> list[MailMessage]:
    if kind not in ("complaint", "ticket"):
        return []
    return list(record.mails.prefetch_related("attachments").order_by("id"))


def unmatched_mail(user: Any) -> QuerySet[MailMessage]:
    """Mail from unknown senders: customer-service staff assign it to a customer or dismiss it."""
    return (
        MailMessage.objects.restrict(user, "view")
        .filter(customer__isnull=True, complaint__isnull=True, ticket__isnull=True, dismissed=False)
        .prefetch_related(Prefetch("attachments"))
        .order_by("-id")
    )


def attachment_for(user: Any, pk: int) -> MailAttachment:
    attachment = MailAttachment.objects.restrict(user, "view").select_related("message").filter(pk=pk).first()
    if attachment is None:
        raise Http404(_("附件不存在或您无权查看。"))
    return attachment


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
    key = "department" if by == "department" else "owner_id"
    group = [key] if by == "department" else [key, "owner__username", "owner__last_name", "owner__first_name"]
    rows = (
        SlaTimer.objects.restrict(user, "view")
        .filter(due_at__gte=since, due_at__lt=until, due_at__lte=now)
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
