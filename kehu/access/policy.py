"""The customer actions and their rules: which customers a user may list, view, view the personal
data of, edit or export.

`customer_q(user, action)` is the WHERE clause on Customer built from the active AccessRule rows
(OR-ed) plus an EXISTS probe for approved grants. Nobody calls it directly to read records: every
customer-owned model reads through `Model.objects.restrict(user, action)` (kehu/access/scoping.py),
which asks here. This module returns conditions only and never imports the customers app.

Actions: "list" (row appears in lists with name, grade, owner), "view" (full archive),
"view_sensitive" (personal fields of key people unmasked), "edit", "export".
"view_sensitive", "edit" and "export" also need "view": nobody edits, exports or reads the
personal fields of an archive they may not open. Grants (approved access requests) add
"view" (scope archive) or "view" + "view_sensitive" (scope sensitive) for one customer
until their valid_until date; they never add "edit".
The default rules are kehu/access/defaults.py, quoted in docs/permissions.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from . import roles
from .choices import GrantScope, Principal, RequestStatus

if TYPE_CHECKING:
    from .models import AccessRequest

ACTIONS = ("list", "view", "view_sensitive", "edit", "export")
NEEDS_VIEW = ("view_sensitive", "edit", "export")
GRANT_SCOPES = {"view": (GrantScope.ARCHIVE, GrantScope.SENSITIVE), "view_sensitive": (GrantScope.SENSITIVE,)}


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
            AccessRule(
                action=r.action,
                grade=r.grade,
                principal=r.principal,
                department=r.department,
                min_level=r.min_level,
                is_active=r.is_active,
            )
            for r in DEFAULT_RULES
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
    level = roles.level(user)
    for rule in _rules(user).get(action, ()):
        if rule.principal == Principal.EVERYONE:
            who = Q(pk__isnull=False)
        elif rule.principal == Principal.OWNER:
            who = Q(owner=user)
        elif rule.principal == Principal.OWNER_MANAGERS:
            who = Q(owner__in=roles.managed_users(user))
        elif rule.principal == Principal.ROLE:
            if level < rule.min_level or (rule.department and rule.department != roles.department(user)):
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

    return AccessRequest.objects.unscoped("the policy's probe of the user's own grants").filter(
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
    """The WHERE clause on Customer for `action`."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not roles.is_active(user):
        return Q(pk__in=[])
    view = _rules_q(user, "view") | _grant_q(user, "view")
    if action == "view":
        return view
    if action == "view_sensitive":
        return (_rules_q(user, action) & view) | _grant_q(user, action)
    if action in NEEDS_VIEW:
        return _rules_q(user, action) & view
    return _rules_q(user, action)


def grant_query(user: Any, customer: Any) -> QuerySet[AccessRequest]:
    """The active grants `user` holds on `customer`, longest-lasting first (recorded in the access log)."""
    return active_grants(user).filter(customer=customer).order_by("-valid_until", "-id")


def grant_for(user: Any, customer: Any) -> AccessRequest | None:
    if not roles.is_active(user) or customer is None:
        return None
    return grant_query(user, customer).first()
