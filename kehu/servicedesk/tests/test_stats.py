"""客户投诉统计表: figures on a fixed data set, counted by hand."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kehu.servicedesk import services, stats
from kehu.servicedesk.models import Complaint

pytestmark = pytest.mark.django_db
BJ = dt.timezone(dt.timedelta(hours=8))

# received (Beijing time), category, product, quantity, responsible, department, handling, compensation, return, loss
DATA = [
    (
        dt.datetime(2026, 1, 5, 10, tzinfo=BJ),
        "quality",
        "KH-200",
        2,
        True,
        "production",
        "compensation",
        "1000",
        "0",
        "1500",
    ),
    (dt.datetime(2026, 1, 20, 15, tzinfo=BJ), "quality", "KH-200", 1, True, "quality", "return", "0", "800", "800"),
    (
        dt.datetime(2026, 1, 31, 23, 30, tzinfo=BJ),
        "delivery",
        "KH-300",
        5,
        False,
        "",
        "",
        "0",
        "0",
        "0",
    ),  # Jan in Beijing
    (dt.datetime(2026, 2, 1, 0, 30, tzinfo=BJ), "service", "", 0, True, "marketing", "other", "0", "0", "200"),
    (
        dt.datetime(2026, 2, 14, 9, tzinfo=BJ),
        "quality",
        "KH-300",
        3,
        True,
        "production",
        "compensation",
        "500",
        "0",
        "700",
    ),
    (dt.datetime(2026, 4, 2, 9, tzinfo=BJ), "price", "KH-200", 1, True, "marketing", "discount", "0", "0", "300"),
    (
        dt.datetime(2025, 12, 31, 22, tzinfo=BJ),
        "quality",
        "KH-200",
        9,
        True,
        "production",
        "compensation",
        "9",
        "0",
        "9",
    ),  # out of range
]


@pytest.fixture
def dataset(users, customer):
    for received, category, product, qty, ours, dept, handling, comp, ret, loss in DATA:
        c = services.complaint_create(
            actor=users["cs"],
            customer=customer,
            channel="phone",
            reason="x",
            category=category,
            product=product,
            quantity=qty,
            received_at=received,
        )
        Complaint.objects.filter(pk=c.pk).update(
            responsible=ours,
            responsible_department=dept,
            handling_type=handling,
            compensation_amount=Decimal(comp),
            return_amount=Decimal(ret),
            loss_amount=Decimal(loss),
        )


def test_monthly_statistics_match_the_hand_count(users, dataset):
    result = stats.complaint_stats(users["cs"], period="month", start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1))
    rows = {row["label"]: row for row in result["rows"]}
    assert list(rows) == ["2026-01", "2026-02", "2026-04"]
    jan, feb, apr = rows["2026-01"], rows["2026-02"], rows["2026-04"]
    assert (jan["count"], jan["ours"], jan["not_ours"], jan["quantity"]) == (3, 2, 1, 8)
    assert (jan["compensation_amount"], jan["return_amount"], jan["loss_amount"]) == (1000, 800, 2300)
    assert (feb["count"], feb["ours"], feb["quantity"], feb["compensation_amount"], feb["loss_amount"]) == (
        2,
        2,
        3,
        500,
        900,
    )
    assert (apr["count"], apr["loss_amount"]) == (1, 300)
    assert result["total"]["count"] == 6 and result["total"]["loss_amount"] == 3500
    by_category = {row["key"]: row["count"] for row in result["by_category"]}
    assert by_category == {"quality": 3, "delivery": 1, "service": 1, "price": 1}
    by_department = {row["key"]: (row["count"], row["loss_amount"]) for row in result["by_department"]}
    assert by_department == {"production": (2, 2200), "quality": (1, 800), "marketing": (2, 500), "": (1, 0)}
    by_handling = {row["key"]: row["count"] for row in result["by_handling"]}
    assert by_handling == {"compensation": 2, "return": 1, "other": 1, "discount": 1, "": 1}
    by_product = {row["key"]: row["quantity"] for row in result["by_product"]}
    assert by_product == {"KH-200": 4, "KH-300": 8, "": 0}


def test_quarterly_and_yearly(users, dataset):
    quarters = stats.complaint_stats(users["cs"], period="quarter", start=dt.date(2025, 1, 1), end=dt.date(2027, 1, 1))
    assert [(r["label"], r["count"]) for r in quarters["rows"]] == [("2025 Q4", 1), ("2026 Q1", 5), ("2026 Q2", 1)]
    years = stats.complaint_stats(users["cs"], period="year", start=dt.date(2025, 1, 1), end=dt.date(2027, 1, 1))
    assert [(r["label"], r["count"], r["loss_amount"]) for r in years["rows"]] == [("2025", 1, 9), ("2026", 6, 3500)]


def test_the_page_and_the_excel_export(client, users, dataset):
    client.force_login(users["cs_lead"])
    page = client.get(reverse("servicedesk:stats"), {"period": "month", "start": "2026-01-01", "end": "2027-01-01"})
    assert page.status_code == 200
    assert 'id="stats-data"' in page.content.decode() and "2026-01" in page.content.decode()
    response = client.get(
        reverse("servicedesk:stats_export"), {"period": "month", "start": "2026-01-01", "end": "2027-01-01"}
    )
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    summary = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert summary[2][:4] == ("2026-01", 3, 2, 1)
    assert summary[-1][0] == "合计" and summary[-1][1] == 6 and summary[-1][-1] == 3500
    assert workbook.worksheets[-1].max_row == 7  # header + 6 complaints


def test_statistics_only_count_what_the_user_may_see(users, dataset, make_customer):
    a_customer = make_customer("北京华信集团有限公司", grade="A")
    services.complaint_create(
        actor=None, customer=a_customer, channel="email", reason="x", received_at=dt.datetime(2026, 1, 6, tzinfo=BJ)
    )
    jan = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    # the owner sees the complaints of the B-grade customer (3); customer service handles all, A included (4);
    # sales, another department without a grant, none
    assert stats.complaint_stats(users["sales2"], start=jan[0], end=jan[1])["total"]["count"] == 3
    assert stats.complaint_stats(users["cs"], start=jan[0], end=jan[1])["total"]["count"] == 4
    assert stats.complaint_stats(users["sales"], start=jan[0], end=jan[1])["total"]["count"] == 0
