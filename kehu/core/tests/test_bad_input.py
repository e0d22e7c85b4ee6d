"""Hostile input answers 400 (or 404 for an id that cannot exist) with a message, never a 500,
and a failed write keeps nothing."""

from __future__ import annotations

import pytest
from django.utils import translation

from kehu.customers.models import Customer, Transaction
from kehu.customers.services import customer_create

BIG = "99999999999999999999999"
BAD_API = [
    "/api/customers/?owner=null&owner=null",
    "/api/customers/?owner=1&owner=2",
    f"/api/customers/?owner={BIG}",
    "/api/customers/?owner=²",
    "/api/complaints/?receiver=null,null",
    f"/api/complaints/?customer={BIG}",
    "/api/complaints/?state=nonsense",
    "/api/complaints/?queue=x&queue=y",
    "/api/tickets/?owner=null",
    "/api/demands/?owner=null",
    "/api/access-log/?since=0001-01-01T00:00:00",
    "/api/access-log/?until=9999-12-31T23:59:59",
    f"/api/access-log/?user={BIG}",
    "/api/followups/stats/?since=0001-01-01&until=9999-12-31",
    "/api/care-items/?since=0001-01-01",
    "/api/calendar/workdays/?start=9999-12-31&end=9999-12-31",
    "/api/calendar/workdays/?from=9999-12-31&add=5",
    "/api/transactions/?since=0001-01-01",
    f"/api/board-items/?owner={BIG}",
]
BAD_PAGES = [
    "/service/stats/?start=0001-01-01&end=9999-12-31",
    "/service/stats/export/?start=0001-01-01&end=9999-12-31",
    "/service/sla/?start=0001-01-01&end=9999-12-31",
    "/access/log/?since=0001-01-01&until=9999-12-31",
    "/access/log/export/?since=0001-01-01&until=9999-12-31",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", BAD_API)
def test_bad_query_parameters_are_a_400_with_a_message(api_for, url):
    response = api_for("admin").get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert response.json()


@pytest.mark.django_db
def test_the_message_is_in_the_users_language(api_for):
    response = api_for("admin").get("/api/customers/?owner=x", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "whole number" in str(response.json()).lower()
    translation.activate("zh-hans")


@pytest.mark.django_db
@pytest.mark.parametrize("url", BAD_PAGES)
def test_impossible_dates_in_report_filters_are_a_400(client, users, url):
    client.force_login(users["admin"])
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert "1900-01-01" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", [f"/api/customers/{BIG}/", f"/api/complaints/{BIG}/", f"/customers/{BIG}/"])
def test_an_id_beyond_64_bits_in_the_path_is_not_found(api_for, client, users, url):
    client.force_login(users["admin"])
    response = (api_for("admin") if url.startswith("/api/") else client).get(url)
    assert response.status_code == 404


@pytest.mark.django_db
def test_an_empty_multipart_patch_of_a_policy_is_a_400(api_for):
    from kehu.engagement.models import MaintenancePolicy

    policy = MaintenancePolicy.objects.order_by("id").first()
    before = (policy.version, policy.phone_every_days)
    response = api_for("admin").patch(f"/api/policies/{policy.pk}/", {}, format="multipart")
    assert response.status_code == 400 and "version" in response.json()
    policy.refresh_from_db()
    assert (policy.version, policy.phone_every_days) == before


@pytest.mark.django_db
def test_a_transaction_dated_9999_is_refused_and_nothing_is_stored(api_for, users):
    customer = customer_create(actor=users["sales2"], name="测试公司", grade="B")
    for day in ("9999-12-31", "0001-01-01"):
        response = api_for("sales2").post(
            "/api/transactions/", {"customer": customer.pk, "occurred_on": day, "amount": "10"}, format="json"
        )
        assert response.status_code == 400 and "occurred_on" in response.json()
    assert not Transaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_api_write_that_fails_deep_down_keeps_nothing(api_for, users, monkeypatch):
    """A value that only the database refuses (here: an overflow raised after the row was saved)
    is a 400, and the row written before it is rolled back."""
    from kehu.customers import services

    real = services.customer_create

    def create_then_overflow(**kwargs):
        real(**kwargs)
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(services, "customer_create", create_then_overflow)
    response = api_for("sales2").post("/api/customers/", {"name": "回滚公司", "grade": "B"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not Customer.objects.filter(name="回滚公司").exists()


@pytest.mark.django_db
def test_the_history_tab_of_a_customer_without_history_rows(client, users):
    customer = customer_create(actor=users["sales2"], name="无历史公司", grade="B")
    customer.history.all().delete()
    client.force_login(users["sales2"])
    response = client.get(f"/customers/{customer.pk}/", {"tab": "history"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_negative_amounts_and_capital_are_refused_and_refunds_are_their_own_kind(
    api_for, users, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from kehu.analytics import selectors as analytics
    from kehu.customers.models import Transaction

    api = api_for("mkt")
    refused = api.post(
        "/api/customers/", {"name": "负资本公司", "grade": "B", "registered_capital": "-1"}, format="json"
    )
    assert refused.status_code == 400 and "registered_capital" in refused.json()
    customer = customer_create(actor=users["mkt"], name="测试公司", grade="B")
    negative = api.post(
        "/api/transactions/", {"customer": customer.pk, "occurred_on": "2026-11-01", "amount": "-50"}, format="json"
    )
    assert negative.status_code == 400 and "amount" in negative.json()
    for kind, amount in (("sale", "100"), ("refund", "30")):
        with django_capture_on_commit_callbacks(execute=True):  # runs the event that keeps the sales summary
            response = api.post(
                "/api/transactions/",
                {"customer": customer.pk, "kind": kind, "occurred_on": "2026-11-01", "amount": amount},
                format="json",
            )
        assert response.status_code == 201, response.json()
    assert Transaction.objects.count() == 2
    import datetime as dt

    top = analytics.top_customers(users["admin"], since=dt.date(2026, 1, 1), until=dt.date(2026, 12, 31))
    assert top[0]["amount"] == Decimal("70") and top[0]["deals"] == 1


@pytest.mark.parametrize(
    "url",
    [
        "/access/log/?before=²",
        "/access/log/?before=99999999999999999999999",
        "/access/history/?before=٣",
        "/access/?customer=²",
        "/engagement/followups/?after=²",
        "/engagement/followups/?sort=due&after=x|²",
        "/service/complaints/?after=²",
        "/service/complaints/?owner=²",
        "/service/tickets/?customer=٣",
        "/workbench/messages/?after=²",
    ],
)
@pytest.mark.django_db
def test_ids_that_only_look_like_digits_in_page_parameters_are_ignored(client, users, url):
    """str.isdigit() says yes to "²" and "٣" (int() then raised: a 500); an id is ASCII digits in 64 bits."""
    client.force_login(users["admin"])
    assert client.get(url).status_code in (200, 400)


def test_parse_id():
    from kehu.core.inputs import MAX_ID, parse_id

    assert [parse_id(v) for v in ("12", "²", "٣", "", None, "-1", " 1", str(MAX_ID), str(MAX_ID + 1))] == [
        12, None, None, None, None, None, None, MAX_ID, None,
    ]  # fmt: skip
