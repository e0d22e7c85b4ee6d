"""E-mail intake through the real SMTP listener, and replies threaded on the record."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage

import pytest
from django.core import mail as django_mail

from kehu.servicedesk import mail, services
from kehu.servicedesk.models import Complaint, MailMessage, Ticket


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _message(
    sender: str, to: str = "service@kehu.example", subject: str = "设备故障投诉", **headers: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"王经理 <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content("贵司发来的 KH-200 控制器有两台无法开机，请尽快处理。")
    return message


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    port = _free_port()
    controller = mail.make_controller("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


@pytest.mark.django_db(transaction=True)
def test_a_mail_sent_with_smtplib_creates_a_complaint_for_the_right_customer(
    listener, customer, make_customer, settings
):
    make_customer("另一家公司", email="other@example.com")
    message = _message("Buyer@TianXun.example")
    message.add_attachment(
        b"%PDF-1.4 fake photo report", maintype="application", subtype="pdf", filename="故障照片.pdf"
    )
    with smtplib.SMTP("127.0.0.1", listener, timeout=10) as client:
        client.send_message(message)
    complaint = Complaint.objects.get()
    assert complaint.customer == customer
    assert complaint.channel == "email"
    assert complaint.receiver is None  # lands in the unassigned queue
    assert "两台无法开机" in complaint.reason
    received = MailMessage.objects.get(complaint=complaint)
    assert received.from_addr == "buyer@tianxun.example"
    attachment = received.attachments.get()
    assert attachment.filename == "故障照片.pdf"
    assert attachment.file.read() == b"%PDF-1.4 fake photo report"
    assert str(settings.MEDIA_ROOT) in attachment.file.path


@pytest.mark.django_db
def test_a_mail_to_tickets_becomes_a_problem_ticket(customer):
    message = _message("buyer@tianxun.example", to="tickets@kehu.example", subject="【紧急】系统无法登录")
    received = mail.mail_intake(message.as_bytes())
    ticket = Ticket.objects.get()
    assert received.ticket == ticket and ticket.urgency == "high" and ticket.channel == "email"
    assert ticket.timers.get(kind="response").due_at == ticket.reported_at + __import__("datetime").timedelta(
        minutes=10
    )


@pytest.mark.django_db
def test_an_unknown_sender_lands_in_the_unmatched_queue(customer):
    received = mail.mail_intake(_message("stranger@nowhere.example").as_bytes())
    assert received.customer is None and received.complaint is None
    assert not Complaint.objects.exists()
    assert mail.MailMessage.objects.filter(pk=received.pk).exists()
    # delivered twice: kept once
    mail.mail_intake(_message("stranger@nowhere.example", Message_ID=received.message_id).as_bytes())


@pytest.mark.django_db
def test_a_contacts_address_also_finds_the_customer(users, customer):
    from kehu.customers.services import contact_create

    contact_create(actor=users["admin"], customer=customer, name="李工", email="li.gong@tianxun.example")
    mail.mail_intake(_message("li.gong@tianxun.example").as_bytes())
    assert Complaint.objects.get().customer == customer


@pytest.mark.django_db
def test_replies_go_out_threaded_and_the_customers_answer_comes_back_to_the_record(
    users, customer, django_capture_on_commit_callbacks
):
    first = mail.mail_intake(_message("buyer@tianxun.example", Message_ID="<m1@tianxun.example>").as_bytes())
    complaint = first.complaint
    with django_capture_on_commit_callbacks(execute=True):
        reply = mail.mail_reply(actor=users["cs"], record=complaint, body="已收到，工程师明天上门。")
    sent = django_mail.outbox[-1]
    assert sent.to == ["buyer@tianxun.example"]
    assert sent.extra_headers["In-Reply-To"] == "<m1@tianxun.example>"
    assert complaint.number in sent.subject
    answer = _message(
        "buyer@tianxun.example",
        subject="Re: " + sent.subject,
        In_Reply_To=reply.message_id,
        References=reply.references,
    )
    mail.mail_intake(answer.as_bytes())
    assert Complaint.objects.count() == 1
    assert list(complaint.mails.values_list("direction", flat=True)) == ["in", "out", "in"]
    assert complaint.timeline.filter(action="mail_in").count() == 1


@pytest.mark.django_db
def test_a_user_without_access_cannot_reply(users, make_customer):
    a_customer = make_customer("北京华信集团有限公司", grade="A", email="ceo@huaxin.example")
    complaint = services.complaint_create(actor=None, customer=a_customer, channel="email", reason="x")
    with pytest.raises(Exception, match="无权"):
        mail.mail_reply(actor=users["sales"], record=complaint, body="hi")
    assert not MailMessage.objects.exists()


@pytest.mark.django_db
def test_customer_service_turns_an_unmatched_mail_into_a_complaint(client, users, customer):
    from django.urls import reverse

    received = mail.mail_intake(_message("new.person@tianxun.example").as_bytes())
    client.force_login(users["sales"])
    assert client.get(reverse("servicedesk:unmatched")).status_code == 403
    client.force_login(users["cs"])
    page = client.get(reverse("servicedesk:unmatched")).content.decode()
    assert "new.person@tianxun.example" in page
    response = client.post(reverse("servicedesk:unmatched"), {"mail": received.pk, "kind": "complaint", "customer": ""})
    assert response.status_code == 400 and "请指定客户" in response.content.decode()
    response = client.post(
        reverse("servicedesk:unmatched"), {"mail": received.pk, "kind": "complaint", "customer": customer.archive_no}
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and complaint.customer == customer and complaint.channel == "email"
    assert MailMessage.objects.get(pk=received.pk).complaint == complaint
    assert "new.person@tianxun.example" not in client.get(reverse("servicedesk:unmatched")).content.decode()


@pytest.mark.django_db
def test_an_attachment_name_cannot_escape_the_document_folder(customer, settings):
    message = _message("buyer@tianxun.example")
    message.add_attachment(b"x", maintype="application", subtype="octet-stream", filename="../../../etc/现场.txt")
    message.add_attachment(b"y", maintype="application", subtype="octet-stream", filename="..")
    received = mail.mail_intake(message.as_bytes())
    names = {a.filename: a.file.path for a in received.attachments.all()}
    assert set(names) == {"../../../etc/现场.txt", ".."}  # shown to people as the sender named them
    assert all(path.startswith(str(settings.MEDIA_ROOT)) for path in names.values())
    assert names["../../../etc/现场.txt"].endswith("现场.txt")


def _send(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)


@pytest.mark.django_db(transaction=True)
def test_a_stranger_naming_a_case_number_is_not_threaded_and_never_receives_the_reply(
    listener, users, customer, django_capture_on_commit_callbacks
):
    """The hijack: record numbers are sequential, so anyone could mail `Re: [TS-…]` and get staff's
    next reply. The stranger's mail waits in the unmatched queue; the reply goes to the customer."""
    _send(listener, _message("buyer@tianxun.example", Message_ID="<m1@tianxun.example>"))
    complaint = Complaint.objects.get()
    _send(listener, _message("attacker@evil.example", subject=f"Re: [{complaint.number}] 设备故障投诉"))
    _send(
        listener,
        _message("attacker@evil.example", subject="Re: hello", In_Reply_To="<m1@tianxun.example>"),
    )
    strangers = MailMessage.objects.filter(from_addr="attacker@evil.example")
    assert strangers.count() == 2
    assert all(m.complaint_id is None and m.ticket_id is None and m.customer_id is None for m in strangers)
    from kehu.servicedesk import selectors

    assert set(selectors.unmatched_mail(users["cs"]).values_list("pk", flat=True)) == set(
        strangers.values_list("pk", flat=True)
    )
    assert complaint.timeline.filter(action="mail_in").count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        mail.mail_reply(actor=users["cs"], record=complaint, body="工程师明天上门。")
    assert django_mail.outbox[-1].to == ["buyer@tianxun.example"]


@pytest.mark.django_db(transaction=True)
def test_a_contact_of_the_customer_may_answer_on_the_thread(listener, users, customer):
    from kehu.customers.services import contact_create

    contact_create(actor=users["mkt"], customer=customer, name="李工", email="li.gong@tianxun.example")
    _send(listener, _message("buyer@tianxun.example"))
    complaint = Complaint.objects.get()
    _send(listener, _message("Li.Gong@tianxun.example", subject=f"Re: [{complaint.number}] 补充照片"))
    assert complaint.mails.filter(from_addr="li.gong@tianxun.example").exists()
    assert complaint.timeline.filter(action="mail_in").count() == 1


@pytest.mark.django_db
def test_a_reply_never_goes_to_an_address_that_is_no_longer_known(users, customer, django_capture_on_commit_callbacks):
    """Mail threaded before this rule (or a contact since removed): the reply goes to a known address."""
    first = mail.mail_intake(_message("buyer@tianxun.example").as_bytes())
    complaint = first.complaint
    MailMessage.objects.create(
        complaint=complaint, customer=customer, direction="in", message_id="<x@evil>", from_addr="attacker@evil.example"
    )
    with django_capture_on_commit_callbacks(execute=True):
        mail.mail_reply(actor=users["cs"], record=complaint, body="已收到。")
    assert django_mail.outbox[-1].to == ["buyer@tianxun.example"]


@pytest.mark.django_db
def test_the_complainants_recorded_email_is_where_replies_go(users, customer, django_capture_on_commit_callbacks):
    complaint = services.complaint_create(
        actor=users["cs"], customer=customer, channel="phone", reason="x", contact_phone="王经理 wang@tianxun.example"
    )
    with django_capture_on_commit_callbacks(execute=True):
        mail.mail_reply(actor=users["cs"], record=complaint, body="已收到。")
    assert django_mail.outbox[-1].to == ["wang@tianxun.example"]


@pytest.mark.django_db
def test_a_subject_typed_over_several_lines_is_sent_on_one_line(users, customer, django_capture_on_commit_callbacks):
    """A line break in the typed subject used to break the outgoing mail after the reply was saved."""
    first = mail.mail_intake(_message("buyer@tianxun.example").as_bytes())
    complaint = first.complaint
    with django_capture_on_commit_callbacks(execute=True):
        reply = mail.mail_reply(actor=users["cs"], record=complaint, body="已收到。", subject="处理进度\r\nBcc: x@evil")
    sent = django_mail.outbox[-1]
    assert sent.subject == reply.subject == f"[{complaint.number}] 处理进度 Bcc: x@evil"
    assert sent.to == ["buyer@tianxun.example"] and not sent.bcc
    assert "\n" not in sent.message()["Subject"]
