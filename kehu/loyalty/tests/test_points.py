"""The points ledger: earned by rule on purchases, redeemed, expired oldest first, reversed on a
refund; the balance never goes negative, not even under 50 concurrent redemptions."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.db.models import Sum

from kehu.customers import services as customer_services
from kehu.loyalty.models import PointsAccount, PointsEntry
from kehu.loyalty.points import (
    InsufficientPoints,
    points_earn,
    points_expire,
    points_redeem,
    points_reverse_for_transaction,
)


@pytest.fixture
def customer(users):  # type: ignore[no-untyped-def]
    return customer_services.customer_create(actor=users["sales"], owner=users["sales"], name="积分测试有限公司")


def ledger_sum(customer) -> int:  # type: ignore[no-untyped-def]
    return PointsEntry.objects.unscoped("test").filter(customer=customer).aggregate(s=Sum("points"))["s"] or 0


def balance(customer) -> int:  # type: ignore[no-untyped-def]
    return PointsAccount.objects.unscoped("test").get(customer=customer).balance


@pytest.mark.django_db
def test_a_purchase_earns_points_by_rule_once_and_a_refund_reverses_them(
    customer, users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        purchase = customer_services.transaction_create(
            actor=users["mkt"], customer=customer, occurred_on=dt.date(2026, 11, 20), amount="12345.60"
        )
    assert balance(customer) == 1234  # 1 point per 10 yuan
    from kehu.loyalty.points import points_earn_for_transaction

    assert points_earn_for_transaction(transaction_id=purchase.pk) is None  # the event again: nothing
    points_reverse_for_transaction(transaction_id=purchase.pk)
    assert balance(customer) == 0 == ledger_sum(customer)
    assert points_reverse_for_transaction(transaction_id=purchase.pk) is None  # once


@pytest.mark.django_db
def test_redeeming_more_than_the_balance_is_409_and_changes_nothing(customer, users, api_for):
    points_earn(actor=users["mkt_mgr"], customer=customer, points=100, reason="开户礼")
    api = api_for("mkt_mgr")
    too_much = api.post(
        "/api/points/redeem/", {"customer": customer.pk, "points": 101, "reason": "兑换"}, format="json"
    )
    assert too_much.status_code == 409 and "100" in too_much.json()["detail"]
    assert balance(customer) == 100 and PointsEntry.objects.unscoped("t").count() == 1
    ok = api.post(
        "/api/points/redeem/", {"customer": customer.pk, "points": 60, "reason": "兑换培训名额"}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["balance"] == 40
    bad = api.post("/api/points/redeem/", {"customer": customer.pk, "points": -5, "reason": "x"}, format="json")
    assert bad.status_code == 400
    earned = api.post("/api/points/earn/", {"customer": customer.pk, "points": 10, "reason": "问卷"}, format="json")
    assert earned.status_code == 201
    assert api_for("sales").post(
        "/api/points/earn/", {"customer": customer.pk, "points": 10, "reason": "x"}, format="json"
    ).status_code in (400, 403)
    body = api.get(f"/api/customers/{customer.pk}/points/").json()
    assert body["balance"] == 50 == sum(i["points"] for i in body["items"])
    assert [i["kind"] for i in body["items"]] == ["earn", "redeem", "earn"]


@pytest.mark.django_db
def test_redemptions_and_expiry_take_the_oldest_points_first(customer, users):
    old = points_earn(actor=None, customer=customer, points=100, reason="2025", expires_on=dt.date(2026, 6, 30))
    new = points_earn(actor=None, customer=customer, points=50, reason="2026", expires_on=dt.date(2027, 6, 30))
    points_redeem(actor=users["mkt_mgr"], customer=customer, points=30, reason="兑换")
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.remaining, new.remaining) == (70, 50)
    assert points_expire(today=dt.date(2026, 6, 30)) == 0  # still valid on its last day
    assert points_expire(today=dt.date(2026, 7, 1)) == 70
    assert balance(customer) == 50 == ledger_sum(customer)
    assert points_expire(today=dt.date(2026, 7, 2)) == 0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_50_concurrent_redemptions_never_take_the_balance_below_zero(customer):
    points_earn(actor=None, customer=customer, points=300, reason="期初")
    outcomes: list[str] = []
    barrier = threading.Barrier(50)

    def redeem() -> None:
        try:
            barrier.wait()
            points_redeem(actor=None, customer=customer, points=10, reason="并发兑换")
            outcomes.append("ok")
        except InsufficientPoints:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 30 and outcomes.count("refused") == 20
    assert balance(customer) == 0 == ledger_sum(customer)
    assert PointsEntry.objects.unscoped("t").filter(kind="redeem").count() == 30
