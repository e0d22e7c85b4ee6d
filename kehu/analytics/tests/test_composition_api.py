import datetime as dt
from decimal import Decimal

import pytest

from kehu.analytics import selectors, services
from kehu.analytics.models import GradeSnapshot
from kehu.analytics.sales import sales_month_rebuild
from kehu.customers.models import Customer, Transaction
from kehu.customers.services import customer_create

pytestmark = pytest.mark.django_db

SINCE, UNTIL = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
URL = "/api/analytics/composition/"


@pytest.fixture
def sales_data(users):
    """Ten B/C customers (owner sales or sales2), one A customer. Amounts 1000, 100, 100, ... so the
    top 20 % (two customers) make a known share; quantities differ from amounts on purpose."""
    actor = users["mkt_mgr"]
    made = []
    for i in range(10):
        owner = users["sales"] if i % 2 == 0 else users["sales2"]
        c = customer_create(
            actor=actor, name=f"客户{i}", grade="B" if i < 5 else "C", region="上海" if i < 3 else "北京",
            owner=owner, industry_standing="leader" if i == 0 else "small",
        )  # fmt: skip
        amount = "1000" if i == 0 else "100"
        Transaction.objects.create(
            customer=c, amount=Decimal(amount), quantity=1 if i == 0 else 5, product="服务器" if i < 4 else "软件",
            occurred_on=dt.date(2026, 3, 1),
        )  # fmt: skip
        made.append(c)
    a = customer_create(actor=actor, name="甲公司", grade="A", region="上海", owner=users["sales"])
    Transaction.objects.create(customer=a, amount=Decimal("900"), quantity=3, product="服务器", occurred_on=SINCE)
    Transaction.objects.create(
        customer=made[1], amount=Decimal("50"), quantity=1, product="服务器", occurred_on=SINCE, kind="refund"
    )
    sales_month_rebuild()  # the nightly job; Transaction.objects.create publishes no event
    return made


def test_amount_and_quantity_with_shares_by_grade(users, sales_data):
    data = selectors.composition(users["mkt_mgr"], by="grade", since=SINCE, until=UNTIL)
    rows = {r.key: r for r in data["rows"]}
    # B: 1000 + 4*100 - 50 refund = 1350; quantity 1 + 4*5 - 1 = 20.  C: 500, 25.  A: 900, 3.
    assert (rows["B"].amount, rows["B"].quantity, rows["B"].customers) == (Decimal("1350"), 20, 5)
    assert (rows["C"].amount, rows["C"].quantity) == (Decimal("500"), 25)
    assert data["total_amount"] == Decimal("2750") and data["total_quantity"] == 48
    assert round(rows["C"].quantity_share, 4) == round(25 / 48, 4)
    assert [r.key for r in data["rows"]] == ["B", "A", "C"]


def test_every_dimension_and_the_owner_names(users, sales_data):
    for by in selectors.DIMENSIONS:
        data = selectors.composition(users["mkt_mgr"], by=by, since=SINCE, until=UNTIL)
        assert sum((r.amount for r in data["rows"]), Decimal(0)) == data["total_amount"]
    owners = selectors.composition(users["mkt_mgr"], by="owner", since=SINCE, until=UNTIL)["rows"]
    assert {r.label for r in owners} == {"李明", "周杰"}
    industry = selectors.composition(users["mkt_mgr"], by="industry", since=SINCE, until=UNTIL)["rows"]
    assert {r.label for r in industry} == {"龙头企业", "小型企业", "其他"}


def test_groups_beyond_the_limit_become_others(users, sales_data):
    data = selectors.composition(users["mkt_mgr"], by="product", since=SINCE, until=UNTIL, limit=1)
    assert [r.label for r in data["rows"]] == ["服务器", "其他"]
    assert data["rows"][1].amount == Decimal("600")  # six 软件 sales of 100


def test_pareto_top_fifth_share(users, sales_data):
    p = selectors.pareto(users["mkt_mgr"], since=SINCE, until=UNTIL)
    # 11 customers with sales > 0 -> the top 3 (ceil 20 %): 1000 + 900 + 100.
    assert (p["customers"], p["top_customers"], p["top_amount"]) == (11, 3, Decimal("2000"))
    assert round(p["top_share"], 3) == round(2000 / 2750, 3)


def test_grade_migration_from_monthly_snapshots(users, sales_data):
    services.grade_snapshot_take(today=dt.date(2026, 9, 30))
    Customer.objects.unscoped("test").filter(name__in=["客户0", "客户1"]).update(grade="C")
    Customer.objects.unscoped("test").filter(name="客户9").update(grade="B")
    services.grade_snapshot_take(today=dt.date(2026, 10, 15))
    services.grade_snapshot_take(today=dt.date(2026, 10, 31))  # the same month: overwritten, not added
    assert GradeSnapshot.objects.unscoped("test").count() == 22
    m = selectors.grade_migration(users["mkt_mgr"], start=dt.date(2026, 9, 1), end=dt.date(2026, 10, 1))
    flows = {(f["grade"], f["to_grade"]): f["customers"] for f in m["flows"]}
    assert flows[("B", "C")] == 2 and flows[("C", "B")] == 1 and flows[("A", "A")] == 1
    assert (m["down"], m["up"]) == (2, 1)
    # sales sees only the B/C customers they own (客户0 is theirs; 客户1 and 客户9 are sales2's)
    mine = selectors.grade_migration(users["sales"], start=dt.date(2026, 9, 1), end=dt.date(2026, 10, 1))
    assert {(f["grade"], f["to_grade"]): f["customers"] for f in mine["flows"]}.get(("B", "C")) == 1
    assert selectors.grade_migration(users["tech"], start=dt.date(2026, 9, 1), end=dt.date(2026, 10, 1))["flows"] == []


def test_api_answers_with_amount_quantity_and_pareto(api_for, sales_data, django_assert_max_num_queries):
    client = api_for("mkt_mgr")
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"by": "region", "from": "2026-01-01", "to": "2026-12-31"})
    body = response.json()
    assert response.status_code == 200 and body["by"] == "region"
    first = body["items"][0]
    assert set(first) >= {"label", "amount", "amount_share", "quantity", "quantity_share", "customers"}
    assert body["pareto"]["top_customers"] == 3 and body["scope_limited"] is False


@pytest.mark.parametrize(
    "query,field",
    [
        ({"by": "colour"}, "by"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-12-01", "to": "2026-01-01"}, "from"),
        ({"from": "0001-01-01"}, "from"),
    ],
)
def test_api_bad_input_is_a_clear_400(api_for, users, query, field):
    response = api_for("mkt_mgr").get(URL, query)
    assert response.status_code == 400 and field in response.json()


def test_api_in_english(api_for, users):
    response = api_for("mkt_mgr").get(URL, {"by": "colour"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Allowed values: grade, product" in str(response.json()["by"])


def test_user_without_rights_sees_nothing(api_for, sales_data):
    body = api_for("tech").get(URL, {"by": "grade", "from": "2026-01-01", "to": "2026-12-31"}).json()
    assert body["items"] == [] and body["total_amount"] == "0" and body["scope_limited"] is True
    sales = api_for("sales").get(URL, {"by": "grade", "from": "2026-01-01", "to": "2026-12-31"}).json()
    assert {i["key"] for i in sales["items"]} == {"B", "C"}  # not the A customer they own
