"""Domain events between apps, so that an app can react without being imported.

customers publishes "customer_created", "transaction_created" and "customer_regraded"; servicedesk
publishes "complaint_handled", "problem_closed" and "demand_done"; engagement
subscribes (in its AppConfig.ready) and plans follow-up visits or re-plans
contacts. Handlers run after the publishing transaction commits, so a rolled
back write never triggers anything. Payloads carry ids, never model objects.

Known events and their payload keys:
- customer_created: customer_id, actor_id
- transaction_created: transaction_id, customer_id, actor_id
- customer_regraded: customer_id, old_grade, new_grade, old_priority, new_priority, actor_id
- complaint_handled: complaint_id, customer_id, actor_id, handler_id
- problem_closed: ticket_id, customer_id, actor_id, handler_id
- demand_done: demand_id, customer_id, actor_id
- major_upgrade: customer_id, actor_id, note
- followup_completed: followup_id, customer_id, source_type, source_id, satisfaction, summary, actor_id
  (engagement publishes it; servicedesk marks the follow-up of the complaint or ticket it came from as met)
- consultation_closed: consultation_id, customer_id, actor_id, handler_id (engagement plans the visit)
- complaint_visited: complaint_id, customer_id, satisfaction, note, at (ISO), actor_id
  (servicedesk publishes it when a complaint is closed with its visit; engagement marks the
  complaint's follow-up done, so the one visit is recorded once and seen from both sides)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str, handler: Handler) -> None:
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def publish(event: str, **payload: Any) -> None:
    for handler in list(_handlers.get(event, ())):
        transaction.on_commit(partial(handler, **payload))
