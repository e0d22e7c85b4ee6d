"""The access log: every read of personal data, every search, every export.

`log_access` is called by customers, engagement and servicedesk on every customer detail
view, sensitive read, search, export and API read. Rows are append-only (AccessLog's
queryset refuses update/delete; admin and API are read-only).
"""

from __future__ import annotations

from typing import Any

from django.db import OperationalError
from django.db.models import Subquery
from django.utils import timezone

from kehu.core.sqlite_wait import is_locked, not_waiting

from . import logspool
from .models import AccessLog


def client_ip(request: Any) -> str | None:
    """REMOTE_ADDR; behind a proxy (SECURE_PROXY_SSL_HEADER set) the first X-Forwarded-For hop."""
    if request is None:
        return None
    from django.conf import settings

    meta = getattr(request, "META", {})
    if settings.SECURE_PROXY_SSL_HEADER and meta.get("HTTP_X_FORWARDED_FOR"):
        return str(meta["HTTP_X_FORWARDED_FOR"]).split(",")[0].strip() or None
    return meta.get("REMOTE_ADDR") or None


def log_access(
    *,
    user: Any,
    action: str,
    customer: Any = None,
    request: Any = None,
    object_type: str = "",
    object_id: Any = None,
    query: str = "",
    rows: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AccessLog:
    """Record that `user` did `action` ("view", "view_sensitive", "search", "export", "api_read", ...).

    `customer` may be a Customer or its id; the grant the user held on it (if any) is recorded
    so that an auditor sees on what authority an A-grade archive was read. The returned row's
    grant_id is an expression until refreshed (refresh_from_db) — callers only write the log.
    """
    from django.apps import apps

    from .policy import grant_query

    customer_obj = customer
    if customer is not None and not hasattr(customer, "name"):  # an id: the name is kept with the row
        customer_model: Any = apps.get_model("customers", "Customer")
        customer_obj = customer_model._base_manager.filter(pk=customer).only("pk", "name").first()
    authenticated = bool(getattr(user, "is_authenticated", False))
    fields: dict[str, Any] = {
        "user_id": user.pk if authenticated else None,
        "ip": client_ip(request),
        "action": action,
        "customer_id": customer_obj.pk if customer_obj is not None else None,
        "customer_name": customer_obj.name[:200] if customer_obj is not None else "",
        "object_type": object_type[:60],
        "object_id": "" if object_id is None else str(object_id)[:64],
        "query": (query or "")[:500],
        "rows": rows,
        "detail": _jsonable(detail or {}),
    }
    grant = grant_query(user, customer_obj) if authenticated and customer_obj is not None else None
    # A read must not wait for (or fail on) a long SQLite writer: try briefly, else spool the row.
    with not_waiting() as short:
        try:
            # The grant is looked up inside the INSERT: no extra round trip on every detail read.
            return AccessLog.objects.create(
                **fields, grant_id=Subquery(grant.values("pk")[:1]) if grant is not None else None
            )
        except OperationalError as error:
            if not (short and is_locked(error)):
                raise
    fields["grant_id"] = grant.values_list("pk", flat=True).first() if grant is not None else None
    fields["at"] = timezone.now()
    logspool.append(fields)
    return AccessLog(**fields)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
