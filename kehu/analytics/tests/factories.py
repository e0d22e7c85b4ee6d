"""Customers with known histories, shared by the analysis tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kehu.customers.models import Customer, Transaction
from kehu.customers.services import customer_create
from kehu.engagement.models import Interaction
from kehu.servicedesk.models import Complaint

_numbers = iter(range(1, 10_000))


def aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def customer(actor: Any, name: str, *, grade: str = "B", owner: Any = None, age_days: int = 800, **fields: Any) -> Any:
    made = customer_create(actor=actor, name=name, grade=grade, owner=owner or actor, **fields)
    Customer.objects.unscoped("test setup").filter(pk=made.pk).update(
        created_at=timezone.now() - dt.timedelta(days=age_days)
    )
    made.refresh_from_db()
    return made


def orders(c: Any, days_ago: list[int], amount: str = "1000", quantity: int = 1, product: str = "服务器") -> None:
    today = timezone.localdate()
    for days in days_ago:
        Transaction.objects.create(
            customer=c,
            amount=Decimal(amount),
            quantity=quantity,
            product=product,
            occurred_on=today - dt.timedelta(days=days),
        )


def contact(c: Any, actor: Any, days_ago: int) -> None:
    Interaction.objects.create(
        customer=c,
        channel="phone",
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
        content="电话沟通",
        actor=actor,
    )


def complaint(
    c: Any, receiver: Any, *, nature: str = "general", state: str = "received", days_ago: int = 10, **kw: Any
) -> Any:
    return Complaint.objects.create(
        number=f"TS{next(_numbers):05d}",
        customer=c,
        channel="phone",
        received_at=timezone.now() - dt.timedelta(days=days_ago),
        receiver=receiver,
        reason="设备故障",
        nature=nature,
        state=state,
        **kw,
    )
