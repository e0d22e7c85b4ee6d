"""客户投诉统计表 with every column, by month / quarter / year, in the UI, the export and the API; ticket and
demand statistics likewise (客户投诉处理方案 九.1; SOP 持续优化 "定期汇总客户反馈与问题数据")."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kehu.servicedesk import services

pytestmark = pytest.mark.django_db


def _complaint(users, customer, when, **kwargs):
    return services.complaint_create(
        actor=users["cs"],
        customer=customer,
        channel="phone",
        reason=kwargs.pop("reason", "设备运行两天后无法开机"),
        contact_name="王经理",
        category="quality",
        product="KH-200 控制器",
        quantity=2,
        unit="台",
        received_at=when,
        **kwargs,
    )


def test_the_complaint_statistics_table_has_every_column_of_the_paper_form(client, users, customer, walk, api_for):
    """九.1: "客户投诉（月、季、年）分析统计表: 客户投诉内容 责任 处理方式 损失 投诉 姓名 品名 数量 单位 赔偿 退货
    折价 其他 金额 日期 编号" — the complaint's own content and its unit, not only a category."""
    first = walk(_complaint(users, customer, dt.datetime(2026, 2, 10, 2, tzinfo=dt.UTC)))
    _complaint(users, customer, dt.datetime(2026, 5, 3, 2, tzinfo=dt.UTC), reason='=HYPERLINK("x")')
    client.force_login(users["cs_lead"])
    page = client.get(reverse("servicedesk:stats"), {"period": "quarter", "start": "2026-01-01", "end": "2027-01-01"})
    body = page.content.decode()
    for column in (
        "客户投诉内容",
        "责任",
        "处理方式",
        "损失金额",
        "投诉姓名",
        "品名",
        "数量",
        "单位",
        "赔偿",
        "退货",
        "折价",
        "其他",
        "日期",
        "编号",
    ):
        assert f"<th>{column}</th>" in body, column
    assert "设备运行两天后无法开机" in body and "王经理" in body and ">台<" in body and "2026 Q1" in body

    export = client.get(
        reverse("servicedesk:stats_export"), {"period": "month", "start": "2026-01-01", "end": "2027-01-01"}
    )
    detail = load_workbook(io.BytesIO(export.getvalue()))["明细"]
    rows = list(detail.iter_rows(values_only=True))
    assert rows[0][:6] == ("期间", "日期", "编号", "客户", "投诉姓名", "客户投诉内容") and "单位" in rows[0]
    by_number = {row[2]: row for row in rows[1:]}
    line = by_number[first.number]
    assert line[0] == "2026-02" and line[5] == "设备运行两天后无法开机" and line[rows[0].index("单位")] == "台"
    assert line[rows[0].index("赔偿")] == 1200.0 and line[rows[0].index("损失金额")] == 3500.0
    typed = [cell for row in detail.iter_rows(min_row=2) for cell in row if str(cell.value).startswith("=")]
    assert typed and all(cell.data_type == "s" for cell in typed)  # a typed formula stays text, never a formula

    api = api_for("cs_lead")
    params = {"period": "year", "start": "2026-01-01", "end": "2027-01-01"}
    table = api.get("/api/servicedesk/stats/", {**params, "report": "complaint-table"}).json()
    assert {r["period"] for r in table["rows"]} == {"2026"} and table["rows"][0]["unit"] == "台"
    assert table["columns"]["content"] == "客户投诉内容"
    summary = api.get("/api/servicedesk/stats/", {**params, "report": "complaints"}).json()
    assert summary["total"]["count"] == 2
    assert api.get("/api/servicedesk/stats/", {**params, "period": "week"}).status_code == 400
    assert api.get("/api/servicedesk/stats/", {**params, "report": "nope"}).status_code == 400
    assert api.get("/api/servicedesk/stats/", {**params, "start": "2026-13-01"}).status_code == 400


def test_ticket_and_demand_statistics_by_period_in_the_ui_and_the_api(client, users, customer, api_for):
    """SOP 持续优化: "定期汇总客户反馈与问题数据，提炼共性问题" — problems and demands counted per period."""
    for month, urgency in ((1, "high"), (1, "low"), (4, "medium")):
        services.ticket_create(
            actor=users["cs"],
            customer=customer,
            title="问题",
            description="问题",
            urgency=urgency,
            reported_at=dt.datetime(2026, month, 5, 2, tzinfo=dt.UTC),
        )
    services.demand_create(actor=users["cs"], customer=customer, description="导出Excel", raised_at=dt.date(2026, 4, 2))
    api = api_for("cs_lead")
    params = {"period": "quarter", "start": "2026-01-01", "end": "2027-01-01"}
    tickets = api.get("/api/servicedesk/stats/", {**params, "report": "tickets"}).json()
    assert [(r["label"], r["count"], r["urgency_high"]) for r in tickets["rows"]] == [
        ("2026 Q1", 2, 1),
        ("2026 Q2", 1, 0),
    ]
    demands = api.get("/api/servicedesk/stats/", {**params, "report": "demands"}).json()
    assert demands["rows"] == [demands["rows"][0]] and demands["rows"][0]["label"] == "2026 Q2"
    assert demands["rows"][0]["type_feature"] == 1
    client.force_login(users["cs_lead"])
    body = client.get(reverse("servicedesk:stats"), params).content.decode()
    assert 'data-testid="ticket-stats"' in body and "2026 Q2" in body and 'data-testid="demand-stats"' in body
