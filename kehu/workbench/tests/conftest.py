from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kehu.customers import services as customer_services
from kehu.servicedesk import services as desk

TO_PLAN_SUBMITTED: list[tuple[str, str, dict[str, Any]]] = [
    ("analyse", "cs", {"responsible": True, "nature": "serious", "deadline_told": True}),
    ("route", "cs_lead", {"main_cause": "出厂检验漏检", "responsible_department": "tech_support"}),
    ("submit_plan", "tech", {"plan": "更换故障主板并上门调试"}),
]


@pytest.fixture
def make_customer(users: dict[str, Any]):  # type: ignore[no-untyped-def]
    def make(name: str = "河南宇通机械有限公司", *, owner: str = "sales", **fields: Any) -> Any:
        fields.setdefault("grade", "B")
        return customer_services.customer_create(actor=users[owner], owner=users[owner], name=name, **fields)

    return make


@pytest.fixture
def submitted(users: dict[str, Any], make_customer: Any) -> Any:
    """A complaint whose plan (drafted by tech) waits for the supervisor's approval."""
    record = desk.complaint_create(
        actor=users["cs"], customer=make_customer(), channel="phone", reason="设备无法开机", category="quality"
    )
    for name, actor, data in TO_PLAN_SUBMITTED:
        record = desk.transition("complaint", actor=users[actor], record=record, name=name, data=data)
    return record


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate()
