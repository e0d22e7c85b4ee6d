"""Writes of the 工作台: reading messages, approving a complaint plan from the home page.

Approving reuses the service desk's workflow (servicedesk.services.transition): the same checks
(scope, who may, state, version) and the same trace as on the complaint page."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from kehu.access.models import Notification
from kehu.access.selectors import forget_unread_count


@transaction.atomic
def message_mark_read(*, actor: Any, pk: int) -> Notification | None:
    """Mark one of the actor's own messages read; another user's message is not found (None)."""
    note = Notification.objects.select_for_update().filter(user=actor, pk=pk).first()
    if note is None:
        return None
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
        forget_unread_count(actor.pk)
    return note


@transaction.atomic
def messages_mark_all_read(*, actor: Any) -> int:
    forget_unread_count(actor.pk)
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


def complaint_plan_approve(*, actor: Any, complaint: Any, version: int | None, note: str = "") -> Any:
    from kehu.servicedesk import services as desk

    return desk.transition(
        "complaint", actor=actor, record=complaint, name="approve_plan", data={"note": note}, version=version
    )
