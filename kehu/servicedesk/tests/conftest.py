from __future__ import annotations

from typing import Any

import pytest

from kehu.customers import services as customer_services
from kehu.servicedesk import services

# The complaint loop in order: (transition, actor, data).
COMPLAINT_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("analyse", "cs", {"responsible": True, "nature": "serious", "deadline_told": True}),
    ("route", "cs_lead", {"main_cause": "出厂检验漏检", "responsible_department": "tech_support"}),
    ("submit_plan", "tech", {"plan": "更换故障主板并上门调试"}),
    ("approve_plan", "cs_lead", {"note": "同意"}),
    (
        "execute",
        "tech",
        {
            "result": "已更换主板，设备恢复正常",
            "handling_type": "compensation",
            "compensation_amount": "1200.00",
            "loss_amount": "3500.00",
            "customer_told": True,
        },
    ),
    ("sign_off", "cs", {"signed_by": "王经理", "customer_opinion": "满意，同意结案", "receiver_opinion": "处理及时"}),
    ("close", "cs", {"satisfaction": 5, "follow_up_note": "客户对处理态度和结果满意"}),
]


@pytest.fixture
def make_customer(users: dict[str, Any]):  # type: ignore[no-untyped-def]
    def make(name: str = "上海天讯科技有限公司", *, owner: str = "sales2", **fields: Any) -> Any:
        fields.setdefault("grade", "B")
        return customer_services.customer_create(actor=users[owner], owner=users[owner], name=name, **fields)

    return make


@pytest.fixture
def customer(make_customer: Any) -> Any:
    return make_customer(email="buyer@tianxun.example", address="上海市浦东新区张江路88号")


@pytest.fixture
def complaint(users: dict[str, Any], customer: Any) -> Any:
    return services.complaint_create(
        actor=users["cs"],
        customer=customer,
        channel="phone",
        reason="设备运行两天后无法开机",
        request="尽快上门维修并赔偿停产损失",
        contact_name="王经理",
        contact_phone="021-55550000",
        category="quality",
        product="KH-200 控制器",
        quantity=2,
    )


@pytest.fixture
def walk(users: dict[str, Any]):  # type: ignore[no-untyped-def]
    """walk(complaint, until="sign_off") runs the loop's steps up to (not including) `until`."""

    def run(record: Any, until: str | None = None, **kwargs: Any) -> Any:
        for name, actor, data in COMPLAINT_STEPS:
            if name == until:
                break
            record = services.transition("complaint", actor=users[actor], record=record, name=name, data=data, **kwargs)
        return record

    return run
