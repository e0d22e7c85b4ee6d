"""Tracking tables, printable forms, demand ownership and cadence, task groups and milestones (SOP seed 004)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from kehu.core.exceptions import DomainError
from kehu.servicedesk import services, sla
from kehu.servicedesk.models import Demand, SlaTimer, Ticket

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Beijing


def _ticket(users, customer, **kwargs):
    kwargs.setdefault("title", "系统数据同步延迟")
    kwargs.setdefault("description", "系统数据同步延迟")
    return services.ticket_create(
        actor=users["cs"], customer=customer, urgency="high", owner=users["tech"], reported_at=T0, **kwargs
    )


def _pdf_text(content: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace(" ", "").replace("\n", "")


def test_the_problem_tracking_table_has_every_column_of_the_sop_filters_and_exports(
    client, users, customer, make_customer, django_assert_max_num_queries
):
    """SOP 表2 问题跟踪解决表: "问题编号 客户名称 问题描述 紧急程度 反馈时间 责任部门 负责人* 分析结果 解决方案
    计划完成时间 实际完成时间 状态（处理中/已关闭）"."""
    ticket = _ticket(users, customer)
    services.transition("ticket", actor=users["tech"], record=ticket, name="respond", data={"impact_scope": "全部"})
    services.transition(
        "ticket", actor=users["tech"], record=ticket, name="analyse", data={"analysis_result": "服务器负载过高"}
    )
    other = make_customer("A公司B")
    services.ticket_create(
        actor=users["cs"],
        customer=other,
        title="设备配件缺失",
        description="=SUM(A1)",
        urgency="medium",
        department="logistics",
    )
    client.force_login(users["cs"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("servicedesk:ticket_tracking")).content.decode()
    for column in (
        "问题编号",
        "客户名称",
        "问题描述",
        "紧急程度",
        "反馈时间",
        "责任部门",
        "负责人",
        "分析结果",
        "解决方案",
        "计划完成时间",
        "实际完成时间",
        "状态（处理中/已关闭）",
    ):
        assert column in page, column
    assert "服务器负载过高" in page and "2026-03-02 09:00" in page and "处理中" in page
    narrowed = client.get(reverse("servicedesk:ticket_tracking"), {"urgency": "high"}).content.decode()
    assert "系统数据同步延迟" in narrowed and "A公司B" not in narrowed
    by_department = client.get(reverse("servicedesk:ticket_tracking"), {"department": "logistics"}).content.decode()
    assert "A公司B" in by_department and "系统数据同步延迟" not in by_department
    assert client.get(reverse("servicedesk:ticket_tracking"), {"since": "昨天"}).status_code == 400

    export = client.get(reverse("servicedesk:ticket_tracking"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "问题编号" and rows[0][-1] == "状态（处理中/已关闭）" and len(rows) == 3
    cells = {value for row in rows[1:] for value in row}
    assert "'=SUM(A1)" in cells  # a formula typed by a customer stays text
    assert dt.datetime(2026, 3, 2, 9, 0) in cells


def test_the_demand_tracking_table_has_every_column_of_the_sop(client, users, customer):
    """SOP 表3 客户需求跟踪表: "需求编号 客户名称 需求描述 提出时间 需求类型（功能/服务/其他） 责任部门
    进度（调研中/开发中/已完成） 计划完成时间 客户反馈"."""
    services.demand_create(
        actor=users["cs"],
        customer=customer,
        description="希望增加数据导出Excel格式功能",
        department="rnd",
        planned_completion=dt.date(2026, 11, 30),
    )
    services.demand_create(
        actor=users["cs"],
        customer=customer,
        description="希望提供定期上门培训服务",
        type="service",
        department="training",
    )
    client.force_login(users["cs"])
    page = client.get(reverse("servicedesk:demand_tracking"), {"type": "service"}).content.decode()
    for column in (
        "需求编号",
        "客户名称",
        "需求描述",
        "提出时间",
        "需求类型（功能/服务/其他）",
        "责任部门",
        "进度（调研中/开发中/已完成）",
        "计划完成时间",
        "客户反馈",
    ):
        assert column in page, column
    assert "定期上门培训" in page and "数据导出Excel" not in page
    export = client.get(reverse("servicedesk:demand_tracking"), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[0][0] == "需求编号"


def test_a_demand_gets_an_owner_through_the_api_and_an_assign_action(api_for, users, customer):
    """SOP 需求挖掘与跟进: "针对可落地需求，明确内部责任人与解决时限"."""
    api = api_for("cs")
    created = api.post(
        "/api/demands/",
        {"customer": customer.pk, "description": "希望增加数据导出Excel格式功能", "owner": users["tech"].pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["owner"] == users["tech"].pk
    demand_id = created.json()["id"]
    assigned = api.post(f"/api/demands/{demand_id}/assign/", {"owner": users["tech_mgr"].pk}, format="json")
    assert assigned.status_code == 200, assigned.content
    assert Demand.objects.get(pk=demand_id).owner == users["tech_mgr"]
    assert api.post(f"/api/demands/{demand_id}/assign/", {}, format="json").status_code == 400


def test_progress_is_reported_to_the_customer_on_a_cadence_with_reminders(users, customer):
    """SOP 需求挖掘与跟进: "定期向客户反馈进度，需求完成后回访客户满意度"."""
    demand = services.demand_create(
        actor=users["cs"], customer=customer, description="定期上门培训", owner=users["tech"], progress_every_days=5
    )
    timer = SlaTimer.objects.get(demand=demand, kind="progress", stopped_at__isnull=True)
    assert (timer.due_at - timer.started_at) == dt.timedelta(days=5)
    assert sla.sla_sweep(now=timer.warn_at + dt.timedelta(minutes=1))["warned"] == 1  # the owner is reminded
    later = timer.started_at + dt.timedelta(days=3)
    demand = services.transition(
        "demand",
        actor=users["tech"],
        record=demand,
        name="report_progress",
        data={"progress_note": "已完成调研，下周开始排期"},
        now=later,
    )
    assert demand.last_progress_at == later
    renewed = SlaTimer.objects.get(demand=demand, kind="progress", stopped_at__isnull=True)
    assert renewed.due_at == later + dt.timedelta(days=5)
    with pytest.raises(DomainError):
        services.demand_create(actor=users["cs"], customer=customer, description="x", progress_every_days=0)


def test_the_plan_confirmation_and_the_analysis_report_print_as_pdf(client, users, customer):
    """SOP: "签署《问题处理方案确认书》" and "24小时内形成《问题分析报告》"."""
    ticket = _ticket(users, customer, is_complex=True)
    services.ticket_member_add(actor=users["tech"], ticket=ticket, user=users["tech"], role="lead")
    services.ticket_member_add(actor=users["tech"], ticket=ticket, user=users["quality"])
    for name, data in [
        ("respond", {"impact_scope": "华东区全部门店"}),
        ("analyse", {"analysis_result": "服务器负载过高"}),
        (
            "confirm_plan",
            {
                "solution": "服务器扩容+优化代码",
                "planned_completion": T0 + dt.timedelta(days=2),
                "plan_confirmed_by": "张主任",
            },
        ),
    ]:
        ticket = services.transition("ticket", actor=users["tech"], record=ticket, name=name, data=data)
    client.force_login(users["cs"])
    plan = client.get(reverse("servicedesk:ticket_plan_pdf", args=[ticket.pk]))
    assert plan.status_code == 200 and plan["Content-Type"] == "application/pdf"
    text = _pdf_text(plan.content)
    for value in ("问题处理方案确认书", ticket.number, "服务器扩容+优化代码", "张主任", "客户签字"):
        assert value in text, value
    analysis = _pdf_text(client.get(reverse("servicedesk:ticket_analysis_pdf", args=[ticket.pk])).content)
    for value in ("问题分析报告", "服务器负载过高", "专项小组", "质量部", "华东区全部门店"):
        assert value in analysis, value


def test_a_complex_problem_has_a_task_group_of_several_departments(users, customer, api_for, client):
    """SOP 问题分析与定位: "内部组织相关部门（如技术、产品、售后）对问题进行初步分析……复杂问题需成立专项小组"."""
    ticket = _ticket(users, customer, is_complex=True)
    ticket = services.transition(
        "ticket", actor=users["tech"], record=ticket, name="respond", data={"impact_scope": "全部"}
    )
    with pytest.raises(DomainError) as missing:
        services.transition("ticket", actor=users["tech"], record=ticket, name="analyse", data={"analysis_result": "x"})
    assert "专项小组" in str(missing.value.field_errors)
    api = api_for("tech")
    for user in ("tech", "quality"):
        assert (
            api.post(f"/api/tickets/{ticket.pk}/task-group/", {"user": users[user].pk}, format="json").status_code
            == 200
        )
    group = api.get(f"/api/tickets/{ticket.pk}/task-group/").json()
    assert {m["department"] for m in group} == {"tech_support", "quality"}
    # A member from another department now works on (and sees) the ticket.
    assert Ticket.objects.restrict(users["quality"], "view").filter(pk=ticket.pk).exists()
    with pytest.raises(PermissionDenied):
        services.ticket_member_add(actor=users["sales"], ticket=ticket, user=users["sales"])
    ticket.refresh_from_db()
    services.transition("ticket", actor=users["tech"], record=ticket, name="analyse", data={"analysis_result": "根因"})
    client.force_login(users["tech"])
    assert "质量部" in client.get(reverse("servicedesk:ticket_detail", args=[ticket.pk])).content.decode()


def test_each_milestone_of_the_plan_is_told_to_the_customer(users, customer, api_for):
    """SOP 方案执行与跟进: "执行过程中每24小时向客户同步进度，重大节点（如修复完成、测试通过）需主动告知"."""
    ticket = _ticket(users, customer)
    for name, data in [
        ("respond", {"impact_scope": "全部"}),
        ("analyse", {"analysis_result": "负载"}),
        (
            "confirm_plan",
            {"solution": "扩容", "planned_completion": T0 + dt.timedelta(days=2), "plan_confirmed_by": "张"},
        ),
    ]:
        ticket = services.transition("ticket", actor=users["tech"], record=ticket, name=name, data=data)
    api = api_for("tech")
    added = api.post(f"/api/tickets/{ticket.pk}/milestones/", {"title": "修复完成"}, format="json").json()
    milestone_id = added[0]["id"]
    silent = api.post(
        f"/api/tickets/{ticket.pk}/milestone-reached/", {"milestone": milestone_id, "told_note": ""}, format="json"
    )
    assert silent.status_code == 400  # reaching a milestone without telling the customer is refused
    told = api.post(
        f"/api/tickets/{ticket.pk}/milestone-reached/",
        {"milestone": milestone_id, "told_note": "已电话告知张主任：修复完成，进入测试"},
        format="json",
    )
    assert told.status_code == 200 and told.json()["told_customer_at"]
    ticket.refresh_from_db()
    assert ticket.last_progress_at is not None  # it counts as the progress report
    assert ticket.timeline.filter(action="milestone", note__contains="修复完成").exists()
    again = api.post(
        f"/api/tickets/{ticket.pk}/milestone-reached/", {"milestone": milestone_id, "told_note": "x"}, format="json"
    )
    assert again.status_code == 400
