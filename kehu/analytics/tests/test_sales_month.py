"""The monthly sales summary: filled by the transaction_created handler, rebuilt nightly, and the
composition figures read from it are the figures of the live transactions."""

import datetime as dt
from decimal import Decimal

import pytest

from kehu.analytics import selectors
from kehu.analytics.models import SalesMonth
from kehu.analytics.sales import sales_month_rebuild
from kehu.analytics.tasks import nightly_analytics
from kehu.customers.models import Transaction
from kehu.customers.services import customer_create, transaction_create

pytestmark = pytest.mark.django_db

SINCE, UNTIL = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def _direct(customer=None):
    """The figures summed straight from the transactions, per (customer, month, product)."""
    result = {}
    rows = Transaction.objects.unscoped("test")
    if customer is not None:
        rows = rows.filter(customer=customer)
    for t in rows:
        key = (t.customer_id, t.occurred_on.replace(day=1), t.product)
        sign = -1 if t.kind == "refund" else 1
        amount, quantity, deals = result.get(key, (Decimal(0), 0, 0))
        result[key] = (amount + sign * t.amount, quantity + sign * t.quantity, deals + (t.kind == "sale"))
    return result


def _summary():
    return {
        (r.customer_id, r.month, r.product): (r.amount, r.quantity, r.deals)
        for r in SalesMonth.objects.unscoped("test")
    }


@pytest.fixture
def made(users, django_capture_on_commit_callbacks):
    actor = users["mkt_mgr"]
    a = customer_create(actor=actor, name="甲公司", grade="B", region="上海")
    b = customer_create(actor=actor, name="乙公司", grade="C", region="北京")
    with django_capture_on_commit_callbacks(execute=True):
        for customer, day, amount, qty, product, kind in [
            (a, dt.date(2026, 3, 2), "1000", 2, "服务器", "sale"),
            (a, dt.date(2026, 3, 20), "500", 1, "服务器", "sale"),
            (a, dt.date(2026, 4, 1), "300", 3, "软件", "sale"),
            (b, dt.date(2026, 3, 5), "200", 4, "服务器", "sale"),
            (a, dt.date(2026, 3, 25), "250", 1, "服务器", "refund"),
        ]:
            transaction_create(
                actor=actor, customer=customer, occurred_on=day, amount=amount, quantity=qty, product=product, kind=kind
            )
    return {"a": a, "b": b}


def test_the_event_handler_keeps_the_summary_equal_to_a_direct_sum(made):
    assert _summary() == _direct()
    row = SalesMonth.objects.unscoped("test").get(customer=made["a"], month=dt.date(2026, 3, 1), product="服务器")
    # 1000 + 500 - 250 refund; 2 + 1 - 1 units; two sales (the refund is no deal)
    assert (row.amount, row.quantity, row.deals) == (Decimal("1250"), 2, 2)


def test_running_the_handler_again_changes_nothing(made):
    from kehu.analytics.handlers import on_transaction_created

    before = _summary()
    for t in Transaction.objects.unscoped("test"):
        on_transaction_created(transaction_id=t.pk, customer_id=t.customer_id)
    assert _summary() == before


def test_the_nightly_rebuild_catches_edits_the_handler_never_saw(made):
    Transaction.objects.unscoped("test").filter(product="软件").update(amount=Decimal("700"))
    Transaction.objects.create(customer=made["b"], amount=Decimal("90"), quantity=1, product="", occurred_on=SINCE)
    assert _summary() != _direct()
    nightly_analytics.call_local()
    assert _summary() == _direct()
    assert SalesMonth.objects.unscoped("test").count() == 4  # a 03 服务器, a 04 软件, b 01 "", b 03 服务器


def test_composition_from_the_summary_equals_composition_from_the_transactions(users, made):
    user = users["mkt_mgr"]
    for by in selectors.DIMENSIONS:
        summary = selectors.composition(user, by=by, since=SINCE, until=UNTIL)
        # 2026-01-01 .. 2026-12-30 cuts December, so it reads the live transactions (none in December)
        live = selectors.composition(user, by=by, since=SINCE, until=UNTIL - dt.timedelta(days=1))
        assert summary == live, by
    assert selectors.pareto(user, since=SINCE, until=UNTIL) == selectors.pareto(
        user, since=SINCE, until=UNTIL - dt.timedelta(days=1)
    )
    assert selectors.top_customers(user, since=SINCE, until=UNTIL) == selectors.top_customers(
        user, since=SINCE, until=UNTIL - dt.timedelta(days=1)
    )
    grade = {r.key: r.amount for r in selectors.composition(user, by="grade", since=SINCE, until=UNTIL)["rows"]}
    assert grade == {"B": Decimal("1550"), "C": Decimal("200")}


def test_whole_months_read_the_summary_not_the_transactions(users, made, django_assert_num_queries):
    Transaction.objects.unscoped("test").all().delete()  # the summary alone must answer
    user = users["mkt_mgr"]
    # the precomputed period (none is built here: live), the groups, and the totals (a customer may
    # buy two products)
    with django_assert_num_queries(3):
        march = selectors.composition(user, by="product", since=dt.date(2026, 3, 1), until=dt.date(2026, 3, 31))
    assert {r.key: r.amount for r in march["rows"]} == {"服务器": Decimal("1450")}


def test_summary_reads_are_restricted(users, made):
    """tech may view no customer's archive, so no summary row and no figure."""
    rows = SalesMonth.objects.restrict(users["tech"], "view")
    assert not rows.exists()
    data = selectors.composition(users["tech"], by="grade", since=SINCE, until=UNTIL)
    assert data["rows"] == [] and data["total_amount"] == 0


def test_rebuild_of_an_empty_table_is_empty(users):
    assert sales_month_rebuild() == 0
    assert not SalesMonth.objects.unscoped("test").exists()
