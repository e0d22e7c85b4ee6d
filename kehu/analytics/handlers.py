"""Reactions to other apps' events (ADR 0003): a new transaction updates its monthly sales row and
marks the precomputed periods containing its month as changed; a new, imported, regraded or
reassigned customer marks every period (the worker rebuilds the marked periods within minutes,
cube.refresh_dirty)."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def on_transaction_created(*, transaction_id: int, **_payload: Any) -> None:
    from .cube import periods_touch
    from .sales import sales_month_refresh_for

    with transaction.atomic():  # the row and the mark commit together
        row = sales_month_refresh_for(transaction_id)
        if row is not None:  # None: deleted since; the nightly rebuild settles its month
            periods_touch(row.month)


def on_customer_created(**_payload: Any) -> None:
    """The customer counts of every period (loyalty) changed; no customer moved between the keys of
    the composition rows."""
    from .cube import periods_touch_all

    periods_touch_all(moved=False)


def on_customers_moved(**_payload: Any) -> None:
    """customers_imported, customer_regraded: grades, a key of the composition and grade-migration
    rows, may have moved."""
    from .cube import flows_touch, periods_touch_all

    periods_touch_all(moved=True)
    flows_touch()


def on_customer_owner_changed(**_payload: Any) -> None:
    """The owner is a key of every summary row, and the loyalty rows count the customer in every
    period whatever it bought: every period is marked moved."""
    from .cube import flows_touch, periods_touch_all

    periods_touch_all(moved=True)
    flows_touch()


def connect() -> None:
    from kehu.core import events

    events.subscribe("transaction_created", on_transaction_created)
    events.subscribe("customer_created", on_customer_created)
    for event in ("customers_imported", "customer_regraded"):
        events.subscribe(event, on_customers_moved)
    events.subscribe("customer_owner_changed", on_customer_owner_changed)
