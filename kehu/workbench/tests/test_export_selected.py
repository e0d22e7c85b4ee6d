"""导出所选 (issue 11): on every list with row selection (customers, tickets, demands, follow-ups, contact
plans) a button exports only the selected rows, through the list's own export: the same columns, export
rights (a selected row the user may not export is not in the file), cap, escaping and access log."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kehu.access.models import AccessLog
from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpType
from kehu.engagement.models import ContactPlan, FollowUp
from kehu.servicedesk import services as desk

pytestmark = pytest.mark.django_db


def _url(list_name: str) -> str:
    return reverse("workbench:export_selected", args=[list_name])


def _sheet(response: Any) -> Any:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def _rows(response: Any) -> list[tuple[Any, ...]]:
    return list(_sheet(response).iter_rows(values_only=True))


def _last_export(user: Any) -> AccessLog:
    return AccessLog.objects.filter(user=user, action="export").latest("id")


def test_customers_only_the_selected_rows_and_never_one_the_user_may_not_export(
    client: Any, users: Any, make_customer: Any
) -> None:
    first, _second, third = (make_customer(f"周口机械{i}", owner="sales") for i in range(3))
    formula = make_customer("=HYPERLINK(1)机械", owner="sales")
    a_grade = make_customer("周口重工", owner="sales", grade="A")  # marketing staff may not view (or export) A
    client.force_login(users["mkt"])
    page = client.get(reverse("customers:list")).content.decode()
    assert 'data-testid="export-selected"' in page and 'formaction="/workbench/export/selected/customers.xlsx"' in page
    ids = [first.pk, third.pk, formula.pk, a_grade.pk]
    sheet = _sheet(client.post(_url("customers"), {"ids": ids, "query": ""}))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("档案编号", "客户名称")
    assert sorted(r[1] for r in rows[1:]) == sorted(["周口机械0", "周口机械2", "=HYPERLINK(1)机械"])
    cell = next(c for c in sheet["B"] if c.value == "=HYPERLINK(1)机械")
    assert cell.data_type == "s" and cell.quotePrefix  # written as text, never as a formula
    log = _last_export(users["mkt"])
    assert log.rows == 3 and log.detail["selected"] == 4
    # the list's own filters still hold: a selected row outside them is not exported
    rows = _rows(client.post(_url("customers"), {"ids": [first.pk], "query": "q=不存在的名称"}))
    assert rows[1:] == []


def test_tickets_only_the_selected_and_nothing_outside_the_export_scope(
    client: Any, users: Any, make_customer: Any
) -> None:
    customer = make_customer("漯河电气有限公司", owner="sales")
    made = [
        desk.ticket_create(actor=users["cs"], customer=customer, title=f"报警{i}", description="停机", urgency="low")
        for i in range(3)
    ]
    client.force_login(users["cs"])
    page = client.get(reverse("servicedesk:ticket_list")).content.decode()
    assert 'formaction="/workbench/export/selected/tickets.xlsx"' in page
    rows = _rows(client.post(_url("tickets"), {"ids": [made[0].pk, made[2].pk], "query": "urgency=low"}))
    assert sorted(r[0] for r in rows[1:]) == sorted([made[0].number, made[2].number])
    log = _last_export(users["cs"])
    assert log.detail["list"] == "servicedesk:ticket" and log.detail["selected"] == 2 and log.rows == 2
    client.force_login(users["sales2"])  # another account manager's customer: not theirs to export
    assert _rows(client.post(_url("tickets"), {"ids": [made[0].pk], "query": ""}))[1:] == []


def test_follow_ups_the_selected_ones_and_not_one_the_user_may_only_work_on(
    client: Any, users: Any, make_customer: Any
) -> None:
    made = []
    for i, assignee in enumerate(["sales", "sales", "sales", "tech"]):
        customer = make_customer(f"商丘客户{i}", owner="sales")
        followup = engagement.followup_plan(
            customer=customer, type=FollowUpType.SPECIAL, due_on=dt.date.today(), source_id=f"sel{i}"
        )
        FollowUp.objects.filter(pk=followup.pk).update(assignee=users[assignee])
        made.append(followup)
    client.force_login(users["sales"])
    page = client.get(reverse("engagement:followups")).content.decode()
    assert 'formaction="/workbench/export/selected/followups.xlsx"' in page
    rows = _rows(client.post(_url("followups"), {"ids": [made[0].pk, made[2].pk], "query": "sort=customer"}))
    assert [r[1] for r in rows[1:]] == ["商丘客户0", "商丘客户2"]  # in the list's sort
    assert _last_export(users["sales"]).detail["list"] == "engagement:followups"
    # technical support works on the visit assigned to them (a checkbox to 改派 it) but may not export the
    # customer: the visit is not in the file
    client.force_login(users["tech"])
    page = client.get(reverse("engagement:followups")).content.decode()
    assert page.count('data-testid="select-row"') == 1
    assert _rows(client.post(_url("followups"), {"ids": [made[3].pk], "query": ""}))[1:] == []
    assert _last_export(users["tech"]).rows == 0


def test_contact_plans_only_the_selected(client: Any, users: Any, make_customer: Any) -> None:
    plans = []
    for i in range(3):
        customer = make_customer(f"信阳客户{i}", owner="sales")
        plans.append(engagement.plan_refresh(customer_id=customer.pk))
    client.force_login(users["admin"])
    page = client.get(reverse("engagement:plans"), {"scope": "team", "due": "all"}).content.decode()
    assert 'formaction="/workbench/export/selected/plans.xlsx"' in page
    query = "scope=team&due=all"
    rows = _rows(client.post(_url("plans"), {"ids": [plans[0].pk, plans[1].pk], "query": query}))
    assert sorted(r[0] for r in rows[1:]) == ["信阳客户0", "信阳客户1"]
    assert ContactPlan.objects.count() == 3


def test_bad_selected_export_input(client: Any, users: Any, make_customer: Any) -> None:
    client.force_login(users["mkt"])
    nothing = client.post(_url("customers"), {"query": "grade=B"})
    assert nothing.status_code == 400 and "请选择 1 到 200 行" in nothing.content.decode()
    assert client.post(_url("customers"), {"ids": ["²", "x"]}).status_code == 400
    assert client.post(_url("complaints"), {"ids": [1]}).status_code == 404  # no row selection there
    assert client.get(_url("customers")).status_code == 405
    assert not AccessLog.objects.filter(action="export").exists()
