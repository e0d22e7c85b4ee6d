"""Campaigns: promotion notices, news, event invitations to a segment, with approval, a random
hold-out group, RSVP through a signed public link, and a report against the hold-out.

`campaign_send` checks the approval rule and hands the work to the worker (`campaign_dispatch`),
which draws the hold-out, writes one recipient row per customer and queues one message per
target through kehu.messaging (consent, quiet hours and caps apply there).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core.exceptions import ConflictError, DomainError, InvalidTransition
from kehu.customers.models import Contact, Customer, Transaction
from kehu.messaging.services import message_send

from .choices import KIND_TOPIC, CampaignChannel, CampaignKind, CampaignStatus, RecipientGroup, Rsvp
from .models import Campaign, CampaignRecipient, ContentTemplate, Segment
from .segments import segment_customers, validate_filters

RSVP_SALT = "kehu.loyalty.rsvp"
MERGE_FIELD = re.compile(r"\{(customer_name|contact_name|owner_name|rsvp_url|event_at|location)\}")


def loyalty_conf(name: str, default: Any) -> Any:
    return getattr(settings, "KEHU_LOYALTY", {}).get(name, default)


def is_marketing(user: Any) -> bool:
    """Marketing (any level) and marketing managers and above: who runs campaigns and segments."""
    return bool(roles.is_marketing_manager_or_above(user) or roles.in_department(user, "marketing"))


def require_marketing(actor: Any) -> None:
    if not is_marketing(actor):
        raise DomainError(_("只有市场营销部可以管理营销活动。"))


# --- segments and templates ------------------------------------------------------------------------


@transaction.atomic
def segment_save(*, actor: Any, name: str, filters: Any, segment: Segment | None = None) -> Segment:
    require_marketing(actor)
    if not (name or "").strip():
        raise DomainError(_("请填写名称。"), field_errors={"name": [_("请填写名称。")]})
    clean = validate_filters(filters)
    segment = segment or Segment(created_by=actor)
    segment.name = name.strip()[:120]
    segment.filters = clean
    segment.save()
    return segment


def segment_members(actor: Any, segment: Segment) -> Any:
    """The segment's customers that `actor` may see (a campaign never reaches beyond its sender's scope)."""
    return segment_customers(Customer.objects.restrict(actor, "view"), segment.filters)


def segment_count(actor: Any, segment: Segment) -> int:
    return int(segment_members(actor, segment).count())


def segment_preview_count(actor: Any, filters: Any) -> int:
    """How many customers (that `actor` may see) a filter not yet saved would hold."""
    require_marketing(actor)
    return int(segment_customers(Customer.objects.restrict(actor, "view"), validate_filters(filters)).count())


@transaction.atomic
def template_save(*, actor: Any, name: str, subject: str, body: str) -> ContentTemplate:
    require_marketing(actor)
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("请填写名称。")]
    if not (body or "").strip():
        errors["body"] = [_("请填写内容。")]
    unknown = set(re.findall(r"\{([a-z_]+)\}", body or "")) - {
        "customer_name",
        "contact_name",
        "owner_name",
        "rsvp_url",
        "event_at",
        "location",
        "unsubscribe_url",
    }
    if unknown:
        errors["body"] = [_("未知的合并字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    return ContentTemplate.objects.create(
        name=name.strip()[:120], subject=(subject or "").strip()[:200], body=body.strip(), created_by=actor
    )


# --- campaigns --------------------------------------------------------------------------------------------


def _campaign_fields(
    *,
    name: str,
    kind: str,
    segment: Segment,
    channel: str,
    template: ContentTemplate,
    holdout_percent: int = 0,
    event_at: dt.datetime | None = None,
    location: str = "",
    notify_robot: str = "",
) -> dict[str, Any]:
    """The checked fields of a campaign (one rule for creating and editing)."""
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("请填写名称。")]
    if kind not in CampaignKind.values:
        errors["kind"] = [_("类型无效。")]
    if channel not in CampaignChannel.values:
        errors["channel"] = [_("渠道无效。")]
    if not 0 <= holdout_percent <= 50:
        errors["holdout_percent"] = [_("对照组比例须在 0 到 50 之间。")]
    if kind == CampaignKind.EVENT and event_at is None:
        errors["event_at"] = [_("活动邀请须填写活动时间。")]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    return {
        "name": name.strip()[:120],
        "kind": kind,
        "segment": segment,
        "channel": channel,
        "template": template,
        "holdout_percent": holdout_percent,
        "event_at": event_at,
        "location": (location or "").strip()[:200],
        "notify_robot": (notify_robot or "").strip()[:40],
    }


@transaction.atomic
def campaign_create(*, actor: Any, **fields: Any) -> Campaign:
    require_marketing(actor)
    return Campaign.objects.create(**_campaign_fields(**fields), created_by=actor)


@transaction.atomic
def campaign_update(*, actor: Any, campaign: Campaign, **fields: Any) -> Campaign:
    """Change a draft (e.g. after it was returned). An approved campaign is not changed behind its
    approver's back: it must be returned to draft first."""
    require_marketing(actor)
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status != CampaignStatus.DRAFT:
        raise ConflictError(_("只有草稿状态的营销活动可以修改。"))
    checked = {**_campaign_fields(**{**_current(locked), **fields})}
    for name, value in checked.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(checked))
    return locked


def _current(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "kind": campaign.kind,
        "segment": campaign.segment,
        "channel": campaign.channel,
        "template": campaign.template,
        "holdout_percent": campaign.holdout_percent,
        "event_at": campaign.event_at,
        "location": campaign.location,
        "notify_robot": campaign.notify_robot,
    }


def approval_threshold() -> int:
    return int(loyalty_conf("APPROVAL_ABOVE", 200))


def may_approve(actor: Any, campaign: Campaign) -> bool:
    """The approval rule of campaign_approve, for pages deciding whether to offer the buttons."""
    return bool(
        roles.is_marketing_manager_or_above(actor)
        and actor.pk != campaign.created_by_id
        and campaign.status in (CampaignStatus.DRAFT, CampaignStatus.APPROVED)
    )


@transaction.atomic
def campaign_approve(*, actor: Any, campaign: Campaign) -> Campaign:
    """A marketing manager other than its author approves a campaign (and its audience size)."""
    if not roles.is_marketing_manager_or_above(actor):
        raise DomainError(_("只有市场营销经理及以上可以批准营销活动。"))
    if actor.pk == campaign.created_by_id:
        raise DomainError(_("不能批准自己创建的营销活动。"))
    if campaign.status != CampaignStatus.DRAFT:
        raise InvalidTransition(_("该营销活动已批准或已发送。"))
    campaign.status = CampaignStatus.APPROVED
    campaign.approved_by = actor
    campaign.approved_at = timezone.now()
    campaign.audience = segment_count(actor, campaign.segment)
    campaign.return_note = ""
    campaign.save(update_fields=["status", "approved_by", "approved_at", "audience", "return_note"])
    return campaign


@transaction.atomic
def campaign_return(*, actor: Any, campaign: Campaign, note: str) -> Campaign:
    """The approver sends a campaign back to its author with a note (an approval given is withdrawn);
    the same people who may approve may return, and only before sending."""
    if not roles.is_marketing_manager_or_above(actor):
        raise DomainError(_("只有市场营销经理及以上可以批准营销活动。"))
    if actor.pk == campaign.created_by_id:
        raise DomainError(_("不能退回自己创建的营销活动。"))
    if not (note or "").strip():
        raise DomainError(_("请填写退回原因。"), field_errors={"note": [_("请填写退回原因。")]})
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status not in (CampaignStatus.DRAFT, CampaignStatus.APPROVED):
        raise InvalidTransition(_("该营销活动已发送，不能退回。"))
    locked.status = CampaignStatus.DRAFT
    locked.approved_by = None
    locked.approved_at = None
    locked.return_note = note.strip()[:300]
    locked.save(update_fields=["status", "approved_by", "approved_at", "return_note"])
    return locked


def campaign_delivery_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Deliveries per status of each campaign (numbers only, no customer data), in one query."""
    from django.db.models import Count

    from kehu.messaging.models import Delivery

    counts: dict[int, dict[str, int]] = {pk: {} for pk in campaign_ids}
    rows = (
        Delivery.objects.unscoped("counts per status of the campaigns' own deliveries, no customer data")
        .filter(related__in=[f"campaign:{pk}" for pk in campaign_ids], customer__isnull=False)
        .values("related", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[int(row["related"].split(":", 1)[1])][row["status"]] = row["n"]
    return counts


@transaction.atomic
def campaign_send(*, actor: Any, campaign: Campaign) -> Campaign:
    """Start sending: more than APPROVAL_ABOVE people need an approval first."""
    require_marketing(actor)
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status not in (CampaignStatus.DRAFT, CampaignStatus.APPROVED):
        raise ConflictError(_("该营销活动已发送。"))
    audience = segment_count(actor, locked.segment)
    if audience > approval_threshold() and locked.status != CampaignStatus.APPROVED:
        raise ConflictError(
            _("目标超过 %(n)s 人，须先经批准。") % {"n": approval_threshold()},
        )
    locked.status = CampaignStatus.SENDING
    locked.audience = audience
    locked.save(update_fields=["status", "audience"])
    transaction.on_commit(lambda: _enqueue(locked.pk, actor.pk))
    return locked


def _enqueue(campaign_id: int, actor_id: int) -> None:
    from .tasks import campaign_dispatch_task

    campaign_dispatch_task.enqueue(campaign_id, actor_id)


def rsvp_url(recipient_id: int) -> str:
    token = signing.dumps({"r": recipient_id}, salt=RSVP_SALT, compress=True)
    base = str(getattr(settings, "KEHU_MESSAGING", {}).get("PUBLIC_URL", "http://localhost:8000")).rstrip("/")
    return base + reverse("loyalty:rsvp", args=[token])


def recipient_from_token(token: str) -> CampaignRecipient | None:
    try:
        data = signing.loads(token, salt=RSVP_SALT, max_age=400 * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        return None
    return (
        CampaignRecipient.objects.unscoped("the signed link names its recipient")
        .select_related("campaign", "customer")
        .filter(pk=data["r"])
        .first()
    )


def _merge(text: str, values: dict[str, str]) -> str:
    return MERGE_FIELD.sub(lambda m: values.get(m.group(1), ""), text)


def _address(campaign: Campaign, contacts: list[Contact], customer: Customer) -> tuple[Contact | None, str, str]:
    """(contact, channel, address) of the customer's best contact on the campaign's channel."""
    ordered = sorted(contacts, key=lambda c: (not c.is_main_contact, not c.is_key_person, c.pk))
    for contact in ordered:
        if campaign.channel == CampaignChannel.LETTER and customer.address:
            return contact, "letter", f"{customer.address} {customer.name} {contact.name}"
        wants_sms = campaign.channel == CampaignChannel.SMS or (
            campaign.channel == CampaignChannel.PREFERRED and contact.preferred_channel == "sms"
        )
        if wants_sms and contact.mobile:
            return contact, "sms", contact.mobile
        if campaign.channel != CampaignChannel.SMS and contact.email:
            return contact, "email", contact.email
    if campaign.channel in (CampaignChannel.EMAIL, CampaignChannel.PREFERRED) and customer.email:
        return None, "email", customer.email
    return None, "", ""


def campaign_dispatch(*, campaign_id: int, actor_id: int) -> int:
    """The worker's half of sending: hold-out draw, recipients, one queued message per target.
    Safe to run twice: a campaign already past "sending" or with recipients is left alone."""
    from kehu.accounts.models import User

    campaign = Campaign.objects.select_related("template", "segment").get(pk=campaign_id)
    actor = User.objects.get(pk=actor_id)
    if campaign.status != CampaignStatus.SENDING or campaign.recipients.exists():
        return 0
    rng = random.Random(f"kehu-campaign-{campaign.pk}")
    customers = list(segment_members(actor, campaign.segment).select_related("owner").order_by("id"))
    contacts: dict[int, list[Contact]] = {}
    for row in Contact.objects.unscoped("contacts of the segment the sender may see").filter(
        customer_id__in=[c.pk for c in customers]
    ):
        contacts.setdefault(row.customer_id, []).append(row)
    queued = 0
    with transaction.atomic():
        rows = []
        for customer in customers:
            group = RecipientGroup.HOLDOUT if rng.random() * 100 < campaign.holdout_percent else RecipientGroup.TARGET
            best, _channel, _to = _address(campaign, contacts.get(customer.pk, []), customer)
            rows.append(CampaignRecipient(campaign=campaign, customer=customer, contact=best, group=group))
        CampaignRecipient.objects.bulk_create(rows)
        recipients = list(
            CampaignRecipient.objects.unscoped("the campaign's own rows")
            .filter(campaign=campaign, group=RecipientGroup.TARGET)
            .order_by("id")
        )
        by_customer = {c.pk: c for c in customers}
        topic = KIND_TOPIC[CampaignKind(campaign.kind)]
        event_at = timezone.localtime(campaign.event_at).strftime("%Y-%m-%d %H:%M") if campaign.event_at else ""
        for recipient in recipients:
            customer = by_customer[recipient.customer_id]
            person, channel, to = _address(campaign, contacts.get(customer.pk, []), customer)
            if not channel:
                continue
            values = {
                "customer_name": customer.name,
                "contact_name": person.name if person else customer.name,
                "owner_name": str(customer.owner),
                "rsvp_url": rsvp_url(recipient.pk) if campaign.kind == CampaignKind.EVENT else "",
                "event_at": event_at,
                "location": campaign.location,
            }
            delivery = message_send(
                actor=actor,
                channel=channel,
                to=to,
                subject=_merge(campaign.template.subject, values),
                body=_merge(campaign.template.body, values),
                topic=topic,
                contact=person,
                customer=customer,
                related=f"campaign:{campaign.pk}",
            )
            recipient.delivery_id = delivery.pk
            queued += 1
        CampaignRecipient.objects.bulk_update(recipients, ["delivery_id"], batch_size=1000)
        campaign.status = CampaignStatus.SENT
        campaign.sent_at = timezone.now()
        campaign.save(update_fields=["status", "sent_at"])
        if campaign.notify_robot:
            from kehu.messaging.models import Robot

            robot = Robot.objects.filter(key=campaign.notify_robot).first()
            if robot is not None:
                message_send(
                    actor=actor,
                    channel=f"{robot.kind}_robot",
                    to=robot.key,
                    subject=_("营销活动已发出"),
                    body=_("“%(name)s”：%(queued)s 位客户，对照组 %(holdout)s 位。")
                    % {"name": campaign.name, "queued": queued, "holdout": len(customers) - len(recipients)},
                    topic="internal",
                    related=f"campaign:{campaign.pk}",
                )
    return queued


@transaction.atomic
def rsvp_answer(*, recipient: CampaignRecipient, answer: str) -> CampaignRecipient:
    if answer not in Rsvp.values:
        raise DomainError(_("请选择是否参加。"))
    if recipient.campaign.kind != CampaignKind.EVENT:
        raise DomainError(_("该活动无需回复。"))
    recipient.rsvp = answer
    recipient.rsvp_at = timezone.now()
    recipient.save(update_fields=["rsvp", "rsvp_at"])
    return recipient


@transaction.atomic
def campaign_attendance(*, actor: Any, campaign: Campaign, customer_ids: list[int], attended: bool) -> int:
    """After the event: who came (出席); the report and follow-ups read it."""
    require_marketing(actor)
    if campaign.kind != CampaignKind.EVENT:
        raise DomainError(_("该活动无需回复。"))
    return int(
        CampaignRecipient.objects.unscoped("the campaign's own rows")
        .filter(campaign=campaign, group=RecipientGroup.TARGET, customer_id__in=customer_ids)
        .update(attended=attended)
    )


# --- the report ----------------------------------------------------------------------------------------


@dataclass
class Report:
    target: int
    holdout: int
    sent: int
    suppressed: int
    failed: int
    rsvp_yes: int
    attended: int
    ordered_target: int
    ordered_holdout: int
    rate_target: float
    rate_holdout: float
    difference: float
    ci_low: float
    ci_high: float


def _diff_ci(x1: int, n1: int, x2: int, n2: int, z: float = 1.96) -> tuple[float, float, float, float, float]:
    """Difference of two proportions with a 95% Wald interval (0 width when a group is empty)."""
    p1 = x1 / n1 if n1 else 0.0
    p2 = x2 / n2 if n2 else 0.0
    if not n1 or not n2:
        return p1, p2, p1 - p2, p1 - p2, p1 - p2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return p1, p2, p1 - p2, p1 - p2 - z * se, p1 - p2 + z * se


def campaign_report(campaign: Campaign, *, window_days: int = 30) -> Report:
    """Response (RSVP), deliveries, and orders after sending: target group against the hold-out."""
    from kehu.messaging.models import Delivery

    recipients = CampaignRecipient.objects.unscoped("a report over the campaign's own rows").filter(campaign=campaign)
    deliveries = Delivery.objects.unscoped("a report over the campaign's deliveries").filter(
        related=f"campaign:{campaign.pk}", customer__isnull=False
    )
    status = {s: deliveries.filter(status=s).count() for s in ("sent", "suppressed", "failed")}
    start = timezone.localdate(campaign.sent_at) if campaign.sent_at else timezone.localdate()
    ordered = Exists(
        Transaction.objects.unscoped("orders after the campaign").filter(
            customer=OuterRef("customer"),
            occurred_on__gte=start,
            occurred_on__lte=start + dt.timedelta(days=window_days),
        )
    )
    counts: dict[str, tuple[int, int]] = {}
    for group in RecipientGroup.values:
        rows = recipients.filter(group=group)
        counts[group] = (rows.count(), rows.filter(ordered).count())
    (n1, x1), (n2, x2) = counts[RecipientGroup.TARGET], counts[RecipientGroup.HOLDOUT]
    p1, p2, diff, low, high = _diff_ci(x1, n1, x2, n2)
    return Report(
        target=n1,
        holdout=n2,
        sent=status["sent"],
        suppressed=status["suppressed"],
        failed=status["failed"],
        rsvp_yes=recipients.filter(rsvp=Rsvp.YES).count(),
        attended=recipients.filter(attended=True).count(),
        ordered_target=x1,
        ordered_holdout=x2,
        rate_target=round(p1, 4),
        rate_holdout=round(p2, 4),
        difference=round(diff, 4),
        ci_low=round(low, 4),
        ci_high=round(high, 4),
    )
