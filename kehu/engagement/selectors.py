"""Reads of the contact engine. Every one starts from the user's scope: Model.objects.restrict(user, action)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core import search
from kehu.customers.models import Contact, Customer
from kehu.workbench.lists import Sort, sort_name

from .choices import BoardPeriod, BoardState, CareStatus, FollowUpStatus, FollowUpType
from .defaults import QUESTIONNAIRES
from .models import (
    BoardItem,
    CareItem,
    ContactPlan,
    FollowUp,
    FollowUpAction,
    Interaction,
    MaintenancePolicy,
    Questionnaire,
    ReplanJob,
)

BOARD_LIMIT = 100  # cards per source and board: a board is for people, lists are for everything


def week_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    start = today - dt.timedelta(days=today.weekday())
    return start, start + dt.timedelta(days=6)


def month_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    start = today.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def team_ids(user: Any) -> QuerySet[Any]:
    """The user and the people they manage (roles.managed_users_q: the one manager-chain rule)."""
    from kehu.accounts.models import User

    if roles.is_admin(user):
        return User.objects.filter(is_active=True).values("pk")
    return User.objects.filter(Q(pk=user.pk) | roles.managed_users_q(user)).values("pk")


# --- policies ---------------------------------------------------------------------------------------


def policies() -> list[MaintenancePolicy]:
    return list(MaintenancePolicy.objects.select_related("updated_by").order_by("scope", "key"))


def latest_jobs(limit: int = 5) -> list[ReplanJob]:
    return list(ReplanJob.objects.select_related("policy").order_by("-id")[:limit])


# --- contact plans ------------------------------------------------------------------------------------


def plans_for(
    user: Any,
    *,
    assignees: Any = None,
    due: str = "",
    today: dt.date | None = None,
    customer_id: int | None = None,
) -> QuerySet[ContactPlan]:
    """Contact plans of customers the user may view; due="overdue" | "week" | "today"."""
    today = today or timezone.localdate()
    queryset = (
        ContactPlan.objects.restrict(user, "view")
        .filter(customer__is_archived=False)
        .select_related("customer", "assignee")
    )
    if assignees is not None:
        queryset = queryset.filter(assignee__in=assignees)
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    if due == "overdue":
        queryset = queryset.filter(next_due_on__lt=today)
    elif due == "today":
        queryset = queryset.filter(next_due_on=today)
    elif due == "week":
        queryset = queryset.filter(next_due_on__lte=week_bounds(today)[1])
    return queryset.order_by("next_due_on", "id")


def id_page(queryset: QuerySet[Any], *, after: int | None, size: int = 50) -> tuple[list[Any], int | None]:
    """One keyset page of an `-id` ordered queryset."""
    if after:
        queryset = queryset.filter(id__lt=after)
    rows = list(queryset.order_by("-id")[: size + 1])
    if len(rows) > size:
        return rows[:size], rows[size - 1].pk
    return rows, None


# --- contact overview (客户联络一览表) ---------------------------------------------------------------------


def overview_for(
    user: Any,
    *,
    action: str = "view",
    q: str = "",
    grade: str = "",
    priority: str = "",
    owner_id: int | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Customer]:
    """Per customer: main contact and position, cooperation, products, preferences, last contact, next plan."""
    today = today or timezone.localdate()
    main = Contact.objects.unscoped("a subquery of the restricted customers below").filter(customer=OuterRef("pk"))
    main = main.order_by("-is_main_contact", "-is_key_person", "id")
    queryset: Any = (
        Customer.objects.restrict(user, action)
        .filter(is_archived=False)
        .select_related("contact_plan", "owner")
        .annotate(
            main_contact=Subquery(main.values("name")[:1]),
            main_position=Subquery(main.values("position")[:1]),
        )
    )
    if grade:
        queryset = queryset.filter(grade=grade)
    if priority:
        queryset = queryset.filter(priority=priority)
    if owner_id:
        queryset = queryset.filter(owner_id=owner_id)
    if overdue:
        queryset = queryset.filter(contact_plan__next_due_on__lt=today)
    if q.strip():
        queryset = search.search(queryset, q)
    return queryset.order_by("-id")


# --- interactions ----------------------------------------------------------------------------------------


def interactions_for(
    user: Any, *, customer_id: int | None = None, q: str = "", channel: str = "", actor_id: int | None = None
) -> QuerySet[Interaction]:
    queryset: Any = Interaction.objects.restrict(user, "view").select_related("customer", "contact", "actor")
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    if channel:
        queryset = queryset.filter(channel=channel)
    if actor_id:
        queryset = queryset.filter(actor_id=actor_id)
    if q.strip():
        queryset = search.search(queryset, q)
    return queryset.order_by("-id")


@dataclass
class TimelineEntry:
    when: dt.datetime | dt.date
    kind: str
    title: str
    detail: str = ""
    url: str = ""
    badge: str = ""
    obj: Any = None


def timeline(user: Any, customer: Customer, *, limit: int = 100) -> list[TimelineEntry]:
    """Interactions, follow-up visits and care of one customer, newest first (3 queries)."""
    tz = timezone.get_current_timezone()
    entries: list[TimelineEntry] = []
    for i in interactions_for(user, customer_id=customer.pk)[:limit]:
        entries.append(
            TimelineEntry(
                i.occurred_at,
                "interaction",
                f"{i.get_channel_display()} · {i.subject or i.content[:30]}",
                i.content,
                badge=str(i.actor),
                obj=i,
            )
        )
    followups = FollowUp.objects.restrict(user, "view").filter(customer=customer).select_related("assignee")
    for f in followups.order_by("-due_on", "-id")[:limit]:
        when = f.done_at or dt.datetime.combine(f.due_on, dt.time(0), tz)
        entries.append(
            TimelineEntry(
                when,
                "followup",
                f.get_type_display(),
                f.actions or f.note,
                f"/engagement/followups/{f.pk}/",
                f.get_status_display(),
                f,
            )
        )
    for c in CareItem.objects.restrict(user, "view").filter(customer=customer).order_by("-occasion_on", "-id")[:limit]:
        when = c.sent_at or dt.datetime.combine(c.plan_on, dt.time(0), tz)
        entries.append(TimelineEntry(when, "care", c.occasion, c.record, "", c.get_status_display(), c))
    entries.sort(
        key=lambda e: e.when if isinstance(e.when, dt.datetime) else dt.datetime.combine(e.when, dt.time(0), tz),
        reverse=True,
    )
    return entries[:limit]


def get_customer_for(user: Any, pk: int) -> Customer:
    customer = Customer.objects.restrict(user, "view").select_related("owner").filter(pk=pk).first()
    if customer is None:
        raise Http404(_("客户不存在或您无权查看。"))
    return customer


# --- follow-ups ----------------------------------------------------------------------------------------------


def followups_for(
    user: Any,
    *,
    status: str = "",
    type: str = "",
    assignee_id: int | None = None,
    customer_id: int | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
) -> QuerySet[FollowUp]:
    today = today or timezone.localdate()
    queryset = FollowUp.objects.restrict(user, "view").select_related("customer", "assignee")
    if status:
        queryset = queryset.filter(status=status)
    if type:
        queryset = queryset.filter(type=type)
    if assignee_id:
        queryset = queryset.filter(assignee_id=assignee_id)
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    if overdue:
        queryset = queryset.filter(status=FollowUpStatus.PLANNED, due_on__lt=today)
    return queryset.order_by("-id")


def get_followup_for(user: Any, pk: int) -> FollowUp:
    followup = (
        FollowUp.objects.restrict(user, "view").select_related("customer", "assignee", "done_by").filter(pk=pk).first()
    )
    if followup is None:
        raise Http404(_("回访不存在或您无权查看。"))
    return followup


def questions_for(type: str) -> list[str]:
    row = Questionnaire.objects.filter(type=type).first()
    return list(row.questions) if row is not None else list(QUESTIONNAIRES.get(type, []))


@dataclass
class FollowUpStats:
    type: str
    label: str
    total: int = 0
    done: int = 0
    on_time: int = 0
    overdue_open: int = 0
    satisfaction: float | None = None

    @property
    def completion_rate(self) -> float:
        return round(100 * self.done / self.total, 1) if self.total else 0.0

    @property
    def timeliness(self) -> float:
        return round(100 * self.on_time / self.done, 1) if self.done else 0.0


@dataclass
class FollowUpReport:
    rows: list[FollowUpStats] = field(default_factory=list)
    total: FollowUpStats = field(default_factory=lambda: FollowUpStats("", ""))


def followup_report(
    user: Any, *, since: dt.date, until: dt.date, today: dt.date | None = None, assignee_id: int | None = None
) -> FollowUpReport:
    """Completion rate (done / due in the period, cancelled ones left out) and timeliness (on time / done)."""
    today = today or timezone.localdate()
    queryset = (
        FollowUp.objects.restrict(user, "view")
        .filter(due_on__range=(since, until))
        .exclude(status=FollowUpStatus.CANCELLED)
    )
    if assignee_id:
        queryset = queryset.filter(assignee_id=assignee_id)
    grouped = {
        row["type"]: row
        for row in queryset.values("type").annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=FollowUpStatus.DONE)),
            on_time=Count("id", filter=Q(status=FollowUpStatus.DONE, on_time=True)),
            overdue_open=Count("id", filter=Q(status=FollowUpStatus.PLANNED, due_on__lt=today)),
            satisfaction=Avg("satisfaction", filter=Q(status=FollowUpStatus.DONE)),
        )
    }
    report = FollowUpReport()
    total = FollowUpStats("", _("合计"))
    weighted = 0.0
    for value, label in FollowUpType.choices:
        row: dict[str, Any] = dict(grouped.get(value, {}))
        stats = FollowUpStats(
            value,
            str(label),
            total=row.get("total", 0),
            done=row.get("done", 0),
            on_time=row.get("on_time", 0),
            overdue_open=row.get("overdue_open", 0),
            satisfaction=round(row["satisfaction"], 2) if row.get("satisfaction") is not None else None,
        )
        report.rows.append(stats)
        total.total += stats.total
        total.done += stats.done
        total.on_time += stats.on_time
        total.overdue_open += stats.overdue_open
        if stats.satisfaction is not None:
            weighted += stats.satisfaction * stats.done
    total.satisfaction = round(weighted / total.done, 2) if total.done else None
    report.total = total
    return report


# --- care --------------------------------------------------------------------------------------------------


def care_items_for(
    user: Any,
    *,
    status: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    assignee_id: int | None = None,
    kind: str = "",
) -> QuerySet[CareItem]:
    # Birthday items need view_sensitive (CareItem.access_scope): a birth date is personal data.
    queryset = CareItem.objects.restrict(user, "view").select_related("customer", "contact", "assignee")
    if status:
        queryset = queryset.filter(status=status)
    if since:
        queryset = queryset.filter(plan_on__gte=since)
    if until:
        queryset = queryset.filter(plan_on__lte=until)
    if assignee_id:
        queryset = queryset.filter(assignee_id=assignee_id)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-id")


def get_care_item_for(user: Any, pk: int) -> CareItem:
    item = care_items_for(user).filter(pk=pk).first()
    if item is None:
        raise Http404(_("关怀事项不存在或您无权查看。"))
    return item


# --- boards ----------------------------------------------------------------------------------------------------


@dataclass
class Card:
    kind: str  # plan | followup | care | item
    title: str
    day: dt.date
    customer: Customer | None
    obj: Any
    overdue: bool = False
    detail: str = ""


@dataclass
class Board:
    person: Any
    today: dt.date
    columns: dict[str, list[Card]]
    items_by_state: dict[str, list[BoardItem]] = field(default_factory=dict)
    week_start: dt.date | None = None  # the weekly board's week (Monday); None: the current week

    @property
    def tomorrow(self) -> dt.date:
        return self.today + dt.timedelta(days=1)

    # --- week navigation (issue 11) ---
    @property
    def monday(self) -> dt.date:
        return self.week_start or week_bounds(self.today)[0]

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def is_current_week(self) -> bool:
        return self.monday == week_bounds(self.today)[0]

    @property
    def previous_week(self) -> dt.date:
        return self.monday - dt.timedelta(days=7)

    @property
    def next_week(self) -> dt.date:
        return self.monday + dt.timedelta(days=7)

    @property
    def active_column(self) -> str:
        """The column a phone shows first."""
        return "today" if "today" in self.columns else "week"

    @property
    def week_drop_day(self) -> dt.date | None:
        """The day a card dropped into the 本周 column is planned on: in the current week the first day after
        tomorrow (the column holds the rest of the week), in a later week its Monday. None where the column
        means no future day (the weekend of the current week, a past week): the drop is refused there."""
        if self.is_current_week:
            day = self.today + dt.timedelta(days=2)
            return day if day <= self.sunday else None
        return self.monday if self.monday > self.today else None


def board_items_for(user: Any, *, owner_ids: Any = None) -> QuerySet[BoardItem]:
    """Board cards of the user's team (BoardItem.access_scope: the owner chain, and a card about a
    customer only for those who may view that customer)."""
    queryset = BoardItem.objects.restrict(user, "view")
    if owner_ids is not None:
        queryset = queryset.filter(owner__in=owner_ids)
    return queryset.select_related("customer", "owner").order_by("planned_on", "id")


def _plan_is_visit(plan: ContactPlan) -> bool:
    return bool(plan.next_visit_on and plan.next_visit_on == plan.next_due_on)


def weekly_board(user: Any, *, person: Any, today: dt.date | None = None, week: dt.date | None = None) -> Board:
    """Overdue, today, tomorrow, the rest of the week, done: plans, visits, care and board cards (4 queries).

    `week` (any day of it) shows another week (issue 11's week navigation): its work in one column (本周,
    overdue where past) and its finished cards; the overdue, today and tomorrow columns belong to the
    current week only."""
    today = today or timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    current_start, end = week_bounds(today)
    start = week_bounds(week)[0] if week else current_start
    if start != current_start:
        return _other_week(user, person=person, today=today, start=start)
    end = max(end, tomorrow)
    columns: dict[str, list[Card]] = {"overdue": [], "today": [], "tomorrow": [], "week": [], "done": []}

    def column(day: dt.date) -> str:
        if day < today:
            return "overdue"
        if day == today:
            return "today"
        if day == tomorrow:
            return "tomorrow"
        return "week"

    _add_cards(user, person, columns, column, today=today, first=None, last=end)
    items = board_items_for(user, owner_ids=[person.pk]).filter(period=BoardPeriod.WEEK, planned_on__lte=end)
    items = items.filter(Q(state__in=[BoardState.TODO, BoardState.DOING]) | Q(planned_on__gte=start))
    _add_items(items, columns, column)
    return Board(person=person, today=today, columns=columns)


def _other_week(user: Any, *, person: Any, today: dt.date, start: dt.date) -> Board:
    end = start + dt.timedelta(days=6)
    columns: dict[str, list[Card]] = {"week": [], "done": []}
    _add_cards(user, person, columns, lambda day: "week", today=today, first=start, last=end)
    items = board_items_for(user, owner_ids=[person.pk]).filter(period=BoardPeriod.WEEK, planned_on__range=(start, end))
    _add_items(items, columns, lambda day: "week")
    for card in columns["week"]:
        card.overdue = card.day < today  # a past week's open work is late; its finished cards are not
    return Board(person=person, today=today, columns=columns, week_start=start)


def _add_cards(
    user: Any, person: Any, columns: dict[str, list[Card]], column: Any, *, today: dt.date, first: Any, last: dt.date
) -> None:
    """Contact plans, planned visits and care items due up to `last` (from `first`, when given): 3 queries."""
    plans = (
        ContactPlan.objects.restrict(user, "view")
        .filter(assignee=person, customer__is_archived=False, next_due_on__lte=last)
        .select_related("customer")
    )
    if first is not None:
        plans = plans.filter(next_due_on__gte=first)
    for plan in plans.order_by("next_due_on", "id")[:BOARD_LIMIT]:
        day = plan.next_due_on
        assert day is not None
        visit = _plan_is_visit(plan)
        title = _("拜访") if visit else _("电话联络")
        columns[column(day)].append(
            Card("plan", title, day, plan.customer, plan, day < today, "visit" if visit else "phone")
        )
    visits = (
        FollowUp.objects.restrict(user, "view")
        .filter(assignee=person, status=FollowUpStatus.PLANNED, due_on__lte=last)
        .select_related("customer")
    )
    if first is not None:
        visits = visits.filter(due_on__gte=first)
    for f in visits.order_by("due_on", "id")[:BOARD_LIMIT]:
        columns[column(f.due_on)].append(
            Card("followup", f.get_type_display(), f.due_on, f.customer, f, f.due_on < today)
        )
    care = (
        CareItem.objects.restrict(user, "view")
        .filter(assignee=person, status=CareStatus.PLANNED, plan_on__lte=last)
        .select_related("customer")
    )
    if first is not None:
        care = care.filter(plan_on__gte=first)
    for c in care.order_by("plan_on", "id")[:BOARD_LIMIT]:
        columns[column(c.plan_on)].append(Card("care", c.occasion, c.plan_on, c.customer, c, c.plan_on < today))


def _add_items(items: Any, columns: dict[str, list[Card]], column: Any) -> None:
    for item in items[:BOARD_LIMIT]:
        target = "done" if item.state == BoardState.DONE else column(item.planned_on)
        columns[target].append(
            Card("item", item.title, item.planned_on, item.customer, item, target == "overdue", item.note)
        )
    for cards in columns.values():
        cards.sort(key=lambda c: (c.day, c.kind))


def monthly_board(user: Any, *, person: Any, today: dt.date | None = None) -> Board:
    """The month's plan and work spanning weeks: board cards by state, plus the month's due visits by week."""
    today = today or timezone.localdate()
    start, end = month_bounds(today)
    items = board_items_for(user, owner_ids=[person.pk]).filter(
        Q(planned_on__range=(start, end)) | Q(planned_on__lt=start, state__in=[BoardState.TODO, BoardState.DOING])
    )
    by_state: dict[str, list[BoardItem]] = {s: [] for s in BoardState.values}
    for item in items[: BOARD_LIMIT * 3]:
        by_state[item.state].append(item)
    columns: dict[str, list[Card]] = {}
    visits = (
        FollowUp.objects.restrict(user, "view")
        .filter(assignee=person, status=FollowUpStatus.PLANNED, due_on__range=(start, end))
        .select_related("customer")
    )
    for f in visits.order_by("due_on", "id")[:BOARD_LIMIT]:
        week = f"{f.due_on.isocalendar().week}"
        columns.setdefault(week, []).append(
            Card("followup", f.get_type_display(), f.due_on, f.customer, f, f.due_on < today)
        )
    return Board(person=person, today=today, columns=columns, items_by_state=by_state)


# --- results by person and service quality (回访制度细则 二.2, 投诉处理方案 八.2) ------------------------


def _person(row: dict[str, Any], prefix: str) -> str:
    name = f"{row.get(prefix + '__last_name') or ''}{row.get(prefix + '__first_name') or ''}"
    return name or str(row.get(prefix + "__username") or "—")


def followup_results_by_person(
    user: Any, *, since: dt.date, until: dt.date, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Follow-up results per person who was to visit: due, done, on time, overdue, average score."""
    today = today or timezone.localdate()
    rows: Any = (
        FollowUp.objects.restrict(user, "view")
        .filter(due_on__range=(since, until))
        .exclude(status=FollowUpStatus.CANCELLED)
        .values("assignee_id", "assignee__username", "assignee__last_name", "assignee__first_name")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=FollowUpStatus.DONE)),
            on_time=Count("id", filter=Q(status=FollowUpStatus.DONE, on_time=True)),
            overdue_open=Count("id", filter=Q(status=FollowUpStatus.PLANNED, due_on__lt=today)),
            satisfaction=Avg("satisfaction", filter=Q(status=FollowUpStatus.DONE)),
        )
        .order_by("assignee_id")
    )
    result: list[dict[str, Any]] = []
    for grouped in rows:
        row = dict(grouped)
        row["name"] = _person(row, "assignee")
        row["completion_rate"] = round(100 * row["done"] / row["total"], 1) if row["total"] else 0.0
        row["timeliness"] = round(100 * row["on_time"] / row["done"], 1) if row["done"] else 0.0
        row["satisfaction"] = round(row["satisfaction"], 2) if row["satisfaction"] is not None else None
        result.append(row)
    return result


def service_quality_by_staff(user: Any, *, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """服务态度、响应速度、解决能力 per staff member whose service the visits rated (投诉处理方案 八.2
    "作为对客户服务部工作的评价依据")."""
    rows: Any = (
        FollowUp.objects.restrict(user, "view")
        .filter(status=FollowUpStatus.DONE, served_by__isnull=False, done_at__date__range=(since, until))
        .values("served_by_id", "served_by__username", "served_by__last_name", "served_by__first_name")
        .annotate(
            visits=Count("id"),
            attitude=Avg("attitude"),
            speed=Avg("speed"),
            ability=Avg("ability"),
            satisfaction=Avg("satisfaction"),
        )
        .order_by("served_by_id")
    )
    result: list[dict[str, Any]] = []
    for grouped in rows:
        row = dict(grouped)
        row["name"] = _person(row, "served_by")
        for key in ("attitude", "speed", "ability", "satisfaction"):
            row[key] = round(row[key], 2) if row[key] is not None else None
        result.append(row)
    return result


def followup_actions_for(user: Any, *, status: str = "open", mine: bool = False) -> QuerySet[FollowUpAction]:
    queryset = FollowUpAction.objects.restrict(user, "view").select_related("customer", "owner", "followup")
    if status:
        queryset = queryset.filter(status=status)
    if mine:
        queryset = queryset.filter(owner=user)
    return queryset.order_by("due_on", "id")


# --- sorting of the engagement lists (issue 11; the lists' one mechanism, kehu.workbench.lists) ------------
# Each sort is backed by an index on (key, id) of the list's table (Meta.indexes); the customer's name and
# grade are the customer table's (its name index, its (grade, id) index), joined as the lists already do.


def _both(name: str, field: str, kind: str = "str", nullable: bool = False) -> dict[str, Sort]:
    return {
        name: Sort(field, kind=kind, nullable=nullable),
        f"-{name}": Sort(field, descending=True, kind=kind, nullable=nullable),
    }


PLAN_SORTS: dict[str, Sort] = {
    **_both("next_due_on", "next_due_on", "date", nullable=True),
    **_both("last_contact_on", "last_contact_on", "date", nullable=True),
    **_both("customer", "customer__name"),
    **_both("grade", "customer__grade"),
    **_both("assignee", "assignee_id", "int"),
}
FOLLOWUP_SORTS: dict[str, Sort] = {
    **_both("id", "id", "int"),
    **_both("due_on", "due_on", "date"),
    **_both("customer", "customer__name"),
    **_both("assignee", "assignee_id", "int"),
    **_both("status", "status"),
}
INTERACTION_SORTS: dict[str, Sort] = {
    **_both("id", "id", "int"),
    **_both("occurred_at", "occurred_at", "datetime"),
    **_both("customer", "customer__name"),
    **_both("actor", "actor_id", "int"),
}
SORTS = {
    "plans": (PLAN_SORTS, "next_due_on"),
    "followups": (FOLLOWUP_SORTS, "-id"),
    "interactions": (INTERACTION_SORTS, "-id"),
}


def list_sort(list_name: str, params: Any) -> tuple[str, Sort]:
    """The sort of an engagement list from its query string: (name, Sort); unknown names are the default."""
    sorts, default = SORTS[list_name]
    name = sort_name(params, sorts, default)
    return name, sorts[name]


# --- the engagement lists from their query strings (one parser for the page and its Excel export) -------


def plans_from_params(user: Any, params: Any) -> tuple[QuerySet[ContactPlan], str, str]:
    """The contact-plan list of plans.html: (queryset, scope, due)."""
    scope = params.get("scope", "mine")
    due = params.get("due", "overdue")
    assignees = team_ids(user) if scope == "team" else [user.pk]
    queryset = plans_for(user, assignees=assignees, due=due if due in ("overdue", "week", "today") else "")
    return queryset.order_by(*list_sort("plans", params)[1].order_by()), scope, due


def followups_from_params(user: Any, params: Any) -> tuple[Any, QuerySet[FollowUp]]:
    """The follow-up list of followups.html: (filter form, queryset)."""
    from .forms import FollowUpFilterForm

    form = FollowUpFilterForm(params or None)
    data = form.cleaned_data if form.is_valid() else {}
    queryset = followups_for(
        user,
        status=data.get("status", "") if form.is_bound else FollowUpStatus.PLANNED,
        type=data.get("type", ""),
        assignee_id=user.pk if data.get("mine") else None,
        overdue=bool(data.get("overdue")),
    )
    return form, queryset.order_by(*list_sort("followups", params)[1].order_by())


def interactions_from_params(user: Any, params: Any) -> tuple[str, QuerySet[Interaction]]:
    """The interaction list of interactions.html: (search text, queryset)."""
    q = str(params.get("q", "")).strip()[:100]
    queryset = interactions_for(user, q=q, channel=params.get("channel", ""))
    return q, queryset.order_by(*list_sort("interactions", params)[1].order_by())
