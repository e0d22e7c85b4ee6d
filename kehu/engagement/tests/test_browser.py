"""The weekly board in a real browser (Debian's chromium)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_sales_logs_a_call_from_the_weekly_board_and_the_overdue_item_leaves(login, overdue_plan):
    page = login("sales")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(page.base_url + "/engagement/")
    overdue = page.locator("[data-testid=column-overdue]")
    card = overdue.locator("[data-testid=card-plan]", has_text="杭州远景电子有限公司")
    assert card.count() == 1
    card.locator("[data-testid=log-call]").click()  # htmx loads the form
    page.wait_for_selector("[data-testid=interaction-form]")
    assert page.input_value("#id_channel") == "phone"
    page.fill("[data-testid=content]", "电话回访：设备运行正常，客户询问培训安排")
    page.click("[data-testid=save-interaction]")
    page.wait_for_selector(".alert >> text=沟通记录已保存")
    assert (
        page.locator("[data-testid=column-overdue] [data-testid=card-plan]", has_text="杭州远景电子有限公司").count()
        == 0
    )
    assert "杭州远景电子有限公司" not in page.inner_text("[data-testid=column-overdue]")
    assert errors == []
