"""The analysis pages in a real browser: the survey-wave trend draws its charts, and a breach count
of the service page opens the timers it counts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_drill import timers  # noqa: F401  (fixture)
from .test_waves import waves  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_wave_trend_draws_both_charts_next_to_its_table(page, login, waves):  # noqa: F811
    login("mkt_mgr")
    page.goto(f"{page.base_url}/analytics/loyalty/waves/?since=2026-01-01&until=2026-12-31")
    expect(page.locator("[data-chart=line] canvas")).to_have_count(2)
    expect(page.locator("[data-table=waves] tbody tr")).to_have_count(2)
    expect(page.locator("[data-table=waves] tbody tr").first).to_contain_text("2026 春季")


def test_a_breach_count_opens_its_timers(page, login, timers):  # noqa: F811
    login("cs_lead")
    page.goto(f"{page.base_url}/analytics/service/?period=2026-10")
    page.click("[data-table=timers] a[href*='outcome=breached']")
    expect(page.locator("[data-table=records] tbody tr")).to_have_count(2)
    expect(page.locator("[data-table=records]")).to_contain_text(timers.number)
