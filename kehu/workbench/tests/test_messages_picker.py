"""The message centre, the customer picker, the intake forms' customer field, formatting, error pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import timezone

from kehu.access.models import AccessLog, Notification
from kehu.servicedesk.models import Complaint

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- message centre ---------------------------------------------------------------------------------


def test_bell_counts_unread_and_the_centre_marks_read(users):
    cs = users["cs"]
    first = Notification.objects.create(user=cs, message="投诉 TS-1 的处理方案已批准", url="/service/")
    Notification.objects.create(user=cs, message="第二条", url="")
    client = _client(cs)
    html = client.get("/customers/").content.decode()
    assert 'data-testid="bell-count">2<' in html
    page = client.get("/workbench/messages/").content.decode()
    assert "投诉 TS-1 的处理方案已批准" in page and "第二条" in page
    opened = client.post(f"/workbench/messages/{first.pk}/")
    assert opened.status_code == 302 and opened["Location"] == "/service/"  # the record it is about
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'data-testid="bell-count">1<' in client.get("/customers/").content.decode()
    client.post("/workbench/messages/read-all/")
    assert 'data-testid="bell-count"' not in client.get("/customers/").content.decode()


def test_nobody_reads_or_marks_another_users_message(users):
    note = Notification.objects.create(user=users["cs"], message="只给客服的消息", url="/")
    sales = _client(users["sales"])
    assert "只给客服的消息" not in sales.get("/workbench/messages/").content.decode()
    assert sales.post(f"/workbench/messages/{note.pk}/").status_code == 404
    sales.post("/workbench/messages/read-all/")
    note.refresh_from_db()
    assert note.read_at is None


def test_a_message_link_never_leaves_the_site(users):
    note = Notification.objects.create(user=users["cs"], message="外链", url="https://evil.example/")
    response = _client(users["cs"]).post(f"/workbench/messages/{note.pk}/")
    assert response["Location"] == "/workbench/messages/"


# --- customer picker ----------------------------------------------------------------------------------


def test_picker_matches_two_characters_and_a_phone_fragment(users, make_customer):
    make_customer("河南宇通机械有限公司", phone="0371-66778899")
    make_customer("上海天讯科技有限公司")
    client = _client(users["cs"])
    names = [r["name"] for r in client.get("/workbench/pick/customers/", {"q": "宇通"}).json()["results"]]
    assert names == ["河南宇通机械有限公司"]
    by_phone = client.get("/workbench/pick/customers/", {"q": "6677"}).json()["results"]
    assert [r["name"] for r in by_phone] == ["河南宇通机械有限公司"]
    assert client.get("/workbench/pick/customers/", {"q": "宇"}).json()["results"] == []  # two characters at least
    assert AccessLog.objects.filter(user=users["cs"], action="search", query="宇通").exists()


def test_picker_is_scoped(users, make_customer):
    """Sales opens cases only for customers whose archive they may open: another owner's A-grade
    customer is not offered, in either purpose its phone does not find it."""
    make_customer("甲级宇通重工有限公司", owner="sales2", grade="A", phone="0371-12345678")
    sales = _client(users["sales"])
    assert sales.get("/workbench/pick/customers/", {"q": "宇通"}).json()["results"] == []
    assert sales.get("/workbench/pick/customers/", {"q": "12345678", "for": "access"}).json()["results"] == []
    # for an access request the name is enough to find what one asks access to
    found = sales.get("/workbench/pick/customers/", {"q": "宇通", "for": "access"}).json()["results"]
    assert [r["name"] for r in found] == ["甲级宇通重工有限公司"]
    assert sales.get("/workbench/pick/customers/", {"q": "x" * 51}).status_code == 400


def test_complaint_recorded_from_two_characters_of_the_name(users, make_customer):
    customer = make_customer("河南宇通机械有限公司")
    make_customer("上海天讯科技有限公司")
    client = _client(users["cs"])
    form = client.get("/service/complaints/new/").content.decode()
    assert "data-customer-picker" in form
    response = client.post(
        "/service/complaints/new/",
        {"customer": "宇通机械", "channel": "phone", "category": "quality", "reason": "设备无法开机"},
    )
    assert response.status_code == 302
    assert Complaint.objects.unscoped("test").get().customer == customer


def test_an_ambiguous_fragment_is_refused_with_a_message(users, make_customer):
    make_customer("河南宇通机械有限公司")
    make_customer("郑州宇通客车有限公司")
    response = _client(users["cs"]).post(
        "/service/complaints/new/", {"customer": "宇通", "channel": "phone", "category": "quality", "reason": "x"}
    )
    assert response.status_code in (200, 400)
    assert "找不到该客户" in response.content.decode()
    assert not Complaint.objects.unscoped("test").exists()


def test_from_a_customer_page_the_field_holds_the_name_not_the_id(users, make_customer):
    customer = make_customer("河南宇通机械有限公司")
    html = _client(users["cs"]).get(f"/service/complaints/new/?customer={customer.pk}").content.decode()
    assert 'value="河南宇通机械有限公司"' in html
    assert f'value="{customer.pk}"' not in html


def test_access_request_date_is_iso_for_the_date_input(users):
    html = _client(users["sales"]).get("/access/").content.decode()
    soon = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert f'value="{soon}"' in html


# --- formatting -----------------------------------------------------------------------------------------


def _render(source: str, **context: Any) -> str:
    return Template("{% load workbench %}" + source).render(Context(context))


def test_money_duration_dates_and_clipping():
    assert _render("{{ v|yuan }}", v=Decimal("19916399.00")) == "¥19,916,399.00"
    assert _render("{{ v|wan }}", v=Decimal("19916399")) == "1,991.64 万"
    assert _render("{{ v|wan }}", v=5000000) == "500 万"
    assert _render("{{ v|duration }}", v=235.9) == "9 天 20 小时"
    assert _render("{{ v|duration }}", v=dt.timedelta(hours=48)) == "2 天"
    assert _render("{{ v|duration }}", v=3) == "3 小时"
    assert _render("{{ v|iso }}", v=dt.date(2026, 12, 8)) == "2026-12-08"
    assert _render("{{ v|yuan }}", v="abc") == ""
    clipped = _render("{% clip v 5 %}", v="河南宇通机械有限公司")
    assert 'title="河南宇通机械有限公司"' in clipped and "河南宇通…" in clipped
    assert _render("{% clip v 40 %}", v="<b>") == "&lt;b&gt;"


# --- error pages ------------------------------------------------------------------------------------------


def test_404_is_branded_translated_and_has_navigation(users, settings):
    settings.DEBUG = False
    client = _client(users["sales"])
    html = client.get("/service/complaints/999999/").content.decode()
    assert 'data-testid="error-page"' in html and "返回工作台" in html and "客户 Kehu" in html
    english = client.get("/service/complaints/999999/", HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    html = client.get("/service/complaints/999999/").content.decode()
    assert english.status_code == 404
    assert "Back to the workbench" in html


def test_owner_picker_is_grouped_by_department(users, make_customer):
    from kehu.servicedesk.models import Ticket

    customer = make_customer()
    client = _client(users["cs"])
    html = client.get("/service/tickets/new/").content.decode()
    assert '<optgroup label="技术支持部">' in html or '<optgroup label="技术支持' in html
    assert f'<option value="{users["tech"].pk}">张伟（tech）</option>' in html
    response = client.post(
        "/service/tickets/new/",
        {
            "customer": customer.archive_no,
            "title": "无法开机",
            "description": "设备无法开机",
            "urgency": "medium",
            "department": "tech_support",
            "owner": users["tech"].pk,
            "channel": "phone",
        },
    )
    assert response.status_code == 302
    assert Ticket.objects.unscoped("test").get().owner == users["tech"]


# --- Excel export of the case lists -------------------------------------------------------------------


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    import io

    from openpyxl import load_workbook

    body = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))


def test_case_list_exports_with_its_filters_and_is_logged(users, submitted, make_customer):
    from kehu.servicedesk import services as desk

    other = desk.complaint_create(
        actor=users["cs"], customer=make_customer("上海天讯科技有限公司"), channel="phone", reason="x"
    )
    client = _client(users["cs"])
    assert 'data-testid="export"' in client.get("/service/complaints/").content.decode()
    rows = _sheet(client.get("/workbench/export/complaint.xlsx", {"state": "plan_submitted"}))
    assert rows[0][0] == "编号"
    assert [r[0] for r in rows[1:]] == [submitted.number]
    everything = _sheet(client.get("/workbench/export/complaint.xlsx"))
    assert {r[0] for r in everything[1:]} == {submitted.number, other.number}
    log = AccessLog.objects.filter(user=users["cs"], action="export").last()
    assert (log is not None and log.rows == 1) or AccessLog.objects.filter(action="export", rows=1).exists()


def test_export_without_the_right_contains_nothing(users, submitted):
    """sales2 neither handles the case nor owns the customer (sales does): no row leaves."""
    rows = _sheet(_client(users["sales2"]).get("/workbench/export/complaint.xlsx"))
    assert rows[1:] == []
    assert _client(users["sales2"]).get("/workbench/export/nothing.xlsx").status_code == 404


# --- sortable case lists ------------------------------------------------------------------------------


def test_case_lists_sort_by_number_and_by_nearest_deadline_with_keyset_pages(users, submitted, make_customer):
    from kehu.servicedesk import selectors as desk
    from kehu.servicedesk import services

    older = submitted
    newer = services.complaint_create(
        actor=users["cs"], customer=make_customer("新客户有限公司"), channel="phone", reason="x"
    )
    client = _client(users["cs"])

    def table(url: str) -> str:
        html = client.get(url).content.decode()
        return html[html.index('data-testid="record-table"') :]

    ascending = table("/service/complaints/?sort=id")
    assert ascending.index(older.number) < ascending.index(newer.number)
    html = table("/service/complaints/")
    assert html.index(newer.number) < html.index(older.number)
    assert 'data-testid="sort-next_due"' in html
    # the one with a running deadline (analysed) comes before the one without, across keyset pages
    queryset = desk.record_list_for(users["cs"], "complaint", sort="next_due")
    first, cursor = desk.sorted_page(queryset, sort="next_due", after="", size=1)
    second, end = desk.sorted_page(queryset, sort="next_due", after=cursor, size=1)
    assert [first[0].pk, second[0].pk] == [older.pk, newer.pk] and end == ""
    assert client.get("/service/complaints/?sort=bogus&after=x|y").status_code == 200


def test_customer_page_shows_capital_in_wan_with_the_exact_amount_in_the_title(users, make_customer):
    customer = make_customer("河南宇通机械有限公司", registered_capital=Decimal("19916399"))
    html = _client(users["sales"]).get(f"/customers/{customer.pk}/?tab=archive").content.decode()
    assert '<span title="¥19,916,399.00">1,991.64 万</span>' in html


def test_sla_report_names_unassigned_timers_instead_of_none(users, make_customer):
    from kehu.servicedesk import services
    from kehu.servicedesk.models import SlaTimer

    ticket = services.ticket_create(
        actor=users["cs"],
        customer=make_customer(),
        title="a",
        description="x",
        urgency="high",
        reported_at=timezone.now() - dt.timedelta(hours=3),
    )
    SlaTimer.objects.filter(ticket=ticket).update(owner=None)
    html = _client(users["cs_lead"]).get("/service/sla/").content.decode()
    assert "NoneNone" not in html and "未指派" in html
