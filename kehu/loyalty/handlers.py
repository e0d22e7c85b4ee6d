"""Reactions to other apps' events (ADR 0003): a purchase earns points and may complete a referral."""

from __future__ import annotations

from typing import Any


def on_transaction_created(*, transaction_id: int, customer_id: int, **_payload: Any) -> None:
    from .points import points_earn_for_transaction
    from .referrals import referral_reward_on_first_order

    points_earn_for_transaction(transaction_id=transaction_id)
    referral_reward_on_first_order(customer_id=customer_id)


def connect() -> None:
    from kehu.core import events

    events.subscribe("transaction_created", on_transaction_created)
