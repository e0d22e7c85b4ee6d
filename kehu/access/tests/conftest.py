from __future__ import annotations

from typing import Any

import pytest

from kehu.customers.services import customer_create


@pytest.fixture
def archive(users: dict[str, Any]) -> dict[str, Any]:
    """One customer per grade, all owned by sales2 (so `sales` is a colleague, not the owner)."""
    owner = users["sales2"]
    return {
        grade: customer_create(actor=owner, name=f"{grade}级客户有限公司", owner=owner, grade=grade)
        for grade in ("A", "B", "C")
    }
