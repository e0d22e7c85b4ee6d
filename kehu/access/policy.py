"""The single permission path: every list, detail, search, export and API read asks here.

`customers_for(user, action)` returns the customers `user` may act on, as ONE queryset
(a WHERE clause built from the AccessRule rows, plus an EXISTS probe for approved grants);
`can(user, action, customer)` answers for one. Other apps scope their records through the
customer (`filter(customer__in=customers_for(user, "view"))`).

Actions: "list" (row appears in lists with name, grade, owner), "view" (full archive),
"view_sensitive" (personal fields of key people unmasked), "edit", "export".
"view_sensitive", "edit" and "export" also need "view": nobody edits, exports or reads the
personal fields of an archive they may not open. Grants (approved access requests) add
"view" (scope archive) or "view" + "view_sensitive" (scope sensitive) for one customer
until their valid_until date; they never add "edit".
The default rules are in migration 0002 and docs/permissions.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kehu.accounts.choices import Level

from .choices import GrantScope, Principal, RequestStatus
from .conf import setting

if TYPE_CHECKING:
    from kehu.customers.models import Customer

    from .models import AccessRequest

ACTIONS = ("list", "view", "view_sensitive", "edit", "export")
NEEDS_VIEW = ("view_sensitive", "edit", "export")
GRANT_SCOPES = {"view": (GrantScope.ARCHIVE, GrantScope.SENSITIVE), "view_sensitive": (GrantScope.SENSITIVE,)}


def effective_level(user: Any) -> int:
    return Level.ADMIN if user.is_superuser else int(user.level)


def _is_active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _managed_owners(user: Any) -> QuerySet[Any]:
    """Users whose customers `user` manages: reports up to three levels down, and, for a
    manager, everyone in their own department. Users are few; this stays a subquery."""
    from kehu.accounts.models import User

    q = Q(manager=user) | Q(manager__manager=user) | Q(manager__manager__manager=user)
    if effective_level(user) >= Level.MANAGER and user.department:
        q |= Q(department=user.department)
    return User.objects.filter(q).values("pk")


RULES_CACHE = "_kehu_access_rules"


def _rules(user: Any) -> dict[str, list[Any]]:
    """The active rules by action, read once per user object. request.user lives for one request,
    so a rule changed in the admin applies from the next request on, everywhere, and a page that
    asks several questions (view, edit, view_sensitive) reads the small rule table once. (A
    process-wide cache with a TTL was tried and dropped: it made every pinned query count flaky.)"""
    from .models import AccessRule

    cached = getattr(user, RULES_CACHE, None)
    if cached is not None:
        return cached
    rows = list(AccessRule.objects.all())
    if not rows:  # a flushed or freshly restored database: the documented defaults, never "nobody"
        from .defaults import DEFAULT_RULES

        rows = [
            AccessRule(action=a, grade=g, principal=p, department=d, min_level=lvl) for a, g, p, d, lvl in DEFAULT_RULES
        ]
    cached = {}
    for rule in rows:
        if rule.is_active:
            cached.setdefault(rule.action, []).append(rule)
    setattr(user, RULES_CACHE, cached)
    return cached


def _rules_q(user: Any, action: str) -> Q:
    """OR of the active rules for `action` that can apply to `user`; an empty Q() never matches."""
    combined: Q | None = None
    level = effective_level(user)
    for rule in _rules(user).get(action, ()):
        if rule.principal == Principal.EVERYONE:
            who = Q(pk__isnull=False)
        elif rule.principal == Principal.OWNER:
            who = Q(owner=user)
        elif rule.principal == Principal.OWNER_MANAGERS:
            who = Q(owner__in=_managed_owners(user))
        elif rule.principal == Principal.ROLE:
            if level < rule.min_level or (rule.department and rule.department != user.department):
                continue
            who = Q(pk__isnull=False)
        else:  # an unknown principal grants nothing
            continue
        if rule.grade:
            who &= Q(grade=rule.grade)
        combined = who if combined is None else combined | who
    return combined if combined is not None else Q(pk__in=[])


def active_grants(user: Any, scopes: tuple[str, ...] = (GrantScope.ARCHIVE, GrantScope.SENSITIVE)) -> Any:
    from .models import AccessRequest

    return AccessRequest.objects.filter(
        requester=user,
        status=RequestStatus.APPROVED,
        revoked_at__isnull=True,
        valid_until__gte=timezone.localdate(),
        scope__in=scopes,
    )


def _grant_q(user: Any, action: str) -> Q:
    scopes = GRANT_SCOPES.get(action)
    if not scopes:
        return Q(pk__in=[])
    return Q(Exists(active_grants(user, scopes).filter(customer=OuterRef("pk"))))


def customer_q(user: Any, action: str) -> Q:
    """The WHERE clause for `action`; exposed so that callers can combine it (e.g. annotate)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    view = _rules_q(user, "view") | _grant_q(user, "view")
    if action == "view":
        return view
    if action == "view_sensitive":
        return (_rules_q(user, action) & view) | _grant_q(user, action)
    if action in NEEDS_VIEW:
        return _rules_q(user, action) & view
    return _rules_q(user, action)


def customers_for(user: Any, action: str) -> QuerySet[Customer]:
    from kehu.customers.models import Customer

    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not _is_active(user):
        return Customer.objects.none()
    return Customer.objects.filter(customer_q(user, action))


def can(user: Any, action: str, customer: Customer) -> bool:
    return customers_for(user, action).filter(pk=customer.pk).exists()


def grant_query(user: Any, customer: Any) -> QuerySet[AccessRequest]:
    """The active grants `user` holds on `customer`, longest-lasting first (recorded in the access log)."""
    return active_grants(user).filter(customer=customer).order_by("-valid_until", "-id")


def grant_for(user: Any, customer: Any) -> AccessRequest | None:
    if not _is_active(user) or customer is None:
        return None
    return grant_query(user, customer).first()


def export_row_cap(user: Any) -> int | None:
    """Rows one export may contain: staff are capped (settings.KEHU EXPORT_ROW_CAP_STAFF), managers are not."""
    if _is_active(user) and effective_level(user) >= Level.MANAGER:
        return None
    return int(setting("EXPORT_ROW_CAP_STAFF"))


def can_read_audit(user: Any) -> bool:
    return _is_active(user) and (effective_level(user) >= Level.ADMIN or bool(user.is_auditor))


def is_admin(user: Any) -> bool:
    return _is_active(user) and effective_level(user) >= Level.ADMIN


def can_approve(user: Any) -> bool:
    return _is_active(user) and bool(user.is_cs_supervisor)
