"""Customer composition (客户构成分析, SPEC M11): sales by grade, region and product.

Read-only; every figure starts from the customers the user may view, and each is
one GROUP BY query, so a click never loops over rows in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from kehu.customers.choices import Grade, TransactionKind
from kehu.customers.models import Transaction, net_amount


@dataclass(frozen=True)
class Share:
    label: str
    amount: Decimal
    customers: int
    share: float  # of the total amount, 0..1


def _shares(rows: list[dict[str, Any]], key: str, labels: dict[str, str] | None = None) -> list[Share]:
    total = sum((row["amount"] for row in rows), Decimal(0))
    return [
        Share(
            label=(labels or {}).get(row[key], row[key]) or "—",
            amount=row["amount"],
            customers=row["customers"],
            share=float(row["amount"] / total) if total else 0.0,
        )
        for row in rows
    ]


def _transactions_for(user: Any, since: dt.date, until: dt.date) -> Any:
    return Transaction.objects.restrict(user, "view").filter(occurred_on__gte=since, occurred_on__lte=until)


def _grouped(user: Any, since: dt.date, until: dt.date, field: str, limit: int | None = None) -> list[dict[str, Any]]:
    rows = (
        _transactions_for(user, since, until)
        .values(field)
        .annotate(
            amount=Coalesce(Sum(net_amount()), Value(Decimal(0)), output_field=DecimalField()),
            customers=Count("customer", distinct=True),
        )
        .order_by("-amount")
    )
    return list(rows[:limit] if limit else rows)


def sales_by_grade(user: Any, *, since: dt.date, until: dt.date) -> list[Share]:
    rows = _grouped(user, since, until, "customer__grade")
    return _shares(rows, "customer__grade", {g.value: str(g.label) for g in Grade})


def sales_by_region(user: Any, *, since: dt.date, until: dt.date, limit: int = 15) -> list[Share]:
    return _shares(_grouped(user, since, until, "customer__region", limit), "customer__region")


def sales_by_product(user: Any, *, since: dt.date, until: dt.date, limit: int = 15) -> list[Share]:
    return _shares(_grouped(user, since, until, "product", limit), "product")


def top_customers(user: Any, *, since: dt.date, until: dt.date, limit: int = 20) -> list[dict[str, Any]]:
    """High-value customers: where to focus."""
    return list(
        _transactions_for(user, since, until)
        .values("customer_id", "customer__name", "customer__grade", "customer__region")
        .annotate(amount=Sum(net_amount()), deals=Count("id", filter=Q(kind=TransactionKind.SALE)))
        .order_by("-amount")[:limit]
    )
