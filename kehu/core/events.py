"""Domain events between apps, so that an app can react without being imported.

customers publishes "customer_created", "transaction_created" and "customer_regraded"; servicedesk
publishes "complaint_handled", "problem_closed" and "demand_done"; engagement
subscribes (in its AppConfig.ready) and plans follow-up visits or re-plans
contacts. Handlers run after the publishing transaction commits, so a rolled
back write never triggers anything. Payloads carry ids, never model objects.

Durable (ADR 0005): publish writes the event into the outbox in the publisher's
transaction; the worker runs the handlers, each in its own transaction, and
retries a failed one with backoff. A crash between commit and handler loses
nothing, so handlers must be idempotent (they may run again after a crash) and
payloads must be JSON (ids, strings, numbers, dates).

Known events and their payload keys:
- customer_created: customer_id, actor_id
- customers_imported: customer_ids, actor_id, plans ([[customer_id, last_contact_on, next_due_on]], ISO
  dates or None): a batch (up to 2,000) of customers an Excel import created, published once per batch
  at the import's final switch instead of one customer_created each; subscribers of customer_created
  that must also see imported customers subscribe to it too
- transaction_created: transaction_id, customer_id, actor_id
- customer_regraded: customer_id, old_grade, new_grade, old_priority, new_priority, actor_id
- customer_owner_changed: customer_id, old_owner_id, new_owner_id, actor_id (customers.services.customer_update,
  so the edit page, the API and the lists' 转移负责人 alike; engagement re-plans, so the contact plan's
  assignee is the new owner)
- complaint_handled: complaint_id, customer_id, actor_id, handler_id
- problem_closed: ticket_id, customer_id, actor_id, handler_id
- demand_done: demand_id, customer_id, actor_id
- major_upgrade: customer_id, actor_id, note
- survey_low_score: customer_id, response_id, wave_id, note, actor_id (feedback publishes it when an
  answer is at or below the wave's threshold; engagement plans a follow-up due in 2 working days)
- followup_completed: followup_id, customer_id, source_type, source_id, satisfaction, summary, actor_id
  (engagement publishes it; servicedesk marks the follow-up of the complaint or ticket it came from as met)
- mail_received: mail_id, customer_id (servicedesk's mail intake; conversations mirrors it as an e-mail conversation)
- mail_replied: mail_id, customer_id, actor_id (a reply from a case; conversations stops the e-mail response clock)
- consultation_closed: consultation_id, customer_id, actor_id, handler_id (engagement plans the visit)
- complaint_visited: complaint_id, customer_id, satisfaction, note, at (ISO), actor_id
  (servicedesk publishes it when a complaint is closed with its visit; engagement marks the
  complaint's follow-up done, so the one visit is recorded once and seen from both sides)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str, handler: Handler) -> None:
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def handlers_for(event: str) -> list[Handler]:
    return list(_handlers.get(event, ()))


def publish(event: str, **payload: Any) -> None:
    """Record `event` in the current transaction; its handlers run once that transaction commits."""
    from .outbox import record

    record(event, payload)
