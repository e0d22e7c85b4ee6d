"""One record by primary key through restrict(user, action), its SQL compiled once per user.

A detail page or an API read fetches one row: `Model.objects.restrict(user, action).filter(pk=..)`.
Building the permission condition and compiling that SELECT (49 columns for a customer) took
0.75 ms for a marketing manager and 1.7 ms for a salesperson (owner terms and a grant probe) of a
read that takes 5-9 ms in all, at 100,000 customers (issue 16). The statement is the same for
every primary key, so it is compiled once and kept in this process, keyed by everything it is
built from:

- the model, the action and the database;
- the access rules (`policy.rules_snapshot`: a new value after any change, and never a value for
  rules read inside an open transaction, which may yet roll back: those reads are not kept);
- what the roles read of the user: id, active, superuser, level, department (`access.roles`);
- the day: a grant is valid until a date.

Grants and the org chart are subqueries evaluated by the database on each read, so a grant
approved or revoked, or a new manager, counts at once. Only models whose scope is the customer
condition alone take this path: the `also`, `unowned`, `within` and `sensitive_rows` callables
of other scopes may read anything, so those models are read through the ORM as before. An entry
lives at most MAX_AGE seconds. Rows come back through Django's raw(), so the same converters
(decryption) and model init apply as to any query.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models import QuerySet
from django.utils import timezone

from kehu.core.inputs import MAX_ID

from . import policy, roles
from .scoping import scope_of

MAX_ENTRIES = 4096
MAX_AGE = policy.RULES_MAX_AGE
# Stands for the primary key while compiling; found again among the parameters, it must be the
# only one of them (a bigint no table reaches, negative).
_SLOT = -9_000_000_003


class Statement(NamedTuple):
    sql: str  # "" when the condition matches no row at all (Django raised EmptyResultSet)
    params: list[Any]
    slot: int  # the index of the primary key among the parameters
    extra: Any  # whatever the builder wants kept with it


_statements: OrderedDict[tuple[Any, ...], tuple[float, Statement]] = OrderedDict()
_lock = threading.Lock()  # gthread workers share the dict


def _cacheable(model: type[models.Model]) -> bool:
    scope = scope_of(model)
    return not (scope.also or scope.unowned or scope.within or scope.sensitive_rows)


def _key(what: tuple[Any, ...], user: Any, pk: Any, alias: str) -> tuple[Any, ...] | None:
    """The key of a statement built for `user` (None: build it afresh, keep nothing)."""
    if type(pk) is not int or not 0 < pk <= MAX_ID or not roles.is_active(user):
        return None  # odd ids and inactive users take the ORM's way, which answers them as before
    snapshot = policy.rules_snapshot(user)
    if snapshot is None:
        return None
    return (
        what,
        alias,
        snapshot,
        user.pk,
        user.is_superuser,
        roles.level(user),
        roles.department(user),
        timezone.localdate(),
    )


def _statement(key: tuple[Any, ...], alias: str, build: Callable[[int], tuple[QuerySet[Any], Any]]) -> Statement:
    """The statement under `key`, compiled from `build(pk)` (a queryset and an extra) when missing."""
    with _lock:
        held = _statements.get(key)
        if held is not None and time.monotonic() - held[0] < MAX_AGE:
            _statements.move_to_end(key)
            return held[1]
    queryset, extra = build(_SLOT)
    try:
        sql, params = queryset.query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:  # the user may have no row at all (a condition like `pk IN ()`)
        statement = Statement("", [], -1, extra)
    else:
        slots = [i for i, value in enumerate(params) if isinstance(value, int) and value == _SLOT]
        if len(slots) != 1:
            raise RuntimeError(f"the compiled statement {key[0]} lost its primary-key slot")
        statement = Statement(sql, list(params), slots[0], extra)
    with _lock:
        _statements[key] = (time.monotonic(), statement)
        while len(_statements) > MAX_ENTRIES:
            _statements.popitem(last=False)
    return statement


def _params(statement: Statement, model: type[models.Model], pk: int, alias: str) -> list[Any]:
    params = list(statement.params)
    params[statement.slot] = model._meta.pk.get_db_prep_value(pk, connections[alias])
    return params


def get_restricted(model: type[models.Model], user: Any, action: str, pk: int) -> Any:
    """The `model` row `pk` if restrict(user, action) lets `user` have it, else None."""
    manager: Any = model._default_manager
    alias = router.db_for_read(model)
    key = _key((model._meta.label, action), user, pk, alias) if _cacheable(model) else None
    if key is None:
        return manager.restrict(user, action).filter(pk=pk).first()
    statement = _statement(key, alias, lambda slot: (manager.restrict(user, action).filter(pk=slot), None))
    if not statement.sql:
        return None
    return next(iter(manager.raw(statement.sql, _params(statement, model, pk, alias), using=alias)), None)


def first_row(
    what: tuple[Any, ...],
    user: Any,
    model: type[models.Model],
    pk: Any,
    build: Callable[[Any], tuple[QuerySet[Any], Any]],
) -> tuple[tuple[Any, ...] | None, Any]:
    """The first row of `build(pk)`'s queryset (a values_list: plain values, no converters) and the
    builder's extra, the statement compiled once for `what` and `user`. For questions about one
    record that restrict() alone does not answer, e.g. scoping.customer_rights."""
    alias = router.db_for_read(model)
    key = _key(what, user, pk, alias)
    if key is None:
        queryset, extra = build(pk)
        return queryset.first(), extra
    statement = _statement(key, alias, build)
    if not statement.sql:
        return None, statement.extra
    with connections[alias].cursor() as cursor:
        cursor.execute(statement.sql, _params(statement, model, pk, alias))
        return cursor.fetchone(), statement.extra


def forget() -> None:
    """Drop every compiled statement (tests)."""
    with _lock:
        _statements.clear()
