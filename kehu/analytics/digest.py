"""Weekly digest per manager (SPEC M11, issue 13): their people's KPIs, customers at risk and
service breaches, sent by e-mail and to WeCom/DingTalk group robots through
kehu.messaging.message_send (internal topic: no marketing consent needed). Every figure is
computed *as the manager*, so a digest holds only what its reader may see in the application."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.choices import Level
from kehu.core.exceptions import DomainError

from . import churn, kpis, selectors, service

log = logging.getLogger(__name__)
RISK_LINES = 10


def digest_text(manager: Any, *, today: dt.date) -> str:
    start = today.replace(day=1)
    name = manager.last_name + manager.first_name or manager.username
    lines = [_("%(name)s，您好：以下是截至 %(day)s 的本月情况。") % {"name": name, "day": today.isoformat()}, ""]
    if selectors.scope_is_limited(manager):
        lines += [_("以下数字只包含您有权查看的客户和记录。"), ""]
    lines.append(_("【员工绩效】"))
    for row in kpis.kpis(manager, start=start, end=today, persons=kpis.people(manager, None)):
        user = row["user"]
        lines.append(
            _(
                "%(name)s：联络 %(p_ok)s/%(p)s 按时，回访 %(f_ok)s/%(f)s 按时，投诉结案 %(c)s（按时 %(c_ok)s），满意度 %(s)s"  # noqa: E501
            )
            % {
                "name": user.last_name + user.first_name or user.username,
                "p_ok": row["plans_on_time"],
                "p": row["plans_due"],
                "f_ok": row["followups_on_time"],
                "f": row["followups_due"],
                "c": row["complaints_closed"],
                "c_ok": row["complaints_on_time"],
                "s": row["satisfaction_avg"] if row["satisfaction_avg"] is not None else "—",
            }
        )
    lines += ["", _("【有流失风险的客户】")]
    risks = selectors.churn_list(manager, min_score=churn.AT_RISK, limit=RISK_LINES)["items"]
    for item in risks:
        reasons = "；".join(r["text"] for r in item["reasons"][:2])
        lines.append(f"{item['customer'].name}（{item['score']}）：{reasons}")
    if not risks:
        lines.append(_("无"))
    stats = service.service_stats(manager, start=start, end=today)
    lines += ["", _("【服务时限】本月超时 %(n)s 次。") % {"n": stats["breaches"]}]
    return "\n".join(lines)


def _robots_by_manager() -> dict[int, list[Any]]:
    from .models import DigestRobot

    robots: dict[int, list[Any]] = {}
    for row in DigestRobot.objects.filter(is_active=True, robot__is_active=True).select_related("robot"):
        robots.setdefault(row.manager_id, []).append(row.robot)
    return robots


def weekly_digest(*, today: dt.date | None = None) -> int:
    """Queue each active manager's digest: by e-mail (when they have an address) and to each group
    robot configured for them (DigestRobot), through kehu.messaging like every other message, so
    signing and the robots' rate limit apply. Returns how many messages were queued. A message that
    cannot be queued is logged and skipped, the others still go."""
    from django.db.models import Q

    from kehu.accounts.models import User
    from kehu.messaging.services import message_send

    today = today or timezone.localdate()
    robots = _robots_by_manager()
    sent = 0
    managers = User.objects.filter(is_active=True, level__gte=Level.MANAGER).filter(
        ~Q(email="") | Q(pk__in=list(robots))
    )
    for manager in managers.order_by("pk"):
        subject = _("每周客户与服务简报（%(day)s）") % {"day": today.isoformat()}
        body = digest_text(manager, today=today)
        targets = [("email", manager.email)] if manager.email else []
        targets += [(f"{robot.kind}_robot", robot.key) for robot in robots.get(manager.pk, [])]
        for channel, to in targets:
            try:
                message_send(
                    actor=None,
                    channel=channel,
                    to=to,
                    subject=subject,
                    body=body,
                    topic="internal",
                    related=f"analytics-digest:{today.isoformat()}",
                )
            except DomainError:
                log.warning("analytics digest: not queued for user %s on %s", manager.pk, channel, exc_info=True)
                continue
            sent += 1
    return sent
