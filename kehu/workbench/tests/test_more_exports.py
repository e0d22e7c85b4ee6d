"""Excel export of the access requests (issue 11): the rows of the box the page shows, escaped, capped,
logged; nobody exports another person's requests or a box they do not see."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kehu.access import services as access
from kehu.access.models import AccessLog

pytestmark = pytest.mark.django_db


def _book(response: Any) -> Any:
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def _rows(response: Any) -> list[tuple[Any, ...]]:
    return list(_book(response).iter_rows(values_only=True))


@pytest.fixture
def asked(users: Any, make_customer: Any) -> Any:
    customer = make_customer("北京华信集团有限公司", owner="sales2", grade="A")
    return access.access_request_create(
        actor=users["sales"],
        customer=customer,
        purpose='=HYPERLINK("http://evil","点我")',
        valid_until=timezone.localdate() + dt.timedelta(days=3),
    )


def test_the_requester_exports_their_own_requests_with_formulas_kept_as_text(
    client: Any, users: Any, asked: Any
) -> None:
    client.force_login(users["sales"])
    assert 'data-testid="export-mine"' in client.get(reverse("access:home")).content.decode()
    sheet = _book(client.get(reverse("access:requests_export", args=["mine"])))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("申请时间", "申请人", "档案编号", "客户") and len(rows) == 2
    assert rows[1][3] == "北京华信集团有限公司" and rows[1][7] == "待审批"
    purpose = sheet.cell(row=2, column=6)
    assert purpose.data_type == "s" and purpose.quotePrefix  # shown literally, never run as a formula
    entry = AccessLog.objects.filter(user=users["sales"], action="export").latest("id")
    assert entry.detail == {"list": "access_requests", "box": "mine"} and entry.rows == 1


def test_others_do_not_export_someone_elses_requests(client: Any, users: Any, asked: Any) -> None:
    client.force_login(users["sales2"])
    assert len(_rows(client.get(reverse("access:requests_export", args=["mine"])))) == 1  # the header only
    client.force_login(users["sales"])
    # a box for approvers is empty for someone who does not approve
    assert len(_rows(client.get(reverse("access:requests_export", args=["to_approve"])))) == 1
    assert client.get(reverse("access:requests_export", args=["everything"])).status_code == 404
    client.force_login(users["cs_lead"])
    rows = _rows(client.get(reverse("access:requests_export", args=["to_approve"])))
    assert len(rows) == 2 and rows[1][1] == users["sales"].display_name
