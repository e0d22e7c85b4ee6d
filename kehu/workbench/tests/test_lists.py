"""Lists people can work with (issue 11): totals (exact when small, estimated when big) and Excel
export of the follow-up, contact-plan and interaction lists with the list's own filters."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kehu.access.models import AccessLog
from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpType
from kehu.engagement.models import FollowUp
from kehu.workbench import lists
from kehu.workbench.lists import Total

pytestmark = pytest.mark.django_db


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(content))
    return list(book.active.iter_rows(values_only=True))


def test_total_labels_read_as_people_say_them() -> None:
    assert Total(37, exact=True).label == "共 37 条"
    assert Total(1234, exact=True).label == "共 1,234 条"
    assert Total(123456, exact=False).label == "约 12 万条"
    assert Total(45000, exact=False).label == "约 4.5 万条"
    assert Total(3456, exact=False).label == "约 3,500 条"


def test_total_is_exact_when_small_and_bounded_otherwise(users: Any, make_customer: Any, monkeypatch: Any) -> None:
    from kehu.customers.models import Customer

    for i in range(5):
        make_customer(f"宇通机械{i}", owner="sales")
    queryset = Customer.objects.restrict(users["mkt"], "list")
    assert lists.list_total(queryset) == Total(5, exact=True)
    monkeypatch.setattr(lists, "EXACT_UP_TO", 3)
    estimated = lists.list_total(queryset)
    assert not estimated.exact and estimated.count >= 4  # never less than what was counted
    assert estimated.label.startswith("约")
    # a list that fits on its first page is counted without a query
    assert lists.list_total(queryset.none(), page=[1, 2], more=False) == Total(2, exact=True)


def test_a_search_the_planner_expects_to_be_big_is_not_counted(
    client: Any, users: Any, make_customer: Any, monkeypatch: Any
) -> None:
    """A frequent word's bounded count costs a full GIN bitmap on PostgreSQL: a search whose estimate
    is SURELY_BIG rows or more shows the estimate and counts nothing. SQLite estimates a filtered
    list by counting it, so there the search is counted as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kehu.customers.models import Customer
    from kehu.customers.views import PAGE_SIZE

    for i in range(PAGE_SIZE + 2):  # a full first page and more: a total is needed
        make_customer(f"宇通科技{i}", owner="sales")
    queryset = Customer.objects.restrict(users["mkt"], "list")
    postgres = connection.vendor == "postgresql"
    monkeypatch.setattr(lists, "estimated_count", lambda qs: 50_000 if postgres else qs.count())
    with CaptureQueriesContext(connection) as queries:
        total = lists.list_total(queryset, estimate_first=True)
    counts = [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert total == (Total(50_000, exact=False) if postgres else Total(PAGE_SIZE + 2, exact=True))
    assert len(counts) == (0 if postgres else 1)
    monkeypatch.setattr(lists, "estimated_count", lambda qs: lists.SURELY_BIG - 1)  # not sure: counted
    assert lists.list_total(queryset, estimate_first=True) == Total(PAGE_SIZE + 2, exact=True)
    monkeypatch.setattr(lists, "estimated_count", lambda qs: 50_000 if postgres else qs.count())
    client.force_login(users["mkt"])
    html = client.get(reverse("customers:list"), {"q": "科技"}).content.decode()
    assert ("约 5 万条" if postgres else f"共 {PAGE_SIZE + 2} 条") in html
    # The archive's list without a search asks the estimate first too (the biggest table: at 100k
    # customers its bounded count was a query of its own on every first page)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("customers:list")).content.decode()
    assert ("约 5 万条" if postgres else f"共 {PAGE_SIZE + 2} 条") in html
    assert len([q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]) == (0 if postgres else 1)
    monkeypatch.setattr(lists, "estimated_count", lambda qs: 3)  # a small estimate: counted exactly
    html = client.get(reverse("customers:list")).content.decode()
    assert f"共 {PAGE_SIZE + 2} 条" in html


def _followups(users: Any, make_customer: Any) -> list[FollowUp]:
    today = dt.date.today()
    made = []
    for i, (assignee, due) in enumerate([("sales", -3), ("sales", 5), ("sales2", -1)]):
        customer = make_customer(f"郑州客户{i}", owner=assignee)
        followup = engagement.followup_plan(
            customer=customer, type=FollowUpType.SPECIAL, due_on=today + dt.timedelta(days=due), source_id=str(i)
        )
        FollowUp.objects.filter(pk=followup.pk).update(assignee=users[assignee])
        made.append(followup)
    return made


def test_followup_list_shows_its_total_and_exports_the_same_rows(
    client: Any, users: Any, make_customer: Any, django_assert_max_num_queries: Any
) -> None:
    _followups(users, make_customer)
    client.force_login(users["sales"])
    filters = {"status": "planned", "mine": "on", "overdue": "on"}
    client.get(reverse("engagement:followups"), filters)  # warm the session
    with django_assert_max_num_queries(8):
        page = client.get(reverse("engagement:followups"), filters)
    body = page.content.decode()
    assert "共 1 条" in body
    assert reverse("workbench:engagement_export", args=["followups"]) + "?status=planned" in body
    rows = _sheet(client.get(reverse("workbench:engagement_export", args=["followups"]), filters))
    assert rows[0][:3] == ("回访类型", "客户", "截止日期")
    assert [r[1] for r in rows[1:]] == ["郑州客户0"]  # mine and overdue: not 郑州客户1 (not due), not sales2's
    log = AccessLog.objects.filter(action="export").latest("id")
    assert log.user == users["sales"] and log.rows == 1
    assert log.detail["list"] == "engagement:followups" and log.detail["filters"]["overdue"] == "on"


def test_contact_plan_and_interaction_exports_follow_the_list_filters(
    client: Any, users: Any, make_customer: Any
) -> None:
    from kehu.engagement.models import ContactPlan

    first, second = make_customer("洛阳轴承", owner="sales"), make_customer("新乡电器", owner="sales")
    engagement.interaction_log(actor=users["sales"], customer=first, channel="phone", content="确认到货时间")
    engagement.interaction_log(actor=users["sales"], customer=second, channel="visit", content="上门调试")
    ContactPlan.objects.filter(customer=first).update(next_due_on=dt.date.today() - dt.timedelta(days=2))
    ContactPlan.objects.filter(customer=second).update(next_due_on=dt.date.today() + dt.timedelta(days=60))
    client.force_login(users["sales"])

    rows = _sheet(client.get(reverse("workbench:engagement_export", args=["interactions"]), {"channel": "visit"}))
    assert [(r[1], r[4]) for r in rows[1:]] == [("新乡电器", "上门调试")]
    plans = _sheet(
        client.get(reverse("workbench:engagement_export", args=["plans"]), {"scope": "mine", "due": "overdue"})
    )
    assert [r[0] for r in plans[1:]] == ["洛阳轴承"]
    page = client.get(reverse("engagement:plans"), {"scope": "mine", "due": "overdue"}).content.decode()
    assert "共 1 条" in page and 'data-testid="export"' in page


def test_export_without_the_export_right_contains_nothing_and_staff_are_capped(
    client: Any, users: Any, make_customer: Any, monkeypatch: Any
) -> None:
    for i in range(3):
        customer = make_customer(f"开封客户{i}", owner="sales")
        engagement.interaction_log(actor=users["sales"], customer=customer, channel="phone", content=f"第{i}次")
    client.force_login(users["tech"])  # technical support holds no export right (docs/permissions.md)
    assert len(_sheet(client.get(reverse("workbench:engagement_export", args=["interactions"])))) == 1
    monkeypatch.setattr("kehu.workbench.exports.export_row_cap", lambda user: 2)
    client.force_login(users["mkt"])
    assert len(_sheet(client.get(reverse("workbench:engagement_export", args=["interactions"])))) == 3  # header + 2
    assert client.get(reverse("workbench:engagement_export", args=["nothing"])).status_code == 404


def test_customer_list_shows_an_exact_total_when_small(client: Any, users: Any, make_customer: Any) -> None:
    for i in range(3):
        make_customer(f"安阳客户{i}", owner="sales")
    client.force_login(users["mkt"])
    body = client.get(reverse("customers:list")).content.decode()
    assert 'data-testid="list-total">共 3 条' in body


def test_estimated_total_in_english_is_a_rounded_number() -> None:
    from django.utils import translation

    with translation.override("en"):
        assert Total(123456, exact=False).label == "about 120,000"
        assert Total(37, exact=True).label == "37 in all"
