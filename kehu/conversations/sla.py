"""The response-target sweep: warn before the first human answer is due, mark and escalate a breach.

The same approach as the service desk's timers (kehu/servicedesk/sla.py): the sweep takes `now`,
each warning and each breach is claimed by one conditional UPDATE (so two workers, or a rerun,
notify once), notifications go in the app and escalations also by e-mail after commit.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access.services.requests import notify
from kehu.servicedesk.sla import _send_mail, department_managers

from .models import Conversation

WHY = "the response-target sweep acts for the system on every open conversation"


def _targets(conversation: Conversation) -> list[Any]:
    if conversation.assignee is not None and conversation.assignee.manager_id:
        return [conversation.assignee.manager]
    return department_managers(conversation.queue)


def conversations_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    now = now or timezone.now()
    base = Conversation.objects.unscoped(WHY).filter(first_response_at__isnull=True, due_at__isnull=False)
    warned = breached = 0
    to_warn = base.filter(warned_at__isnull=True, breached_at__isnull=True, warn_at__lte=now, due_at__gt=now)
    for conversation in to_warn.select_related("assignee")[:batch]:
        with transaction.atomic():
            if not Conversation.objects.filter(pk=conversation.pk, warned_at__isnull=True).update(warned_at=now):
                continue
            minutes = int((conversation.due_at - now).total_seconds() // 60)  # type: ignore[operator]
            message = _("会话 #%(id)s（%(channel)s）将在 %(minutes)s 分钟后超出响应时限。") % {
                "id": conversation.pk,
                "channel": conversation.get_channel_display(),
                "minutes": minutes,
            }
            url = reverse("conversations:detail", args=[conversation.pk])
            for user in [conversation.assignee] if conversation.assignee else department_managers(conversation.queue):
                notify(user=user, message=message, url=url)
            warned += 1
    to_breach = base.filter(breached_at__isnull=True, due_at__lte=now)
    for conversation in to_breach.select_related("assignee__manager")[:batch]:
        with transaction.atomic():
            targets = _targets(conversation)
            claimed = Conversation.objects.filter(pk=conversation.pk, breached_at__isnull=True).update(
                breached_at=now, escalated_to=targets[0] if targets else None
            )
            if not claimed:
                continue
            message = _("响应超时升级：会话 #%(id)s（%(channel)s）于 %(due)s 到期仍无人答复，处理人：%(owner)s。") % {
                "id": conversation.pk,
                "channel": conversation.get_channel_display(),
                "due": timezone.localtime(conversation.due_at).strftime("%Y-%m-%d %H:%M"),  # type: ignore[arg-type]
                "owner": conversation.assignee or _("未指派"),
            }
            url = reverse("conversations:detail", args=[conversation.pk])
            for user in targets:
                notify(user=user, message=message, url=url)
            if conversation.assignee is not None:
                notify(user=conversation.assignee, message=message, url=url)
            emails = [u.email for u in targets if u.email]
            transaction.on_commit(partial(_send_mail, _("【响应超时】") + message[:60], message, emails))
            breached += 1
    return {"warned": warned, "breached": breached}
