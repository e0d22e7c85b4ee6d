"""The outbound channel layer (SPEC M9, M13): one delivery log for every channel, consent with
evidence, the sending rules of each topic (caps, quiet hours) as data, and the robots.

A Delivery is customer-owned when it went to a customer's address; internal deliveries (a
reminder to a colleague, a robot message to the staff's group) have no customer and are visible
to the person who caused them, the recipient and admins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.access import roles
from kehu.access.scoping import RestrictedManager, Scope

from .choices import ConsentSource, DeliveryStatus, MessageChannel, RobotKind, Topic

User = settings.AUTH_USER_MODEL


def _own_internal(user: Any, action: str) -> Q:
    """Deliveries without a customer: their sender, their in-app recipient, and admins."""
    if roles.is_admin(user):
        return Q()
    return Q(actor=user) | Q(user=user)


def _marketing_staff(user: Any, action: str) -> Q:
    """Consent without a known customer (a bare address that unsubscribed): marketing managers."""
    return Q() if roles.is_marketing_manager_or_above(user) or roles.is_admin(user) else Q(pk__in=[])


class Robot(models.Model):
    """A WeCom or DingTalk group robot: its webhook and signing secret are data, not code."""

    key = models.SlugField(_("标识"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=16, choices=RobotKind.choices)
    webhook_url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True)
    per_minute = models.PositiveSmallIntegerField(_("每分钟上限"), default=20)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return self.name


class TopicRule(models.Model):
    """How one topic may be sent: the consent it needs, its frequency cap and quiet hours (data)."""

    topic = models.CharField(_("主题"), max_length=16, choices=Topic.choices, unique=True)
    needs_consent = models.BooleanField(_("需要营销同意"), default=True)
    # Channels on which this topic needs an explicit opt-in (marketing SMS under PRC rules);
    # elsewhere it may be sent until the person opts out.
    opt_in_channels = models.JSONField(_("须明确同意的渠道"), default=list, blank=True)
    cap_count = models.PositiveSmallIntegerField(_("频次上限（条）"), null=True, blank=True)
    cap_days = models.PositiveSmallIntegerField(_("频次周期（天）"), default=7)
    quiet_hours = models.BooleanField(_("仅在允许时段发送"), default=True)
    window_start = models.TimeField(_("允许发送开始"), default=dt.time(7, 0))
    window_end = models.TimeField(_("允许发送结束"), default=dt.time(19, 0))
    time_zone = models.CharField(_("时区"), max_length=40, default="Asia/Shanghai")

    class Meta:
        verbose_name = _("发送规则")
        verbose_name_plural = _("发送规则")

    def __str__(self) -> str:
        return self.get_topic_display()


class ConsentRecord(models.Model):
    """One consent or opt-out with its evidence. Append-only: the newest record of a person,
    topic and channel is in force; topic "all" is the global do-not-contact."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="message_consents",
        db_index=False,
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("联系人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="message_consents",
        db_index=False,
    )
    # The address (lower-case e-mail or digits of a phone) the record also covers, so that an
    # unsubscribe from an address without a contact record holds.
    address = models.CharField(_("地址"), max_length=200, blank=True, db_index=True)
    topic = models.CharField(_("主题"), max_length=16)
    channel = models.CharField(_("渠道"), max_length=16, blank=True, help_text=_("留空表示全部渠道"))
    granted = models.BooleanField(_("同意"))
    explicit = models.BooleanField(_("明确同意"), default=False)
    evidence_at = models.DateTimeField(_("取得时间"), default=timezone.now)
    evidence_channel = models.CharField(_("取得方式"), max_length=40, blank=True)
    evidence_text = models.TextField(_("当时展示的文字"), blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=ConsentSource.choices, default=ConsentSource.STAFF)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit"}, unowned=_marketing_staff)

    class Meta:
        verbose_name = _("同意记录")
        verbose_name_plural = _("同意记录")
        indexes = [
            models.Index(fields=["contact", "topic", "-id"]),
            models.Index(fields=["customer", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id or self.address} {self.topic} {'+' if self.granted else '-'}"


class Delivery(models.Model):
    """One message to one recipient on one channel, and what became of it."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("联系人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    user = models.ForeignKey(
        User, verbose_name=_("接收用户"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=MessageChannel.choices)
    topic = models.CharField(_("主题"), max_length=16, choices=Topic.choices)
    to = models.CharField(_("收件地址"), max_length=200)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    related = models.CharField(_("关联记录"), max_length=80, blank=True, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("发起人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    provider_ref = models.CharField(_("服务商编号"), max_length=120, blank=True)
    document = models.CharField(_("文件"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "export": "export"}, unowned=_own_internal)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["customer", "-id"]),
            models.Index(fields=["contact", "topic", "sent_at"]),
            models.Index(fields=["to", "sent_at"]),
            models.Index(fields=["channel", "to", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.to} {self.status}"
