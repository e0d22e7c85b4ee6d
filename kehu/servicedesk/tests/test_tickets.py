"""Problem tickets (SPEC M6) with timers: breach and escalation on a controllable clock, working days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from kehu.access.models import Notification
from kehu.core import events
from kehu.core.exceptions import DomainError
from kehu.servicedesk import services, sla
from kehu.servicedesk.models import SlaTarget, SlaTimer, Ticket

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _urgent(users, customer, **kwargs):
    return services.ticket_create(
        actor=users["cs"],
        customer=customer,
        title="生产系统宕机",
        description="全部终端无法登录",
        urgency="high",
        owner=users["tech"],
        reported_at=T0,
        **kwargs,
    )


def test_urgent_ticket_not_responded_in_10_minutes_is_breached_and_escalated(
    users, customer, django_capture_on_commit_callbacks
):
    ticket = _urgent(users, customer)
    response = SlaTimer.objects.get(ticket=ticket, kind="response")
    assert response.due_at == T0 + dt.timedelta(minutes=10)

    assert sla.sla_sweep(now=T0 + dt.timedelta(minutes=5)) == {"warned": 0, "breached": 0}
    assert sla.sla_sweep(now=T0 + dt.timedelta(minutes=9)) == {"warned": 1, "breached": 0}
    assert Notification.objects.filter(user=users["tech"], message__contains="响应时限").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        result = sla.sla_sweep(now=T0 + dt.timedelta(minutes=11))
    assert result == {"warned": 0, "breached": 1}
    response.refresh_from_db()
    assert response.breached_at == T0 + dt.timedelta(minutes=11)
    assert response.escalated_to == users["tech_mgr"]  # the owner's manager
    escalations = Notification.objects.filter(user=users["tech_mgr"], message__startswith="超时升级")
    assert escalations.count() == 1 and ticket.number in escalations.get().message
    assert [m.to for m in mail.outbox] == [["tech_mgr@kehu.example"]]

    # idempotent: a second run (or a second worker) notifies nobody again
    with django_capture_on_commit_callbacks(execute=True):
        assert sla.sla_sweep(now=T0 + dt.timedelta(minutes=12)) == {"warned": 0, "breached": 0}
    assert escalations.count() == 1 and len(mail.outbox) == 1


def test_a_timely_response_stops_the_timer(users, customer):
    ticket = _urgent(users, customer)
    services.transition(
        "ticket",
        actor=users["tech"],
        record=ticket,
        name="respond",
        data={"impact_scope": "华东区全部门店"},
        now=T0 + dt.timedelta(minutes=6),
    )
    assert sla.sla_sweep(now=T0 + dt.timedelta(minutes=30)) == {"warned": 0, "breached": 0}
    response = SlaTimer.objects.get(ticket=ticket, kind="response")
    assert response.status() == "met"
    progress = SlaTimer.objects.get(ticket=ticket, kind="progress", stopped_at__isnull=True)
    assert progress.due_at == T0 + dt.timedelta(minutes=6, hours=24)


def test_targets_are_configurable_per_urgency(users, customer):
    SlaTarget.objects.filter(urgency="high").update(response_minutes=5)
    ticket = _urgent(users, customer)
    assert SlaTimer.objects.get(ticket=ticket, kind="response").due_at == T0 + dt.timedelta(minutes=5)


def test_a_complex_ticket_needs_its_analysis_report_within_24_hours(users, customer):
    ticket = _urgent(users, customer, is_complex=True)
    analysis = SlaTimer.objects.get(ticket=ticket, kind="analysis")
    assert analysis.due_at == T0 + dt.timedelta(hours=24)
    assert sla.sla_sweep(now=T0 + dt.timedelta(hours=25))["breached"] == 2  # response and analysis


def test_the_whole_ticket_loop_and_the_follow_up_after_national_day(
    users, customer, django_capture_on_commit_callbacks
):
    published = []
    events.subscribe("problem_closed", lambda **kw: published.append(kw))
    ticket = _urgent(users, customer)
    steps = [
        ("respond", {"impact_scope": "全部终端"}),
        ("progress", {"note": "已定位到数据库连接池耗尽"}),
        ("analyse", {"analysis_result": "服务器负载过高"}),
        (
            "confirm_plan",
            {
                "solution": "服务器扩容+优化代码",
                "planned_completion": T0 + dt.timedelta(days=2),
                "plan_confirmed_by": "张主任",
            },
        ),
    ]
    for name, data in steps:
        ticket = services.transition("ticket", actor=users["tech"], record=ticket, name=name, data=data)
    friday = dt.datetime(2024, 9, 27, 8, 0, tzinfo=dt.UTC)  # 16:00 in Beijing, the Friday before National Day 2024
    closing = {
        "closing_process": "扩容并优化",
        "closing_result": "已恢复",
        "prevention": "增加监控告警",
        "closing_confirmed_by": "张主任",
    }
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.transition(
            "ticket", actor=users["tech"], record=ticket, name="close", data=closing, now=friday
        )
    # Sat 28 off, Sun 29 make-up working day (1), Mon 30 (2), Oct 1-7 holiday, Tue Oct 8 (3)
    assert ticket.follow_up_due == dt.date(2024, 10, 8)
    assert ticket.actual_completion == friday
    follow_up = SlaTimer.objects.get(ticket=ticket, kind="follow_up")
    assert follow_up.due_at == dt.datetime(2024, 10, 8, 16, 0, tzinfo=dt.UTC)  # midnight after Oct 8, Beijing
    assert not SlaTimer.objects.filter(ticket=ticket, stopped_at__isnull=True).exclude(kind="follow_up").exists()
    assert published == [
        {
            "ticket_id": ticket.pk,
            "customer_id": customer.pk,
            "actor_id": users["tech"].pk,
            "handler_id": users["tech"].pk,
        }
    ]
    ticket = services.transition(
        "ticket",
        actor=users["tech"],
        record=ticket,
        name="review",
        data={"root_cause": "容量规划不足", "review_actions": "季度容量评审"},
    )
    assert Ticket.objects.get(pk=ticket.pk).state == "reviewed"


def test_unassigned_breach_escalates_to_the_department_managers(users, customer):
    ticket = services.ticket_create(
        actor=users["cs"], customer=customer, title="打印异常", description="x", urgency="high", reported_at=T0
    )
    sla.sla_sweep(now=T0 + dt.timedelta(minutes=11))
    assert SlaTimer.objects.get(ticket=ticket, kind="response").escalated_to == users["tech_mgr"]


def test_the_planned_completion_moves_only_later_and_restarts_its_timer(users, customer):
    ticket = _urgent(users, customer)
    plan = {"solution": "扩容", "planned_completion": T0 + dt.timedelta(days=1), "plan_confirmed_by": "张主任"}
    for name, data in (
        ("respond", {"impact_scope": "全部"}),
        ("analyse", {"analysis_result": "负载"}),
        ("confirm_plan", plan),
    ):
        ticket = services.transition("ticket", actor=users["tech"], record=ticket, name=name, data=data, now=T0)
    with pytest.raises(DomainError):
        services.transition(
            "ticket",
            actor=users["tech"],
            record=ticket,
            name="reschedule",
            data={"planned_completion": T0, "note": "x"},
        )
    later = T0 + dt.timedelta(days=3)
    services.transition(
        "ticket",
        actor=users["tech"],
        record=ticket,
        name="reschedule",
        data={"planned_completion": later, "note": "备件延迟到货，已电话告知张主任并获同意"},
    )
    open_timers = SlaTimer.objects.filter(ticket=ticket, kind="resolution", stopped_at__isnull=True)
    assert [t.due_at for t in open_timers] == [later]


def test_a_demand_keeps_its_planned_date_when_development_starts(users, customer):
    planned = dt.date(2026, 12, 31)
    demand = services.demand_create(
        actor=users["cs"], customer=customer, description="导出", planned_completion=planned
    )
    demand = services.transition("demand", actor=users["cs"], record=demand, name="start_development", data={})
    assert demand.planned_completion == planned
    # one resolution timer (and the progress-report cadence, SOP "定期向客户反馈进度")
    open_kinds = SlaTimer.objects.filter(demand=demand, stopped_at__isnull=True).values_list("kind", flat=True)
    assert sorted(open_kinds) == ["progress", "resolution"]
