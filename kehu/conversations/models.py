"""Inbound contacts of every channel as one conversation model (SPEC M13; 客户关系管理与维护措施 沟通1),
calls from the PBX, response targets per channel, and identities learned from linking.

Conversations, messages and calls are customer-owned: read them with restrict(user, action). Rows not
yet matched to a customer (an unknown number, a web visitor) are the service desk's unmatched queue.
Sender addresses are kept only as far as a reply needs them (`handle`), and looked up by their
blind index (`handle_index`), never by the clear text.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.access import roles
from kehu.access.scoping import RestrictedManager, Scope
from kehu.accounts.choices import Department

from .choices import CallbackState, CallDirection, ChannelKind, ConversationState, Outcome, Sender, TimeBasis

USER = settings.AUTH_USER_MODEL


def _desk_or_assignee(field: str) -> Any:
    """The service desk works every conversation of every grade (as with complaints); anyone else
    sees those assigned to them."""

    def who(user: Any, action: str) -> Q:
        if roles.is_service_desk(user):
            return Q()
        return Q(**{field: user}) if roles.is_active(user) else Q(pk__in=[])

    return who


def _desk_only(user: Any, action: str) -> Q:
    return Q() if roles.is_service_desk(user) else Q(pk__in=[])


class ResponseTarget(models.Model):
    """First human answer within `minutes`, counted per `basis` (data; defaults from 沟通1)."""

    channel = models.CharField(_("渠道"), max_length=16, choices=ChannelKind.choices, unique=True)
    minutes = models.PositiveIntegerField(_("响应时限（分钟）"))
    basis = models.CharField(_("计时方式"), max_length=16, choices=TimeBasis.choices, default=TimeBasis.CLOCK)
    warn_percent = models.PositiveSmallIntegerField(_("预警点（时限已用百分比）"), default=80)

    class Meta:
        verbose_name = _("渠道响应时限")
        verbose_name_plural = _("渠道响应时限")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.minutes}"


class Conversation(models.Model):
    channel = models.CharField(_("渠道"), max_length=16, choices=ChannelKind.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=ConversationState.choices, default=ConversationState.WAITING
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("联系人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handle = models.CharField(_("来源地址"), max_length=200, blank=True)
    handle_index = models.CharField(max_length=64, blank=True, editable=False)
    visitor_name = models.CharField(_("访客称呼"), max_length=80, blank=True)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    queue = models.CharField(_("队列"), max_length=32, choices=Department.choices, default=Department.CUSTOMER_SERVICE)
    assignee = models.ForeignKey(
        USER,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    arrived_at = models.DateTimeField(_("到达时间"), default=timezone.now)
    last_message_at = models.DateTimeField(_("最近消息"), default=timezone.now)
    # the response clock: from waiting_since (arrival; for chat, the hand-over) to the first human answer
    waiting_since = models.DateTimeField(_("开始计时"), null=True, blank=True)
    due_at = models.DateTimeField(_("响应期限"), null=True, blank=True)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    warned_at = models.DateTimeField(_("已预警"), null=True, blank=True)
    breached_at = models.DateTimeField(_("已超时"), null=True, blank=True)
    escalated_to = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_response_at = models.DateTimeField(_("首次人工答复"), null=True, blank=True)
    first_responder = models.ForeignKey(
        USER, verbose_name=_("首次答复人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response_seconds = models.PositiveIntegerField(_("响应用时（计时口径，秒）"), null=True, blank=True)
    assistant_misses = models.PositiveSmallIntegerField(_("助手未答次数"), default=0)
    handed_over_at = models.DateTimeField(_("转人工时间"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, blank=True)
    linked_id = models.PositiveBigIntegerField(_("关联记录"), null=True, blank=True)
    linked_number = models.CharField(_("关联编号"), max_length=32, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    timeline_logged = models.BooleanField(default=False, editable=False)

    objects = RestrictedManager()
    access_scope = Scope(
        customer="customer",
        needs={"view": "view", "edit": "view"},
        also=_desk_or_assignee("assignee"),
        unowned=_desk_only,
    )

    class Meta:
        verbose_name = _("会话")
        verbose_name_plural = _("会话")
        indexes = [
            models.Index(fields=["state", "id"]),
            models.Index(fields=["customer", "id"]),
            models.Index(fields=["channel", "id"]),
            models.Index(fields=["assignee", "id"]),
            models.Index(fields=["handle_index", "state"]),
            models.Index(fields=["first_response_at", "breached_at", "due_at"], name="conv_breach_sweep"),
            models.Index(fields=["first_response_at", "warned_at", "warn_at"], name="conv_warn_sweep"),
            models.Index(fields=["waiting_since"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_channel_display()}"

    @property
    def is_unmatched(self) -> bool:
        return self.customer_id is None


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False)
    sender = models.CharField(_("发送方"), max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        USER, verbose_name=_("客服"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("内容"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    article_id = models.PositiveBigIntegerField(_("引用文章"), null=True, blank=True)
    confidence = models.FloatField(_("置信度"), null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    delivery_note = models.CharField(_("送达"), max_length=200, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(
        customer="conversation__customer",
        needs={"view": "view"},
        also=lambda user, action: _desk_or_assignee("conversation__assignee")(user, action),
        unowned=_desk_only,
    )

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"]), models.Index(fields=["external_id"])]

    def __str__(self) -> str:
        return self.body[:40]


class Call(models.Model):
    """One call detail record from the PBX / call centre; a missed inbound call is a call-back task."""

    external_id = models.CharField(_("话单编号"), max_length=100, blank=True)
    direction = models.CharField(_("方向"), max_length=10, choices=CallDirection.choices, default=CallDirection.INBOUND)
    number = models.CharField(_("对方号码"), max_length=40)
    number_index = models.CharField(max_length=64, blank=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    agent = models.ForeignKey(
        USER, verbose_name=_("坐席"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    rang_at = models.DateTimeField(_("振铃时间"))
    answered_at = models.DateTimeField(_("接听时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("挂断时间"), null=True, blank=True)
    recording_url = models.URLField(_("录音地址"), max_length=500, blank=True)
    callback = models.CharField(_("回拨"), max_length=8, choices=CallbackState.choices, blank=True, default="")
    callback_done_at = models.DateTimeField(_("回拨时间"), null=True, blank=True)
    callback_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()
    access_scope = Scope(
        customer="customer", needs={"view": "view", "edit": "view"}, also=_desk_or_assignee("agent"), unowned=_desk_only
    )

    class Meta:
        verbose_name = _("通话")
        verbose_name_plural = _("通话")
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="conv_call_external_once"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "id"]),
            models.Index(fields=["agent", "rang_at"]),
            models.Index(fields=["callback", "id"]),
            models.Index(fields=["number_index", "rang_at"]),
            models.Index(fields=["rang_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.rang_at:%Y-%m-%d %H:%M}"

    @property
    def missed(self) -> bool:
        return self.direction == CallDirection.INBOUND and self.answered_at is None and self.ended_at is not None


class Identity(models.Model):
    """A sender address (phone, WeCom user, visitor account) known to belong to a customer: learned
    when someone links an unmatched conversation, so the next message matches by itself. Only the
    blind index of the address is kept here."""

    channel = models.CharField(_("渠道"), max_length=16, choices=ChannelKind.choices)
    handle_index = models.CharField(max_length=64)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view"}, also=_desk_only)

    class Meta:
        verbose_name = _("渠道身份")
        verbose_name_plural = _("渠道身份")
        constraints = [models.UniqueConstraint(fields=["channel", "handle_index"], name="conv_identity_once")]

    def __str__(self) -> str:
        return f"{self.channel} {self.customer_id}"
