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

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kehu.core import cache_versions

from . import roles
from .choices import GrantScope, Principal, RequestStatus

if TYPE_CHECKING:
    from .models import AccessRequest

ACTIONS = ("list", "view", "view_sensitive", "edit", "export")
NEEDS_VIEW = ("view_sensitive", "edit", "export")
GRANT_SCOPES = {"view": (GrantScope.ARCHIVE, GrantScope.SENSITIVE), "view_sensitive": (GrantScope.SENSITIVE,)}


RULES_CACHE = "_kehu_access_rules"
# The rule table is small and read on every request, yet reading it through the ORM cost about 1
# ms of every page (issue 16). So each process keeps the last rules it read, tagged with a version
# kept in the shared cache; saving or deleting a rule sets a new version once its transaction
# commits (kehu/access/apps.py), and every process reads the table again on its next request. A
# change no signal sees (SQL by hand, a restored backup) applies within RULES_MAX_AGE seconds.
RULES_VERSION_KEY = "kehu:access-rules:version"
RULES_MAX_AGE = 60.0
_shared: tuple[str, float, dict[str, list[Any]]] | None = None


def rules_changed() -> None:
    """A rule was saved or deleted: every process reads the rule table again (after the commit)."""
    cache_versions.bump(RULES_VERSION_KEY)


def _read_rules() -> dict[str, list[Any]]:
    from .models import AccessRule

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
    by_action: dict[str, list[Any]] = {}
    for rule in rows:
        if rule.is_active:
            by_action.setdefault(rule.action, []).append(rule)
    return by_action


def _shared_rules() -> dict[str, list[Any]]:
    global _shared
    from django.db import connection

    if connection.in_atomic_block:  # a transaction may hold rule changes not yet committed: read them
        return _read_rules()
    # The version is read before the table: a change committed in between is read now and read
    # again on the next request (its new version), never missed.
    version = cache_versions.current(RULES_VERSION_KEY)
    held = _shared
    if held is not None and held[0] == version and time.monotonic() - held[1] < RULES_MAX_AGE:
        return held[2]
    rules = _read_rules()
    _shared = (version, time.monotonic(), rules)
    return rules


def _rules(user: Any) -> dict[str, list[Any]]:
    """The active rules by action, kept on the user object for the request (a page that asks
    several questions, view, edit, view_sensitive, looks once) and shared between requests while
    the rules' version stands (see RULES_VERSION_KEY)."""
    cached = getattr(user, RULES_CACHE, None)
    if cached is None:
        cached = _shared_rules()
        setattr(user, RULES_CACHE, cached)
    return cached


def rules_snapshot(user: Any) -> tuple[str, float] | None:
    """Names the rules `user`'s conditions are built from: the same value while the shared rules
    stand, a new one after any change (or after RULES_MAX_AGE), None when the rules were read
    inside a transaction (not committed, maybe rolled back): nothing built from those may be kept.
    What lets access.compiled keep a compiled condition across requests."""
    rules = _rules(user)
    held = _shared
    return (held[0], held[1]) if held is not None and rules is held[2] else None


# Identity-compared sentinels (never mutated: Q's | and & return new objects). A condition that is
# ALL needs no WHERE clause and no subquery at all; NONE matches nothing.
ALL = Q(pk__isnull=False)
NONE = Q(pk__in=[])


def any_of(a: Q, b: Q) -> Q:
    if a is ALL or b is ALL:
        return ALL
    if a is NONE:
        return b
    if b is NONE:
        return a
    return a | b


def both(a: Q, b: Q) -> Q:
    if a is NONE or b is NONE:
        return NONE
    if a is ALL:
        return b
    if b is ALL:
        return a
    return a & b


def _all_grades() -> frozenset[str]:
    from django.apps import apps

    field = apps.get_model("customers", "Customer")._meta.get_field("grade")
    return frozenset(value for value, _label in field.choices or ())


def _applies_to_all(rule: Any, user: Any, level: int) -> bool:
    """EVERYONE, or a ROLE the user holds: every customer of the rule's grade."""
    return rule.principal == Principal.EVERYONE or (
        rule.principal == Principal.ROLE
        and level >= rule.min_level
        and (not rule.department or rule.department == roles.department(user))
    )


@dataclass(frozen=True)
class RuleScope:
    """What the rules alone give a user for one action, as sets (grants aside): every customer
    (`every`), or the customers of `grades`, plus the user's own customers of `own_grades`, plus
    the customers of the people they manage of `team_grades` (each owner set without the grades
    already given whole). The rules only ever condition on a customer's grade and owner, so this is
    all they can say: `_rules_q` is it as a WHERE clause on Customer, and the analytics summaries,
    whose cells are keyed by grade and owner, apply the same scope to their cells (`scope_q`)."""

    every: bool
    grades: frozenset[str] = frozenset()
    own_grades: frozenset[str] = frozenset()
    team_grades: frozenset[str] = frozenset()


EVERY = RuleScope(every=True)


def rule_scope(user: Any, action: str) -> RuleScope:
    """The active rules for `action` that can apply to `user`, simplified: rules that give the user
    every customer of a grade are one set of grades, and every grade is `every` (the grade column
    only holds A/B/C, a database constraint says so); owner rules keep only the grades not already
    given whole."""
    rules = _rules(user).get(action, ())
    level = roles.level(user)
    whole_grades: set[str] = set()
    for rule in rules:
        if _applies_to_all(rule, user, level):
            if not rule.grade:
                return EVERY
            whole_grades.add(rule.grade)
    grades = _all_grades()
    if whole_grades >= grades:
        return EVERY
    by_owner: dict[str, set[str]] = {}
    for rule in rules:
        if rule.principal in (Principal.OWNER, Principal.OWNER_MANAGERS):
            by_owner.setdefault(rule.principal, set()).update({rule.grade} if rule.grade else grades)
    return RuleScope(
        every=False,
        grades=frozenset(whole_grades),
        own_grades=frozenset(by_owner.get(Principal.OWNER, set()) - whole_grades),
        team_grades=frozenset(by_owner.get(Principal.OWNER_MANAGERS, set()) - whole_grades),
    )


def scope_q(scope: RuleScope, user: Any, *, grade: str = "grade", owner: str = "owner") -> Q:
    """`scope` as a condition on any row that carries a customer's grade and owner (Customer itself,
    or a summary cell keyed by them), simplified so that the database can use its indexes: one
    `grade IN (...)` for the whole grades (none at all for every customer, so a manager's queries
    carry no customer condition), then `owner = me AND grade IN (...)` (or just `owner = me` when
    the two sets cover every grade), then the same for the managed owners."""
    if scope.every:
        return ALL
    grades = _all_grades()
    combined = Q(**{f"{grade}__in": sorted(scope.grades)}) if scope.grades else NONE
    for owner_grades, who in (
        (scope.own_grades, lambda: Q(**{owner: user})),
        (scope.team_grades, lambda: Q(**{f"{owner}__in": roles.managed_users(user)})),
    ):
        if not owner_grades:
            continue
        condition = who()
        if owner_grades | scope.grades < grades:
            condition &= Q(**{f"{grade}__in": sorted(owner_grades)})
        combined = any_of(combined, condition)
    return combined


def _rules_q(user: Any, action: str) -> Q:
    """The OR of the active rules for `action` that can apply to `user`, as a WHERE clause on Customer."""
    return scope_q(rule_scope(user, action), user)


def sees_every_customer(user: Any, action: str = "view") -> bool:
    """Do the rules alone give `user` every customer for `action` (restrict() adds no customer
    condition at all)? The one test for reading a summary that covers every customer (analytics):
    the same simplification restrict() uses, so the two cannot disagree, administrators included
    (they hold no bypass: an administrator whose rules leave out a grade is limited too)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not roles.is_active(user):
        return False
    if action in NEEDS_VIEW and _rules_q(user, "view") is not ALL:
        return False
    return _rules_q(user, action) is ALL


def active_grants(
    user: Any, scopes: tuple[str, ...] = (GrantScope.ARCHIVE, GrantScope.SENSITIVE), *, on: Any = None
) -> Any:
    """The approved, unrevoked grants `user` (a user or their id) holds on day `on` (today)."""
    from .models import AccessRequest

    return AccessRequest.objects.unscoped("the policy's probe of the user's own grants").filter(
        requester=user,
        status=RequestStatus.APPROVED,
        revoked_at__isnull=True,
        valid_until__gte=timezone.localdate() if on is None else on,
        scope__in=scopes,
    )


@dataclass(frozen=True)
class Term:
    """One OR-ed part of a customer condition. A grant term also carries the ids of its customers,
    so a child table (complaints, contacts, ...) can ask `customer_id IN (the granted ids)` without
    going through the customer table (scoping.customer_condition)."""

    q: Q
    granted_ids: Any = None  # a values("customer_id") queryset, for grant terms only


def _grant_term(user: Any, action: str) -> Term | None:
    scopes = GRANT_SCOPES.get(action)
    if not scopes:
        return None
    # Uncorrelated (IN, not EXISTS): evaluated once per query, and OR-ed as its own subquery.
    ids = active_grants(user, scopes).values("customer_id")
    return Term(Q(pk__in=ids), ids)


def customer_terms(user: Any, action: str) -> list[Term]:
    """The condition for `action` as OR-ed terms: rule terms on the customer's own columns, and
    grant terms. Someone who may view every customer gets [ALL] and no probe of their grants."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not roles.is_active(user):
        return []
    rules_view = _rules_q(user, "view")
    grant_view = None if rules_view is ALL else _grant_term(user, "view")
    if action == "view":
        return [t for t in (Term(rules_view), grant_view) if t is not None and t.q is not NONE]
    view = rules_view if grant_view is None else any_of(rules_view, grant_view.q)
    if action == "view_sensitive":
        sensitive = both(_rules_q(user, action), view)
        grant_sensitive = None if sensitive is ALL else _grant_term(user, action)
        return [t for t in (Term(sensitive), grant_sensitive) if t is not None and t.q is not NONE]
    rules = _rules_q(user, action) if action not in NEEDS_VIEW else both(_rules_q(user, action), view)
    return [Term(rules)] if rules is not NONE else []


def customer_q(user: Any, action: str) -> Q:
    """The WHERE clause on Customer for `action`."""
    combined = NONE
    for term in customer_terms(user, action):
        combined = any_of(combined, term.q)
    return combined


def grant_query(user: Any, customer: Any, *, on: Any = None) -> QuerySet[AccessRequest]:
    """The active grants `user` holds on `customer`, longest-lasting first (recorded in the access log)."""
    return active_grants(user, on=on).filter(customer=customer).order_by("-valid_until", "-id")


def grant_for(user: Any, customer: Any) -> AccessRequest | None:
    if not roles.is_active(user) or customer is None:
        return None
    return grant_query(user, customer).first()
