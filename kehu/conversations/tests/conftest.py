from __future__ import annotations

from typing import Any

import pytest

from kehu.customers import services as customer_services


@pytest.fixture
def customer(users: dict[str, Any]) -> Any:
    return customer_services.customer_create(
        actor=users["sales2"],
        owner=users["sales2"],
        name="上海天讯科技有限公司",
        grade="B",
        phone="021-5555 0000",
        email="buyer@tianxun.example",
    )
