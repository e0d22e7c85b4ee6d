"""SLA timers: start, stop, and the sweep that warns before a breach and escalates on it.

Response and analysis targets are clock time (intake runs 24 hours a day); follow-ups
"within N working days" end with the Nth PRC working day (kehu.core.workcalendar).
The sweep takes `now`, so tests drive it with a controllable clock; it is idempotent:
each warning and each breach is claimed by one conditional UPDATE, so running it twice
(or on two workers) notifies once.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access.services.requests import notify
from kehu.accounts.choices import Department, Level
from kehu.core import workcalendar

from .choices import TimerKind, Urgency
from .models import Complaint, Consultation, Demand, SlaTarget, SlaTimer, Ticket

log = logging.getLogger(__name__)
DEFAULT_TARGETS: dict[str, dict[str, int]] = {
    Urgency.HIGH: {"response_minutes": 10, "analysis_hours": 24, "progress_hours": 24},
    Urgency.MEDIUM: {"response_minutes": 120, "analysis_hours": 24, "progress_hours": 24},
    Urgency.LOW: {"response_minutes": 480, "analysis_hours": 24, "progress_hours": 24},
}


# SOP 复杂问题: "复杂问题需成立专项小组，24小时内形成《问题分析报告》" — whatever the urgency. A target
# row may shorten it, never lengthen it.
COMPLEX_ANALYSIS_MAX_HOURS = 24


def analysis_hours(target: SlaTarget) -> int:
    return min(target.analysis_hours or COMPLEX_ANALYSIS_MAX_HOURS, COMPLEX_ANALYSIS_MAX_HOURS)


def target_for(urgency: str) -> SlaTarget:
    target = SlaTarget.objects.filter(urgency=urgency).first()
    if target is None:
        target = SlaTarget(urgency=urgency, **DEFAULT_TARGETS.get(urgency, DEFAULT_TARGETS[Urgency.MEDIUM]))
    return target


def end_of_day(day: dt.date) -> dt.datetime:
    """The deadline of "by <day>": midnight after it, in the configured time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def working_days_due(start: dt.datetime, days: int) -> dt.date:
    return workcalendar.add_working_days(timezone.localdate(start), days)


def _record_kw(record: Any) -> dict[str, Any]:
    if isinstance(record, Complaint):
        return {"complaint": record}
    if isinstance(record, Ticket):
        return {"ticket": record}
    if isinstance(record, Consultation):
        return {"consultation": record}
    return {"demand": record}


def _owner_and_department(record: Any) -> tuple[Any, str]:
    if isinstance(record, Complaint):
        return record.receiver, record.responsible_department or Department.CUSTOMER_SERVICE
    return record.owner, record.department


def timer_start(
    record: Any, *, kind: str, started_at: dt.datetime, due_at: dt.datetime, warn_percent: int = 80
) -> SlaTimer:
    owner, department = _owner_and_department(record)
    span = max(due_at - started_at, dt.timedelta(0))
    warn_at = started_at + span * (warn_percent / 100)
    return SlaTimer.objects.create(
        **_record_kw(record),
        kind=kind,
        owner=owner,
        department=department,
        started_at=started_at,
        due_at=due_at,
        warn_at=warn_at,
    )


def timers_stop(record: Any, *, now: dt.datetime, kinds: tuple[str, ...] | None = None) -> int:
    queryset = SlaTimer.objects.unscoped("SLA timers are kept for the system").filter(
        **_record_kw(record), stopped_at__isnull=True
    )
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    return queryset.update(stopped_at=now)


def timers_reassign(record: Any) -> None:
    owner, department = _owner_and_department(record)
    SlaTimer.objects.unscoped("SLA timers are kept for the system").filter(
        **_record_kw(record), stopped_at__isnull=True
    ).update(owner=owner, department=department)


def _record_of(timer: SlaTimer) -> Any:
    return timer.complaint or timer.ticket or timer.demand or timer.consultation


def record_url(record: Any) -> str:
    kind = {Complaint: "complaint", Ticket: "ticket", Demand: "demand", Consultation: "consultation"}[type(record)]
    return reverse(f"servicedesk:{kind}_detail", args=[record.pk])


def department_managers(department: str) -> list[Any]:
    from kehu.accounts.models import User

    if not department:
        return []
    return list(User.objects.filter(department=department, level__gte=Level.MANAGER, is_active=True))


def escalation_targets(timer: SlaTimer) -> list[Any]:
    """The owner's manager; without an owner (or manager), the managers of the department."""
    if timer.owner is not None and timer.owner.manager_id:
        return [timer.owner.manager]
    managers = department_managers(timer.department)
    if managers:
        return managers
    from kehu.accounts.models import User

    return list(User.objects.filter(department=Department.CUSTOMER_SERVICE, level__gte=Level.MANAGER))


def _send_mail(subject: str, body: str, to: list[str]) -> None:
    """After commit: a mail server that is down must not undo the breach mark (the in-app notice stands)."""
    if not to:
        return
    try:
        send_mail(subject, body, None, to)
    except Exception:
        log.exception("escalation mail to %s failed", to)


def sla_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Warn timers past their warning point, mark and escalate timers past their due time."""
    now = now or timezone.now()
    open_q = Q(stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True)
    warned = breached = 0
    to_warn = SlaTimer.objects.unscoped("SLA timers are kept for the system").filter(
        open_q, warned_at__isnull=True, warn_at__lte=now, due_at__gt=now
    )
    for timer in to_warn.select_related("owner", "complaint", "ticket", "demand", "consultation")[:batch]:
        with transaction.atomic():
            if (
                not SlaTimer.objects.unscoped("SLA timers are kept for the system")
                .filter(pk=timer.pk, warned_at__isnull=True)
                .update(warned_at=now)
            ):
                continue
            record = _record_of(timer)
            minutes = int((timer.due_at - now).total_seconds() // 60)
            message = _("%(no)s 的「%(kind)s」将在 %(minutes)s 分钟后到期。") % {
                "no": record,
                "kind": timer.get_kind_display(),
                "minutes": minutes,
            }
            for user in [timer.owner] if timer.owner else department_managers(timer.department):
                notify(user=user, message=message, url=record_url(record))
            warned += 1
    to_breach = SlaTimer.objects.unscoped("SLA timers are kept for the system").filter(open_q, due_at__lte=now)
    for timer in to_breach.select_related("owner__manager", "complaint", "ticket", "demand", "consultation")[:batch]:
        with transaction.atomic():
            targets = escalation_targets(timer)
            claimed = (
                SlaTimer.objects.unscoped("SLA timers are kept for the system")
                .filter(pk=timer.pk, breached_at__isnull=True)
                .update(breached_at=now, escalated_to=targets[0] if targets else None)
            )
            if not claimed:
                continue
            record = _record_of(timer)
            message = _("超时升级：%(no)s 的「%(kind)s」已于 %(due)s 到期未完成，负责人：%(owner)s。") % {
                "no": record,
                "kind": timer.get_kind_display(),
                "due": timezone.localtime(timer.due_at).strftime("%Y-%m-%d %H:%M"),
                "owner": timer.owner or _("未指派"),
            }
            url = record_url(record)
            for user in targets:
                notify(user=user, message=message, url=url)
            if timer.owner is not None:
                notify(user=timer.owner, message=message, url=url)
            emails = [u.email for u in targets if u.email]
            transaction.on_commit(partial(_send_mail, _("【超时升级】") + message[:60], message, emails))
            breached += 1
    return {"warned": warned, "breached": breached}


TIMER_KINDS = TimerKind
