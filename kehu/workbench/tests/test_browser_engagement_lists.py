"""The engagement lists' tools in a real browser at 1440 and 390 px: 改派 of selected follow-ups (and the
browser asking for the person first), saved filters on the follow-up, contact-plan and interaction lists,
without any of these pages scrolling sideways on a phone."""

from __future__ import annotations

import datetime as dt

import pytest

from kehu.access.models import Notification
from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpStatus, FollowUpType
from kehu.engagement.models import ContactPlan, FollowUp
from kehu.workbench.models import SavedFilter

from .test_browser import _as, _overflow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1440, 390])
def test_the_service_lead_reassigns_selected_follow_ups(login, page, users, make_customer, width):
    made = []
    for i in range(3):
        customer = make_customer(f"南阳纺织{i}有限公司", owner="sales")
        followup = engagement.followup_plan(
            customer=customer, type=FollowUpType.SPECIAL, due_on=dt.date.today(), source_id=f"re{i}"
        )
        FollowUp.objects.filter(pk=followup.pk).update(assignee=users["cs"])
        made.append(followup)
    _as(login, page, "cs_lead", width)
    page.goto(page.base_url + "/engagement/followups/?sort=customer")
    assert _overflow(page) <= width
    boxes = page.locator("[data-testid=select-row]")
    assert boxes.count() == 3
    boxes.nth(0).check()
    boxes.nth(2).check()
    # 改派 without a person: the browser asks for one (only 改派's field is required), nothing is sent
    page.click("[data-testid=batch-reassign]")
    assert page.evaluate("document.querySelector('[data-testid=reassign-owner]').validity.valueMissing")
    assert "/engagement/followups/" in page.url and not FollowUp.objects.filter(assignee=users["tech"]).exists()
    page.select_option("[data-testid=reassign-owner]", str(users["tech"].pk))
    with page.expect_navigation():
        page.click("[data-testid=batch-reassign]")
    assert set(FollowUp.objects.filter(assignee=users["tech"]).values_list("pk", flat=True)) == {
        made[0].pk,
        made[2].pk,
    }
    assert "已将 2 条回访改派给 张伟。" in page.inner_text("body")
    assert Notification.objects.filter(user=users["tech"]).count() == 1
    assert _overflow(page) <= width


@pytest.mark.parametrize("width", [1440, 390])
def test_sales_save_reopen_and_delete_filters_on_the_engagement_lists(login, page, users, make_customer, width):
    today = dt.date.today()
    first, second = make_customer("驻马店轴承", owner="sales"), make_customer("三门峡电器", owner="sales")
    engagement.interaction_log(actor=users["sales"], customer=first, channel="phone", content="确认到货时间")
    engagement.interaction_log(actor=users["sales"], customer=second, channel="visit", content="上门调试")
    for i, (customer, status) in enumerate([(first, FollowUpStatus.PLANNED), (second, FollowUpStatus.DONE)]):
        followup = engagement.followup_plan(
            customer=customer, type=FollowUpType.SPECIAL, due_on=today, source_id=f"b{i}"
        )
        FollowUp.objects.filter(pk=followup.pk).update(assignee=users["sales"], status=status)
    ContactPlan.objects.filter(customer=first).update(next_due_on=today - dt.timedelta(days=2))
    ContactPlan.objects.filter(customer=second).update(next_due_on=today + dt.timedelta(days=60))
    _as(login, page, "sales", width)
    lists = [
        ("followups", "/engagement/followups/?status=done&sort=due_on", "followup-table", "三门峡电器", "驻马店轴承"),
        ("plans", "/engagement/plans/?scope=mine&due=all&sort=customer", "plan-table", "三门峡电器", None),
        ("interactions", "/engagement/interactions/?channel=visit", "interaction-table", "三门峡电器", "驻马店轴承"),
    ]
    for list_name, url, table, shown, hidden in lists:
        page.goto(page.base_url + url)
        assert _overflow(page) <= width, list_name
        page.fill("[data-testid=saved-filter-name]", f"常用{list_name}")
        with page.expect_navigation():
            page.click("[data-testid=saved-filter-save]")
        saved = page.locator("[data-testid=saved-filter]")
        assert saved.inner_text() == f"常用{list_name}"
        assert SavedFilter.objects.get(user=users["sales"], list_name=list_name).query in page.url
        # reopened from the bare list: the saved filter brings its rows back
        page.goto(page.base_url + url.split("?")[0])
        with page.expect_navigation():
            page.click("[data-testid=saved-filter]")
        rows = page.inner_text(f"[data-testid={table}] tbody")
        assert shown in rows and (hidden is None or hidden not in rows), list_name
        assert _overflow(page) <= width, list_name
        with page.expect_navigation():
            page.click("[data-testid=saved-filters] button[type=submit][aria-label]")
        assert page.locator("[data-testid=saved-filter]").count() == 0, list_name
    assert not SavedFilter.objects.exists()
