"""Scheduled work of the service desk (huey periodic tasks)."""

from __future__ import annotations

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kehu.core.queues import TIMER_PRIORITY

from .sla import sla_sweep


@db_periodic_task(crontab(minute="*"), priority=TIMER_PRIORITY)
def sla_sweep_every_minute() -> None:
    """Warn before, mark and escalate on breach: idempotent, so an overlapping run notifies nobody twice."""
    sla_sweep()


@task
def send_sheet_copy(complaint_id: int) -> int:
    """Mail the handling sheet (PDF) to the managers of the responsible department: the policy's
    "客户服务主管向相关责任部门送达《客户投诉处理单》副本". Safe to run twice (one more copy at worst)."""
    from django.core.mail import EmailMessage
    from django.utils.translation import gettext as _

    from . import pdf, sla
    from .models import Complaint

    complaint = (
        Complaint.objects.unscoped("a background task acts for the system")
        .select_related("customer")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None or not complaint.responsible_department:
        return 0
    recipients = [u.email for u in sla.department_managers(complaint.responsible_department) if u.email]
    if not recipients:
        return 0
    subject = _("【客户投诉处理单副本】%(sheet)s %(customer)s") % {
        "sheet": complaint.sheet_no,
        "customer": complaint.customer.name,
    }
    body = _("投诉 %(no)s 已转贵部门处理，主要原因：%(cause)s。请调查原因并与客服部共同拟定处理方案。") % {
        "no": complaint.number,
        "cause": complaint.main_cause,
    }
    message = EmailMessage(subject=subject, body=body, to=recipients)
    message.attach(f"{complaint.sheet_no}.pdf", pdf.render_pdf("sheet", complaint), "application/pdf")
    message.send()
    return len(recipients)
