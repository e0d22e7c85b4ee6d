"""Reactions to other apps' domain events (kehu/core/events.py): the e-mail intake's mail becomes a
message of an e-mail conversation; a reply sent from a case is that conversation's human answer."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import events

from . import matching, services
from .choices import ChannelKind, ConversationState, Outcome, Sender
from .models import Conversation, Message

log = logging.getLogger(__name__)
WHY = "mail events: the conversation layer mirrors the service desk's mail for the system"


def on_mail_received(*, mail_id: int, **_payload: object) -> None:
    from kehu.servicedesk.models import MailMessage

    mail = MailMessage.objects.unscoped(WHY).select_related("complaint", "ticket").filter(pk=mail_id).first()
    if mail is None:
        return
    with transaction.atomic():
        message = services.inbound_receive(
            channel=ChannelKind.EMAIL,
            handle=mail.from_addr,
            body=f"{mail.subject}\n\n{mail.body}".strip() or _("（空邮件）"),
            at=mail.at,
            external_id=mail.message_id,
            subject=mail.subject,
            customer=mail.customer,
        )
        record = mail.complaint or mail.ticket
        conversation = message.conversation
        if record is not None and not conversation.outcome:
            Conversation.objects.filter(pk=conversation.pk).update(
                outcome=Outcome.COMPLAINT if mail.complaint_id else Outcome.TICKET,
                linked_id=record.pk,
                linked_number=record.number,
                customer=record.customer,
            )


def on_mail_replied(*, mail_id: int, actor_id: int | None = None, **_payload: object) -> None:
    from kehu.accounts.models import User
    from kehu.servicedesk.models import MailMessage

    mail = MailMessage.objects.unscoped(WHY).filter(pk=mail_id).first()
    if mail is None:
        return
    key = matching.handle_key(ChannelKind.EMAIL, mail.to_addrs.split(",")[0])
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with transaction.atomic():
        conversation = (
            Conversation.objects.unscoped(WHY)
            .select_for_update()
            .filter(channel=ChannelKind.EMAIL, handle_index=key)
            .exclude(state=ConversationState.CLOSED)
            .order_by("-id")
            .first()
        )
        if conversation is None:
            return
        Message.objects.create(
            conversation=conversation,
            sender=Sender.AGENT,
            author=actor,
            body=mail.body,
            at=mail.at,
            external_id=mail.message_id,
        )
        if conversation.first_response_at is None:
            services._first_response(conversation, actor, mail.at)
            conversation.state = ConversationState.OPEN
            conversation.assignee = conversation.assignee or actor
            conversation.save()
            services._log_on_timeline(conversation, actor)


def connect() -> None:
    events.subscribe("mail_received", on_mail_received)
    events.subscribe("mail_replied", on_mail_replied)
