"""The access request flow in a real browser: sales asks, cs_lead approves, sales opens the A-grade archive."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from kehu.customers.services import customer_create

pytestmark = pytest.mark.browser


def test_request_approve_open_in_chromium(page, login, users):
    owner = users["sales2"]
    customer = customer_create(actor=owner, name="华东重工集团", owner=owner, grade="A")
    login("sales")
    assert page.goto(f"{page.base_url}/customers/{customer.pk}/").status == 404
    page.goto(f"{page.base_url}/access/?customer={customer.pk}")
    assert page.input_value("#id_archive_no") == customer.archive_no
    page.fill("#id_purpose", "准备年度续约报价")
    page.fill("#id_valid_until", (timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    page.click("[data-testid=request-form] button[type=submit]")
    page.wait_for_selector("[data-testid=my-requests] >> text=待审批")

    page.click("text=退出")
    login("cs_lead")
    page.goto(f"{page.base_url}/access/")
    assert page.is_visible("[data-testid=unread-badge]")
    page.click("[data-testid=to-approve] button:has-text('批准')")
    page.wait_for_selector("[data-testid=decided] >> text=已批准")

    page.click("text=退出")
    login("sales")
    opened = page.goto(f"{page.base_url}/customers/{customer.pk}/")
    assert opened.status == 200 and "华东重工集团" in page.content()
    page.goto(f"{page.base_url}/access/")
    page.wait_for_selector("[data-testid=notifications] >> text=已批准")
