"""Pages and API: boards, lists, export, calendar; scoped through the customer; no N+1."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kehu.core.models import CalendarDay
from kehu.customers import services as customer_services
from kehu.engagement import services
from kehu.engagement.choices import FollowUpType
from kehu.engagement.models import BoardItem, ContactPlan, FollowUp, Interaction

pytestmark = pytest.mark.django_db


def _overdue_column(html: str) -> str:
    return html.split('data-testid="column-overdue"')[1].split('data-testid="column-today"')[0]


def test_weekly_board_shows_the_overdue_contact_and_logging_a_call_clears_it(client, users, overdue_plan):
    client.force_login(users["sales"])
    html = client.get(reverse("engagement:board")).content.decode()
    assert "杭州远景电子有限公司" in _overdue_column(html)
    response = client.post(
        reverse("engagement:interaction_new"),
        {
            "customer": overdue_plan.customer_id,
            "channel": "phone",
            "content": "电话回访，客户满意",
            "next": "/engagement/",
        },
    )
    assert response.status_code == 302
    overdue_plan.refresh_from_db()
    assert overdue_plan.next_due_on == dt.date.today() + dt.timedelta(days=7)
    html = client.get(reverse("engagement:board")).content.decode()
    assert "杭州远景电子有限公司" not in _overdue_column(html)


def test_board_query_count_does_not_grow_with_cards(client, users, make_customer, django_assert_max_num_queries):
    for i in range(8):
        customer = make_customer(f"客户{i}", grade="B")
        services.followup_plan(customer=customer, type=FollowUpType.SPECIAL, due_on=dt.date.today())
        BoardItem.objects.create(owner=users["sales"], title=f"重点{i}", planned_on=dt.date.today(), customer=customer)
    ContactPlan.objects.update(next_due_on=dt.date.today())
    client.force_login(users["sales"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("engagement:board"))
    assert response.content.decode().count('data-testid="card-') == 24


@pytest.mark.parametrize(
    "name",
    [
        "plans",
        "overview",
        "interactions",
        "followups",
        "followup_report",
        "care",
        "policies",
        "calendar",
        "board_month",
    ],
)
def test_pages_render(client, users, overdue_plan, name):
    client.force_login(users["sales"])
    response = client.get(reverse(f"engagement:{name}"))
    assert response.status_code == 200


def test_overview_lists_contact_and_plan_and_exports_xlsx(client, users, make_customer, django_assert_num_queries):
    for i in range(5):
        customer = make_customer(
            f"苏州精工{i}有限公司", grade="B", main_products="数控机床", preferences="重视售后响应"
        )
        customer_services.contact_create(
            actor=users["admin"], customer=customer, name="王建国", position="采购经理", is_main_contact=True
        )
    client.force_login(users["sales"])
    with django_assert_num_queries(8):  # session, user, access rules, grants ... and ONE query for the rows
        html = client.get(reverse("engagement:overview")).content.decode()
    assert html.count("采购经理") == 5 and "重视售后响应" in html
    response = client.get(reverse("engagement:overview_export"), {"q": "精工"})
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("客户名称", "联系人", "职务") and len(rows) == 6
    assert rows[1][1:3] == ("王建国", "采购经理")


def test_interactions_are_searchable_in_chinese_and_scoped(api_for, users, make_customer):
    mine = make_customer("上海天讯科技有限公司", grade="B")
    secret = make_customer("机密A类客户", owner="sales2", grade="A")
    services.interaction_log(actor=users["sales"], customer=mine, channel="wechat", content="讨论续约报价与培训安排")
    services.interaction_log(actor=users["mkt_mgr"], customer=secret, channel="phone", content="续约报价")
    found = api_for("sales").get("/api/interactions/", {"q": "续约"}).json()["results"]
    assert [r["customer_name"] for r in found] == ["上海天讯科技有限公司"]
    assert api_for("mkt_mgr").get("/api/interactions/", {"q": "报价"}).json()["results"] != []
    # writes on a customer one cannot view are refused (a hidden id answers like a missing one) and change nothing
    response = api_for("sales").post("/api/interactions/", {"customer": secret.pk, "channel": "phone", "content": "x"})
    assert response.status_code in (400, 404)
    assert Interaction.objects.filter(customer=secret).count() == 1


def test_api_followup_complete_and_stats(api_for, users, make_customer):
    customer = make_customer(grade="B")
    visit = services.followup_plan(customer=customer, type=FollowUpType.SPECIAL, due_on=dt.date.today())
    api = api_for("sales")
    response = api.post(
        f"/api/followups/{visit.pk}/complete/",
        {"version": visit.version, "channel": "phone", "satisfaction": 4},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "done"
    again = api.post(
        f"/api/followups/{visit.pk}/complete/", {"version": 2, "channel": "phone", "satisfaction": 4}, format="json"
    )
    assert again.status_code == 400
    stats = {row["type"]: row for row in api.get("/api/followups/stats/").json()}
    assert stats[FollowUpType.SPECIAL]["completion_rate"] == 100.0
    # another department does not open the archive without a grant (档案管理方案 六.4)
    assert api_for("tech").get(f"/api/followups/{visit.pk}/").status_code == 404
    assert FollowUp.objects.get(pk=visit.pk).satisfaction == 4


def test_api_policy_update_replans_and_reports_the_job(
    api_for, users, make_customer, django_capture_on_commit_callbacks
):
    customer = make_customer(grade="C")
    policy = api_for("admin").get("/api/policies/").json()
    c_policy = next(p for p in policy if p["scope"] == "grade" and p["key"] == "C")
    assert (
        api_for("sales")
        .patch(f"/api/policies/{c_policy['id']}/", {"version": 1, "phone_every_days": 3}, format="json")
        .status_code
        == 400
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for("admin").patch(
            f"/api/policies/{c_policy['id']}/", {"version": 1, "phone_every_days": 10}, format="json"
        )
    assert response.status_code == 200
    job = api_for("admin").get(f"/api/policies/jobs/{response.json()['job']['id']}/").json()
    assert job["status"] == "done" and job["processed"] == job["total"] == 1
    assert ContactPlan.objects.get(customer=customer).phone_every_days == 10


def test_api_workdays_across_national_day_and_admin_override(api_for):
    api = api_for("sales")
    assert api.get("/api/calendar/workdays/", {"from": "2025-09-30", "add": 3}).json()["date"] == "2025-10-11"
    days = {
        d["date"]: d for d in api.get("/api/calendar/workdays/", {"start": "2025-10-01", "end": "2025-10-12"}).json()
    }
    assert days["2025-10-01"]["is_workday"] is False and days["2025-10-01"]["name"] == "国庆节"
    assert days["2025-10-11"]["is_workday"] is True  # make-up Saturday
    assert api.post("/api/calendar/workdays/", {"date": "2027-10-09", "is_workday": True}).status_code == 403
    response = api_for("admin").post(
        "/api/calendar/workdays/", {"date": "2027-10-09", "is_workday": True, "name": "国庆调休"}
    )
    assert response.status_code == 201 and CalendarDay.objects.get(date="2027-10-09").is_workday


def test_admin_imports_a_new_years_calendar(client, users):
    client.force_login(users["admin"])
    text = "2027-10-01,休,国庆节\n2027-10-07,休,国庆节\n2027-10-09,班,国庆调休"
    client.post(reverse("engagement:calendar") + "?year=2027", {"text": text})
    assert CalendarDay.objects.count() == 3
    client.force_login(users["sales"])
    client.post(reverse("engagement:calendar"), {"text": "2027-01-01,休,元旦"})
    assert CalendarDay.objects.count() == 3


def test_board_card_moves_by_drag_only_for_its_owner_or_manager(client, users):
    item = BoardItem.objects.create(owner=users["sales"], title="整理客户名单", planned_on=dt.date.today())
    client.force_login(users["sales"])
    assert client.post(reverse("engagement:board_item_move", args=[item.pk]), {"state": "done"}).status_code == 204
    item.refresh_from_db()
    assert item.state == "done"
    client.force_login(users["tech"])
    assert client.post(reverse("engagement:board_item_move", args=[item.pk]), {"state": "todo"}).status_code == 404
