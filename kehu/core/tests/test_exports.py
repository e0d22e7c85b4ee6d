"""Every Excel export writes hostile text literally: no live formula, no 500 on a control character."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kehu.access.audit import log_access
from kehu.core.exports import XlsxExport
from kehu.customers.models import Transaction
from kehu.customers.services import contact_create, customer_create
from kehu.servicedesk import services as desk

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "@SUM(A1)", "-2+3", "\tcmd", "铃\x07声"]
# What each hostile text must read back as: the same text, minus XML-illegal control characters.
SHOWN = ['=HYPERLINK("http://x","y")', "+1", "@SUM(A1)", "-2+3", "\tcmd", "铃声"]


def _cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_literal(content: bytes, expected: list[str]) -> None:
    cells = _cells(content)
    assert not [c for c in cells if c.data_type == "f"], "a formula cell was written"
    for text in expected:
        found = [c for c in cells if c.value == text]
        assert found, f"{text!r} missing"
        assert all(c.data_type == "s" for c in found)
        if text[0] in "=+-@\t":
            assert all(c.quotePrefix for c in found)


def test_the_writer_escapes_formula_cells_and_drops_control_characters():
    export = XlsxExport()
    sheet = export.sheet("a/b:c", header=["名称"])
    for text in HOSTILE:
        sheet.append([text, -5, Decimal("1.5"), dt.date(2026, 1, 2), None])
    content = export.content()
    _assert_literal(content, SHOWN)
    book = load_workbook(io.BytesIO(content))
    assert book.active.title == "a_b_c"
    row = [c for c in book.active[2]]
    assert row[1].value == -5 and row[1].data_type == "n" and row[2].value == 1.5


@pytest.fixture
def hostile(users):
    """A customer, contact, complaint and deal whose texts are all hostile, owned by sales2."""
    actor = users["sales2"]
    customers = []
    for i, text in enumerate(HOSTILE):
        customer = customer_create(
            actor=users["mkt"],
            owner=actor,
            name=text,
            grade="B",
            region=text,
            main_products=text,
            address=text,
            phone=f"021-5555{i:04d}",
        )
        customers.append(customer)
        Transaction.objects.create(
            customer=customer, amount=Decimal("10"), product=text, occurred_on=timezone.localdate()
        )
        desk.complaint_create(actor=users["cs"], customer=customer, channel="phone", reason=text, product=text)
    contact = contact_create(actor=users["mkt"], customer=customers[0], name=HOSTILE[0], hobbies=HOSTILE[5])
    return {"customers": customers, "contact": contact}


def _download(client, url: str, **params: str) -> bytes:
    response = client.get(url, params)
    assert response.status_code == 200, response
    assert response["Cache-Control"] == "no-store"
    return response.getvalue()


def test_customer_list_export(client, users, hostile):
    client.force_login(users["sales2"])
    _assert_literal(_download(client, reverse("customers:export")), SHOWN)


def test_contact_overview_export(client, users, hostile):
    client.force_login(users["sales2"])
    _assert_literal(_download(client, reverse("engagement:overview_export")), SHOWN)


def test_person_export(client, users, hostile):
    client.force_login(users["admin"])
    url = reverse("customers:person_export", kwargs={"contact_id": hostile["contact"].pk, "fmt": "xlsx"})
    _assert_literal(_download(client, url), [SHOWN[0], SHOWN[5]])


def test_access_log_export_with_another_users_search_text(client, users, hostile):
    for text in HOSTILE:
        log_access(user=users["sales"], action="search", query=text, rows=0)
    client.force_login(users["admin"])
    _assert_literal(_download(client, reverse("access:log_export")), SHOWN)


def test_servicedesk_stats_export(client, users, hostile):
    client.force_login(users["cs_lead"])
    today = timezone.localdate()
    content = _download(
        client,
        reverse("servicedesk:stats_export"),
        period="month",
        start=f"{today - dt.timedelta(days=40):%Y-%m-%d}",
        end=f"{today + dt.timedelta(days=1):%Y-%m-%d}",
    )
    _assert_literal(content, SHOWN)


def test_analytics_composition_export(client, users, hostile):
    from kehu.analytics.sales import sales_month_rebuild

    sales_month_rebuild()  # the fixture writes transactions directly, without the event that keeps the summary
    client.force_login(users["mkt_mgr"])
    _assert_literal(_download(client, reverse("analytics:composition-export")), SHOWN)
