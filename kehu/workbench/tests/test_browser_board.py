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


def _drag(page, card, column):  # type: ignore[no-untyped-def]
    """Drag with the mouse in steps, as a person does (SortableJS follows pointer moves)."""
    box, target = card.bounding_box(), page.locator(f"[data-testid=column-{column}]").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 10)
    page.mouse.down()
    page.wait_for_timeout(100)
    for step in range(1, 11):
        page.mouse.move(
            box["x"] + (target["x"] + target["width"] / 2 - box["x"]) * step / 10,
            box["y"] + (target["y"] + 30 - box["y"]) * step / 10,
        )
    page.mouse.up()


def test_the_board_at_1440_takes_a_drop_into_this_week_refuses_overdue_and_navigates_weeks(login, page, users):
    today = dt.date.today()
    monday = today - dt.timedelta(days=today.weekday())
    item = BoardItem.objects.create(owner=users["sales"], title="拜访宇通整理报价", planned_on=today)
    BoardItem.objects.create(owner=users["sales"], title="下周展会准备", planned_on=monday + dt.timedelta(days=8))
    _as(login, page, "sales", 1440)
    page.goto(page.base_url + "/engagement/")
    card = page.locator("[data-testid=card-item]", has_text="拜访宇通整理报价")
    # 已逾期: refused with the reason shown, the card stays in 今天
    _drag(page, card, "overdue")
    expect(page.locator("[data-testid=board-message]")).to_contain_text("不能把事项移到“已逾期”")
    expect(page.locator("[data-testid=column-today]")).to_contain_text("拜访宇通整理报价")
    item.refresh_from_db()
    assert item.planned_on == today
    # 本周: rescheduled to the day after tomorrow (on a weekend the week has no such day: refused, said why)
    page.wait_for_timeout(400)  # SortableJS animates the card back into place (120 ms) before it can be dragged
    _drag(page, page.locator("[data-testid=card-item]", has_text="拜访宇通整理报价"), "week")
    if today.weekday() >= 5:
        expect(page.locator("[data-testid=board-message]")).to_contain_text("本周已没有明天之后的日子")
    else:
        expect(page.locator("[data-testid=count-week]")).to_have_text("1")
        expect(page.locator("[data-testid=board-message]")).to_be_hidden()
        item.refresh_from_db()
        assert item.planned_on == today + dt.timedelta(days=2)
        page.reload()
        assert "拜访宇通整理报价" in page.inner_text("[data-testid=column-week]")
    # week navigation: next week is in the URL, shows its work, and 本周 comes back
    assert "下周展会准备" not in page.inner_text("#weekly-board")
    page.click("[data-testid=week-next]")
    expect(page.locator("[data-testid=week-range]")).to_contain_text(f"{monday + dt.timedelta(days=7):%Y-%m-%d}")
    assert f"week={monday + dt.timedelta(days=7):%Y-%m-%d}" in page.url
    assert "下周展会准备" in page.inner_text("[data-testid=column-week]")
    page.click("[data-testid=week-previous]")
    page.click("[data-testid=week-previous]")
    expect(page.locator("[data-testid=week-range]")).to_contain_text(f"{monday - dt.timedelta(days=7):%Y-%m-%d}")
    page.click("[data-testid=week-this]")
    expect(page.locator("[data-testid=column-today]")).to_be_visible()
    assert "week=" not in page.url
