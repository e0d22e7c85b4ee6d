"""The period summary (cube.py): the same figures as the live path for a viewer who sees every
customer, never read for anyone else, and fresh after the periodic task.

The fixed data set (the cube built as on 2026-10-15, so the default range is 2025-11 … 2026-10):

    customer  grade region industry owner   sales (net)
    甲         A     上海   leader   sales    2026-03 服务器 1000 ×2, 软件 500 ×1; 2025-12 服务器 300
    乙         B     北京   small    sales    2026-03 服务器 200 ×4, refund 50 ×1; 2026-02 软件 100;
                                             2026-11 服务器 10000
    丙         B     上海   small    sales2   2026-01 软件 700 ×7; 2026-03 服务器 100
    丁         C     广州   other    sales2   2026-03 服务器 100; 2026-06 服务器 50
    戊         C     北京   other    sales    2026-02 (no product) 400 ×2
    己         C     —      other    sales2   2025-11 咨询 80; 2024-10 咨询 999 (in no period)

March 2026 by hand: A 1500 (3 units, 1 customer), B 150 + 100 = 250 (3 + 1 units, 2), C 100 (1, 1);
total 1850, 8 units, 4 customers. 服务器 1000 + 150 + 100 + 100 = 1350 (4 buyers), 软件 500 (1):
甲 counts once in the total although they bought both.
"""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kehu.access.models import AccessLog, AccessRule
from kehu.analytics import cube, loyalty, selectors, services
from kehu.analytics.models import CompositionCell, CompositionSegment, CompositionTop, GradeFlow, SummaryPeriod
from kehu.analytics.sales import sales_month_rebuild
from kehu.customers.models import Customer, Transaction
from kehu.customers.services import transaction_create
from kehu.loyalty.models import Membership, Tier

from .factories import customer

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 15)
MONTH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
QUARTER = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
DEFAULT = (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
PERIODS = {"month": MONTH, "quarter": QUARTER, "default": DEFAULT, "year": YEAR}


@pytest.fixture
def shop(users):
    mgr, sales, sales2 = users["mkt_mgr"], users["sales"], users["sales2"]
    made = {
        "甲": customer(mgr, "甲", grade="A", region="上海", industry_standing="leader", owner=sales, age_days=1500),
        "乙": customer(mgr, "乙", grade="B", region="北京", industry_standing="small", owner=sales, age_days=1200),
        "丙": customer(mgr, "丙", grade="B", region="上海", industry_standing="small", owner=sales2, age_days=100),
        "丁": customer(mgr, "丁", grade="C", region="广州", owner=sales2, age_days=400),
        "戊": customer(mgr, "戊", grade="C", region="北京", owner=sales, age_days=2000),
        "己": customer(mgr, "己", grade="C", region="", owner=sales2, age_days=50),
    }
    for name, day, amount, quantity, product, kind in [
        ("甲", "2026-03-05", "1000", 2, "服务器", "sale"),
        ("甲", "2026-03-20", "500", 1, "软件", "sale"),
        ("甲", "2025-12-10", "300", 1, "服务器", "sale"),
        ("乙", "2026-03-10", "200", 4, "服务器", "sale"),
        ("乙", "2026-03-12", "50", 1, "服务器", "refund"),
        ("乙", "2026-02-01", "100", 1, "软件", "sale"),
        ("乙", "2026-11-05", "10000", 1, "服务器", "sale"),
        ("丙", "2026-01-15", "700", 7, "软件", "sale"),
        ("丙", "2026-03-31", "100", 1, "服务器", "sale"),
        ("丁", "2026-03-01", "100", 1, "服务器", "sale"),
        ("丁", "2026-06-01", "50", 1, "服务器", "sale"),
        ("戊", "2026-02-20", "400", 2, "", "sale"),
        ("己", "2025-11-01", "80", 1, "咨询", "sale"),
        ("己", "2024-10-31", "999", 1, "咨询", "sale"),
    ]:
        Transaction.objects.create(
            customer=made[name],
            occurred_on=dt.date.fromisoformat(day),
            amount=Decimal(amount),
            quantity=quantity,
            product=product,
            kind=kind,
        )
    tier, _ = Tier.objects.get_or_create(code="t-cube", defaults={"name": "金卡", "rank": 99})
    Membership.objects.update_or_create(customer=made["乙"], defaults={"tier": tier})
    sales_month_rebuild()
    return made


@pytest.fixture
def built(shop):
    cube.rebuild_all(today=TODAY)
    return shop


def _everything(user, since, until, summary):
    return {
        "comp": {
            by: selectors.composition(user, by=by, since=since, until=until, summary=summary)
            for by in selectors.DIMENSIONS
        },
        "small": selectors.composition(user, by="product", since=since, until=until, limit=1, summary=summary),
        "pareto": selectors.pareto(user, since=since, until=until, summary=summary),
        "top": selectors.top_customers(user, since=since, until=until, summary=summary),
        "top3": selectors.top_customers(user, since=since, until=until, limit=3, summary=summary),
    }


def _without_as_of(figures):
    for comp in [*figures["comp"].values(), figures["small"]]:
        comp.pop("as_of")
    return figures


# --- the figures --------------------------------------------------------------------------------


def test_march_by_hand_from_the_cube(users, built):
    mgr = users["mkt_mgr"]
    summary = selectors.cube_for(mgr, *MONTH)
    assert summary is not None and summary.refreshed_at is not None
    grade = selectors.composition(mgr, by="grade", since=MONTH[0], until=MONTH[1], summary=summary)
    assert [(r.key, r.amount, r.quantity, r.customers) for r in grade["rows"]] == [
        ("A", Decimal("1500"), 3, 1),
        ("B", Decimal("250"), 4, 2),
        ("C", Decimal("100"), 1, 1),
    ]
    assert (grade["total_amount"], grade["total_quantity"], grade["customers"]) == (Decimal("1850"), 8, 4)
    assert grade["as_of"] == summary.refreshed_at
    product = selectors.composition(mgr, by="product", since=MONTH[0], until=MONTH[1], summary=summary)
    assert [(r.key, r.amount, r.customers) for r in product["rows"]] == [
        ("服务器", Decimal("1350"), 4),
        ("软件", Decimal("500"), 1),
    ]
    assert product["customers"] == 4  # 甲 bought both products and is one customer
    pareto = selectors.pareto(mgr, since=MONTH[0], until=MONTH[1], summary=summary)
    assert (pareto["customers"], pareto["top_customers"], pareto["top_amount"]) == (4, 1, Decimal("1500"))
    top = selectors.top_customers(mgr, since=MONTH[0], until=MONTH[1], summary=summary)
    assert [(r["customer__name"], r["amount"], r["deals"]) for r in top] == [
        ("甲", Decimal("1500"), 2),
        ("乙", Decimal("150"), 1),
        ("丙", Decimal("100"), 1),  # 丙 and 丁 tie at 100: the smaller id first, as live
        ("丁", Decimal("100"), 1),
    ]


@pytest.mark.parametrize("period", list(PERIODS))
def test_the_cube_answers_exactly_what_the_live_path_answers(users, built, period):
    mgr = users["mkt_mgr"]
    since, until = PERIODS[period]
    summary = selectors.cube_for(mgr, since, until)
    assert summary is not None
    with CaptureQueriesContext(connection) as queries:
        from_cube = _everything(mgr, since, until, summary)
    assert not any("analytics_salesmonth" in q["sql"] for q in queries.captured_queries)
    assert all(c["as_of"] == summary.refreshed_at for c in from_cube["comp"].values())
    live = _everything(mgr, since, until, None)
    assert all(c["as_of"] is None for c in live["comp"].values())
    assert _without_as_of(from_cube) == _without_as_of(live)


def test_the_default_range_and_the_year_differ_by_what_lies_between(users, built):
    mgr = users["mkt_mgr"]
    default = selectors.composition(mgr, by="grade", since=DEFAULT[0], until=DEFAULT[1])
    year = selectors.composition(mgr, by="grade", since=YEAR[0], until=YEAR[1])
    # 2026-01 … 2026-10: 700 + 100 + 400 + 1850 + 50 = 3100; the default range adds 甲's 300 (2025-12) and
    # 己's 80 (2025-11), the year 乙's 10000 (2026-11)
    assert default["total_amount"] == Decimal("3480") and year["total_amount"] == Decimal("13100")
    assert default["as_of"] is not None and year["as_of"] is not None


def test_a_range_that_is_not_a_period_is_live_and_the_page_says_so(client, users, built):
    mgr = users["mkt_mgr"]
    assert selectors.cube_for(mgr, dt.date(2026, 2, 1), dt.date(2026, 3, 31)) is None  # two months
    assert selectors.cube_for(mgr, dt.date(2026, 3, 2), dt.date(2026, 3, 31)) is None  # cuts a month
    client.force_login(mgr)
    html = client.get(reverse("analytics:composition"), {"since": "2026-02-01", "until": "2026-03-31"}).content.decode()
    assert "data-live-notice" in html and "data-as-of" not in html
    html = client.get(reverse("analytics:composition"), {"since": "2026-03-01", "until": "2026-03-31"}).content.decode()
    assert "数据截至" in html and "data-live-notice" not in html


def test_loyalty_from_the_cube_is_the_live_figures(users, built):
    mgr = users["mkt_mgr"]
    for since, until in PERIODS.values():
        summary = selectors.cube_for(mgr, since, until)
        for by in loyalty.SEGMENTS:
            from_cube = loyalty.segment_table(mgr, by=by, since=since, until=until, summary=summary)
            live = loyalty.segment_table(mgr, by=by, since=since, until=until, summary=None)
            assert from_cube == live
    rows = {r["key"]: r for r in loyalty.segment_table(mgr, by="grade", since=MONTH[0], until=MONTH[1])}
    # March: 甲 has two sales (repeat); 乙 one sale and one refund; 丙 and 丁 one each
    assert [rows["A"][k] for k in ("customers", "repeat_buyers", "long_standing", "members")] == [1, 1, 1, 0]
    assert [rows["B"][k] for k in ("customers", "repeat_buyers", "long_standing", "members")] == [2, 0, 1, 1]
    assert [rows["C"][k] for k in ("customers", "repeat_buyers", "long_standing", "members")] == [3, 0, 1, 0]


def test_grade_migration_pairs_equal_the_live_flows(users, shop):
    services.grade_snapshot_take(today=dt.date(2026, 8, 31))
    Customer.objects.unscoped("test").filter(name="丙").update(grade="C")
    services.grade_snapshot_take(today=dt.date(2026, 9, 30))
    Customer.objects.unscoped("test").filter(name="戊").update(grade="B")
    services.grade_snapshot_take(today=dt.date(2026, 10, 15))
    assert selectors.snapshot_months(None) == [dt.date(2026, 10, 1), dt.date(2026, 9, 1), dt.date(2026, 8, 1)]
    cube.rebuild_all(today=TODAY)
    mgr = users["mkt_mgr"]
    for start, end in [((2026, 8), (2026, 9)), ((2026, 9), (2026, 10)), ((2026, 8), (2026, 10))]:
        first, last = dt.date(*start, 1), dt.date(*end, 1)
        assert GradeFlow.objects.filter(start_month=first, end_month=last).exists()
        from_cube = selectors.grade_migration(mgr, start=first, end=last)
        GradeFlow.objects.all().delete()  # the same question, answered live
        live = selectors.grade_migration(mgr, start=first, end=last)
        cube.grade_flows_rebuild()
        assert from_cube == live
    flows = selectors.grade_migration(mgr, start=dt.date(2026, 8, 1), end=dt.date(2026, 10, 1))
    assert (flows["down"], flows["up"]) == (1, 1)


def test_the_periods_of_a_day():
    periods = cube.period_set(TODAY)
    kinds = sorted(periods.values())
    assert len(periods) == 24 + 8 + 2 + 1
    assert kinds.count("month") == 24 and kinds.count("quarter") == 8 and kinds.count("rolling") == 1
    assert (dt.date(2024, 11, 1), dt.date(2024, 11, 30)) in periods  # 24 months back, this one included
    assert (dt.date(2025, 1, 1), dt.date(2025, 3, 31)) in periods  # 8 quarters back, this one included
    assert (dt.date(2024, 10, 1), dt.date(2024, 12, 31)) not in periods
    assert periods[DEFAULT] == "rolling" and periods[YEAR] == "year"
    december = cube.period_set(dt.date(2026, 12, 1))
    assert len(december) == 34 and december[YEAR] == "year"  # the default range is this year: one period


# --- who may read it ----------------------------------------------------------------------------


def test_a_limited_sales_user_reads_only_the_cells_of_their_own_customers(users, built):
    """sales sees the B and C customers they own (乙, 戊): their figures are a hand count of those,
    read from the cube (tampering with their cells shows), and tampering with every other cell
    (甲 is theirs but grade A; 丙 and 丁 are sales2's) changes nothing they see."""
    sales, mgr = users["sales"], users["mkt_mgr"]
    quarter = {"period_start": QUARTER[0], "period_end": QUARTER[1]}
    summary = selectors.cube_for(sales, *QUARTER)
    assert summary is not None and summary.scope.own_grades == {"B", "C"} and not summary.scope.grades
    others = CompositionCell.objects.filter(**quarter).exclude(owner=sales, grade__in=["B", "C"])
    assert others.update(amount=Decimal("7"), customers=70) > 0
    CompositionSegment.objects.filter(**quarter).exclude(segment=f"BC@{sales.pk}").update(customers=99)
    CompositionTop.objects.unscoped("test").filter(**quarter).exclude(segment=f"BC@{sales.pk}").delete()
    mine = selectors.composition(sales, by="grade", since=QUARTER[0], until=QUARTER[1])
    # 乙: 150 (March) + 100 (February); 戊: 400 (February)
    assert [(r.key, r.amount, r.customers) for r in mine["rows"]] == [
        ("C", Decimal("400"), 1),
        ("B", Decimal("250"), 1),
    ]
    assert mine["as_of"] == summary.refreshed_at and mine["customers"] == 2
    assert selectors.pareto(sales, since=QUARTER[0], until=QUARTER[1])["customers"] == 2
    assert [r["customer__name"] for r in selectors.top_customers(sales, since=QUARTER[0], until=QUARTER[1])] == [
        "戊",
        "乙",
    ]
    tampered = selectors.composition(mgr, by="grade", since=QUARTER[0], until=QUARTER[1])
    assert tampered["customers"] == 70 * others.filter(by="total").count() + 2
    assert selectors.pareto(mgr, since=QUARTER[0], until=QUARTER[1])["customers"] == 99
    CompositionCell.objects.filter(**quarter, owner=sales, grade="B").update(amount=Decimal("5"))
    assert selectors.composition(sales, by="grade", since=QUARTER[0], until=QUARTER[1])["rows"][1].amount == 5


# username -> (convenience rules switched on, a grant on 甲) for each shape a viewer's rules take
LIMITED = {
    "sales": ((), False),  # their own B and C customers: one segment
    "sales2": ((), False),
    "mkt": ((), False),  # every B and C customer: one segment
    "mkt+grant": ((), True),  # ... plus 甲 by a grant: 甲 read live and added
    "tech": ((), True),  # nothing but the grant
    "admin": (("no A for directors",), False),  # B and C only
    "cs_lead": (("owner A",), False),  # every B and C customer and their own A ones: no one segment
    "sales_mgr": (("owner managers",), False),  # the customers of the people they manage
}
SWITCHES = {
    "owner A": ({"principal": "owner", "grade": "A", "action": "view"}, True),
    "owner managers": ({"principal": "owner_managers", "action": "view"}, True),
    "no A for directors": (
        {"action": "view", "grade": "A", "principal": "role", "department": "", "min_level": 30},
        False,
    ),
}


def _limited_viewer(users, shop, viewer):
    """The user of one LIMITED shape, with its rules switched and its grant made."""
    from kehu.access.choices import GrantScope, RequestStatus
    from kehu.access.models import AccessRequest

    username = viewer.split("+")[0]
    switches, grant = LIMITED[viewer]
    for switch in switches:
        match, active = SWITCHES[switch]
        assert AccessRule.objects.filter(**match).update(is_active=active) == 1
    if "owner A" in switches:
        Customer.objects.unscoped("test").filter(name="甲").update(owner=users[username])
        cube.rebuild_all(today=TODAY)
    if grant:
        AccessRequest.objects.create(
            requester=users[username],
            customer=shop["甲"],
            purpose="排查故障",
            scope=GrantScope.ARCHIVE,
            status=RequestStatus.APPROVED,
            valid_until=timezone.localdate() + dt.timedelta(days=3),
        )
    return type(users[username]).objects.get(pk=users[username].pk)  # the rules are read once per user object


@pytest.mark.parametrize("viewer", list(LIMITED))
@pytest.mark.parametrize("period", ["month", "default"])
def test_every_limited_viewer_reads_from_the_cube_exactly_what_they_would_read_live(users, built, viewer, period):
    user = _limited_viewer(users, built, viewer)
    grant = LIMITED[viewer][1]
    since, until = PERIODS[period]
    summary = selectors.cube_for(user, since, until)
    assert summary is not None and not summary.scope.every and summary.grants is grant
    with CaptureQueriesContext(connection) as queries:
        from_cube = _everything(user, since, until, summary)
    live = _everything(user, since, until, None)
    assert _without_as_of(from_cube) == _without_as_of(live)
    assert live["comp"]["grade"]["customers"] > 0
    for by in loyalty.SEGMENTS:
        loyal = loyalty.segment_table(user, by=by, since=since, until=until, summary=summary)
        assert loyal == loyalty.segment_table(user, by=by, since=since, until=until, summary=None)
        assert sum(r["customers"] for r in loyal) > 0
    # The sales rows are read only for granted customers, and for the per-customer figures of a scope
    # no segment is (Pareto and the two top lists: three queries).
    live_reads = [q for q in queries.captured_queries if "analytics_salesmonth" in q["sql"]]
    if not grant:
        assert len(live_reads) == (3 if viewer in ("cs_lead", "sales_mgr") else 0)


def test_a_customer_who_moved_is_read_live_until_the_cube_is_rebuilt(users, built, django_capture_on_commit_callbacks):
    """丁 moves from sales2 to sales: the March rows still count 丁 as sales2's, so neither reads
    them until the worker rebuilt the period; then both read the cube again, with 丁 moved. A new
    transaction alone does not stop a limited viewer reading the cube (its figures wait for the
    worker, as for everyone)."""
    from kehu.customers.services import customer_update

    mgr, sales, sales2 = users["mkt_mgr"], users["sales"], users["sales2"]
    with django_capture_on_commit_callbacks(execute=True):
        transaction_create(
            actor=mgr, customer=built["乙"], occurred_on=MONTH[0], amount="1", quantity=1, product="服务器", kind="sale"
        )
    assert selectors.cube_for(sales, *MONTH) is not None
    ding = built["丁"]
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(actor=mgr, customer=ding, version=ding.version, owner=sales)
    assert selectors.cube_for(sales, *MONTH) is None and selectors.cube_for(sales2, *MONTH) is None
    assert selectors.cube_for(mgr, *MONTH) is not None  # every customer: the sums are right whoever owns 丁
    live = selectors.composition(sales, by="grade", since=MONTH[0], until=MONTH[1])
    assert live["as_of"] is None and ("C", Decimal("100")) in [(r.key, r.amount) for r in live["rows"]]
    cube.refresh_dirty(today=TODAY)
    summary = selectors.cube_for(sales, *MONTH)
    assert summary is not None
    assert _without_as_of(_everything(sales, *MONTH, summary)) == _without_as_of(_everything(sales, *MONTH, None))


def test_an_admin_whose_rules_leave_out_a_grade_is_limited_too(users, built):
    """Administrators hold no bypass in restrict(): without the rule that gives directors and above
    every A customer, the admin sees B and C only, so the scope notice shows and the cube (which
    counts 甲, grade A) is not read."""
    admin = users["admin"]
    assert selectors.scope_is_limited(admin) is False and selectors.cube_for(admin, *MONTH).scope.every
    AccessRule.objects.filter(action="view", grade="A", principal="role", department="", min_level=30).update(
        is_active=False
    )
    admin = type(admin).objects.get(pk=admin.pk)  # the rules are read once per user object
    assert selectors.scope_is_limited(admin) is True and not selectors.cube_for(admin, *MONTH).scope.every
    rows = selectors.composition(admin, by="grade", since=MONTH[0], until=MONTH[1])["rows"]
    assert [r.key for r in rows] == ["B", "C"]


@pytest.mark.parametrize("username", ["mkt_mgr", "mkt_dir", "admin"])
def test_managers_who_see_every_customer_read_the_cube(users, built, username):
    user = users[username]
    assert selectors.scope_is_limited(user) is False and selectors.cube_for(user, *MONTH).scope.every


@pytest.mark.parametrize("username", ["sales_mgr", "sales", "mkt", "cs_lead", "tech"])
def test_everyone_else_reads_their_rules_scope(users, built, username):
    assert selectors.scope_is_limited(users[username]) is True
    assert not selectors.cube_for(users[username], *MONTH).scope.every


def test_the_api_and_the_loyalty_page_keep_the_rule(api_for, client, users, built):
    body = api_for("sales").get(
        "/api/analytics/composition/", {"by": "grade", "from": "2026-01-01", "to": "2026-03-31"}
    )
    assert body.json()["as_of"] is not None and body.json()["total_amount"] in ("650", "650.00")
    client.force_login(users["sales"])
    html = client.get(reverse("analytics:loyalty"), {"since": "2026-03-01", "until": "2026-03-31"}).content.decode()
    assert "data-scope-notice" in html and "数据截至" in html  # their part of the summary, and said so
    client.force_login(users["mkt_mgr"])
    html = client.get(reverse("analytics:loyalty"), {"since": "2026-03-01", "until": "2026-03-31"}).content.decode()
    assert "数据截至" in html and "data-scope-notice" not in html


def test_the_high_risk_card_reads_the_count_the_run_recorded(users, shop):
    from kehu.analytics import churn
    from kehu.analytics.models import ChurnRisk, ChurnRun

    run = services.churn_run(services.churn_run_start(enqueue=False).pk)
    assert run.high_risk == ChurnRisk.objects.unscoped("test").filter(score__gte=churn.HIGH_RISK).count()
    ChurnRun.objects.filter(pk=run.pk).update(high_risk=123)  # so the figure read is visibly the recorded one
    assert selectors.high_risk_count(users["mkt_mgr"]) == 123
    sales = users["sales"]
    own = ChurnRisk.objects.restrict(sales, "view").filter(score__gte=churn.HIGH_RISK).count()
    assert selectors.high_risk_count(sales) == own


# --- pages, API, export -------------------------------------------------------------------------


def test_api_answers_from_the_cube_with_the_same_body(api_for, users, shop):
    client = api_for("mkt_mgr")
    query = {"by": "owner", "from": "2026-01-01", "to": "2026-03-31"}
    live = client.get("/api/analytics/composition/", query).json()
    cube.rebuild_all(today=TODAY)
    from_cube = client.get("/api/analytics/composition/", query).json()
    assert live.pop("as_of") is None and from_cube.pop("as_of") is not None

    def normal(body):
        for item in body["items"]:
            item["amount"] = Decimal(item["amount"])
        body["total_amount"] = Decimal(body["total_amount"])
        for name in ("top_amount", "total_amount"):
            body["pareto"][name] = Decimal(body["pareto"][name])
        return body

    assert normal(from_cube) == normal(live)
    assert [item["label"] for item in from_cube["items"]] == ["李明", "周杰"]


def test_the_composition_page_reads_a_few_rows_in_pinned_queries(client, users, built, django_assert_num_queries):
    services.churn_run(services.churn_run_start(enqueue=False).pk)
    client.force_login(users["mkt_mgr"])
    client.get(reverse("analytics:composition"))  # the session is read once; the count is then steady
    query = {"since": "2026-03-01", "until": "2026-03-31", "by": "owner"}
    # access rules, the period, its cells (the total and the groups), the owners' names, the Pareto
    # segment, its top customers, the snapshot months (none here, so no grade migration), the
    # high-risk count the latest run recorded; the session and user are cached
    with django_assert_num_queries(8):
        response = client.get(reverse("analytics:composition"), query)
    html = response.content.decode()
    assert response.status_code == 200 and "数据截至" in html and "李明" in html and "甲" in html


def test_the_export_reads_the_cube_and_holds_the_live_figures(client, users, shop):
    client.force_login(users["mkt_mgr"])
    query = {"since": "2025-11-01", "until": "2026-10-31"}

    def sheets():
        book = load_workbook(BytesIO(client.get(reverse("analytics:composition-export"), query).getvalue()))
        return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]

    live = sheets()
    cube.rebuild_all(today=TODAY)
    assert sheets() == live
    detail = AccessLog.objects.filter(object_type="composition").order_by("-id").first().detail
    assert detail["as_of"] is not None


# --- freshness ----------------------------------------------------------------------------------


def test_a_new_transaction_is_in_the_cube_after_the_periodic_task(users, shop, django_capture_on_commit_callbacks):
    from kehu.analytics.tasks import summary_refresh

    mgr = users["mkt_mgr"]
    cube.rebuild_all()  # the periods of today
    since, until = _this_month()
    before = selectors.composition(mgr, by="grade", since=since, until=until)
    assert before["as_of"] is not None
    with django_capture_on_commit_callbacks(execute=True):
        transaction_create(
            actor=mgr, customer=shop["丙"], occurred_on=since, amount="4321", quantity=3, product="服务器", kind="sale"
        )
    dirty = SummaryPeriod.objects.filter(version__gt=F("built_version"))
    assert dirty.filter(period_start=since, period_end=until).exists()
    assert all(p.period_start <= since <= p.period_end for p in dirty)  # only the periods holding the day
    stale = selectors.composition(mgr, by="grade", since=since, until=until)
    assert stale["total_amount"] == before["total_amount"]  # not yet: the worker has not run
    summary_refresh.call_local()
    after = selectors.composition(mgr, by="grade", since=since, until=until)
    assert after["total_amount"] == before["total_amount"] + Decimal("4321")
    assert after["as_of"] > before["as_of"]
    live = selectors.composition(mgr, by="grade", since=since, until=until, summary=None)
    assert (after["rows"], after["total_amount"], after["customers"]) == (
        live["rows"],
        live["total_amount"],
        live["customers"],
    )
    assert not SummaryPeriod.objects.filter(version__gt=F("built_version")).exists()
    assert cube.refresh_dirty() == 0  # nothing left to do


def _dirty():
    return set(SummaryPeriod.objects.filter(version__gt=F("built_version")).values_list("period_start", "period_end"))


def test_a_regrade_marks_every_period_and_the_refresh_moves_the_customer(
    users, built, django_capture_on_commit_callbacks
):
    """乙 from B to A: March's grade rows change, and the loyalty counts per grade of every period
    (they count every customer, whatever it bought), so every period is marked."""
    from kehu.customers.grading import customer_regrade

    mgr = users["mkt_mgr"]
    assert not _dirty()
    with django_capture_on_commit_callbacks(execute=True):
        customer_regrade(actor=mgr, customer=built["乙"], grade="A", priority="core", reason="大单")
    assert _dirty() == set(cube.period_set(TODAY))
    stale = selectors.composition(mgr, by="grade", since=MONTH[0], until=MONTH[1])
    assert (stale["rows"][0].key, stale["rows"][0].amount) == ("A", Decimal("1500"))  # not yet
    assert cube.refresh_dirty(today=TODAY) == len(cube.period_set(TODAY))
    grade = selectors.composition(mgr, by="grade", since=MONTH[0], until=MONTH[1])
    assert [(r.key, r.amount, r.customers) for r in grade["rows"]] == [
        ("A", Decimal("1650"), 2),
        ("B", Decimal("100"), 1),
        ("C", Decimal("100"), 1),
    ]
    live = selectors.composition(mgr, by="grade", since=MONTH[0], until=MONTH[1], summary=None)
    assert grade["rows"] == live["rows"]
    summary = selectors.cube_for(mgr, *DEFAULT)
    assert loyalty.segment_table(mgr, by="grade", since=DEFAULT[0], until=DEFAULT[1], summary=summary) == (
        loyalty.segment_table(mgr, by="grade", since=DEFAULT[0], until=DEFAULT[1], summary=None)
    )


def test_the_default_range_is_rebuilt_first(users, built, monkeypatch):
    """After a move every period is dirty and limited viewers read live (seconds a page at 1M) until
    theirs is rebuilt: the page's default range goes first, then the most recent."""
    cube.periods_touch_all(moved=True)
    rebuilt = []
    real = cube.period_refresh

    def recording(pk, **kwargs):
        period = SummaryPeriod.objects.get(pk=pk)
        rebuilt.append((period.period_start, period.period_end))
        return real(pk, **kwargs)

    monkeypatch.setattr(cube, "period_refresh", recording)
    cube.refresh_dirty(today=TODAY)
    assert rebuilt[0] == DEFAULT and max(cube.period_set(TODAY), key=lambda p: (p[1], p[0])) != DEFAULT
    assert rebuilt[1:] == sorted(rebuilt[1:], key=lambda p: (p[1], p[0]), reverse=True)
    assert len(rebuilt) == len(cube.period_set(TODAY))


def test_a_new_customer_marks_every_period(users, built, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer(users["mkt_mgr"], "庚", grade="A", region="上海", owner=users["sales"])
    assert _dirty() == set(cube.period_set(TODAY))


def test_a_new_owner_marks_every_period_moved(users, built, django_capture_on_commit_callbacks):
    """丁 bought in 2026-03 and 2026-06, but the loyalty rows count 丁 under its owner in every
    period: every period is marked, and marked moved (limited viewers read live until the refresh)."""
    from kehu.customers.services import customer_update

    mgr, sales = users["mkt_mgr"], users["sales"]
    ding = built["丁"]
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(actor=mgr, customer=ding, version=ding.version, owner=sales)
    assert _dirty() == set(cube.period_set(TODAY))
    assert not SummaryPeriod.objects.filter(moved_built_version__gte=F("moved_version")).exists()
    before = selectors.composition(mgr, by="owner", since=MONTH[0], until=MONTH[1])
    cube.refresh_dirty(today=TODAY)
    after = selectors.composition(mgr, by="owner", since=MONTH[0], until=MONTH[1])
    assert after != before
    live = selectors.composition(mgr, by="owner", since=MONTH[0], until=MONTH[1], summary=None)
    assert after["rows"] == live["rows"]
    assert [r.customers for r in after["rows"]] == [3, 1]  # sales: 甲, 乙, 丁; sales2: 丙
    assert not _dirty()


def test_a_change_during_a_refresh_leaves_the_period_dirty(users, built, monkeypatch):
    """The version is read before the figures: a transaction committed while they are read raised
    the version again, so the period is rebuilt on the next run instead of the change being lost."""
    period = SummaryPeriod.objects.get(period_start=MONTH[0], period_end=MONTH[1])
    cube.periods_touch(dt.date(2026, 3, 9))
    real_segments = cube._segments

    def segments_while_a_transaction_commits(*args):
        cube.periods_touch(dt.date(2026, 3, 9))
        return real_segments(*args)

    monkeypatch.setattr(cube, "_segments", segments_while_a_transaction_commits)
    assert cube.period_refresh(period.pk) is True
    period.refresh_from_db()
    assert period.version > period.built_version
    monkeypatch.setattr(cube, "_segments", real_segments)
    assert cube.period_refresh(period.pk) is True
    period.refresh_from_db()
    assert period.version == period.built_version


def test_the_nightly_job_builds_every_period_of_today(users, shop):
    from kehu.analytics.tasks import nightly_analytics

    nightly_analytics.call_local()
    today = timezone.localdate()
    assert set(SummaryPeriod.objects.values_list("period_start", "period_end")) == set(cube.period_set(today))
    assert not SummaryPeriod.objects.filter(refreshed_at__isnull=True).exists()
    later = today + dt.timedelta(days=400)  # a year on: the periods out of the window go, with their rows
    cube.periods_sync(today=later)
    assert set(SummaryPeriod.objects.values_list("period_start", "period_end")) == set(cube.period_set(later))
    kept = set(cube.period_set(later))
    assert set(CompositionCell.objects.values_list("period_start", "period_end")) <= kept


def _this_month():
    first = timezone.localdate().replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _snapshots_of_three_months():
    services.grade_snapshot_take(today=dt.date(2026, 8, 31))
    Customer.objects.unscoped("test").filter(name="丙").update(grade="C")
    services.grade_snapshot_take(today=dt.date(2026, 9, 30))
    Customer.objects.unscoped("test").filter(name="戊").update(grade="B")
    services.grade_snapshot_take(today=dt.date(2026, 10, 15))


@pytest.mark.parametrize("viewer", list(LIMITED))
def test_a_limited_viewers_grade_migration_from_the_cube_is_their_live_one(users, shop, viewer):
    """The migration rows are keyed by the customers' grade and owner now: each shape of rules reads
    its own part of them (plus a grant, live), and gets what it would get live."""
    _snapshots_of_three_months()
    user = _limited_viewer(users, shop, viewer)
    cube.rebuild_all(today=TODAY)
    pairs = [((2026, 8), (2026, 9)), ((2026, 9), (2026, 10)), ((2026, 8), (2026, 10))]
    for start, end in pairs:
        first, last = dt.date(*start, 1), dt.date(*end, 1)
        with CaptureQueriesContext(connection) as queries:
            from_cube = selectors.grade_migration(user, start=first, end=last)
        reads = [q for q in queries.captured_queries if "analytics_gradesnapshot" in q["sql"]]
        assert from_cube["flows"]
        if not LIMITED[viewer][1]:  # the snapshots are read only for a grant
            assert not reads
        GradeFlow.objects.all().delete()
        assert selectors.grade_migration(user, start=first, end=last) == from_cube
        cube.grade_flows_rebuild()


def test_a_move_makes_limited_viewers_read_the_migration_live_until_the_refresh(
    users, shop, django_capture_on_commit_callbacks
):
    from kehu.customers.grading import customer_regrade

    _snapshots_of_three_months()
    cube.rebuild_all(today=TODAY)
    mkt, mgr = users["mkt"], users["mkt_mgr"]  # mkt sees every B and C customer
    months = {"start": dt.date(2026, 8, 1), "end": dt.date(2026, 10, 1)}
    before = selectors.grade_migration(mkt, **months)
    with django_capture_on_commit_callbacks(execute=True):  # 乙 (B) becomes A: out of mkt's sight
        customer_regrade(actor=mgr, customer=shop["乙"], grade="A", priority="core", reason="大单")
    GradeFlow.objects.filter(customer_grade="B").update(customers=50)  # stale rows must not be read
    with CaptureQueriesContext(connection) as queries:
        now = selectors.grade_migration(mkt, **months)
    assert any("analytics_gradesnapshot" in q["sql"] for q in queries.captured_queries)  # live
    assert sum(f["customers"] for f in now["flows"]) == sum(f["customers"] for f in before["flows"]) - 1
    cube.refresh_dirty(today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.grade_migration(mkt, **months) == now
    assert not any("analytics_gradesnapshot" in q["sql"] for q in queries.captured_queries)
