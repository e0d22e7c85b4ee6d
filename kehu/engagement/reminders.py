"""Reminders of due and overdue work: in the app and by e-mail, each at most once.

A Reminder row (item, kind, due date) is unique; the sweep inserts it in the same
transaction that sends the mail, so a second sweep (or a second worker) finds it and
sends nothing, and a failed send rolls back and is tried again next time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from .choices import CareStatus, FollowUpStatus, ReminderKind
from .models import CareItem, ContactPlan, FollowUp, Reminder

MAX_LINES = 50
MAX_ITEMS = 5000  # per sweep and kind of item; the next sweep takes the rest


def _not_reminded(queryset: Any, item_type: str, date_field: str, kind: str) -> Any:
    sent = Reminder.objects.filter(item_type=item_type, item_id=OuterRef("pk"), kind=kind, due_on=OuterRef(date_field))
    return queryset.filter(~Exists(sent))


def _due_items(today: dt.date) -> list[tuple[str, int, str, dt.date, int, str]]:
    """(item_type, id, kind, due date, user id, text) of every item due today or overdue, not yet reminded."""
    found: list[tuple[str, int, str, dt.date, int, str]] = []

    for kind, lookup in (
        (ReminderKind.DUE, {"next_due_on": today}),
        (ReminderKind.OVERDUE, {"next_due_on__lt": today}),
    ):
        plans = _not_reminded(
            ContactPlan.objects.unscoped("the reminder sweep acts for the system").filter(
                customer__is_archived=False, **lookup
            ),
            "plan",
            "next_due_on",
            kind,
        ).values_list("id", "next_due_on", "assignee_id", "customer__name")[:MAX_ITEMS]
        found += [
            ("plan", pk, kind, day, uid, _("联络 %(customer)s") % {"customer": name}) for pk, day, uid, name in plans
        ]
    for kind, lookup in ((ReminderKind.DUE, {"due_on": today}), (ReminderKind.OVERDUE, {"due_on__lt": today})):
        visits = _not_reminded(
            FollowUp.objects.unscoped("the reminder sweep acts for the system").filter(
                status=FollowUpStatus.PLANNED, **lookup
            ),
            "followup",
            "due_on",
            kind,
        ).values_list("id", "due_on", "assignee_id", "customer__name")[:MAX_ITEMS]
        found += [
            ("followup", pk, kind, day, uid, _("回访 %(customer)s") % {"customer": name})
            for pk, day, uid, name in visits
        ]
    care = _not_reminded(
        CareItem.objects.unscoped("the reminder sweep acts for the system").filter(
            status=CareStatus.PLANNED, plan_on__lte=today
        ),
        "care",
        "plan_on",
        ReminderKind.DUE,
    ).values_list("id", "plan_on", "assignee_id", "customer__name", "occasion")[:MAX_ITEMS]
    found += [("care", pk, ReminderKind.DUE, day, uid, f"{occasion} {name}") for pk, day, uid, name, occasion in care]
    return found


def reminders_sweep(*, today: dt.date | None = None) -> int:
    """Send one digest per user of what is due or overdue and not yet reminded; returns mails sent."""
    from kehu.access.services.requests import notify
    from kehu.accounts.models import User

    today = today or timezone.localdate()
    by_user: dict[int, list[tuple[str, int, str, dt.date, str]]] = defaultdict(list)
    for item_type, pk, kind, day, uid, text in _due_items(today):
        by_user[uid].append((item_type, pk, kind, day, text))
    sent = 0
    users = User.objects.in_bulk(list(by_user))
    for uid, items in by_user.items():
        user = users.get(uid)
        if user is None or not user.is_active:
            continue
        try:
            with transaction.atomic():
                Reminder.objects.bulk_create(
                    [Reminder(item_type=t, item_id=pk, kind=k, due_on=d, user_id=uid) for t, pk, k, d, _text in items]
                )
                overdue = [i for i in items if i[2] == ReminderKind.OVERDUE]
                with override(getattr(user, "language", None) or "zh-hans"):
                    subject = _("Kehu 提醒：%(due)s 项今日到期，%(overdue)s 项已逾期") % {
                        "due": len(items) - len(overdue),
                        "overdue": len(overdue),
                    }
                    lines = [
                        f"{'[' + _('逾期') + '] ' if k == ReminderKind.OVERDUE else ''}{d:%Y-%m-%d} {text}"
                        for _t, _pk, k, d, text in items[:MAX_LINES]
                    ]
                    if len(items) > MAX_LINES:
                        lines.append(_("……另有 %(n)s 项，请登录系统查看。") % {"n": len(items) - MAX_LINES})
                notify(user=user, message=subject, url="/engagement/")
                if user.email:
                    send_mail(subject, "\n".join(lines) + "\n", None, [user.email])
                    sent += 1
        except IntegrityError:
            continue  # another sweep reminded these items meanwhile
    return sent
