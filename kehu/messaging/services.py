"""Writes of the channel layer: queue a message, attempt a delivery, record consent.

`message_send` only writes a queued Delivery row (the outbox) and asks the worker to attempt it
after commit; `delivery_attempt` is what the worker runs. The row is the durable record: a sweep
picks up whatever is due (retries with backoff, messages held for quiet hours or a robot's rate
limit), so a lost task or a crashed worker loses no message.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import partial
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import events
from kehu.core.exceptions import DomainError

from . import rules
from .channels import Outgoing, SendError, channel_for, messaging_conf
from .choices import ALL_TOPICS, MARKETING_TOPICS, ConsentSource, DeliveryStatus, MessageChannel, Topic
from .models import ConsentRecord, Delivery, Robot

UNSUBSCRIBE_SALT = "kehu.messaging.unsubscribe"
PLACEHOLDER = "{unsubscribe_url}"
# Minutes to wait after the n-th failed attempt; after the last one the delivery has failed.
BACKOFF_MINUTES = (1, 5, 30, 120)
STALE_CLAIM = dt.timedelta(minutes=15)


def _now() -> dt.datetime:
    return timezone.now()


# --- queueing -----------------------------------------------------------------------------------------


def _validate_to(channel: str, to: Any) -> str:
    if channel == MessageChannel.IN_APP:
        if getattr(to, "pk", None) is None:
            raise DomainError(_("站内通知的收件人须为用户。"), field_errors={"to": [_("站内通知的收件人须为用户。")]})
        return str(to.pk)
    value = str(to or "").strip()
    if not value:
        raise DomainError(_("请填写收件地址。"), field_errors={"to": [_("请填写收件地址。")]})
    if channel == MessageChannel.EMAIL:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise DomainError(_("电子邮箱格式不正确。"), field_errors={"to": [_("电子邮箱格式不正确。")]}) from exc
        return value.lower()
    if channel == MessageChannel.SMS:
        digits = re.sub(r"\D", "", value)
        if not 7 <= len(digits) <= 15:
            raise DomainError(_("手机号码格式不正确。"), field_errors={"to": [_("手机号码格式不正确。")]})
        return digits
    if channel in (MessageChannel.WECOM_ROBOT, MessageChannel.DINGTALK_ROBOT):
        kind = "wecom" if channel == MessageChannel.WECOM_ROBOT else "dingtalk"
        if not Robot.objects.filter(key=value, kind=kind).exists():
            raise DomainError(_("群机器人不存在。"), field_errors={"to": [_("群机器人不存在。")]})
    return value[:200]


@transaction.atomic
def message_send(
    *,
    actor: Any,
    channel: str,
    to: Any,
    subject: str = "",
    body: str,
    topic: str,
    contact: Any = None,
    customer: Any = None,
    related: str = "",
    not_before: dt.datetime | None = None,
) -> Delivery:
    """Queue one message to one recipient; the worker sends it after commit (consent, quiet hours
    and caps are applied there). Bad input raises DomainError and stores nothing."""
    errors: dict[str, list[str]] = {}
    if channel not in MessageChannel.values:
        errors["channel"] = [_("渠道无效。")]
    if topic not in Topic.values:
        errors["topic"] = [_("主题无效。")]
    if not (body or "").strip():
        errors["body"] = [_("请填写内容。")]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    address = _validate_to(channel, to)
    if contact is not None and customer is None:
        customer = contact.customer
    if contact is not None and contact.customer_id != customer.pk:
        raise DomainError(_("联系人不属于该客户。"), field_errors={"contact": [_("联系人不属于该客户。")]})
    delivery = Delivery.objects.create(
        customer=customer,
        contact=contact,
        user=to if channel == MessageChannel.IN_APP else None,
        channel=channel,
        topic=topic,
        to=address,
        subject=(subject or "").strip()[:200],
        body=body.strip(),
        related=related[:80],
        actor=actor if getattr(actor, "pk", None) else None,
        next_attempt_at=not_before or _now(),
    )
    transaction.on_commit(partial(_enqueue, delivery.pk))
    return delivery


def _enqueue(delivery_id: int) -> None:
    from .tasks import deliver_task

    deliver_task.enqueue(delivery_id)


# --- unsubscribe links ------------------------------------------------------------------------------


def unsubscribe_token(delivery: Delivery) -> str:
    return signing.dumps({"d": delivery.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def delivery_from_token(token: str) -> Delivery | None:
    max_age = messaging_conf("UNSUBSCRIBE_MAX_AGE_DAYS", 365) * 86400
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), int):
        return None
    return Delivery.objects.unscoped("the signed link names its delivery").filter(pk=data["d"]).first()


def unsubscribe_url(delivery: Delivery) -> str:
    base = str(messaging_conf("PUBLIC_URL", "http://localhost:8000")).rstrip("/")
    return base + reverse("messaging:unsubscribe", args=[unsubscribe_token(delivery)])


def _render(delivery: Delivery) -> Outgoing:
    url = unsubscribe_url(delivery) if delivery.topic in MARKETING_TOPICS else ""
    body = delivery.body
    in_body = PLACEHOLDER in body
    body = body.replace(PLACEHOLDER, url)
    if url and not in_body and delivery.channel != MessageChannel.SMS:
        # Every marketing message carries the link; SMS adds it inside the provider's template parameter.
        footer = _("不想再收到此类消息？退订：")
        body = f"{body}\n\n{footer}{url}"
    extra: dict[str, Any] = {"topic": delivery.topic}
    if delivery.channel in (MessageChannel.WECOM_ROBOT, MessageChannel.DINGTALK_ROBOT):
        extra["robot"] = Robot.objects.get(key=delivery.to)
    return Outgoing(
        delivery_id=delivery.pk,
        to=delivery.to,
        subject=delivery.subject,
        body=body,
        # E-mail puts it in the List-Unsubscribe header as well; SMS appends it unless the body has it.
        unsubscribe_url="" if delivery.channel == MessageChannel.SMS and in_body else url,
        user_id=delivery.user_id,
        extra=extra,
    )


# --- the worker's side ----------------------------------------------------------------------------------


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    """One worker takes the delivery (a conditional UPDATE): a second task for it finds nothing."""
    return bool(
        Delivery.objects.unscoped("the worker claims a delivery")
        .filter(
            pk=delivery_id,
            status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING],
            next_attempt_at__lte=now,
        )
        .update(status=DeliveryStatus.SENDING, claimed_at=now)
    )


def _finish(delivery: Delivery, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save(update_fields=[*fields.keys()])


def _robot_hold(delivery: Delivery, now: dt.datetime) -> dt.datetime | None:
    """A robot takes `per_minute` messages a minute: beyond that the message waits its turn.
    The robot row is locked while counting and sending, so two workers cannot both take the 20th slot."""
    robot = Robot.objects.select_for_update().get(key=delivery.to)
    window = (
        Delivery.objects.unscoped("the worker counts a robot's messages of the last minute")
        .filter(
            channel=delivery.channel,
            to=delivery.to,
            status=DeliveryStatus.SENT,
            sent_at__gt=now - dt.timedelta(minutes=1),
        )
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
    )
    sent = [at for at in window[: robot.per_minute] if at is not None]
    if len(sent) >= robot.per_minute:
        return sent[0] + dt.timedelta(minutes=1)
    return None


def delivery_attempt(delivery_id: int, *, now: dt.datetime | None = None) -> Delivery | None:
    """Attempt one delivery if it is due; safe to run twice (the claim is atomic)."""
    now = now or _now()
    with transaction.atomic():
        if not _claim(delivery_id, now):
            return None
    delivery = Delivery.objects.unscoped("the worker sends it").get(pk=delivery_id)
    check = rules.verdict(delivery, now)
    if check.status == "suppress":
        _finish(delivery, status=DeliveryStatus.SUPPRESSED, reason=check.reason[:300])
        return delivery
    if check.status == "hold":
        _finish(delivery, status=DeliveryStatus.QUEUED, reason=check.reason[:300], next_attempt_at=check.until)
        return delivery
    with transaction.atomic():
        if delivery.channel in (MessageChannel.WECOM_ROBOT, MessageChannel.DINGTALK_ROBOT):
            until = _robot_hold(delivery, now)
            if until is not None:
                _finish(
                    delivery,
                    status=DeliveryStatus.QUEUED,
                    reason=_("机器人每分钟限发，排队等待")[:300],
                    next_attempt_at=until,
                )
                return delivery
        try:
            ref = channel_for(delivery.channel).send(_render(delivery))
        except SendError as exc:
            _failed(delivery, exc, now)
            return delivery
        except Exception as exc:
            _failed(delivery, SendError(f"{type(exc).__name__}: {exc}"), now)
            return delivery
        fields: dict[str, Any] = {
            "status": DeliveryStatus.SENT,
            "sent_at": now,
            "attempts": delivery.attempts + 1,
            "reason": "",
            "provider_ref": (ref or "")[:120],
        }
        if delivery.channel == MessageChannel.LETTER:
            fields["document"] = (ref or "")[:300]
        _finish(delivery, **fields)
        events.publish(
            "message_sent",
            delivery_id=delivery.pk,
            customer_id=delivery.customer_id,
            contact_id=delivery.contact_id,
            channel=delivery.channel,
            channel_label=str(delivery.get_channel_display()),
            topic=delivery.topic,
            subject=delivery.subject,
            related=delivery.related,
            actor_id=delivery.actor_id,
        )
    return delivery


def _failed(delivery: Delivery, exc: SendError, now: dt.datetime) -> None:
    attempts = delivery.attempts + 1
    if exc.permanent or attempts > len(BACKOFF_MINUTES):
        _finish(delivery, status=DeliveryStatus.FAILED, reason=exc.reason, attempts=attempts)
        return
    _finish(
        delivery,
        status=DeliveryStatus.RETRYING,
        reason=exc.reason,
        attempts=attempts,
        next_attempt_at=now + dt.timedelta(minutes=BACKOFF_MINUTES[attempts - 1]),
    )


def deliveries_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Ids the sweep should attempt now; a claim older than STALE_CLAIM (a worker died) is released."""
    now = now or _now()
    rows = Delivery.objects.unscoped("the sweep looks for due deliveries")
    rows.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=DeliveryStatus.RETRYING, reason=_("发送中断，重试")
    )
    return list(
        rows.filter(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING], next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


# --- consent ---------------------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    actor: Any,
    topic: str,
    granted: bool,
    contact: Any = None,
    customer: Any = None,
    address: str = "",
    channel: str = "",
    explicit: bool = False,
    evidence_at: dt.datetime | None = None,
    evidence_channel: str = "",
    evidence_text: str = "",
    source: str = ConsentSource.STAFF,
) -> ConsentRecord:
    """Append one consent or opt-out with its evidence (when, how, the text the person saw)."""
    errors: dict[str, list[str]] = {}
    if topic != ALL_TOPICS and topic not in MARKETING_TOPICS:
        errors["topic"] = [_("主题无效。")]
    if channel and channel not in MessageChannel.values:
        errors["channel"] = [_("渠道无效。")]
    if contact is None and not address.strip():
        errors["contact"] = [_("请指定联系人或地址。")]
    if granted and explicit and not evidence_text.strip():
        errors["evidence_text"] = [_("明确同意须记录当时展示的文字。")]
    if evidence_at is not None and evidence_at > _now() + dt.timedelta(minutes=5):
        errors["evidence_at"] = [_("取得时间不能晚于当前时间。")]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    if contact is not None:
        customer = contact.customer
    return ConsentRecord.objects.create(
        customer=customer,
        contact=contact,
        address=rules.normalize_address(channel or ("email" if "@" in address else "sms"), address) if address else "",
        topic=topic,
        channel=channel,
        granted=granted,
        explicit=explicit and granted,
        evidence_at=evidence_at or _now(),
        evidence_channel=evidence_channel[:40],
        evidence_text=evidence_text,
        source=source,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def unsubscribe(*, delivery: Delivery, everything: bool, shown_text: str) -> ConsentRecord:
    """The person behind a delivery opts out of its topic (or of everything), without an account."""
    return consent_record(
        actor=None,
        topic=ALL_TOPICS if everything else delivery.topic,
        granted=False,
        contact=delivery.contact,
        customer=delivery.customer,
        address=delivery.to if delivery.channel in (MessageChannel.EMAIL, MessageChannel.SMS) else "",
        channel="",
        evidence_channel=delivery.channel,
        evidence_text=shown_text,
        source=ConsentSource.UNSUBSCRIBE_LINK,
    )
