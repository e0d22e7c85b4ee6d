from __future__ import annotations

from typing import Any

import pytest


class _Quiet:
    def write(self, text: str) -> None:
        pass


@pytest.fixture
def demo_customers(users: dict[str, Any]) -> list[Any]:
    """200 demo customers (the demo seeder: grades, regions, owners, contacts with e-mail)."""
    from kehu.customers import demo
    from kehu.customers.models import Customer

    demo.seed(customers=200, stdout=_Quiet())
    return list(Customer.objects.unscoped("test setup").order_by("pk"))


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Messages handed to kehu.messaging (the seam in kehu/feedback/delivery.py)."""
    sent: list[dict[str, Any]] = []

    def send(**kwargs: Any) -> None:
        sent.append(kwargs)

    monkeypatch.setattr("kehu.feedback.delivery.send", send)
    return sent


@pytest.fixture
def template(db: Any) -> Any:
    """The default questionnaire of migration 0002 (5 ratings over the dimensions, NPS, a comment)."""
    from kehu.feedback.models import SurveyTemplate

    return SurveyTemplate.objects.get(code="annual", is_current=True)
