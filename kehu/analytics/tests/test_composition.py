import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kehu.analytics import selectors
from kehu.analytics.sales import sales_month_rebuild
from kehu.customers.models import Transaction
from kehu.customers.services import customer_create

pytestmark = pytest.mark.django_db

SINCE, UNTIL = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


@pytest.fixture
def sales_data(users):
    """A: 600 (one customer, Shanghai); B: 300 + 100 (two customers, Beijing); C: none; one deal out of period."""
    actor = users["mkt_mgr"]
    a = customer_create(actor=actor, name="甲公司", grade="A", region="上海")
    b1 = customer_create(actor=actor, name="乙公司", grade="B", region="北京")
    b2 = customer_create(actor=actor, name="丙公司", grade="B", region="北京")
    customer_create(actor=actor, name="丁公司", grade="C", region="广州")
    for customer, amount, product, day in [
        (a, "600", "服务器", dt.date(2026, 3, 1)),
        (b1, "300", "服务器", dt.date(2026, 4, 1)),
        (b2, "100", "软件", dt.date(2026, 5, 1)),
        (a, "999", "软件", dt.date(2025, 12, 31)),
    ]:
        Transaction.objects.create(customer=customer, amount=Decimal(amount), product=product, occurred_on=day)
    sales_month_rebuild()  # the nightly job; Transaction.objects.create publishes no event
    return a


def test_sales_by_grade_sums_and_shares(users, sales_data):
    shares = selectors.sales_by_grade(users["mkt_mgr"], since=SINCE, until=UNTIL)
    assert [(s.label, s.amount, s.customers, round(s.share, 2)) for s in shares] == [
        ("A类", Decimal("600"), 1, 0.6),
        ("B类", Decimal("400"), 2, 0.4),
    ]


def test_sales_by_region_and_product(users, sales_data):
    regions = selectors.sales_by_region(users["mkt_mgr"], since=SINCE, until=UNTIL)
    products = selectors.sales_by_product(users["mkt_mgr"], since=SINCE, until=UNTIL)
    assert [(s.label, s.amount) for s in regions] == [("上海", Decimal("600")), ("北京", Decimal("400"))]
    assert [(s.label, s.amount) for s in products] == [("服务器", Decimal("900")), ("软件", Decimal("100"))]


def test_page_shows_figures_and_export_reads_back(client, users, sales_data, django_assert_max_num_queries):
    client.force_login(users["mkt_mgr"])
    with django_assert_max_num_queries(16):
        html = client.get(reverse("analytics:composition"), {"since": SINCE, "until": UNTIL}).content.decode()
    assert "客户构成分析" in html and "甲公司" in html and "60%" in html
    response = client.get(reverse("analytics:composition-export"), {"since": SINCE, "until": UNTIL})
    workbook = load_workbook(BytesIO(response.getvalue()))
    grade_sheet = workbook.worksheets[0]
    assert [c.value for c in grade_sheet[2]] == ["A类", 600.0, 0.6, 1, 0.3333, 1]


def test_bad_dates_are_a_clear_400(client, users, sales_data):
    client.force_login(users["mkt_mgr"])
    response = client.get(reverse("analytics:composition"), {"since": "2026-13-45", "until": "x"})
    assert response.status_code == 400 and "YYYY-MM-DD" in response.content.decode()


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("analytics:composition"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.browser
def test_charts_are_drawn_in_the_browser(login, users, sales_data):
    page = login("mkt_mgr")
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.goto(page.base_url + reverse("analytics:composition") + f"?since={SINCE}&until={UNTIL}")
    page.wait_for_selector("[data-chart] canvas")
    assert page.locator("[data-chart] canvas").count() == 1
    assert console_errors == []


def test_page_renders_in_english(client, users, sales_data):
    client.force_login(users["mkt_mgr"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("analytics:composition"), {"since": SINCE, "until": UNTIL}).content.decode()
    assert "Customer composition" in html and "Pareto" in html
    assert "客户构成分析" not in html
