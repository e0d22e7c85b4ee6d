"""Reactions to other apps' domain events (ADR 0003). Each gets ids, runs after commit, is idempotent."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.customers.models import Customer, Transaction

from .choices import FollowUpType


def _customer(customer_id: int) -> Customer | None:
    return (
        Customer.objects.unscoped("event handlers act for the system")
        .select_related("owner")
        .filter(pk=customer_id, is_archived=False)
        .first()
    )


def on_transaction_created(
    *, transaction_id: int, customer_id: int, actor_id: int | None = None, **_payload: Any
) -> None:
    """A purchase: the first visit within 3 working days; a new customer's first purchase also a 1-month visit."""
    from .services import followup_plan, plan_refresh

    customer = _customer(customer_id)
    record = Transaction.objects.filter(pk=transaction_id).first()
    if customer is None or record is None:
        return
    followup_plan(
        customer=customer,
        type=FollowUpType.NEW_FIRST,
        start=record.occurred_on,
        source_type="transaction",
        source_id=str(transaction_id),
        note=_("确认收货与安装、第一印象、介绍售后渠道"),
    )
    earlier = Transaction.objects.filter(customer_id=customer_id).exclude(pk=transaction_id)
    product = (record.product or "").strip()
    if product and earlier.exists() and not earlier.filter(product=product).exists():
        # 回访制度细则 三.2 特殊情况回访 "当客户购买公司新产品或服务……时，及时进行特殊情况回访".
        followup_plan(
            customer=customer,
            type=FollowUpType.SPECIAL,
            start=record.occurred_on,
            source_type="transaction",
            source_id=str(transaction_id),
            note=_("新产品试用效果：%(product)s") % {"product": product},
        )
    if not earlier.exists():
        followup_plan(
            customer=customer,
            type=FollowUpType.NEW_PERIODIC,
            start=record.occurred_on,
            source_type="transaction",
            source_id=str(transaction_id),
            note=_("使用深度、优缺点、进一步需求"),
        )
    if not hasattr(customer, "contact_plan"):
        plan_refresh(customer_id=customer_id)


def on_customer_regraded(*, customer_id: int, **_payload: Any) -> None:
    # Planned here, in the outbox handler's transaction, not in a further task: the outbox row is
    # marked done in the same commit, so a crash can never leave it done without the plan.
    from .services import plan_refresh

    plan_refresh(customer_id=customer_id)


def on_customer_owner_changed(*, customer_id: int, **_payload: Any) -> None:
    """A new 客户经理: the contact plan is theirs (plan_refresh sets the assignee to the owner, and keeps
    the plan's dates, which follow the grade and the last contacts, not the person)."""
    from .services import plan_refresh

    plan_refresh(customer_id=customer_id)


def on_customer_created(*, customer_id: int, **_payload: Any) -> None:
    """A new archive is due for its first contact under its grade's policy at once, not after the nightly run."""
    from .services import plan_refresh

    plan_refresh(customer_id=customer_id)


def on_customers_imported(*, customer_ids: list[int], plans: list[list[Any]] | None = None, **_payload: Any) -> None:
    """A batch of customers from an Excel import: one task plans them all (not a task per customer)."""
    from .tasks import plans_for_imported_task

    plans_for_imported_task.enqueue(customer_ids, plans or [])


def _event_followup(type: str, source_type: str, note: str = ""):  # type: ignore[no-untyped-def]
    def handler(*, customer_id: int, **payload: Any) -> None:
        from .services import followup_plan

        customer = _customer(customer_id)
        if customer is None:
            return
        # Events without an id of their own (major_upgrade) plan at most one visit per customer and day.
        source_id = str(payload.get(f"{source_type}_id") or f"{customer_id}:{timezone.localdate().isoformat()}")
        handler_id = payload.get("handler_id")
        followup_plan(
            customer=customer,
            type=type,
            start=timezone.localdate(),
            source_type=source_type,
            source_id=source_id[:40],
            note=str(payload.get("note") or note)[:300],
            served_by_id=int(handler_id) if handler_id else None,
        )

    return handler


on_complaint_handled = _event_followup(FollowUpType.AFTER_COMPLAINT, "complaint")
on_problem_closed = _event_followup(FollowUpType.AFTER_PROBLEM, "ticket")
on_demand_done = _event_followup(FollowUpType.SATISFACTION, "demand")
on_major_upgrade = _event_followup(FollowUpType.SPECIAL, "upgrade")
on_consultation_closed = _event_followup(FollowUpType.AFTER_CONSULTATION, "consultation")


def on_complaint_visited(
    *,
    complaint_id: int,
    customer_id: int,
    satisfaction: int | None = None,
    note: str = "",
    at: str = "",
    actor_id: int | None = None,
    **_payload: Any,
) -> None:
    """A complaint closed with its visit: the after-complaint follow-up is that same visit, done."""
    import datetime as dt

    from kehu.accounts.models import User

    from .services import followup_done_elsewhere

    customer = Customer.objects.select_related("owner").filter(pk=customer_id).first()
    if customer is None:
        return
    if _payload.get("major"):
        # 回访制度细则 三.2 "客户有重大投诉……时，及时进行特殊情况回访": the account owner asks, after the
        # complaint is closed, how the customer sees the company's handling of it.
        from .services import followup_plan

        followup_plan(
            customer=customer,
            type=FollowUpType.SPECIAL,
            source_type="complaint",
            source_id=str(complaint_id),
            note=_("重大投诉处理后的满意度"),
        )
    followup_done_elsewhere(
        type=FollowUpType.AFTER_COMPLAINT,
        customer=customer,
        source_type="complaint",
        source_id=str(complaint_id),
        satisfaction=satisfaction,
        note=note or "",
        done_at=dt.datetime.fromisoformat(at) if at else timezone.now(),
        actor=User.objects.filter(pk=actor_id).first() if actor_id else None,
    )


# kehu.messaging's channels -> the interaction channels of the timeline
MESSAGE_CHANNELS = {
    "email": "email",
    "sms": "sms",
    "wecom_robot": "wechat",
    "wecom_app": "wechat",
    "dingtalk_robot": "other",
    "letter": "other",
}


def on_message_sent(
    *,
    delivery_id: int,
    customer_id: int | None,
    channel: str,
    subject: str = "",
    related: str = "",
    contact_id: int | None = None,
    actor_id: int | None = None,
    topic: str = "",
    **_payload: Any,
) -> None:
    """A message that went out to a customer lands on its timeline as an interaction; a care
    greeting or gift sent through messaging marks its care item as sent."""
    from .care import care_item_delivered
    from .models import Interaction
    from .services import interaction_search_document

    if customer_id is None or channel not in MESSAGE_CHANNELS:
        return
    customer = _customer(customer_id)
    if customer is None:
        return
    marker = f"[#{delivery_id}]"
    if Interaction.objects.filter(customer_id=customer_id, outcome=marker).exists():
        return  # the event came twice
    interaction = Interaction(
        customer=customer,
        contact_id=contact_id,
        channel=MESSAGE_CHANNELS[channel],
        occurred_at=timezone.now(),
        subject=(subject or _("发送消息"))[:200],
        content=_("已通过%(channel)s发送：%(subject)s")
        % {"channel": _payload.get("channel_label") or channel, "subject": subject or topic},
        outcome=marker,
        actor_id=actor_id or customer.owner_id,
    )
    interaction.search_text = interaction_search_document(interaction)
    interaction.save()
    if related.startswith("care_item:"):
        care_item_delivered(item_id=int(related.split(":", 1)[1]), delivery_id=delivery_id)


def on_survey_low_score(*, customer_id: int, response_id: int, note: str = "", **_payload: Any) -> None:
    """A survey score at or below the wave's threshold: a follow-up visit due in 2 PRC working days,
    on the customer's timeline (issue 12). Runs after commit, also inside the public page's request,
    so it reads as the system does."""
    from kehu.access.scoping import unguarded
    from kehu.core.workcalendar import add_working_days

    from .services import followup_plan

    with unguarded():
        customer = _customer(customer_id)
        if customer is None:
            return
        followup_plan(
            customer=customer,
            type=FollowUpType.SPECIAL,
            due_on=add_working_days(timezone.localdate(), 2),
            source_type="survey",
            source_id=str(response_id),
            note=note[:300],
        )


def connect() -> None:
    from kehu.core import events

    events.subscribe("transaction_created", on_transaction_created)
    events.subscribe("customer_regraded", on_customer_regraded)
    events.subscribe("customer_owner_changed", on_customer_owner_changed)
    events.subscribe("customer_created", on_customer_created)
    events.subscribe("customers_imported", on_customers_imported)
    events.subscribe("complaint_handled", on_complaint_handled)
    events.subscribe("problem_closed", on_problem_closed)
    events.subscribe("demand_done", on_demand_done)
    events.subscribe("major_upgrade", on_major_upgrade)
    events.subscribe("message_sent", on_message_sent)

    events.subscribe("survey_low_score", on_survey_low_score)
    events.subscribe("complaint_visited", on_complaint_visited)
    events.subscribe("consultation_closed", on_consultation_closed)
