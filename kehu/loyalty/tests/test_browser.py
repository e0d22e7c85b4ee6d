"""营销与会员 in a real browser (Debian's chromium): a campaign created through the form at 1440 px
and its delivery log; the member page on a phone (390 px) without sideways scrolling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from kehu.customers import services as customer_services
from kehu.loyalty import campaigns, points
from kehu.messaging.models import TopicRule
from kehu.messaging.rules import rules_ensure_defaults

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def _customers(users: Any, n: int = 3) -> list[Any]:
    made = []
    for i in range(n):
        customer = customer_services.customer_create(
            actor=users["mkt"], owner=users["sales2"], name=f"杭州浏览器测试{i}有限公司", grade="B", region="浙江杭州"
        )
        customer_services.contact_create(
            actor=users["mkt"], customer=customer, name=f"王{i}", email=f"w{i}@demo.example", is_main_contact=True
        )
        made.append(customer)
    return made


def _console(errors: list[str]):  # type: ignore[no-untyped-def]
    def record(msg):  # type: ignore[no-untyped-def]
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{msg.text} {msg.location.get('url', '')}")

    return record


def test_create_a_campaign_and_see_its_delivery_log(login, page, users):
    rules_ensure_defaults()
    # Whatever the hour the test runs at: quiet hours are tested in kehu/messaging, not here.
    TopicRule.objects.update(quiet_hours=False)
    _customers(users)
    segment = campaigns.segment_save(actor=users["mkt"], name="浙江客户", filters={"region": ["浙江"]})
    template = campaigns.template_save(
        actor=users["mkt"], name="冬季促销", subject="冬季优惠", body="{contact_name}您好：冬季优惠已开始。"
    )
    errors: list[str] = []
    page.on("console", _console(errors))
    page.set_viewport_size({"width": 1440, "height": 900})
    login("mkt")
    page.click("[data-testid=nav-marketing]")
    page.click("[data-testid=campaign-new]")
    page.fill("#id_name", "冬季促销通知")
    page.select_option("#id_kind", "promotion")
    page.select_option("#id_segment", str(segment.pk))
    expect(page.locator("[data-testid=segment-count]")).to_have_text("3 位客户")
    page.select_option("#id_channel", "email")
    page.select_option("#id_template", str(template.pk))
    page.click("[data-testid=campaign-save]")
    expect(page.locator("[data-testid=campaign-name]")).to_have_text("冬季促销通知")
    page.click("[data-testid=campaign-send]")
    expect(page.locator("[data-testid=campaign-status]")).to_have_text("已发送")
    rows = page.locator("[data-testid=delivery-row]")
    expect(rows).to_have_count(3)
    expect(page.locator("[data-testid=delivery-status]").first).to_have_text("已发送")
    expect(page.locator("[data-testid=campaign-report]")).to_be_visible()
    expect(page.locator("dd [data-testid=segment-count]")).to_have_text("3 位客户")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "loyalty-campaign-1440.png"), full_page=True)
    page.click("text=发送记录 >> nth=0")
    expect(page.locator("[data-testid=delivery-row]")).to_have_count(3)
    assert errors == []


def test_member_page_on_a_phone(login, page, users):
    customer = _customers(users, 1)[0]
    points.points_earn(actor=users["mkt"], customer=customer, points=120, reason="年度答谢")
    points.points_redeem(actor=users["mkt"], customer=customer, points=20, reason="兑换礼品")
    errors: list[str] = []
    page.on("console", _console(errors))
    page.set_viewport_size({"width": 1440, "height": 900})
    login("mkt")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/l/members/{customer.pk}/")
    expect(page.locator("[data-testid=points-balance]")).to_have_text("100")
    expect(page.locator("[data-testid=ledger-row]")).to_have_count(2)
    # Redeeming more than the balance: a clear message, nothing changes.
    page.fill("#id_redeem-points", "500")
    page.fill("#id_redeem-reason", "兑换大礼")
    page.click("[data-testid=redeem-save]")
    expect(page.locator("[data-testid=error-redeem-points]")).to_have_text("积分不足：余额 100，需要 500。")
    expect(page.locator("[data-testid=points-balance]")).to_have_text("100")
    assert int(page.evaluate("document.scrollingElement.scrollWidth")) <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "loyalty-member-390.png"), full_page=True)
    assert [e for e in errors if "status of 409" not in e] == []  # the refused redemption itself is a 409
