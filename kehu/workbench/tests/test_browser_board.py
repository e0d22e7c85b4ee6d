"""The weekly board on a phone (issue 11): one column at a time with a switcher, a menu alternative to
dragging, and column counters that follow a move."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kehu.engagement.choices import BoardState
from kehu.engagement.models import BoardItem

from .test_browser import _as, _overflow

pytestmark = pytest.mark.browser


def test_the_board_at_390_shows_one_column_and_moves_a_card_by_menu(login, page, users):
    today = dt.date.today()
    item = BoardItem.objects.create(owner=users["sales"], title="拜访宇通整理报价", planned_on=today)
    BoardItem.objects.create(owner=users["sales"], title="准备周会材料", planned_on=today)
    _as(login, page, "sales", 390)
    page.goto(page.base_url + "/engagement/")
    assert _overflow(page) <= 390
    assert page.is_visible("[data-testid=column-today]")
    assert not page.is_visible("[data-testid=column-tomorrow]")  # one column at a time
    assert page.inner_text("[data-testid=switch-today] [data-count-for=today]") == "2"
    card = page.locator("[data-testid=card-item]", has_text="拜访宇通整理报价")
    card.locator("[data-testid=move-menu]").click()
    card.locator("[data-testid=move-to-tomorrow]").click()
    # expect() polls without eval: the page's CSP (script-src 'self') forbids wait_for_function's strings
    expect(page.locator("[data-testid=switch-today] [data-count-for=today]")).to_have_text("1")
    assert page.inner_text("[data-testid=switch-tomorrow] [data-count-for=tomorrow]") == "1"
    page.click("[data-testid=switch-tomorrow]")
    assert page.is_visible("[data-testid=column-tomorrow]") and not page.is_visible("[data-testid=column-today]")
    assert "拜访宇通整理报价" in page.inner_text("[data-testid=column-tomorrow]")
    item.refresh_from_db()
    assert item.planned_on == today + dt.timedelta(days=1) and item.state == BoardState.TODO
    page.reload()  # the move holds after a reload
    page.click("[data-testid=switch-tomorrow]")
    assert "拜访宇通整理报价" in page.inner_text("[data-testid=column-tomorrow]")
