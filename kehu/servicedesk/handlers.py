"""Reactions to other apps' domain events (ADR 0003). Each gets ids, runs after commit, is idempotent."""

from __future__ import annotations

from typing import Any

from kehu.accounts.models import User


def on_followup_completed(
    *,
    source_type: str,
    source_id: str,
    actor_id: int | None = None,
    satisfaction: int | None = None,
    summary: str = "",
    **_: Any,
) -> None:
    """A visit planned from a complaint or a ticket was done: its follow-up deadline is met."""
    from .services import visit_recorded

    if source_type not in ("complaint", "ticket", "consultation") or not str(source_id).isdigit():
        return
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    visit_recorded(kind=source_type, record_id=int(source_id), actor=actor, satisfaction=satisfaction, note=summary)


def connect() -> None:
    from kehu.core import events

    events.subscribe("followup_completed", on_followup_completed)
