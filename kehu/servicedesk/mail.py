"""E-mail intake (an SMTP listener, aiosmtpd) and replies to customers threaded on the record.

A mail to the intake becomes a complaint, or a problem ticket when it is addressed to
tickets@/support@ or its subject carries [问题]/[ticket]; the customer is found by the
sender's address (customer or contact e-mail). A reply to one of our mails (In-Reply-To /
References, or the record number in the subject) is threaded onto its record only when its
sender is one of the record's known addresses (see `known_addresses`): record numbers are
sequential, so anyone could otherwise join a case and receive staff's next reply. Mail from
unknown senders, also on an existing thread, is kept in the unmatched queue for a person, never
dropped. Replies go only to known addresses, never to "whoever wrote last". Attachments go to
the default storage (MEDIA_ROOT).
"""

from __future__ import annotations

import asyncio
import logging
import re
from email import policy
from email.message import EmailMessage as ParsedMessage
from email.parser import BytesParser
from email.utils import make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import connections, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from kehu.core import events
from kehu.core.exceptions import DomainError
from kehu.core.files import removed_on_error, save_verified

from . import services
from .choices import ComplaintCategory, IntakeChannel, MailDirection, Urgency
from .models import Complaint, MailAttachment, MailMessage, Ticket
from .workflow import complaint_handler, ticket_worker

log = logging.getLogger(__name__)
NUMBER = re.compile(r"\b((?:TS|WT)-\d{4}-\d{6})\b")
TICKET_HINTS = ("[问题]", "【问题】", "[ticket]", "[problem]")


def _storage_name(filename: str) -> str:
    """The sender chooses attachment names: keep the last path part and safe characters (Chinese
    stays), so a name like "../../etc/x" can neither escape MEDIA_ROOT nor make the mail fail."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    try:
        return get_valid_filename(base)[:100]
    except SuspiciousFileOperation:
        return "attachment.bin"


def find_customer(address: str) -> Any:
    from kehu.customers.models import Contact, Customer

    address = address.strip().lower()
    if not address:
        return None
    # customers.services stores both addresses lower-cased, so equality lookups suffice (Customer.email is indexed)
    customer = (
        Customer.objects.unscoped("the mail intake matches senders for the system")
        .filter(email=address)
        .order_by("id")
        .first()
    )
    if customer is None:
        contact = (
            Contact.objects.unscoped("the mail intake matches senders for the system")
            .filter(email=address)
            .select_related("customer")
            .order_by("id")
            .first()
        )
        customer = contact.customer if contact else None
    return customer


EMAIL = re.compile(r"[^\s<>@,;]+@[^\s<>@,;]+\.[^\s<>@,;]+")


def known_addresses(record: Any) -> list[str]:
    """Addresses a case may be mailed to and may receive mail from, most specific first: the
    complainant's recorded contact e-mail, the address whose mail opened the case (when it belongs
    to the customer), the customer's own address, then its contacts' addresses."""
    customer = record.customer
    ordered: list[str] = []

    def add(address: str) -> None:
        address = address.strip().lower()
        if address and address not in ordered:
            ordered.append(address)

    for found in EMAIL.findall(getattr(record, "contact_phone", "") or ""):
        add(found)
    kind = services.kind_of(record)
    opening = (
        MailMessage.objects.unscoped("the mail of a case its caller already holds")
        .filter(**{kind: record}, direction=MailDirection.IN)
        .order_by("id")
        .only("from_addr")
        .first()
    )
    belongs = [customer.email, *customer.contacts.exclude(email="").values_list("email", flat=True)]
    belongs = [b.strip().lower() for b in belongs if b]
    if opening is not None and opening.from_addr in belongs:
        add(opening.from_addr)
    for address in belongs:
        add(address)
    return ordered


def _body(message: ParsedMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return str(part.get_content()).strip()
    except (LookupError, UnicodeDecodeError):  # an unknown charset: keep what can be read
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace").strip() if isinstance(payload, bytes) else ""


def _wants_ticket(subject: str, recipients: list[str]) -> bool:
    lowered = subject.lower()
    if any(hint in lowered for hint in TICKET_HINTS):
        return True
    return any(r.lower().split("@")[0] in ("tickets", "ticket", "support") for r in recipients)


def _parent(message_ids: list[str], subject: str) -> tuple[Complaint | None, Ticket | None]:
    ids = [m for m in message_ids if m]
    if ids:
        parent = (
            MailMessage.objects.unscoped("the mail intake threads for the system; callers checked the record")
            .filter(message_id__in=ids)
            .exclude(complaint__isnull=True, ticket__isnull=True)
            .order_by("-id")
            .first()
        )
        if parent is not None:
            return parent.complaint, parent.ticket
    match = NUMBER.search(subject)
    if match:
        number = match.group(1)
        return Complaint.objects.unscoped("the mail intake threads for the system; callers checked the record").filter(
            number=number
        ).first(), Ticket.objects.unscoped("the mail intake threads for the system; callers checked the record").filter(
            number=number
        ).first()
    return None, None


@transaction.atomic
def mail_intake(raw: bytes, *, recipients: list[str] | None = None) -> MailMessage:
    """Turn one received mail into a record (or a threaded message, or an unmatched one)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, ParsedMessage)
    recipients = recipients or [parseaddr(str(a))[1] for a in message.get_all("To", [])]
    name, from_addr = parseaddr(str(message.get("From", "")))
    from_addr = from_addr.lower()
    message_id = str(message.get("Message-ID", "") or make_msgid()).strip()
    existing = (
        MailMessage.objects.unscoped("the mail intake threads for the system; callers checked the record")
        .filter(message_id=message_id, direction=MailDirection.IN)
        .first()
    )
    if existing is not None:  # the same mail delivered twice
        return existing
    subject = str(message.get("Subject", "") or "").strip()
    in_reply_to = str(message.get("In-Reply-To", "") or "").strip()
    references = str(message.get("References", "") or "").strip()
    body = _body(message)
    complaint, ticket = _parent([in_reply_to, *references.split()], subject)
    parent = complaint or ticket
    if parent is not None and from_addr not in known_addresses(parent):
        # A stranger naming a case (numbers are sequential): a person decides, in the unmatched queue.
        log.warning("mail from %s names %s but is not a known address: unmatched", from_addr, parent.number)
        complaint = ticket = parent = None
        customer = None
    else:
        customer = parent.customer if parent is not None else find_customer(from_addr)
    threaded = bool(complaint or ticket)
    if not threaded and customer is not None:
        if _wants_ticket(subject, recipients):
            urgent = "紧急" in subject or "urgent" in subject.lower()
            ticket = services.ticket_create(
                actor=None,
                customer=customer,
                title=subject[:200] or _("（无主题邮件）"),
                description=body or subject,
                urgency=Urgency.HIGH if urgent else Urgency.MEDIUM,
                channel=IntakeChannel.EMAIL,
                contact_name=name,
            )
        else:
            complaint = services.complaint_create(
                actor=None,
                customer=customer,
                channel=IntakeChannel.EMAIL,
                reason=body or subject,
                request=subject,
                contact_name=name,
                contact_phone=from_addr,
                category=ComplaintCategory.OTHER,
            )
    mail = MailMessage.objects.create(
        complaint=complaint,
        ticket=ticket,
        customer=customer,
        direction=MailDirection.IN,
        message_id=message_id[:300],
        in_reply_to=in_reply_to[:300],
        references=references,
        from_addr=from_addr[:300],
        to_addrs=", ".join(recipients),
        subject=subject[:300],
        body=body,
    )
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        filename = part.get_filename() or "attachment.bin"
        attachment = MailAttachment(
            message=mail, filename=filename[:255], content_type=part.get_content_type(), size=len(payload)
        )
        # Written fully and verified before the row; a full disk fails the intake, which the
        # SMTP server answers with a temporary error so that the sender's server retries.
        save_verified(attachment.file, _storage_name(filename), ContentFile(payload))
        attachment.save()
    if threaded:
        record = complaint or ticket
        services._log(
            record,
            actor=None,
            action="mail_in",
            from_state=record.state,  # type: ignore[union-attr]
            to_state=record.state,  # type: ignore[union-attr]
            note=_("客户来信：%(subject)s") % {"subject": subject},
        )
    events.publish("mail_received", mail_id=mail.pk, customer_id=mail.customer_id)
    return mail


def _reply_address(record: Any, kind: str) -> tuple[str, MailMessage | None]:
    """Where a reply goes: the latest inbound mail's sender only if it is (still) a known address of
    the case, otherwise the first known address; the thread headers follow the latest inbound mail."""
    known = known_addresses(record)
    last_in = (
        MailMessage.objects.unscoped("the mail of a case the replier may handle")
        .filter(**{kind: record}, direction=MailDirection.IN)
        .order_by("-id")
        .first()
    )
    if last_in is not None and last_in.from_addr in known:
        return last_in.from_addr, last_in
    return (known[0] if known else ""), last_in


def _one_line(value: str) -> str:
    """A header value on one line: a typed or a received line break must not reach the headers.

    A newline in a header is refused by Python's mail builder (and would be header injection
    if it were not), so the subject the user typed is folded to single spaces before it is
    stored, and the stored copy is exactly what was sent.
    """
    return " ".join(value.split())


@transaction.atomic
def mail_reply(*, actor: Any, record: Any, body: str, subject: str = "") -> MailMessage:
    """Send a reply to the customer by SMTP (after commit), threaded and stored on the record."""
    kind = services.kind_of(record)
    if kind not in ("complaint", "ticket"):
        raise DomainError(_("只有投诉和问题可以回复邮件。"))
    services._check_customer(actor, record.customer)
    allowed = complaint_handler(actor, record) if kind == "complaint" else ticket_worker(actor, record)
    if not allowed:
        raise PermissionDenied(_("您无权回复此记录的邮件。"))
    if not body.strip():
        raise DomainError(_("请填写回复内容。"), field_errors={"body": [_("请填写回复内容。")]})
    to, parent = _reply_address(record, kind)
    if not to:
        raise DomainError(_("客户没有电子邮箱，无法发送邮件。"))
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "kehu.local"
    message_id = make_msgid(domain=domain)
    subject = _one_line(subject) or _one_line(f"Re: {parent.subject}" if parent else record.number)
    if record.number not in subject:
        subject = f"[{record.number}] {subject}"
    in_reply_to = _one_line(parent.message_id) if parent else ""
    references = _one_line(f"{parent.references} {parent.message_id}") if parent else ""
    mail = MailMessage.objects.create(
        **{kind: record},
        customer=record.customer,
        direction=MailDirection.OUT,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        from_addr=settings.DEFAULT_FROM_EMAIL,
        to_addrs=to,
        subject=subject[:300],
        body=body.strip(),
        sent_by=actor,
        at=timezone.now(),
    )
    services._log(
        record, actor=actor, action="mail_out", from_state=record.state, to_state=record.state, note=body[:500]
    )
    headers = {"Message-ID": message_id}
    if in_reply_to:
        headers.update({"In-Reply-To": in_reply_to, "References": references})
    email = EmailMessage(subject=mail.subject, body=mail.body, to=[to], headers=headers)
    transaction.on_commit(lambda: email.send(fail_silently=False))
    events.publish("mail_replied", mail_id=mail.pk, customer_id=mail.customer_id, actor_id=actor.pk)
    return mail


def _process(raw: bytes, recipients: list[str]) -> str:
    try:
        with removed_on_error():  # attachments already written go when the intake rolls back
            mail = mail_intake(raw, recipients=recipients)
    except Exception:  # a bad mail must not kill the listener; the sender learns it was not taken
        log.exception("mail intake failed")
        return "451 Requested action aborted: local error in processing"
    finally:
        connections.close_all()  # this worker thread's connections; the listener holds none between mails
    log.info(
        "mail %s from %s -> complaint %s ticket %s", mail.message_id, mail.from_addr, mail.complaint_id, mail.ticket_id
    )
    return "250 Message accepted for delivery"


class IntakeHandler:
    """aiosmtpd handler: the database work runs in a worker thread (the ORM is synchronous)."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        return await asyncio.to_thread(_process, raw, list(envelope.rcpt_tos))


def make_controller(host: str, port: int) -> Any:
    from aiosmtpd.controller import Controller

    return Controller(IntakeHandler(), hostname=host, port=port, data_size_limit=25 * 1024 * 1024)


@transaction.atomic
def mail_assign(*, actor: Any, mail: MailMessage, customer: Any, kind: str = "complaint") -> Any:
    """An unmatched mail, once customer service knows whose it is, becomes a complaint or a ticket."""
    from kehu.access import roles

    if not roles.is_service_desk(actor):
        raise PermissionDenied(_("只有客服部可以处理未匹配的邮件。"))
    locked = (
        MailMessage.objects.unscoped("the mail intake threads for the system; callers checked the record")
        .select_for_update()
        .get(pk=mail.pk)
    )
    if locked.complaint_id or locked.ticket_id or locked.dismissed:
        raise DomainError(_("该邮件已处理。"))
    if kind == "ticket":
        record: Any = services.ticket_create(
            actor=actor,
            customer=customer,
            title=locked.subject[:200] or _("（无主题邮件）"),
            description=locked.body or locked.subject,
            channel=IntakeChannel.EMAIL,
        )
    else:
        record = services.complaint_create(
            actor=actor,
            customer=customer,
            channel=IntakeChannel.EMAIL,
            reason=locked.body or locked.subject,
            request=locked.subject,
            contact_phone=locked.from_addr,
            received_at=locked.at,
        )
    MailMessage.objects.unscoped("the mail intake threads for the system; callers checked the record").filter(
        pk=locked.pk
    ).update(customer=customer, **{kind: record})
    return record


def mail_dismiss(*, actor: Any, mail: MailMessage) -> None:
    from kehu.access import roles

    if not roles.is_service_desk(actor):
        raise PermissionDenied(_("只有客服部可以处理未匹配的邮件。"))
    MailMessage.objects.unscoped("the mail intake threads for the system; callers checked the record").filter(
        pk=mail.pk, complaint__isnull=True, ticket__isnull=True
    ).update(dismissed=True)
