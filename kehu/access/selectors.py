"""Reads of access governance, each starting from what the user may see."""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from . import roles
from .choices import RequestStatus
from .models import AccessLog, AccessRequest, Notification


def access_requests_for(user: Any, *, box: str = "mine") -> QuerySet[AccessRequest]:
    """box: "mine" (requested by user), "to_approve" (pending, for approvers), "decided" (all others, approvers)."""
    base = AccessRequest.objects.restrict(user, "view").select_related("customer", "requester", "decided_by")
    base = base.order_by("-id")
    if box == "mine":
        return base.filter(requester=user)
    if not roles.is_cs_supervisor(user):
        return base.none()
    if box == "to_approve":
        return base.filter(status=RequestStatus.PENDING).exclude(requester=user)
    return base.exclude(status=RequestStatus.PENDING)


def access_request_for(user: Any, pk: int) -> AccessRequest | None:
    """One request the user may act on: their own, or any when they approve."""
    return AccessRequest.objects.restrict(user, "view").select_related("customer", "requester").filter(pk=pk).first()


def access_log_for(
    user: Any,
    *,
    user_id: int | None = None,
    customer_id: int | None = None,
    action: str = "",
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AccessLog]:
    if not roles.can_read_audit(user):
        raise PermissionDenied(_("只有管理员和审计员可以查看访问日志。"))
    queryset = AccessLog.objects.restrict(user, "view").select_related("user", "grant").order_by("-id")
    if user_id:
        queryset = queryset.filter(user_id=user_id)
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    if action:
        queryset = queryset.filter(action=action)
    if since:
        queryset = queryset.filter(at__gte=since)
    if until:
        queryset = queryset.filter(at__lt=until)
    return queryset


def notifications_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(user=user).order_by("-id")
    return queryset.filter(read_at__isnull=True) if unread_only else queryset


def unread_cache_key(user_id: Any) -> str:
    return f"kehu:unread:{user_id}"


def unread_notification_count(user: Any) -> int:
    """The nav badge on every page: a per-user counter in the shared cache, recounted only after
    forget_unread_count (a notification created or read). Bounded: "99+" rather than counting a backlog."""
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = len(notifications_for(user, unread_only=True).values_list("pk", flat=True)[:100])
        cache.set(key, count, 3600)
    return int(count)


def request_unread_count(request: Any) -> int:
    """The unread count for the page being rendered: the header shows it twice (the bell, in two
    layouts) and the nav once, so it is read from the cache once per request."""
    count = getattr(request, "_kehu_unread", None)
    if count is None:
        count = request._kehu_unread = unread_notification_count(request.user)
    return int(count)


def forget_unread_count(user_id: Any) -> None:
    """Drop the cached badge count now and again when the transaction commits (a page rendered in
    between by another process may have cached the old count)."""
    key = unread_cache_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def listed_customers(user: Any) -> QuerySet[Any]:
    """Customers the user may find by name (to ask for access to one): the customers app's model,
    reached through the app registry so that access never imports the archive."""
    customer_model: Any = apps.get_model("customers", "Customer")
    return customer_model.objects.restrict(user, "list")


# The archive's models whose simple_history rows the change log shows (app registry labels).
HISTORY_MODELS = {
    "customer": "customers.Customer",
    "contact": "customers.Contact",
    "transaction": "customers.Transaction",
}


def change_history_for(user: Any, *, model: str = "customer") -> QuerySet[Any]:
    """simple_history rows of the archive, newest first, for admins and auditors."""
    if not roles.can_read_audit(user):
        raise PermissionDenied(_("只有管理员和审计员可以查看变更记录。"))
    label = HISTORY_MODELS.get(model, HISTORY_MODELS["customer"])
    history_model = apps.get_model(label).history.model  # type: ignore[attr-defined]
    return history_model.objects.select_related("history_user").order_by("-history_id")


def previous_history_records(history_model: Any, records: list[Any]) -> dict[int, Any]:
    """For each history row, the row before it of the same object: two queries for a whole page."""
    ids = {r.id for r in records}
    timeline: dict[Any, list[int]] = {}
    for obj_id, history_id in (
        history_model.objects.filter(id__in=ids).order_by("history_id").values_list("id", "history_id")
    ):
        timeline.setdefault(obj_id, []).append(history_id)
    wanted: dict[int, int] = {}
    for record in records:
        ordered = timeline.get(record.id, [])
        position = ordered.index(record.history_id)
        if position > 0:
            wanted[record.history_id] = ordered[position - 1]
    found = history_model.objects.in_bulk(list(wanted.values()))
    return {history_id: found[prev_id] for history_id, prev_id in wanted.items() if prev_id in found}


def security_overview(user: Any, *, days: int = 7) -> dict[str, Any]:
    """Admin security page: unusual exports, repeated failed logins, recent grants, open retention reviews.

    Thresholds: settings.KEHU["ALERT_EXPORT_ROWS"] rows in one export (default 1000) and
    settings.KEHU["ALERT_EXPORTS_PER_HOUR"] exports by one user within one hour (default 5).
    """
    from django.db.models import Count
    from django.db.models.functions import TruncHour
    from django.utils import timezone

    from kehu.accounts import lockout
    from kehu.core import outbox

    from .conf import setting
    from .models import RetentionReview

    if not roles.is_admin(user):
        raise PermissionDenied(_("只有管理员可以查看安全概览。"))
    since = timezone.now() - datetime.timedelta(days=days)
    row_limit = int(setting("ALERT_EXPORT_ROWS"))
    hourly_limit = int(setting("ALERT_EXPORTS_PER_HOUR"))
    exports = AccessLog.objects.restrict(user, "view").filter(action="export", at__gte=since)
    return {
        "days": days,
        "row_limit": row_limit,
        "hourly_limit": hourly_limit,
        "large_exports": exports.filter(rows__gt=row_limit).select_related("user").order_by("-id")[:50],
        "export_bursts": exports.annotate(hour=TruncHour("at"))
        .values("user__username", "hour")
        .annotate(n=Count("id"))
        .filter(n__gt=hourly_limit)
        .order_by("-hour")[:50],
        "failed_logins": lockout.current_failures(since=since),
        "failure_limit": lockout.pair_limit(),
        "recent_grants": AccessRequest.objects.restrict(user, "view")
        .filter(status=RequestStatus.APPROVED, decided_at__gte=since)
        .select_related("requester", "customer", "decided_by")
        .order_by("-id")[:50],
        "retention_reviews": RetentionReview.objects.restrict(user, "view")
        .filter(status=RetentionReview.Status.OPEN)
        .select_related("customer")
        .order_by("id")[:50],
        # Derived work (plans, notifications) that keeps failing or waits too long (ADR 0005).
        "stuck_events": outbox.stuck_events(),
    }
