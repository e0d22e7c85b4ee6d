"""Reactions to other apps' events (ADR 0003): a new transaction updates its monthly sales row."""

from __future__ import annotations

from typing import Any


def on_transaction_created(*, transaction_id: int, **_payload: Any) -> None:
    from .sales import sales_month_refresh_for

    sales_month_refresh_for(transaction_id)


def connect() -> None:
    from kehu.core import events

    events.subscribe("transaction_created", on_transaction_created)
