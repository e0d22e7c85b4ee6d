"""A workday in a real browser (Debian's chromium) at 1440 and 390 px: home counts, approving from home,
the handler's message, a complaint recorded from two characters, keyboard shortcuts, no sideways scroll."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kehu.access.models import Notification
from kehu.engagement.models import ContactPlan, FollowUp
from kehu.servicedesk.choices import ComplaintState
from kehu.servicedesk.models import Complaint

pytestmark = pytest.mark.browser

WIDTHS = [1440, 390]
# A test run writes to test-artifacts/; KEHU_SCREENSHOTS=docs/screenshots refreshes the committed ones.
SCREENSHOTS = Path(__file__).resolve().parents[3] / os.environ.get("KEHU_SCREENSHOTS", "test-artifacts/screenshots")


def _as(login: Any, page: Any, username: str, width: int) -> Any:
    """Log in (the shared fixture waits for the user's name, which a phone keeps in the collapsed menu),
    then look at the page at `width`."""
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1440, "height": 900})
    login(username)
    if width != 1440:
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
    return page


def _console(errors: list[str]):  # type: ignore[no-untyped-def]
    def record(msg):  # type: ignore[no-untyped-def]
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{msg.text} {msg.location.get('url', '')}")

    return record


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


@pytest.mark.parametrize("width", WIDTHS)
def test_home_counts_and_links(login, page, users, make_customer, width):
    day = timezone.localdate()
    late = make_customer("逾期科技有限公司")
    ContactPlan.objects.filter(customer=late).update(assignee=users["sales"], next_due_on=day - dt.timedelta(1))
    FollowUp.objects.create(
        customer=late, type="regular", responsible="sales", assignee=users["sales"], due_on=day, source_id="b1"
    )
    _as(login, page, "sales", width)
    assert page.url.rstrip("/") == page.base_url.rstrip("/")  # logging in lands on the 工作台
    assert page.inner_text("[data-testid=count-plans_overdue]") == "1"
    assert page.inner_text("[data-testid=count-followups_open]") == "1"
    assert page.inner_text("[data-testid=count-followups_overdue]") == "0"
    assert _overflow(page) <= width
    page.click("[data-testid=tile-plans_overdue]")
    page.wait_for_url("**/engagement/plans/?due=overdue")
    assert "逾期科技有限公司" in page.content()


@pytest.mark.parametrize("width", WIDTHS)
def test_supervisor_approves_from_home_and_the_handler_gets_a_message(login, page, users, submitted, width):
    errors: list[str] = []
    page.on("console", _console(errors))
    _as(login, page, "cs_lead", width)
    # click 1 (the only one): 批准方案 on the home page the login landed on
    page.click(f"[data-testid=approve-{submitted.pk}]")
    page.wait_for_selector(".alert-success")
    assert Complaint.objects.unscoped("test").get(pk=submitted.pk).state == ComplaintState.PLAN_APPROVED
    assert page.inner_text("[data-testid=approvals-count]") == "0"

    _as(login, page, "tech", width)
    bell = page.locator("[data-testid=bell]:visible")
    assert bell.locator("[data-testid=bell-count]").inner_text() == "1"
    bell.click()
    page.wait_for_url("**/workbench/messages/")
    note = Notification.objects.filter(user=users["tech"]).last()
    assert note is not None and submitted.number in note.message
    assert page.locator(f"[data-testid=message-{note.pk}]").is_visible()
    page.click(f"[data-testid=open-message-{note.pk}]")  # leads to the complaint, marked read
    page.wait_for_url(f"**/service/complaints/{submitted.pk}/")
    assert page.locator("[data-testid=bell]:visible [data-testid=bell-count]").count() == 0
    assert _overflow(page) <= width
    assert errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_complaint_is_recorded_from_two_characters_of_the_name(login, page, make_customer, width):
    customer = make_customer("河南宇通机械有限公司")
    make_customer("上海天讯科技有限公司")
    _as(login, page, "cs", width)
    page.goto(page.base_url + "/service/complaints/new/")
    page.locator("#id_customer").press_sequentially("宇通", delay=50)
    option = page.locator("[data-testid=pick-option]")
    option.first.wait_for()
    assert option.count() == 1
    option.first.click()
    assert page.input_value("#id_customer") == "河南宇通机械有限公司"
    page.select_option("#id_channel", "phone")
    page.select_option("#id_category", "quality")
    page.fill("#id_reason", "设备运行两天后无法开机")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=record-number]")
    assert Complaint.objects.unscoped("test").get().customer == customer
    assert _overflow(page) <= width


def test_keyboard_shortcuts(login, page):
    _as(login, page, "cs", 1440)
    page.keyboard.press("?")
    assert page.locator("[data-testid=shortcut-help]").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("[data-testid=shortcut-help]").is_visible()
    page.keyboard.press("g")
    page.keyboard.press("s")
    page.wait_for_url("**/service/")
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url("**/customers/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"


def test_the_header_collapses_on_a_phone(login, page):
    _as(login, page, "sales", 390)
    assert not page.locator("#wb-nav").is_visible()
    page.click("[data-testid=nav-toggle]")
    assert page.locator("[data-testid=nav-home]").is_visible()
    _as(login, page, "sales", 1440)
    assert page.locator("[data-testid=nav-home]").is_visible()
    assert not page.locator("[data-testid=nav-toggle]").is_visible()


MAIN_PAGES = [
    "/",
    "/customers/",
    "/service/",
    "/service/complaints/",
    "/service/tickets/",
    "/service/demands/",
    "/engagement/",
    "/engagement/plans/",
    "/engagement/followups/",
    "/engagement/care/",
    "/workbench/messages/",
    "/access/",
    "/service/complaints/new/",
]


@pytest.mark.parametrize("username", ["sales", "cs", "cs_lead", "tech", "mkt", "admin"])
def test_no_page_overflows_sideways_at_390(login, page, submitted, username):
    _as(login, page, username, 390)
    wide = {}
    for path in MAIN_PAGES:
        page.goto(page.base_url + path)
        width = _overflow(page)
        if width > 390:
            wide[path] = width
    assert wide == {}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_screenshots_of_each_roles_home(login, page, users, submitted, make_customer, language):
    """docs/screenshots/home-<role>-<language>.png, looked at by a person (CJK glyphs, not boxes)."""
    day = timezone.localdate()
    for n, username in enumerate(["sales", "cs", "cs_lead", "tech", "mkt", "admin"]):
        customer = make_customer(f"示例{n}号机械有限公司")
        overdue = day - dt.timedelta(days=2)
        ContactPlan.objects.filter(customer=customer).update(assignee=users[username], next_due_on=overdue)
        Notification.objects.create(user=users[username], message="投诉 TS-2026-000001 的处理方案待您审批。", url="/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for username in ["sales", "cs", "cs_lead", "tech", "mkt", "admin"]:
        for width in (1440, 390):
            _as(login, page, username, width)
            page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
            page.goto(page.base_url + "/")
            suffix = "" if width == 1440 else "-390"
            page.screenshot(path=str(SCREENSHOTS / f"home-{username}-{language}{suffix}.png"), full_page=True)
            assert _overflow(page) <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_a_missing_record_shows_the_branded_page_with_navigation(login, page, width):
    _as(login, page, "sales", width)
    response = page.goto(page.base_url + "/service/complaints/999999/")
    assert response is not None and response.status == 404
    assert page.locator("[data-testid=error-page]").is_visible()
    page.click("text=返回工作台")
    page.wait_for_selector("[data-testid=home-title]")
    assert _overflow(page) <= width


def test_access_request_customer_is_picked_by_name(login, page, make_customer):
    """Sales may list, not open, another owner's A-grade customer: the picker finds it by name and fills
    in its archive number, which is what the request needs."""
    customer = make_customer("甲级宇通重工有限公司", owner="sales2", grade="A")
    _as(login, page, "sales", 390)
    page.goto(page.base_url + "/access/")
    page.locator("#id_archive_no").press_sequentially("宇通", delay=50)
    page.locator("[data-testid=pick-option]").first.click()
    assert page.input_value("#id_archive_no") == customer.archive_no
    assert _overflow(page) <= 390
