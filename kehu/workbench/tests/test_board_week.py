"""The weekly board's week navigation and its drops into 本周 / 已逾期 (issue 11, ADR 0021)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.engagement.choices import BoardState
from kehu.engagement.models import BoardItem
from kehu.engagement.selectors import weekly_board

pytestmark = pytest.mark.django_db
BOARD = reverse("engagement:board")


def _move(client: Any, item: Any, **data: str) -> Any:
    return client.post(reverse("engagement:board_item_move", args=[item.pk]), data)


def test_the_board_navigates_weeks_with_the_week_in_the_url(client: Any, users: Any) -> None:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    later = BoardItem.objects.create(
        owner=users["sales"], title="下周的展会准备", planned_on=monday + dt.timedelta(days=9)
    )
    client.force_login(users["sales"])
    page = client.get(BOARD).content.decode()
    assert f"?week={monday + dt.timedelta(days=7):%Y-%m-%d}" in page and "下周的展会准备" not in page
    page = client.get(BOARD, {"week": f"{monday + dt.timedelta(days=7):%Y-%m-%d}"}).content.decode()
    assert "下周的展会准备" in page and 'data-testid="column-today"' not in page
    assert f"{monday + dt.timedelta(days=7):%Y-%m-%d} – {monday + dt.timedelta(days=13):%Y-%m-%d}" in page
    # any day of the week names it
    board = weekly_board(users["sales"], person=users["sales"], week=later.planned_on)
    assert [c.obj for c in board.columns["week"]] == [later] and board.monday == monday + dt.timedelta(days=7)
    for bad in ("2026-13-01", "x", "1900-01-01"):
        response = client.get(BOARD, {"week": bad})
        assert response.status_code == 400, bad


def test_a_past_weeks_open_work_is_shown_late_and_cannot_take_a_drop(users: Any) -> None:
    today = timezone.localdate()
    last_monday = today - dt.timedelta(days=today.weekday() + 7)
    BoardItem.objects.create(owner=users["sales"], title="上周未完成", planned_on=last_monday)
    BoardItem.objects.create(owner=users["sales"], title="上周已完成", planned_on=last_monday, state=BoardState.DONE)
    board = weekly_board(users["sales"], person=users["sales"], week=last_monday)
    assert [c.overdue for c in board.columns["week"]] == [True]
    assert [c.overdue for c in board.columns["done"]] == [False]
    assert board.week_drop_day is None and not board.is_current_week


def test_a_drop_into_this_week_reschedules_after_tomorrow(client: Any, users: Any) -> None:
    today = timezone.localdate()
    item = BoardItem.objects.create(owner=users["sales"], title="整理报价", planned_on=today)
    client.force_login(users["sales"])
    board = weekly_board(users["sales"], person=users["sales"])
    if board.week_drop_day is None:  # Saturday or Sunday: the week has no day after tomorrow
        response = _move(client, item, column="week")
        assert response.status_code == 400 and "本周已没有明天之后的日子" in response.content.decode()
        return
    page = client.get(BOARD).content.decode()
    assert f'data-day="{board.week_drop_day:%Y-%m-%d}"' in page
    response = _move(client, item, column="week", planned_on=f"{board.week_drop_day:%Y-%m-%d}", state="todo")
    assert response.status_code == 204
    item.refresh_from_db()
    assert item.planned_on == today + dt.timedelta(days=2)


def test_a_drop_into_overdue_is_refused_with_a_reason_and_changes_nothing(client: Any, users: Any) -> None:
    today = timezone.localdate()
    item = BoardItem.objects.create(owner=users["sales"], title="整理报价", planned_on=today)
    client.force_login(users["sales"])
    response = _move(client, item, column="overdue")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
    assert "不能把事项移到“已逾期”" in response.content.decode()
    # a forged day in the past is refused by the service too
    response = _move(client, item, planned_on=f"{today - dt.timedelta(days=3):%Y-%m-%d}")
    assert response.status_code == 400 and "不能把事项改到过去的日期" in response.content.decode()
    item.refresh_from_db()
    assert (item.planned_on, item.state) == (today, BoardState.TODO)
