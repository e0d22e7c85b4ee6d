"""Demo service-desk data: complaints at every step, tickets (one breached and escalated), demands.

Idempotent: demo records carry the marker contact name 演示; a second run adds nothing.
Goes through the real services (a handful of records), so timelines and timers are real.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from kehu.accounts.models import User
from kehu.customers.models import Customer

from . import services, sla
from .models import Complaint

MARK = "演示"
REASONS = [
    ("quality", "KH-200 控制器", "设备运行两天后无法开机", "尽快上门维修并赔偿停产损失"),
    ("delivery", "KH-300 传感器", "到货比合同约定晚了一周", "说明原因并给予折扣"),
    ("service", "", "售后工程师电话中态度生硬", "更换对接工程师"),
    ("quality", "KH-300 传感器", "批量读数漂移，影响生产线", "全部退货"),
    ("price", "年度维保服务", "维保发票金额与合同不符", "重新开具发票"),
    ("quality", "KH-200 控制器", "固件升级后报警频繁", "提供回退方案"),
]
DEPTH = [0, 2, 3, 5, 6, 7]  # how far each demo complaint has come: received ... closed
STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("analyse", "cs", {"responsible": True, "nature": "general", "deadline_told": True}),
    ("route", "cs_lead", {"main_cause": "出厂检验漏检", "responsible_department": "tech_support"}),
    ("submit_plan", "tech", {"plan": "更换故障部件并上门调试"}),
    ("approve_plan", "cs_lead", {"note": "同意"}),
    (
        "execute",
        "tech",
        {
            "result": "已更换部件，设备恢复正常",
            "handling_type": "compensation",
            "compensation_amount": "800",
            "loss_amount": "1500",
            "customer_told": True,
        },
    ),
    ("sign_off", "cs", {"signed_by": "王经理", "customer_opinion": "满意", "receiver_opinion": "处理及时"}),
    ("close", "cs", {"satisfaction": 4, "follow_up_note": "客户对处理结果满意"}),
]


def seed(*, customers: int, stdout: Any) -> None:
    if Complaint.objects.filter(contact_name=MARK).exists():
        stdout.write("  servicedesk: demo data already there")
        return
    people = {u.username: u for u in User.objects.filter(username__in=["cs", "cs_lead", "tech", "tech_mgr"])}
    pool = list(
        Customer.objects.filter(grade__in=["B", "C"], is_archived=False).order_by("id")[: max(6, min(customers, 12))]
    )
    if len(people) < 4 or not pool:
        stdout.write("  servicedesk: skipped (demo users or customers missing)")
        return
    now = timezone.now()
    with transaction.atomic():
        for i, (category, product, reason, request) in enumerate(REASONS):
            complaint = services.complaint_create(
                actor=people["cs"],
                customer=pool[i % len(pool)],
                channel=["phone", "email", "on_site"][i % 3],
                reason=reason,
                request=request,
                contact_name=MARK,
                category=category,
                product=product,
                quantity=i + 1,
                received_at=now - dt.timedelta(days=40 - i * 6),
            )
            for name, actor, data in STEPS[: DEPTH[i]]:
                complaint = services.transition(
                    "complaint", actor=people[actor], record=complaint, name=name, data=data
                )
        tickets = [
            ("生产系统宕机，所有终端无法登录", "high", people["tech"], now - dt.timedelta(minutes=45)),
            ("报表导出偶发超时", "medium", people["tech"], now - dt.timedelta(hours=1)),
            ("设备配件缺失", "low", None, now - dt.timedelta(hours=3)),
        ]
        for j, (title, urgency, owner, reported_at) in enumerate(tickets):
            ticket = services.ticket_create(
                actor=people["cs"],
                customer=pool[j % len(pool)],
                title=title,
                description=title,
                urgency=urgency,
                owner=owner,
                reported_at=reported_at,
                contact_name=MARK,
                is_complex=urgency == "high",
            )
            if j == 1:
                services.transition(
                    "ticket", actor=people["tech"], record=ticket, name="respond", data={"impact_scope": "个别用户"}
                )
        for k, (text, kind, dept) in enumerate(
            [("希望增加数据导出 Excel 格式功能", "feature", "rnd"), ("希望提供定期上门培训服务", "service", "training")]
        ):
            services.demand_create(
                actor=people["cs"],
                customer=pool[k % len(pool)],
                description=text,
                type=kind,
                department=dept,
                planned_completion=timezone.localdate() + dt.timedelta(days=30),
            )
    result = sla.sla_sweep()  # the urgent ticket of 45 minutes ago is breached and escalated
    stdout.write(f"  servicedesk: {len(REASONS)} complaints, {len(tickets)} tickets, 2 demands; sweep {result}")
