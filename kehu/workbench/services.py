"""Writes of the 工作台: reading messages, approving a complaint plan from the home page.

Approving reuses the service desk's workflow (servicedesk.services.transition): the same checks
(scope, who may, state, version) and the same trace as on the complaint page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access.models import Notification
from kehu.access.selectors import forget_unread_count
from kehu.core.exceptions import DomainError
from kehu.core.inputs import parse_query


@transaction.atomic
def message_mark_read(*, actor: Any, pk: int) -> Notification | None:
    """Mark one of the actor's own messages read; another user's message is not found (None)."""
    note = Notification.objects.select_for_update().filter(user=actor, pk=pk).first()
    if note is None:
        return None
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
        forget_unread_count(actor.pk)
    return note


@transaction.atomic
def messages_mark_all_read(*, actor: Any) -> int:
    forget_unread_count(actor.pk)
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


def complaint_plan_approve(*, actor: Any, complaint: Any, version: int | None, note: str = "") -> Any:
    from kehu.servicedesk import services as desk

    return desk.transition(
        "complaint", actor=actor, record=complaint, name="approve_plan", data={"note": note}, version=version
    )


# --- batch actions on lists (issue 11): all selected rows or none ------------------------------------------

BATCH_MAX = 200  # one page of a list is 50 rows; a batch never reaches past a few pages


def selection(ids: list[int]) -> list[int]:
    """The selected row ids of a batch action, each once, 1 to BATCH_MAX of them (DomainError otherwise)."""
    return _ids(ids)


def _ids(ids: list[int]) -> list[int]:
    unique = sorted(set(ids))
    if not unique or len(unique) > BATCH_MAX:
        raise DomainError(_("请选择 1 到 %(max)d 行。") % {"max": BATCH_MAX})
    return unique


@transaction.atomic
def customers_transfer_owner(*, actor: Any, ids: list[int], owner: Any) -> int:
    """Give the selected customers a new owner. Only customers the actor may edit (marketing keeps the
    archive, docs/permissions.md "edit") can be transferred; if any selected one is not among them,
    nothing changes (PermissionDenied). Each change goes through customers.services.customer_update:
    the same right check, history row and archive-update record as the customer's edit page."""
    from kehu.customers import services as customer_services
    from kehu.customers.models import Customer

    wanted = _ids(ids)
    if owner is None or not owner.is_active:
        raise DomainError(_("请选择新的负责人。"))
    rows = list(
        Customer.objects.restrict(actor, "edit").filter(pk__in=wanted).select_for_update(of=("self",)).order_by("pk")
    )
    if [c.pk for c in rows] != wanted:
        raise PermissionDenied(_("所选客户中有您无权修改的档案，未做任何修改。"))
    changed = 0
    for customer in rows:
        if customer.owner_id == owner.pk:
            continue
        customer_services.customer_update(actor=actor, customer=customer, version=None, owner=owner)
        changed += 1
    return changed


@transaction.atomic
def plans_transfer_owner(*, actor: Any, ids: list[int], owner: Any) -> int:
    """转移负责人 from the contact-plan list. A plan's assignee is its customer's owner by design (the
    policy makes the 客户经理 responsible for contact; engagement.services.plan_refresh sets it on every
    re-plan), so a plan is not re-assigned on its own: the selected plans' customers get the new owner,
    through customers_transfer_owner (the customer list's batch: who may edit the archive, all or
    nothing), and each plan follows (customers publishes customer_owner_changed, engagement re-plans).
    A selected plan the actor may not see is refused like a customer they may not edit."""
    from kehu.engagement.models import ContactPlan

    wanted = _ids(ids)
    customer_ids = list(
        ContactPlan.objects.restrict(actor, "view").filter(pk__in=wanted).values_list("customer_id", flat=True)
    )
    if len(customer_ids) != len(wanted):
        raise PermissionDenied(_("所选客户中有您无权修改的档案，未做任何修改。"))
    return customers_transfer_owner(actor=actor, ids=customer_ids, owner=owner)


@transaction.atomic
def followups_close(*, actor: Any, ids: list[int], reason: str) -> int:
    """Close (cancel with a reason) the selected planned follow-ups assigned to the actor. A follow-up
    someone else owes, or one already done, is not the actor's to close: then nothing changes."""
    from kehu.engagement import services as engagement
    from kehu.engagement.choices import FollowUpStatus
    from kehu.engagement.models import FollowUp

    wanted = _ids(ids)
    if not reason.strip():
        raise DomainError(_("请填写关闭原因。"))
    rows = list(
        FollowUp.objects.restrict(actor, "edit")
        .filter(pk__in=wanted, assignee=actor, status=FollowUpStatus.PLANNED)
        .select_related("customer")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if [f.pk for f in rows] != wanted:
        raise PermissionDenied(_("所选回访中有不是您负责的或已结束的，未做任何修改。"))
    for followup in rows:
        engagement.followup_cancel(actor=actor, followup=followup, reason=reason.strip()[:300])
    return len(rows)


@transaction.atomic
def followups_reassign(*, actor: Any, ids: list[int], assignee: Any) -> int:
    """改派 the selected planned follow-ups to one person. Only follow-ups the actor may edit
    (`restrict(actor, "edit")`: who may view the customer, and the visit's own assignee; docs/permissions.md)
    can be moved; if any selected one is not among them, nothing changes (PermissionDenied), and if one is
    done or cancelled, nothing changes either (the refusal names its customer). The new assignee is told in
    the app (one message for the batch), and so is each previous assignee who is not the actor."""
    from kehu.engagement import services as engagement
    from kehu.engagement.models import FollowUp

    wanted = _ids(ids)
    if assignee is None or not assignee.is_active:
        raise DomainError(_("请选择新的回访人。"))
    rows = list(
        FollowUp.objects.restrict(actor, "edit")
        .filter(pk__in=wanted)
        .select_related("customer", "assignee")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if [f.pk for f in rows] != wanted:
        raise PermissionDenied(_("所选回访中有您无权改派的，未做任何修改。"))
    moved: list[tuple[Any, Any]] = []
    for followup in rows:
        previous = followup.assignee
        try:
            changed = engagement.followup_reassign(actor=actor, followup=followup, assignee=assignee)
        except DomainError as error:  # the whole batch rolls back: say which row stopped it
            raise DomainError(f"{followup.customer.name}：{error.message}") from error
        if changed:
            moved.append((followup, previous))
    _tell_reassigned(actor, assignee, moved)
    return len(moved)


def _tell_reassigned(actor: Any, assignee: Any, moved: list[tuple[Any, Any]]) -> None:
    """One message to the new assignee (the visit itself, or their list when several), one to each
    previous assignee; nobody is told about their own act."""
    from django.urls import reverse

    from kehu.access.services.requests import notify

    if not moved:
        return
    mine = reverse("engagement:followups") + "?mine=on"
    if assignee.pk != actor.pk:
        if len(moved) == 1:
            followup = moved[0][0]
            message = _("%(who)s 将回访改派给您：%(customer)s（%(type)s，截止 %(due)s）") % {
                "who": actor.display_name,
                "customer": followup.customer.name,
                "type": followup.get_type_display(),
                "due": followup.due_on.isoformat(),
            }
            notify(user=assignee, message=message, url=reverse("engagement:followup", args=[followup.pk]))
        else:
            message = _("%(who)s 将 %(n)d 条回访改派给您。") % {"who": actor.display_name, "n": len(moved)}
            notify(user=assignee, message=message, url=mine)
    counts: dict[int, tuple[Any, int]] = {}
    for _followup, previous in moved:
        if previous is not None and previous.pk not in (actor.pk, assignee.pk) and previous.is_active:
            counts[previous.pk] = (previous, counts.get(previous.pk, (previous, 0))[1] + 1)
    for previous, n in counts.values():
        message = _("%(who)s 将您的 %(n)d 条回访改派给了 %(to)s。") % {
            "who": actor.display_name,
            "n": n,
            "to": assignee.display_name,
        }
        notify(user=previous, message=message, url=reverse("engagement:followups"))


ASSIGNABLE_KINDS = ("ticket", "demand")  # complaints have no 指派 step: their receiver is who accepted them


@transaction.atomic
def cases_assign(*, actor: Any, kind: str, ids: list[int], owner: Any, note: str = "") -> int:
    """指派 the selected tickets or demands to one owner. Each goes through the service desk's own
    "assign" transition (scope, who may, state, timeline, notifications), inside one transaction: if any
    selected case is outside the actor's edit scope, or the step is refused on one of them, nothing
    changes (PermissionDenied, or the refusal of the first case that cannot be assigned)."""
    from kehu.servicedesk import selectors as desk_selectors
    from kehu.servicedesk import services as desk

    if kind not in ASSIGNABLE_KINDS:
        raise DomainError(_("该列表不支持批量指派。"))
    wanted = _ids(ids)
    if owner is None or not owner.is_active:
        raise DomainError(_("请选择负责人。"))
    rows = list(
        desk_selectors.scoped(actor, kind, "edit").filter(pk__in=wanted).select_for_update(of=("self",)).order_by("pk")
    )
    if [r.pk for r in rows] != wanted:
        raise PermissionDenied(_("所选记录中有您无权处理的，未做任何修改。"))
    changed = 0
    for record in rows:
        if record.owner_id == owner.pk:
            continue
        try:
            desk.transition(kind, actor=actor, record=record, name="assign", data={"owner": owner, "note": note})
        except DomainError as error:
            # the whole batch rolls back: say which case stopped it
            raise DomainError(f"{record.number}：{error.message}") from error
        changed += 1
    return changed


# --- saved filters ---------------------------------------------------------------------------------

SAVED_FILTER_LISTS = {
    # list name -> (the list's URL name, the query-string keys its filter form reads)
    "customers": ("customers:list", ("q", "grade", "priority", "region", "owner", "industry_standing", "archived")),
    # the service-desk lists: their filters (servicedesk.selectors.FILTERS), search, queue and sort
    "complaints": (
        "servicedesk:complaint_list",
        ("q", "queue", "state", "receiver", "responsible_department", "channel", "category", "customer", "sort"),
    ),
    "tickets": (
        "servicedesk:ticket_list",
        ("q", "queue", "state", "owner", "department", "urgency", "customer", "sort"),
    ),
    "demands": ("servicedesk:demand_list", ("q", "queue", "state", "owner", "department", "type", "customer", "sort")),
    # the engagement lists: the keys their *_from_params read (engagement.selectors), and the sort
    "followups": ("engagement:followups", ("status", "type", "mine", "overdue", "sort")),
    "plans": ("engagement:plans", ("scope", "due", "sort")),
    "interactions": ("engagement:interactions", ("q", "channel", "sort")),
}
SAVED_FILTERS_MAX = 30


def clean_query(list_name: str, query: str) -> str:
    """Only the list's own filter keys (never a page cursor), each value short."""
    from django.http import QueryDict

    keys = SAVED_FILTER_LISTS[list_name][1]
    parsed = parse_query(query)
    kept = QueryDict(mutable=True)
    for key in keys:
        value = parsed.get(key, "").strip()[:100]
        if value:
            kept[key] = value
    return kept.urlencode()


@transaction.atomic
def saved_filter_save(*, actor: Any, list_name: str, name: str, query: str) -> Any:
    """Save (or overwrite, by name) one of the actor's filters on a list."""
    from .models import SavedFilter

    name = " ".join(name.split())[:60]
    if list_name not in SAVED_FILTER_LISTS:
        raise DomainError(_("该列表不支持保存筛选。"))
    if not name:
        raise DomainError(_("请为筛选起一个名称。"))
    mine = SavedFilter.objects.filter(user=actor, list_name=list_name)
    if not mine.filter(name=name).exists() and mine.count() >= SAVED_FILTERS_MAX:
        raise DomainError(_("每个列表最多保存 %(n)d 个筛选，请先删除不用的。") % {"n": SAVED_FILTERS_MAX})
    saved, _created = SavedFilter.objects.update_or_create(
        user=actor, list_name=list_name, name=name, defaults={"query": clean_query(list_name, query)}
    )
    return saved


def saved_filter_delete(*, actor: Any, pk: int) -> bool:
    """Delete one of the actor's own filters; another user's is not found (False)."""
    from .models import SavedFilter

    deleted, _rows = SavedFilter.objects.filter(user=actor, pk=pk).delete()
    return bool(deleted)
