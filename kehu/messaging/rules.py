"""What may be sent, and when: consent, the global do-not-contact, quiet hours, frequency caps.

All of it is data (TopicRule rows, ConsentRecord rows); this module only reads it. The worker
asks `verdict(delivery, now)` right before sending, so a withdrawal that arrives while a message
waits in the queue still stops it.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from .choices import ALL_TOPICS, MARKETING_TOPICS, DeliveryStatus, Topic
from .models import ConsentRecord, Delivery, TopicRule

DEFAULT_RULES: dict[str, dict[str, object]] = {
    # Marketing SMS needs an explicit opt-in (PRC rules on commercial SMS); elsewhere opt-out.
    Topic.CARE: {"needs_consent": True, "opt_in_channels": [], "cap_count": 4, "cap_days": 30},
    Topic.NEWS: {"needs_consent": True, "opt_in_channels": ["sms"], "cap_count": 4, "cap_days": 30},
    Topic.PROMOTIONS: {"needs_consent": True, "opt_in_channels": ["sms"], "cap_count": 2, "cap_days": 7},
    Topic.EVENTS: {"needs_consent": True, "opt_in_channels": ["sms"], "cap_count": 3, "cap_days": 7},
    Topic.SURVEYS: {"needs_consent": True, "opt_in_channels": [], "cap_count": 2, "cap_days": 30},
    Topic.SERVICE: {"needs_consent": False, "opt_in_channels": [], "cap_count": None, "quiet_hours": False},
    Topic.INTERNAL: {"needs_consent": False, "opt_in_channels": [], "cap_count": None, "quiet_hours": False},
}


def rule_for(topic: str) -> TopicRule:
    rule = TopicRule.objects.filter(topic=topic).first()
    if rule is None:
        rule = TopicRule(topic=topic, **DEFAULT_RULES.get(topic, DEFAULT_RULES[Topic.SERVICE]))  # type: ignore[arg-type]
    return rule


def rules_ensure_defaults() -> None:
    for topic, values in DEFAULT_RULES.items():
        TopicRule.objects.get_or_create(topic=topic, defaults=values)


def normalize_address(channel: str, to: str) -> str:
    to = (to or "").strip()
    if channel == "email":
        return to.lower()
    if channel == "sms":
        return re.sub(r"\D", "", to)
    return to


@dataclass(frozen=True)
class Verdict:
    status: str  # "send", "suppress" or "hold"
    reason: str = ""
    until: dt.datetime | None = None


SEND = Verdict("send")


def _newest(records: list[ConsentRecord], topic: str) -> ConsentRecord | None:
    matching = [r for r in records if r.topic == topic]
    return max(matching, key=lambda r: (r.evidence_at, r.pk)) if matching else None


def consent_verdict(*, contact_id: int | None, address: str, topic: str, channel: str, rule: TopicRule) -> Verdict:
    """A topic opt-out holds whatever the global record says (a global re-consent does not undo
    it: Odoo's global blacklist broke per-list opt-outs); the global do-not-contact holds unless
    the person later opted in to this very topic."""
    if not rule.needs_consent:
        return SEND
    who = Q(address=address) if address else Q(pk__in=[])
    if contact_id:
        who |= Q(contact_id=contact_id)
    records = list(
        ConsentRecord.objects.unscoped("the worker checks consent before sending")
        .filter(who, topic__in=[topic, ALL_TOPICS])
        .filter(Q(channel="") | Q(channel=channel))
    )
    topical = _newest(records, topic)
    overall = _newest(records, ALL_TOPICS)
    if topical is not None and not topical.granted:
        return Verdict("suppress", _("已退订该主题"))
    later_topic_grant = (
        topical is not None
        and overall is not None
        and (topical.evidence_at, topical.pk) > (overall.evidence_at, overall.pk)
    )
    if overall is not None and not overall.granted and not later_topic_grant:
        return Verdict("suppress", _("全局拒绝联系"))
    if channel in (rule.opt_in_channels or []):
        explicit = (topical is not None and topical.granted and topical.explicit) or (
            overall is not None and overall.granted and overall.explicit
        )
        if not explicit:
            return Verdict("suppress", _("该渠道的营销信息须取得明确同意"))
    return SEND


def quiet_hours_verdict(*, rule: TopicRule, now: dt.datetime) -> Verdict:
    """Outside the sending window the message waits for the window's next opening."""
    if not rule.quiet_hours:
        return SEND
    tz = zoneinfo.ZoneInfo(rule.time_zone or "Asia/Shanghai")
    local = now.astimezone(tz)
    start, end = rule.window_start, rule.window_end
    if start <= local.time() < end:
        return SEND
    day = local.date() if local.time() < start else local.date() + dt.timedelta(days=1)
    opens = dt.datetime.combine(day, start, tz)
    return Verdict("hold", _("免打扰时段，待 %(at)s 发送") % {"at": opens.strftime("%Y-%m-%d %H:%M")}, opens)


def cap_verdict(*, delivery: Delivery, rule: TopicRule, now: dt.datetime) -> Verdict:
    if not rule.cap_count:
        return SEND
    who = Q(to=delivery.to, channel=delivery.channel)
    if delivery.contact_id:
        who |= Q(contact_id=delivery.contact_id)
    sent = (
        Delivery.objects.unscoped("the worker counts what a person already received")
        .filter(who, topic=delivery.topic, status=DeliveryStatus.SENT)
        .filter(sent_at__gte=now - dt.timedelta(days=rule.cap_days))
        .exclude(pk=delivery.pk)
        .count()
    )
    if sent >= rule.cap_count:
        return Verdict(
            "suppress",
            _("超过频次上限（%(days)s 天内 %(count)s 条）") % {"days": rule.cap_days, "count": rule.cap_count},
        )
    return SEND


def verdict(delivery: Delivery, now: dt.datetime) -> Verdict:
    rule = rule_for(delivery.topic)
    if delivery.channel == "in_app" or (delivery.topic not in MARKETING_TOPICS and not rule.needs_consent):
        return quiet_hours_verdict(rule=rule, now=now) if delivery.channel != "in_app" else SEND
    for check in (
        consent_verdict(
            contact_id=delivery.contact_id,
            address=normalize_address(delivery.channel, delivery.to),
            topic=delivery.topic,
            channel=delivery.channel,
            rule=rule,
        ),
        cap_verdict(delivery=delivery, rule=rule, now=now),
    ):
        if check.status != "send":
            return check
    if delivery.channel == "letter":
        return SEND  # a letter is printed in office hours anyway
    return quiet_hours_verdict(rule=rule, now=now)
