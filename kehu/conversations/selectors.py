"""Reads of the conversation layer, each starting from the user's scope (restrict)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import CallbackState, ConversationState
from .models import Call, Conversation, Message

FILTERS = ("state", "channel", "unmatched", "mine", "customer")


def conversations_for(
    user: Any,
    *,
    state: str = "",
    channel: str = "",
    unmatched: bool = False,
    mine: bool = False,
    customer_id: int | None = None,
) -> QuerySet[Conversation]:
    queryset = Conversation.objects.restrict(user, "view").select_related("customer", "assignee")
    if state == "active":
        queryset = queryset.filter(state__in=(ConversationState.WAITING, ConversationState.OPEN))
    elif state:
        queryset = queryset.filter(state=state)
    if channel:
        queryset = queryset.filter(channel=channel)
    if unmatched:
        queryset = queryset.filter(customer__isnull=True)
    if mine:
        queryset = queryset.filter(assignee=user)
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    return queryset.order_by("-id")


def get_conversation_for(user: Any, pk: int, action: str = "view") -> Conversation:
    conversation = (
        Conversation.objects.restrict(user, action)
        .select_related("customer", "assignee", "contact")
        .filter(pk=pk)
        .first()
    )
    if conversation is None:
        raise Http404(_("会话不存在或您无权查看。"))
    return conversation


def messages_of(user: Any, conversation: Conversation, *, after_id: int = 0) -> QuerySet[Message]:
    return (
        Message.objects.restrict(user, "view")
        .filter(conversation=conversation, id__gt=after_id)
        .select_related("author")
        .order_by("id")
    )


def calls_for(user: Any, *, callback: str = "", customer_id: int | None = None) -> QuerySet[Call]:
    queryset = Call.objects.restrict(user, "view").select_related("customer", "agent")
    if callback:
        queryset = queryset.filter(callback=callback)
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    return queryset.order_by("-id")


def screen_pop_for(user: Any, *, now: dt.datetime | None = None) -> Call | None:
    """The call ringing or in progress at this agent's extension (pushed by the PBX in the last 10
    minutes, not yet ended)."""
    now = now or timezone.now()
    return (
        Call.objects.restrict(user, "view")
        .filter(agent=user, ended_at__isnull=True, rang_at__gte=now - dt.timedelta(minutes=10))
        .select_related("customer__owner")
        .order_by("-rang_at", "-id")
        .first()
    )


def pending_callbacks(user: Any) -> QuerySet[Call]:
    return calls_for(user, callback=CallbackState.PENDING)
