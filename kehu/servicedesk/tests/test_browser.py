"""The complaint loop in a real browser (Debian's chromium) as cs, tech and cs_lead."""

from __future__ import annotations

import pytest

from kehu.servicedesk.models import Complaint

pytestmark = pytest.mark.browser


def _console(errors: list[str]):  # type: ignore[no-untyped-def]
    """Console errors, except the browser's own favicon probe (the project ships no favicon yet)."""

    def record(msg):  # type: ignore[no-untyped-def]
        url = msg.location.get("url", "")
        if msg.type == "error" and not url.endswith("/favicon.ico"):
            errors.append(f"{msg.text} {url}")

    return record


def _as(login, page, username):  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    return login(username)


def _step(
    page, name: str, fields: dict[str, str], checks: tuple[str, ...] = (), selects: dict[str, str] | None = None
) -> None:  # type: ignore[no-untyped-def]
    box = page.locator(f"[data-testid=transition-{name}]")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for field, value in fields.items():
        page.fill(f"#id_{name}-{field}", value)
    for field, value in (selects or {}).items():
        page.select_option(f"#id_{name}-{field}", value)
    for field in checks:
        page.check(f"#id_{name}-{field}")
    page.click(f"[data-testid=do-{name}]")
    page.wait_for_selector(".alert-success")


def test_a_complaint_goes_through_every_step_in_the_browser(login, page, make_customer):
    customer = make_customer(email="buyer@tianxun.example")
    errors: list[str] = []
    page.on("console", _console(errors))

    _as(login, page, "cs")
    page.goto(page.base_url + "/service/complaints/new/")
    page.fill("#id_customer", customer.archive_no)
    page.select_option("#id_channel", "phone")
    page.select_option("#id_category", "quality")
    page.fill("#id_product", "KH-200 控制器")
    page.fill("#id_reason", "设备运行两天后无法开机")
    page.fill("#id_request", "尽快上门维修")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=record-number]")
    detail = page.url
    _step(page, "analyse", {}, checks=("responsible", "deadline_told"), selects={"nature": "serious"})
    assert page.locator("[data-testid=timer-deadline]").count() == 1
    assert page.locator("[data-testid=do-route]").count() == 0  # 五.2: the supervisor sends the 处理单 copy

    _as(login, page, "cs_lead")
    page.goto(detail)
    _step(page, "route", {"main_cause": "出厂检验漏检"}, selects={"responsible_department": "tech_support"})

    _as(login, page, "tech")
    page.goto(detail)
    _step(page, "submit_plan", {"plan": "更换故障主板并上门调试"})
    assert page.locator("[data-testid=do-approve_plan]").count() == 0  # only the supervisor approves

    _as(login, page, "cs_lead")
    page.goto(detail)
    _step(page, "approve_plan", {"note": "同意"})

    _as(login, page, "tech")
    page.goto(detail)
    _step(
        page,
        "execute",
        {"result": "已更换主板，设备恢复正常", "compensation_amount": "1200", "loss_amount": "3500"},
        checks=("customer_told",),
        selects={"handling_type": "compensation"},
    )

    _as(login, page, "cs")
    page.goto(detail)
    _step(page, "sign_off", {"signed_by": "王经理", "customer_opinion": "满意"})
    assert page.locator("[data-testid=timer-follow_up]").count() == 1
    _step(page, "close", {"satisfaction": "5", "follow_up_note": "客户满意"})
    assert page.inner_text("[data-testid=state]") == "已结案"
    assert page.locator("[data-testid=timeline] li").count() == 8
    complaint = Complaint.objects.get()
    assert complaint.state == "closed" and complaint.plan_approved_by.username == "cs_lead"
    assert errors == []


def test_stats_page_draws_its_charts(login, page, users, customer):
    from kehu.servicedesk import services

    services.complaint_create(actor=users["cs"], customer=customer, channel="phone", reason="x", category="quality")
    _as(login, page, "cs_lead")
    errors: list[str] = []
    page.on("console", _console(errors))
    page.goto(page.base_url + "/service/stats/")
    page.wait_for_selector("#chart-periods canvas")
    page.wait_for_selector("#chart-category canvas")
    assert errors == []


def test_tech_sees_the_ticket_timer_and_responds(login, page, users, customer):
    import datetime as dt

    from django.utils import timezone

    from kehu.servicedesk import services

    ticket = services.ticket_create(
        actor=users["cs"],
        customer=customer,
        title="生产系统宕机",
        description="全部终端无法登录",
        urgency="high",
        owner=users["tech"],
        reported_at=timezone.now() - dt.timedelta(minutes=9),
    )
    _as(login, page, "tech")
    page.goto(page.base_url + "/service/?queue=breaching")
    page.screenshot(path="test-artifacts/servicedesk-queue-breaching.png", full_page=True)
    page.click(f"text={ticket.number}")
    assert "bg-yellow-lt" in page.locator("[data-testid=timer-response] .badge").get_attribute("class")
    _step(page, "respond", {"impact_scope": "华东区全部门店"})
    assert page.inner_text("[data-testid=timer-response]") == "按时完成"
    assert page.locator("[data-testid=timer-progress]").count() == 1
