"""restrict(user, action): the one way to read a customer-owned record (NetBox's RestrictedQuerySet).

Every customer-owned model uses `RestrictedQuerySet` as its manager and declares once, in
`access_scope = Scope(...)`, which customer action each of its own actions needs:

    class Complaint(models.Model):
        objects = RestrictedQuerySet.as_manager()
        access_scope = Scope(customer="customer", needs={"view": "view", "edit": "view"},
                             also=servicedesk_role_q)

`Complaint.objects.restrict(user, "view")` then returns only the rows `user` may see. The
customer actions and their rules are `kehu.access.policy` (data, AccessRule); this module turns
them into a condition on any model and never imports the customers app (it returns conditions).

Fail closed: inside a web request (ScopeGuardMiddleware) evaluating a queryset of a scoped model
that was neither restricted nor explicitly marked `.unscoped("why")` raises `UnrestrictedRead`
instead of returning rows. Related managers of an object the caller already holds
(`customer.contacts.all()`) are allowed: the holder passed a restrict() to get it. Tasks and
management commands run outside requests and are not guarded (they act for the system).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from django.apps import apps
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q

from . import policy, roles

if TYPE_CHECKING:
    from kehu.accounts.models import User

NOTHING = policy.NONE
# "Every row": an empty Q() would vanish when OR-ed (Q(a) | Q() is Q(a)), so a role that sees
# everything says so with a condition that is always true (the same object as policy.ALL).
EVERYTHING = policy.ALL
log = logging.getLogger(__name__)


class UnrestrictedRead(RuntimeError):
    """A customer-owned model was read in a request without restrict(user, action)."""


@dataclass(frozen=True)
class Scope:
    """What one model's actions need.

    customer: lookup path from the model to its Customer ("" for Customer itself).
    needs: this model's action -> the customer action it needs (see policy.ACTIONS); None means
        "no customer action grants it" (only `also` does).
    sensitive_rows: rows that carry personal data (a birthday care item): wherever such a row
        would need "view" it needs "view_sensitive".
    also: who else may, by role, whatever the archive rules say (the service desk handles every
        complaint of every grade); OR-ed.
    unowned: rows without a customer (a board note, unmatched mail): who may see those.
    within: a condition every row must meet as well (a board card: its owner and their managers).
    """

    customer: str
    needs: Mapping[str, str | None]
    sensitive_rows: Callable[[], Q] | None = None
    also: Callable[[Any, str], Q] | None = None
    unowned: Callable[[Any, str], Q] | None = None
    within: Callable[[Any, str], Q] | None = None
    actions: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "actions", tuple(self.needs))


def _customer_model() -> Any:
    return apps.get_model("customers", "Customer")


def _on_path(q: Q, path: str) -> Q:
    """The same condition on the customer reached through `path` (owner=me -> customer__owner=me)."""
    moved = Q()
    moved.connector, moved.negated = q.connector, q.negated
    moved.children = [
        _on_path(child, path) if isinstance(child, Q) else (f"{path}__{child[0]}", child[1])  # type: ignore[index]
        for child in q.children
    ]
    return moved


def customer_condition(user: Any, customer_action: str, path: str) -> Q:
    """Rows whose customer (at `path`) allows `customer_action` to `user`. On a child table the rule
    terms are conditions on the joined customer (owner, grade: the planner may walk the child's own
    index and look each customer up by key, or hash the matching customers, whichever is cheaper),
    a grant term is `customer_id IN (the user's granted ids)`; never one subquery that mixes both,
    which the database could only answer by reading every customer."""
    if not roles.is_active(user):
        return NOTHING
    if not path:
        return policy.customer_q(user, customer_action)
    combined = NOTHING
    for term in policy.customer_terms(user, customer_action):
        if term.q is policy.ALL:  # every customer: no condition on the customer table
            return Q(**{f"{path}__isnull": False})
        part = Q(**{f"{path}__in": term.granted_ids}) if term.granted_ids is not None else _on_path(term.q, path)
        combined = policy.any_of(combined, part)
    return combined


def scope_of(model: type[models.Model]) -> Scope:
    scope = getattr(model, "access_scope", None)
    if not isinstance(scope, Scope):
        raise TypeError(f"{model.__name__} declares no access_scope")
    return scope


def condition(model: type[models.Model], user: Any, action: str) -> Q:
    """The WHERE clause restrict() applies: exposed to combine (annotate a row's rights)."""
    scope = scope_of(model)
    if action not in scope.needs:
        raise ValueError(f"{model.__name__} has no action {action!r} (it has {', '.join(scope.needs)})")
    if not roles.is_active(user):
        return NOTHING
    need = scope.needs[action]
    q = NOTHING
    if need is not None:
        q = customer_condition(user, need, scope.customer)
        if scope.sensitive_rows is not None and need == "view":
            sensitive = scope.sensitive_rows()
            q = (~sensitive & q) | (sensitive & customer_condition(user, "view_sensitive", scope.customer))
        if scope.unowned is not None and scope.customer:
            q |= Q(**{f"{scope.customer}__isnull": True}) & scope.unowned(user, action)
    elif scope.unowned is not None and scope.customer:
        q = Q(**{f"{scope.customer}__isnull": True}) & scope.unowned(user, action)
    if scope.within is not None:
        q &= scope.within(user, action)
    if scope.also is not None:
        q |= scope.also(user, action)
    return q


def allows(user: Any, action: str, obj: models.Model) -> bool:
    """May `user` do `action` on this one record? The same restrict() as every list (one query)."""
    manager: Any = type(obj)._default_manager
    return bool(manager.restrict(user, action).filter(pk=obj.pk).exists())


def customer_rights(user: Any, customer_pk: Any, actions: tuple[str, ...]) -> set[str]:
    """Which of `actions` `user` holds on one (existing) customer, asked in at most ONE query (a
    detail page needs view, edit and view_sensitive together), its SQL compiled once per user
    (access.compiled: building and compiling the three conditions took 5-7 ms of a salesperson's
    customer page at 100,000 customers)."""
    if not roles.is_active(user) or customer_pk is None:
        return set()
    from .compiled import first_row

    def build(pk: Any) -> tuple[Any, tuple[frozenset[str], tuple[str, ...]]]:
        conditions = {action: policy.customer_q(user, action) for action in actions}
        held = frozenset(action for action, q in conditions.items() if q is policy.ALL)
        asked = {action: q for action, q in conditions.items() if q is not policy.ALL and q is not policy.NONE}
        annotations = {f"can_{a}": ExpressionWrapper(q, output_field=BooleanField()) for a, q in asked.items()}
        if not annotations:  # nothing to ask: the SQL is never run
            return _customer_model()._base_manager.none(), (held, ())
        queryset = _customer_model()._base_manager.filter(pk=pk).annotate(**annotations).values_list(*annotations)
        return queryset, (held, tuple(asked))

    row, (held, asked) = first_row(("customer_rights", actions), user, _customer_model(), customer_pk, build)
    if not asked:
        # The rules alone decide (a manager who sees every customer, or a right nobody of this role
        # holds): no query. The customer is one the caller has read, so it exists.
        return set(held)
    if row is None:
        return set()
    return set(held) | {action for action, can in zip(asked, row, strict=True) if can}


# --- the guard -----------------------------------------------------------------------------------

_guarding: contextvars.ContextVar[bool] = contextvars.ContextVar("kehu_scope_guard", default=False)


class guard:
    """Within this block (a web request) unrestricted reads of scoped models raise."""

    def __enter__(self) -> None:
        self._token = _guarding.set(True)

    def __exit__(self, *exc: object) -> None:
        _guarding.reset(self._token)


class unguarded:
    """For code that acts for the system inside a request (e.g. a service re-reading a row it
    already checked, under a lock). Prefer `.unscoped("why")` on the one queryset."""

    def __enter__(self) -> None:
        self._token = _guarding.set(False)

    def __exit__(self, *exc: object) -> None:
        _guarding.reset(self._token)


class ScopeGuardMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.conf import settings

        if settings.KEHU.get("SCOPE_GUARD", "raise") == "off":
            return self.get_response(request)
        with guard():
            return self.get_response(request)


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows whether it was restricted; see the module docstring."""

    _scope_state: str = ""  # "restricted" or "unscoped"
    restricted_for: tuple[int | None, str] | None = None

    def restrict(self, user: User | Any, action: str = "view") -> Self:
        queryset = self.filter(condition(self.model, user, action))
        queryset._scope_state = "restricted"
        queryset.restricted_for = (getattr(user, "pk", None), action)
        return queryset

    def restrict_own(self, user: User | Any, action: str = "view") -> Self:
        """The rows restrict(user, action) grants through the scope's `also` clause alone: a person's
        own work (the plan dates assigned to them), whatever the archive rules say. A subset of
        restrict()'s rows, so it never shows more; it only spares the archive condition and its join
        to the customer where the caller asks about its own rows anyway (the home page's "my plans
        on time": 818 ms with that join at 100,000 customers, a few ms without)."""
        scope = scope_of(self.model)
        if scope.also is None or action not in scope.needs or not roles.is_active(user):
            queryset = self.filter(NOTHING)
        else:
            queryset = self.filter(scope.also(user, action))
        queryset._scope_state = "restricted"
        queryset.restricted_for = (getattr(user, "pk", None), action)
        return queryset

    def select_for_update(self, *args: Any, **kwargs: Any) -> Self:
        """Lock the model's own rows only. restrict() may join the customer through a nullable key
        (an outer join), and PostgreSQL refuses FOR UPDATE on the nullable side of one."""
        kwargs.setdefault("of", ("self",))
        return super().select_for_update(*args, **kwargs)

    def unscoped(self, why: str) -> Self:
        """Every row, deliberately: system work (tasks, a service re-reading a row it checked).
        `why` is for the reader of the code; it is required so that nobody writes it lightly."""
        if not why.strip():
            raise ValueError("say why this read is not scoped")
        queryset = self._chain()  # type: ignore[attr-defined]
        queryset._scope_state = "unscoped"
        return queryset

    @property
    def is_restricted(self) -> bool:
        return self._scope_state == "restricted"

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]
        clone._scope_state = self._scope_state
        clone.restricted_for = self.restricted_for
        return clone

    def _check_scope(self) -> None:
        if self._scope_state or not _guarding.get():
            return
        if self._hints.get("instance") is not None:  # type: ignore[attr-defined]  # a related manager of an object already held
            return
        from django.conf import settings

        message = (
            f"{self.model.__name__} read without restrict(user, action) inside a request; "
            "use .restrict(user, action), or .unscoped('why') for system work"
        )
        if settings.KEHU.get("SCOPE_GUARD", "raise") == "warn":
            log.warning(message)
            return
        raise UnrestrictedRead(message)

    def _fetch_all(self) -> None:
        self._check_scope()
        super()._fetch_all()  # type: ignore[misc]

    def iterator(self, chunk_size: int | None = None) -> Any:
        self._check_scope()
        return super().iterator(chunk_size=chunk_size)

    def count(self) -> int:
        self._check_scope()
        return super().count()

    def exists(self) -> bool:
        self._check_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check_scope()
        return super().aggregate(*args, **kwargs)


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def scoped_models() -> list[type[models.Model]]:
    """Every model that declares an access_scope (the permission matrix walks them)."""
    return [m for m in apps.get_models() if isinstance(getattr(m, "access_scope", None), Scope)]
