"""Reactions to other apps' events (ADR 0003): a new transaction updates its monthly sales row and
marks the precomputed periods containing its month as changed (the worker rebuilds them within
minutes, cube.refresh_dirty)."""

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


def connect() -> None:
    from kehu.core import events

    events.subscribe("transaction_created", on_transaction_created)
