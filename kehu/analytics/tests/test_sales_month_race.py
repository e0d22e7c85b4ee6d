"""The nightly rebuild of the monthly sales summary racing the transaction_created handler on
PostgreSQL: no unique-key error, and once both are done the summary equals the transactions."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from kehu.analytics.models import SalesMonth
from kehu.analytics.sales import sales_month_rebuild, sales_month_refresh_for
from kehu.customers.models import Transaction
from kehu.customers.services import customer_create

from .test_sales_month import _direct, _summary

ROUNDS = 25
WRITES = 30


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_rebuild_racing_the_handler_raises_nothing_and_ends_with_the_right_totals(users):
    assert connection.vendor == "postgresql"  # conftest deselects postgres_only tests on SQLite
    actor = users["mkt_mgr"]
    customers = [customer_create(actor=actor, name=f"并发{n}公司", grade="B") for n in range(2)]
    for c in customers:  # some history for the rebuild to chew on
        for month in range(1, 13):
            Transaction.objects.create(customer=c, amount=Decimal("100"), occurred_on=dt.date(2026, month, 3))
    sales_month_rebuild()
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def rebuilder() -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                sales_month_rebuild()
        except BaseException as exc:  # the test reports whatever went wrong
            errors.append(exc)
        finally:
            connections.close_all()

    def writer(index: int) -> None:
        """What transaction_create and its handler do: commit a transaction, then refresh its row.
        Each new product is a new summary key, the case a delete-then-insert rebuild trips over."""
        try:
            start.wait()
            for n in range(WRITES):
                record = Transaction.objects.create(
                    customer=customers[index],
                    amount=Decimal(10 + n),
                    quantity=1,
                    product=f"产品{index}-{n % 7}",
                    occurred_on=dt.date(2026, 1 + n % 12, 10),
                )
                sales_month_refresh_for(record.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rebuilder)] + [threading.Thread(target=writer, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # no rebuild after the writers: the handlers' last word must already be right
    assert _summary() == _direct()
    assert SalesMonth.objects.unscoped("test").count() == len(_direct())
