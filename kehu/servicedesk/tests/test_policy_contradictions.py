"""Where the product contradicted a policy (issue 10, "Contradictions to fix"), each rule quoted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpStatus, FollowUpType, Responsible
from kehu.engagement.models import FollowUp
from kehu.servicedesk import services, sla
from kehu.servicedesk.models import SlaTarget, SlaTimer

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _ticket(users, customer, **kwargs):
    return services.ticket_create(
        actor=users["cs"],
        customer=customer,
        title="报表导出偶发失败",
        description="月底导出时偶发超时",
        owner=users["tech"],
        reported_at=T0,
        **kwargs,
    )


def test_the_visit_after_a_problem_closes_is_the_customer_service_managers(
    users, customer, django_capture_on_commit_callbacks
):
    """SOP 回访与复盘: "问题关闭后3个工作日内，由客服经理回访客户，确认问题解决效果及服务体验";
    客户回访制度细则 二.2: 客服部门"承担日常客户回访工作，包括对客户咨询、投诉、报修等问题处理后的回访"."""
    ticket = _ticket(users, customer)
    steps = [
        ("respond", {"impact_scope": "财务部"}),
        ("analyse", {"analysis_result": "查询未走索引"}),
        (
            "confirm_plan",
            {"solution": "加索引", "planned_completion": T0 + dt.timedelta(days=2), "plan_confirmed_by": "张"},
        ),
    ]
    for name, data in steps:
        ticket = services.transition("ticket", actor=users["tech"], record=ticket, name=name, data=data)
    closing = {
        "closing_process": "加索引",
        "closing_result": "恢复",
        "prevention": "慢查询告警",
        "closing_confirmed_by": "张",
    }
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.transition("ticket", actor=users["tech"], record=ticket, name="close", data=closing)
    visit = FollowUp.objects.get(type=FollowUpType.AFTER_PROBLEM, source_id=str(ticket.pk))
    assert visit.responsible == Responsible.CS_MANAGER
    assert visit.assignee == users["cs_lead"]  # the customer-service manager, not technical support
    # The ticket's own "记录回访" step is the manager's as well.
    with pytest.raises(PermissionDenied):
        services.transition("ticket", actor=users["tech"], record=ticket, name="follow_up", data={"note": "已回访"})
    services.transition("ticket", actor=users["cs_lead"], record=ticket, name="follow_up", data={"note": "已回访"})


@pytest.mark.parametrize("urgency", ["high", "medium", "low"])
def test_a_complex_problem_has_its_analysis_report_due_within_24_hours_whatever_its_urgency(users, customer, urgency):
    """SOP 问题分析与定位: "复杂问题需成立专项小组，24小时内形成《问题分析报告》"."""
    ticket = _ticket(users, customer, urgency=urgency, is_complex=True)
    assert SlaTimer.objects.get(ticket=ticket, kind="analysis").due_at == T0 + dt.timedelta(hours=24)


def test_a_target_row_cannot_stretch_the_analysis_report_past_24_hours(users, customer):
    """SOP: "24小时内形成《问题分析报告》" is a ceiling; the seeded low-urgency row of 48 hours is migrated."""
    assert set(SlaTarget.objects.values_list("analysis_hours", flat=True)) == {24}
    SlaTarget.objects.filter(urgency="low").update(analysis_hours=72)  # e.g. typed in before validation existed
    ticket = _ticket(users, customer, urgency="low", is_complex=True)
    assert SlaTimer.objects.get(ticket=ticket, kind="analysis").due_at == T0 + dt.timedelta(hours=24)
    assert sla.analysis_hours(SlaTarget(urgency="low", response_minutes=1, analysis_hours=12)) == 12


def test_only_the_customer_service_supervisor_sends_the_handling_sheet_copy(users, complaint, walk):
    """客户投诉处理方案 五.2: "客户服务主管向相关责任部门送达《客户投诉处理单》副本"."""
    complaint = walk(complaint, until="route")
    data = {"main_cause": "出厂检验漏检", "responsible_department": "quality"}
    with pytest.raises(PermissionDenied):
        services.transition("complaint", actor=users["cs"], record=complaint, name="route", data=data)
    complaint.refresh_from_db()
    assert complaint.state == "analysed" and complaint.sheet_no == ""
    complaint = services.transition("complaint", actor=users["cs_lead"], record=complaint, name="route", data=data)
    assert complaint.state == "routed" and complaint.sheet_no


def test_closing_a_complaint_with_its_visit_completes_the_follow_up_record(
    users, complaint, walk, django_capture_on_commit_callbacks
):
    """客户投诉处理方案 八.1: "客户服务部在客户投诉处理后一周内就客户服务的态度和结果向客户进行回访" —
    one visit: closing "回访并结案" records it, and the follow-up of 联络与回访 is not left 待回访."""
    with django_capture_on_commit_callbacks(execute=True):
        complaint = walk(complaint)  # through "close" with satisfaction 5 and a note
    visit = FollowUp.objects.get(type=FollowUpType.AFTER_COMPLAINT, source_id=str(complaint.pk))
    assert visit.status == FollowUpStatus.DONE and visit.on_time is True
    assert visit.satisfaction == 5 and "满意" in " ".join(visit.answers.values())
    assert visit.done_by == users["cs"]
    assert not FollowUp.objects.filter(type=FollowUpType.AFTER_COMPLAINT, status=FollowUpStatus.PLANNED).exists()
    # Delivered twice: still one visit.
    from kehu.engagement.handlers import on_complaint_visited

    on_complaint_visited(complaint_id=complaint.pk, customer_id=complaint.customer_id, satisfaction=1)
    visit.refresh_from_db()
    assert visit.satisfaction == 5 and FollowUp.objects.filter(type=FollowUpType.AFTER_COMPLAINT).count() == 1


def test_a_visit_recorded_in_the_contact_engine_closes_the_complaint_without_asking_again(
    users, complaint, walk, django_capture_on_commit_callbacks
):
    """The same visit seen from the complaint: its score and answers fill the closing (八.1, 八.2
    "及时将客户回访的意见填写进表格")."""
    with django_capture_on_commit_callbacks(execute=True):
        complaint = walk(complaint, until="close")
    visit = FollowUp.objects.get(type=FollowUpType.AFTER_COMPLAINT)
    with django_capture_on_commit_callbacks(execute=True):
        engagement.followup_complete(
            actor=users["cs"], followup=visit, version=visit.version, channel="phone", satisfaction=4, summary="态度好"
        )
    complaint.refresh_from_db()
    assert complaint.satisfaction == 4 and "态度好" in complaint.follow_up_note
    with django_capture_on_commit_callbacks(execute=True):
        complaint = services.transition("complaint", actor=users["cs"], record=complaint, name="close", data={})
    assert complaint.state == "closed" and complaint.satisfaction == 4
    visit.refresh_from_db()
    assert visit.status == FollowUpStatus.DONE and visit.satisfaction == 4  # not overwritten, not doubled
