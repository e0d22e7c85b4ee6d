"""Reactions to other apps' events (ADR 0003): a new transaction updates its monthly sales row and
marks the precomputed periods containing its month as changed; a new, imported or regraded customer
marks every period, a new owner the periods of the customer's sales (the worker rebuilds the marked
periods within minutes, cube.refresh_dirty)."""

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


def on_customers_changed(**_payload: Any) -> None:
    """customer_created, customers_imported, customer_regraded: the grade and customer counts of
    every period may have moved."""
    from .cube import periods_touch_all

    periods_touch_all()


def on_customer_owner_changed(*, customer_id: int, **_payload: Any) -> None:
    from .cube import periods_touch_customer

    periods_touch_customer(customer_id)


def connect() -> None:
    from kehu.core import events

    events.subscribe("transaction_created", on_transaction_created)
    for event in ("customer_created", "customers_imported", "customer_regraded"):
        events.subscribe(event, on_customers_changed)
    events.subscribe("customer_owner_changed", on_customer_owner_changed)
