"""The list tools in a real browser at 1440 and 390 px: a total, a saved filter, a batch transfer of
selected customers and a batch close of follow-ups, without the page scrolling sideways on a phone."""

from __future__ import annotations

import datetime as dt

import pytest

from kehu.customers.models import Customer
from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpStatus, FollowUpType
from kehu.engagement.models import FollowUp

from .test_browser import _as, _overflow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1440, 390])
def test_marketing_saves_a_filter_and_transfers_selected_customers(login, page, users, make_customer, width):
    for i in range(3):
        make_customer(f"平顶山煤机{i}有限公司", owner="sales", grade="B")
    _as(login, page, "mkt", width)
    page.goto(page.base_url + "/customers/?grade=B")
    assert page.inner_text("[data-testid=list-total]") == "共 3 条"
    assert _overflow(page) <= width
    page.fill("[data-testid=saved-filter-name]", "B级")
    page.click("[data-testid=saved-filter-save]")
    page.wait_for_selector("[data-testid=saved-filter]")
    assert page.inner_text("[data-testid=saved-filter]") == "B级"
    boxes = page.locator("[data-testid=select-row]")
    boxes.nth(0).check()
    boxes.nth(2).check()
    page.select_option("[data-testid=batch-bar] select", str(users["sales2"].pk))
    # Choosing the new owner must not reload the table (the filter form once listened to every select on the
    # page and dropped the selection); the transfer's own page then says what changed.
    with page.expect_navigation():
        page.click("[data-testid=batch-transfer]")
    assert Customer.objects.filter(owner=users["sales2"]).count() == 2
    assert _overflow(page) <= width


@pytest.mark.parametrize("width", [1440, 390])
def test_the_assignee_closes_selected_follow_ups(login, page, users, make_customer, width):
    for i in range(2):
        customer = make_customer(f"焦作客户{i}", owner="sales")
        followup = engagement.followup_plan(
            customer=customer, type=FollowUpType.SPECIAL, due_on=dt.date.today(), source_id=str(i)
        )
        FollowUp.objects.filter(pk=followup.pk).update(assignee=users["sales"])
    _as(login, page, "sales", width)
    page.goto(page.base_url + "/engagement/followups/")
    assert _overflow(page) <= width
    page.locator("[data-testid=select-row]").nth(0).check()
    page.fill("#batch-reason", "客户已答复")
    page.click("[data-testid=batch-close]")
    page.wait_for_selector(".alert-success, [role=alert]")
    assert FollowUp.objects.filter(status=FollowUpStatus.CANCELLED).count() == 1
    assert _overflow(page) <= width


@pytest.mark.parametrize("width", [1440, 390])
def test_the_service_desk_saves_a_filter_and_assigns_selected_tickets(login, page, users, make_customer, width):
    from kehu.servicedesk import services as desk
    from kehu.servicedesk.models import Ticket

    customer = make_customer("许昌电气有限公司", owner="sales")
    for i in range(3):
        desk.ticket_create(
            actor=users["cs"], customer=customer, title=f"报警{i}", description="无法开机", urgency="high"
        )
    _as(login, page, "cs", width)
    page.goto(page.base_url + "/service/tickets/?urgency=high")
    assert page.inner_text("[data-testid=list-total]") == "共 3 条"
    assert _overflow(page) <= width
    page.fill("[data-testid=saved-filter-name]", "紧急")
    page.click("[data-testid=saved-filter-save]")
    page.wait_for_selector("[data-testid=saved-filter]")
    assert page.inner_text("[data-testid=saved-filter]") == "紧急"
    boxes = page.locator("[data-testid=select-row]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.select_option("[data-testid=batch-bar] select", str(users["tech"].pk))
    with page.expect_navigation():
        page.click("[data-testid=batch-assign]")
    assert Ticket.objects.filter(owner=users["tech"]).count() == 2
    assert "已将 2 条记录指派给" in page.inner_text("body")
    assert _overflow(page) <= width


@pytest.mark.parametrize("width", [1440, 390])
def test_sales_sort_their_interactions_by_customer_both_ways(login, page, users, make_customer, width):
    from playwright.sync_api import expect

    for name in ("Bravo 机床", "Alpha 机床", "Charlie 机床"):
        engagement.interaction_log(
            actor=users["sales"], customer=make_customer(name, owner="sales"), channel="phone", content="确认到货"
        )
    _as(login, page, "sales", width)
    page.goto(page.base_url + "/engagement/interactions/")
    first_customer = page.locator("[data-testid=interaction-table] tbody tr").first.locator("td").nth(1)
    expect(first_customer).to_have_text("Charlie 机床")  # newest first
    with page.expect_navigation():
        page.click("[data-testid=sort-customer]")
    assert "sort=customer" in page.url
    expect(first_customer).to_have_text("Alpha 机床")
    with page.expect_navigation():
        page.click("[data-testid=sort-customer]")
    assert "sort=-customer" in page.url
    expect(first_customer).to_have_text("Charlie 机床")
    expect(page.locator("[data-testid=sort-customer]")).to_contain_text("↓")
    assert _overflow(page) <= width
