from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kehu.customers import services
from kehu.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_list_with_filters_search_and_cursor(api_for, make_customer, users, django_assert_max_num_queries):
    for i in range(7):
        make_customer(f"杭州第{i}科技有限公司", region="浙江" if i % 2 else "江苏", grade="ABC"[i % 3])
    api = api_for("mkt_mgr")  # opens every grade (六.3)
    # the first use: the token, its user, the access rules, the page, the table of user names (owners)
    with django_assert_max_num_queries(5):
        api.get("/api/customers/", {"page_size": 3, "region": "江苏"})
    # then the page and the rules (read afresh inside a transaction, as every test is; shared
    # between requests otherwise): the token, the user and the names are cached until they change
    with django_assert_max_num_queries(2):
        first = api.get("/api/customers/", {"page_size": 3, "region": "江苏"}).json()
    assert [r["name"] for r in first["results"]] == [
        "杭州第6科技有限公司",
        "杭州第4科技有限公司",
        "杭州第2科技有限公司",
    ]
    assert "count" not in first
    second = api.get(first["next"]).json()
    assert [r["name"] for r in second["results"]] == ["杭州第0科技有限公司"] and second["next"] is None
    assert len(api.get("/api/customers/", {"q": "hzd"}).json()["results"]) == 7
    assert [r["name"] for r in api.get("/api/customers/", {"q": "第3", "grade": "A"}).json()["results"]] == [
        "杭州第3科技有限公司"
    ]
    assert api.get("/api/customers/", {"grade": "Z"}).status_code == 400
    assert api.get("/api/customers/", {"owner": "x"}).status_code == 400


def test_retrieve_query_count_is_pinned(api_for, make_customer, django_assert_num_queries):
    customer = make_customer()
    api = api_for("mkt")
    # the first use: token, user, the access rules, customer with owner, its annual sales (近3年销售业绩),
    # the access-log row, the table of user names (owner_name)
    with django_assert_num_queries(7):
        assert api.get(f"/api/customers/{customer.pk}/").json()["archive_no"] == customer.archive_no
    with django_assert_num_queries(4):  # then the rules (see above), customer, annual sales, access-log row
        assert api.get(f"/api/customers/{customer.pk}/").json()["archive_no"] == customer.archive_no


def test_create_and_field_level_400(api_for, users):
    api = api_for("mkt")
    created = api.post(
        "/api/customers/", {"name": "深圳新锐电子有限公司", "registered_capital": "5000000"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["owner"] == users["mkt"].pk and created.json()["version"] == 1
    bad = api.post("/api/customers/", {"name": "", "email": "x", "deal_probability": -1}, format="json")
    assert bad.status_code == 400 and {"name", "email", "deal_probability"} <= set(bad.json())
    assert Customer.objects.count() == 1


def test_second_api_update_with_stale_version_gets_409_with_current(api_for, make_customer):
    customer = make_customer()
    url = f"/api/customers/{customer.pk}/"
    ok = api_for("mkt").patch(url, {"version": 1, "region": "上海"}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    # mkt_mgr keeps the archive too (七.1): the second of two editors is refused.
    stale = api_for("mkt_mgr").patch(url, {"version": 1, "region": "北京"}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["current_version"] == 2 and body["current"]["region"] == "上海" and body["code"] == "conflict"
    missing = api_for("mkt_mgr").patch(url, {"region": "北京"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    assert Customer.objects.get(pk=customer.pk).region == "上海"


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),  # JSON has no NaN/inf
    st.text(max_size=300),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
FIELDS = [
    "name",
    "email",
    "registered_capital",
    "founded_on",
    "staff_chinese",
    "deal_probability",
    "industry_standing",
    "version",
    "learned_at",
    "learned_from",
    "website",
    "cooperation_since",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(payload=st.dictionaries(st.sampled_from(FIELDS), JUNK, max_size=6))
def test_junk_never_gives_a_500(api_for, make_customer, payload: dict[str, Any]):
    api = api_for("mkt")
    customer = Customer.objects.first() or make_customer()
    for response in (
        api.post("/api/customers/", payload, format="json"),
        api.patch(f"/api/customers/{customer.pk}/", payload, format="json"),
    ):
        assert response.status_code < 500, (payload, response.content[:300])
        if response.status_code == 400:
            assert isinstance(response.json(), dict) and response.json()


def test_contacts_filtered_by_customer_and_masked_like_the_ui(api_for, make_customer, users):
    one, two = make_customer("甲公司", owner="sales2"), make_customer("乙公司", owner="sales2")
    services.contact_create(actor=users["mkt"], customer=one, name="王建国", personal_phone="13912345678", hobbies="茶")
    services.contact_create(actor=users["mkt"], customer=two, name="李雷")
    # customer service may read key people's personal data (回访, 关系卡); marketing staff keep the
    # archive without it (the sensitive rule names marketing from manager level).
    rows = api_for("cs").get("/api/contacts/", {"customer": one.pk}).json()["results"]
    assert [r["name"] for r in rows] == ["王建国"] and rows[0]["personal_phone"] == "13912345678"
    masked = api_for("mkt").get("/api/contacts/", {"customer": one.pk}).json()["results"][0]
    assert masked["personal_phone"] == "139****5678" and masked["hobbies"] == "******"


def test_transactions_filter_by_customer_and_dates_and_create(api_for, make_customer, users):
    customer = make_customer()
    api = api_for("mkt")
    for day in (1, 10, 20):
        response = api.post(
            "/api/transactions/",
            {"customer": customer.pk, "occurred_on": f"2026-03-{day:02d}", "amount": "99.50"},
            format="json",
        )
        assert response.status_code == 201
    rows = api.get("/api/transactions/", {"customer": customer.pk, "since": "2026-03-05", "until": "2026-03-15"}).json()
    assert [r["occurred_on"] for r in rows["results"]] == ["2026-03-10"]
    assert api.get("/api/transactions/", {"since": "yesterday"}).status_code == 400
    assert api.post("/api/transactions/", {"customer": customer.pk, "amount": "x"}, format="json").status_code == 400


def test_regrade_and_proposals_endpoints(api_for, make_customer):
    customer = make_customer()
    assert api_for("mkt").post(f"/api/customers/{customer.pk}/regrade/", {}, format="json").status_code == 403
    api = api_for("mkt_mgr")
    assert (
        api.post(
            f"/api/customers/{customer.pk}/regrade/", {"grade": "A", "priority": "core"}, format="json"
        ).status_code
        == 400
    )
    done = api.post(
        f"/api/customers/{customer.pk}/regrade/",
        {"grade": "A", "priority": "core", "reason": "年度评估"},
        format="json",
    )
    assert done.status_code == 201 and done.json()["old_grade"] == "C"
    make_customer("乙公司")
    proposals = api.get("/api/grade-proposals/").json()
    assert all({"customer_id", "score", "proposed_grade"} <= set(p) for p in proposals)


def test_openapi_schema_lists_customer_paths(api_for):
    response = api_for("mkt").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/customers/",
        "/api/customers/{id}/",
        "/api/customers/{id}/regrade/",
        "/api/contacts/",
        "/api/transactions/",
        "/api/grade-proposals/",
        "/api/customer-imports/",
    ):
        assert path in paths, path
    assert "version" in response.json()["components"]["schemas"]["CustomerUpdateRequest"]["required"]
