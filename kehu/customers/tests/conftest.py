from __future__ import annotations

from typing import Any

import pytest

from kehu.customers import services


@pytest.fixture
def make_customer(users: dict[str, Any]):  # type: ignore[no-untyped-def]
    """make_customer("上海天讯科技有限公司", owner="mkt", phone=...) through the real service."""

    def make(name: str = "上海天讯科技有限公司", *, actor: str = "mkt", **fields: Any) -> Any:
        owner = fields.pop("owner", actor)
        return services.customer_create(actor=users[actor], owner=users[owner], name=name, **fields)

    return make
