"""The e-mail intake (servicedesk/mail.py) feeds the e-mail channel through domain events: a mail
sent over real SMTP is a conversation message; the reply from the complaint stops its clock."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from typing import Any

import pytest

from kehu.conversations.models import Conversation
from kehu.servicedesk import mail


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_mail_intake_and_reply_drive_the_email_conversation(
    users: dict[str, Any], customer: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    port = _free_port()
    controller = mail.make_controller("127.0.0.1", port)
    controller.start()
    try:
        message = EmailMessage()
        message["From"] = "王经理 <buyer@tianxun.example>"
        message["To"] = "service@kehu.example"
        message["Subject"] = "设备故障投诉"
        message.set_content("两台控制器无法开机。")
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    conversation = Conversation.objects.unscoped("test").get(channel="email")
    assert conversation.customer_id == customer.pk
    assert conversation.outcome == "complaint" and conversation.linked_number.startswith("TS-")
    assert conversation.first_response_at is None and conversation.due_at is not None
    assert "两台控制器无法开机" in conversation.messages.get().body

    from kehu.access.scoping import unguarded
    from kehu.servicedesk.models import Complaint

    complaint = Complaint.objects.unscoped("test").get()
    with unguarded():
        mail.mail_reply(actor=users["cs"], record=complaint, body="已安排工程师明天上门。")
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None and conversation.first_responder == users["cs"]
    assert conversation.messages.filter(sender="agent").count() == 1
