"""Reads of the 工作台 (home): what the user owes today, in a fixed, small number of queries.

Every count goes through Model.objects.restrict(user, action), and each card counts exactly what the
list it links to shows (the same filter, the same queue definition), so a click never surprises.
One aggregate per model (several conditional COUNTs in one statement) keeps the number of queries
independent of the data: the home page costs the same on day one and at 100k customers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from kehu.access import policy, roles, scoping
from kehu.access.choices import RequestStatus
from kehu.access.models import AccessRequest, Notification
from kehu.engagement.choices import CareStatus, FollowUpStatus
from kehu.engagement.models import CareItem, ContactPlan, FollowUp
from kehu.servicedesk import selectors as desk
from kehu.servicedesk.choices import ComplaintState
from kehu.servicedesk.models import Complaint, SlaTimer

CASE_KINDS = ("complaint", "ticket", "demand")
CASE_TITLES = {"complaint": _("我的投诉"), "ticket": _("我的问题"), "demand": _("我的需求")}
APPROVALS_SHOWN = 10
REQUESTS_SHOWN = 5
MESSAGES_SHOWN = 5


@dataclass
class Tile:
    """One number on the home page and the list it opens."""

    key: str
    label: Any
    count: int
    url: str
    tone: str = ""  # "danger" (overdue, breached), "warning" (at risk) or "" (neutral)


@dataclass
class Section:
    key: str
    title: Any
    tiles: list[Tile] = field(default_factory=list)


@dataclass
class KpiTile:
    """One of my month's KPI figures (analytics.kpis, the 绩效考核 page's numbers) and that page."""

    key: str
    label: Any
    value: str
    detail: str
    url: str


@dataclass
class Home:
    sections: list[Section]
    approvals: list[Complaint]
    approvals_more: bool
    pending_access: int
    can_approve: bool
    my_requests: list[AccessRequest]
    messages: list[Notification]
    unread: int
    kpis: list[KpiTile] = field(default_factory=list)
    kpi_month: str = ""


def _url(name: str, **params: Any) -> str:
    base = reverse(name)
    return f"{base}?{urlencode(params)}" if params else base


def _engagement(user: Any, today: dt.date) -> Section:
    plans = (
        ContactPlan.objects.restrict(user, "view")
        # Only plans due by today count: the (assignee, next_due_on) index reads those, not every plan.
        .filter(assignee=user, customer__is_archived=False, next_due_on__lte=today)
        .aggregate(overdue=Count("pk", filter=Q(next_due_on__lt=today)), today=Count("pk", filter=Q(next_due_on=today)))
    )
    followups = (
        FollowUp.objects.restrict(user, "view")
        .filter(assignee=user, status=FollowUpStatus.PLANNED)
        .aggregate(overdue=Count("pk", filter=Q(due_on__lt=today)), open=Count("pk"))
    )
    # The care list shows the user's planned items up to 60 days ahead; the home counts what is due now.
    care = (
        CareItem.objects.restrict(user, "view")
        .filter(assignee=user, status=CareStatus.PLANNED, plan_on__lte=today)
        .aggregate(overdue=Count("pk", filter=Q(plan_on__lt=today)), today=Count("pk", filter=Q(plan_on=today)))
    )
    return Section(
        "engagement",
        _("联络与回访"),
        [
            Tile(
                "plans_overdue", _("逾期联络计划"), plans["overdue"], _url("engagement:plans", due="overdue"), "danger"
            ),
            Tile("plans_today", _("今日联络计划"), plans["today"], _url("engagement:plans", due="today")),
            Tile(
                "followups_overdue",
                _("逾期回访"),
                followups["overdue"],
                _url("engagement:followups", mine="on", overdue="on"),
                "danger",
            ),
            Tile(
                "followups_open",
                _("我的待回访"),
                followups["open"],
                _url("engagement:followups", mine="on", status="planned"),
            ),
            Tile("care_overdue", _("逾期关怀"), care["overdue"], _url("engagement:care", due="overdue"), "danger"),
            Tile("care_today", _("今日关怀"), care["today"], _url("engagement:care", due="today")),
        ],
    )


def _cases(user: Any, now: dt.datetime) -> Section:
    """My open cases by SLA state. "At risk" is the service desk's breaching queue (a deadline past its
    warning point), filtered to me: the link opens exactly that list."""
    section = Section("cases", _("我的服务台事项"))
    for kind in CASE_KINDS:
        owner = desk.OWNER[kind]
        timers = SlaTimer.objects.filter(**{kind: OuterRef("pk")}, stopped_at__isnull=True)
        counts = (
            desk.scoped(user, kind)
            .filter(desk.OPEN[kind], **{owner: user})
            .aggregate(
                open=Count("pk"),
                at_risk=Count("pk", filter=Q(Exists(timers.filter(warn_at__lte=now)))),
                breached=Count("pk", filter=Q(Exists(timers.filter(due_at__lte=now)))),
            )
        )
        list_name = f"servicedesk:{kind}_list"
        section.tiles += [
            Tile(f"{kind}_open", CASE_TITLES[kind], counts["open"], _url(list_name, queue="mine")),
            Tile(
                f"{kind}_at_risk",
                _("临近或已超时"),
                counts["at_risk"],
                _url(list_name, queue="breaching", **{owner: user.pk}),
                "danger" if counts["breached"] else "warning",
            ),
        ]
    return section


def approvals_for(user: Any) -> QuerySet[Complaint]:
    """Complaint plans waiting for this supervisor's decision (客服主管 approves, workflow.approve_plan)."""
    if not roles.is_cs_supervisor(user):
        return Complaint.objects.none()
    return (
        Complaint.objects.restrict(user, "edit")
        .filter(state=ComplaintState.PLAN_SUBMITTED)
        .select_related("customer", "plan_by")
        .order_by("updated_at", "id")
    )


def home_for(user: Any, *, unread: int, now: dt.datetime | None = None) -> Home:
    """The workbench home of `user`. `unread` is the page's unread count (access.selectors.request_unread_count):
    the header's bell shows the same figure, so the page reads it once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    can_approve = roles.is_cs_supervisor(user)
    approvals: list[Complaint] = list(approvals_for(user)[: APPROVALS_SHOWN + 1]) if can_approve else []
    pending_access = 0
    if can_approve:
        pending_access = len(
            AccessRequest.objects.restrict(user, "view")
            .filter(status=RequestStatus.PENDING)
            .exclude(requester=user)
            .values_list("pk", flat=True)[:100]
        )
    my_requests = list(
        AccessRequest.objects.restrict(user, "view")
        .filter(requester=user)
        .select_related("customer", "decided_by")
        .order_by("-id")[:REQUESTS_SHOWN]
    )
    sections = [_engagement(user, today)]
    cases = _cases(user, now)
    # Per role: the service desk's section is for the people who work cases (customer service,
    # technical support) and for anyone who has one; a salesperson without cases is not shown zeros.
    if roles.is_service_desk(user) or roles.is_tech_support(user) or any(t.count for t in cases.tiles):
        sections.append(cases)
    return Home(
        sections=sections,
        approvals=approvals[:APPROVALS_SHOWN],
        approvals_more=len(approvals) > APPROVALS_SHOWN,
        pending_access=pending_access,
        can_approve=can_approve,
        my_requests=my_requests,
        messages=list(messages_for(user)[:MESSAGES_SHOWN]),
        unread=unread,
        kpis=my_kpis(user, today),
        kpi_month=f"{today:%Y-%m}",
    )


def my_kpis(user: Any, today: dt.date) -> list[KpiTile]:
    """My figures of this month, exactly the KPI page's for me and this month (kehu.analytics.kpis, called,
    not copied): its working-day calendar and four grouped counts over my own rows (5 queries)."""
    from kehu.analytics import kpis

    month = f"{today:%Y-%m}"
    period = kpis.parse_period(month)
    assert period is not None
    rows = kpis.kpis(user, start=period[0], end=period[1], persons=[user])
    if not rows:
        return []
    row = rows[0]
    url = _url("analytics:kpis", period=month, user=user.pk)

    def share(part: int, whole: int) -> tuple[str, str]:
        return (f"{part}/{whole}", f"{round(100 * part / whole)}%") if whole else ("—", "")

    tiles = [
        ("plans", _("联络计划按时"), *share(row["plans_on_time"], row["plans_due"])),
        ("followups", _("回访按时"), *share(row["followups_on_time"], row["followups_due"])),
        ("complaints", _("投诉按时处理"), *share(row["complaints_on_time"], row["complaints_closed"])),
    ]
    score = row["satisfaction_avg"]
    tiles.append(
        ("satisfaction", _("服务满意度"), f"{score:.1f}" if score is not None else "—", "/ 5" if score else "")
    )
    return [KpiTile(key, label, value, detail, url) for key, label, value, detail in tiles]


# --- the message centre -------------------------------------------------------------------------------


def messages_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's own notifications (no customer data of their own: the link leads to a scoped page)."""
    queryset = Notification.objects.filter(user=user).order_by("-id")
    return queryset.filter(read_at__isnull=True) if unread_only else queryset


def message_page(user: Any, *, unread_only: bool, after: int | None, size: int = 30) -> tuple[list[Any], int | None]:
    queryset = messages_for(user, unread_only=unread_only)
    if after:
        queryset = queryset.filter(pk__lt=after)
    rows = list(queryset[: size + 1])
    if len(rows) > size:
        return rows[:size], rows[size - 1].pk
    return rows, None


# --- the customer picker ------------------------------------------------------------------------------

PICK_LIMIT = 10


def pick_customers(user: Any, q: str, *, purpose: str = "intake") -> list[dict[str, Any]]:
    """Type-ahead: customers the user may name in a form, matched by the archive search (two Chinese
    characters, pinyin, initials, a phone fragment). purpose "intake" (complaint, ticket, demand): the
    service desk's intake scope; "access" (an access request): every customer the user may list, which
    is what one asks access to. A row the user may only list, not open, is matched on its name only
    (customer_list_for), so a phone fragment never confirms whose number it is."""
    from kehu.customers.selectors import customer_list_for

    q = q.strip()[:50]
    if len(q) < 2:
        return []
    queryset = customer_list_for(user, q=q)
    if purpose != "access":
        queryset = queryset.filter(pk__in=desk.intake_customers(user).values("pk"))
    rows = queryset.filter(is_archived=False).values("pk", "name", "archive_no", "grade")[:PICK_LIMIT]
    return [{"id": r["pk"], "name": r["name"], "number": r["archive_no"], "grade": r["grade"]} for r in rows]


def editable_ids(user: Any, model: Any, ids: list[int], action: str = "edit") -> set[int]:
    """Which of a list page's rows the user may change (one query; none when the page is empty): the
    rows that get a selection checkbox for a batch action."""
    if not ids:
        return set()
    condition = scoping.condition(model, user, action)
    if condition is policy.ALL:
        # the rules give the user every row for this action (a marketing manager and the archive):
        # the page's rows, read through restrict() already, are all changeable; no query (issue 16)
        return set(ids)
    if condition is policy.NONE:
        return set()
    return set(model.objects.restrict(user, action).filter(pk__in=ids).values_list("pk", flat=True))


def saved_filters(user: Any, list_name: str) -> list[Any]:
    """The user's own saved filters on a list (nobody else's), by name."""
    from .models import SavedFilter

    return list(SavedFilter.objects.filter(user=user, list_name=list_name).order_by("name")[:30])
