from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kehu.customers import services as customer_services
from kehu.engagement import services


@pytest.fixture
def make_customer(users: dict[str, Any]):  # type: ignore[no-untyped-def]
    """make_customer("上海天讯科技有限公司", owner="sales", grade="A") through the customers service, planned."""

    def make(name: str = "上海天讯科技有限公司", *, owner: str = "sales", **fields: Any) -> Any:
        customer = customer_services.customer_create(actor=users[owner], owner=users[owner], name=name, **fields)
        services.plan_refresh(customer_id=customer.pk)
        return customer

    return make


@pytest.fixture
def overdue_plan(make_customer, users):  # type: ignore[no-untyped-def]
    """A B-grade customer of `sales` whose weekly phone contact is 10 days overdue."""
    customer = make_customer("杭州远景电子有限公司", owner="sales", grade="B")
    plan = customer.contact_plan
    plan.anchor_on = plan.last_phone_on = dt.date.today() - dt.timedelta(days=17)
    plan.save()
    services.plan_refresh(customer_id=customer.pk)
    plan.refresh_from_db()
    assert plan.next_due_on < dt.date.today()
    return plan
