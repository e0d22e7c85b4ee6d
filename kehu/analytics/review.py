"""Periodic review (定期审查, 软件行业客户关系维护制度 第六章): a checklist per step, run monthly on
the worker, whose findings become improvement actions with an owner and a due date.

Steps and what fails them (as of the review day; the period is the previous calendar month):
- archive_freshness: archive updates entered in the period more than FRESHNESS_BREACH_DAYS after
  the information was learned (the archive policy's 1–2 days);
- plan_adherence: contact plans whose next contact date has passed without contact;
- complaint_loop: complaints not closed whose promised deadline has passed;
- followups_overdue: planned visits past their due date.

The job counts across the whole company (`unscoped`, a supervision job); only managers see runs and
findings, and a finding's sample customers are shown only where the reader may view them. An
improvement action is seen by managers and by its owner, who reports it done.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core.exceptions import DomainError

from .models import ImprovementAction, ReviewFinding, ReviewRun

SAMPLE = 50
Step = ReviewFinding.Step


def previous_month(day: dt.date) -> tuple[dt.date, dt.date]:
    end = day.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _checks(as_of: dt.date, start: dt.date, end: dt.date) -> dict[str, tuple[Any, str, dict[str, Any]]]:
    """step -> (failing records, their customer field, thresholds). One definition per step."""
    from kehu.customers.models import ArchiveUpdate
    from kehu.engagement.choices import FollowUpStatus
    from kehu.engagement.models import ContactPlan, FollowUp
    from kehu.servicedesk.choices import ComplaintState
    from kehu.servicedesk.models import Complaint

    why = "periodic review: company-wide counts, shown to managers"
    breach_days = int(cast(int, settings.KEHU["FRESHNESS_BREACH_DAYS"]))
    aware = (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)),
    )
    return {
        Step.ARCHIVE_FRESHNESS: (
            ArchiveUpdate.objects.unscoped(why).filter(
                entered_at__gte=aware[0], entered_at__lt=aware[1], delay_hours__gt=breach_days * 24
            ),
            "customer_id",
            {"breach_days": breach_days, "from": str(start), "to": str(end)},
        ),
        Step.PLAN_ADHERENCE: (
            ContactPlan.objects.unscoped(why).filter(next_due_on__lt=as_of),
            "customer_id",
            {"as_of": str(as_of)},
        ),
        Step.COMPLAINT_LOOP: (
            Complaint.objects.unscoped(why).filter(~Q(state=ComplaintState.CLOSED), deadline__lt=as_of),
            "customer_id",
            {"as_of": str(as_of)},
        ),
        Step.FOLLOWUPS_OVERDUE: (
            FollowUp.objects.unscoped(why).filter(status=FollowUpStatus.PLANNED, due_on__lt=as_of),
            "customer_id",
            {"as_of": str(as_of)},
        ),
    }


@transaction.atomic
def review_run(*, as_of: dt.date | None = None, actor: Any = None) -> ReviewRun:
    """Run the checklist: two queries per step (the count, a sample of customers)."""
    as_of = as_of or timezone.localdate()
    start, end = previous_month(as_of)
    run = ReviewRun.objects.create(as_of=as_of, period_start=start, period_end=end, started_by=actor)
    for step, (records, field, thresholds) in _checks(as_of, start, end).items():
        sample = list(records.order_by(field).values_list(field, flat=True).distinct()[:SAMPLE])
        ReviewFinding.objects.create(run=run, step=step, count=records.count(), customer_ids=sample, params=thresholds)
    run.status = ReviewRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


def may_review(user: Any) -> bool:
    return roles.is_active(user) and (roles.is_manager(user) or roles.is_admin(user))


def actions_for(user: Any) -> Any:
    """Managers see every improvement action, anyone else the ones they own."""
    queryset = ImprovementAction.objects.select_related("owner", "finding", "finding__run")
    if not may_review(user):
        queryset = queryset.filter(owner_id=user.pk)
    return queryset.order_by("status", "due_on", "pk")


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(_("输入有误，请检查标出的字段。"), field_errors={field: [message]})


@transaction.atomic
def improvement_create(
    *, actor: Any, finding_id: int, description: str, owner_id: int | None, due_on: dt.date | None
) -> ImprovementAction:
    from kehu.accounts.models import User

    if not may_review(actor):
        raise DomainError(_("只有主管可以制定改进措施。"))
    finding = ReviewFinding.objects.filter(pk=finding_id).first()
    if finding is None:
        raise _invalid("finding", _("审查发现不存在。"))
    description = (description or "").strip()
    if not description:
        raise _invalid("description", _("请填写改进措施。"))
    if len(description) > 300:
        raise _invalid("description", _("最多 300 个字符。"))
    owner = User.objects.filter(pk=owner_id, is_active=True).first() if owner_id else None
    if owner is None:
        raise _invalid("owner", _("请选择负责人。"))
    if due_on is None:
        raise _invalid("due_on", _("请填写完成期限。"))
    return ImprovementAction.objects.create(
        finding=finding, description=description, owner=owner, due_on=due_on, created_by=actor
    )


@transaction.atomic
def improvement_update(*, actor: Any, action_id: int, status: str, note: str = "") -> ImprovementAction:
    action = actions_for(actor).select_for_update(of=("self",)).filter(pk=action_id).first()
    if action is None:
        raise DomainError(_("改进措施不存在或您无权修改。"))
    if status not in ImprovementAction.Status.values:
        raise _invalid("status", _("状态无效。"))
    action.status = status
    action.note = (note or action.note).strip()
    action.done_at = timezone.now() if status == ImprovementAction.Status.DONE else None
    action.save(update_fields=["status", "note", "done_at"])
    return action


def step_text(step: str) -> str:
    """What a failing count means, in the reader's language."""
    texts: dict[str, str] = {
        Step.ARCHIVE_FRESHNESS: _("超过规定天数才录入的档案更新"),
        Step.PLAN_ADHERENCE: _("已过计划日期仍未联络的联络计划"),
        Step.COMPLAINT_LOOP: _("超过处理期限仍未结案的投诉"),
        Step.FOLLOWUPS_OVERDUE: _("已过期限仍未完成的回访"),
    }
    return str(texts.get(step, step))
