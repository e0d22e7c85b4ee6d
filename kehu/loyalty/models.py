"""Segments, campaigns, membership tiers, the points ledger and referrals (SPEC M9; 忠诚度2–3).

Every row that belongs to a customer is customer-owned (RestrictedManager + Scope); segments,
templates, campaigns and tiers are the marketing department's own data.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.access import roles
from kehu.access.scoping import RestrictedManager, Scope

from .choices import CampaignChannel, CampaignKind, CampaignStatus, PointsKind, RecipientGroup, ReferralStatus, Rsvp

User = settings.AUTH_USER_MODEL


def _marketing(user: Any, action: str) -> Q:
    """Marketing managers and above see every campaign row (they run the campaigns)."""
    return Q() if roles.is_marketing_manager_or_above(user) or roles.is_admin(user) else Q(pk__in=[])


class Segment(models.Model):
    """A saved filter over the archive (grade, priority, region, industry, nature, products bought,
    RFM layer, tier), counted before use."""

    name = models.CharField(_("名称"), max_length=120)
    filters = models.JSONField(_("条件"), default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("客户细分")
        verbose_name_plural = _("客户细分")

    def __str__(self) -> str:
        return self.name


class ContentTemplate(models.Model):
    """A message with merge fields: {customer_name} {contact_name} {owner_name} {rsvp_url} {unsubscribe_url}."""

    name = models.CharField(_("名称"), max_length=120)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("内容模板")
        verbose_name_plural = _("内容模板")

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=CampaignKind.choices)
    segment = models.ForeignKey(Segment, verbose_name=_("客户细分"), on_delete=models.PROTECT)
    channel = models.CharField(_("渠道"), max_length=16, choices=CampaignChannel.choices)
    template = models.ForeignKey(ContentTemplate, verbose_name=_("内容模板"), on_delete=models.PROTECT)
    holdout_percent = models.PositiveSmallIntegerField(_("对照组比例（%）"), default=0)
    event_at = models.DateTimeField(_("活动时间"), null=True, blank=True)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    notify_robot = models.CharField(_("完成后通知的群机器人"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    audience = models.PositiveIntegerField(_("目标人数"), null=True, blank=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    return_note = models.CharField(_("退回原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("营销活动")
        verbose_name_plural = _("营销活动")

    def __str__(self) -> str:
        return self.name


class CampaignRecipient(models.Model):
    """One customer of a campaign: in the target group (messaged) or the random hold-out (not)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    group = models.CharField(_("分组"), max_length=8, choices=RecipientGroup.choices)
    delivery_id = models.BigIntegerField(_("发送记录"), null=True, blank=True)
    rsvp = models.CharField(_("回复"), max_length=4, choices=Rsvp.choices, blank=True)
    rsvp_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    attended = models.BooleanField(_("出席"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit"}, also=_marketing)

    class Meta:
        verbose_name = _("活动对象")
        verbose_name_plural = _("活动对象")
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"], name="loyalty_recipient_once")]
        indexes = [models.Index(fields=["campaign", "group", "id"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.customer_id} {self.group}"


class Tier(models.Model):
    """A membership tier by qualifying value over the rolling window; benefits are data."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    rank = models.PositiveSmallIntegerField(_("级别"), unique=True)
    min_spend = models.DecimalField(_("最低消费（元）"), max_digits=14, decimal_places=2, default=0)
    min_orders = models.PositiveIntegerField(_("最少订单数"), default=0)
    # discount_rate, priority_purchase, sla_factor, account_manager, training_seats ...
    benefits = models.JSONField(_("权益"), default=dict, blank=True)

    class Meta:
        verbose_name = _("会员等级")
        verbose_name_plural = _("会员等级")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A customer's tier: earned by the rule, and a manual override with reason, approver and expiry."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, related_name="membership")
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("起始日期"), null=True, blank=True)
    below_since = models.DateField(_("低于当前等级起始"), null=True, blank=True)
    override_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    override_reason = models.CharField(_("调整原因"), max_length=300, blank=True)
    override_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    override_until = models.DateField(_("调整有效期至"), null=True, blank=True)
    evaluated_on = models.DateField(_("评估日期"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit"}, also=_marketing)

    class Meta:
        verbose_name = _("会员资格")
        verbose_name_plural = _("会员资格")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.tier_id}"


class TierChange(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    old_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    new_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=300)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    on = models.DateField(_("日期"))

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view"}, also=_marketing)

    class Meta:
        verbose_name = _("等级变更")
        verbose_name_plural = _("等级变更")
        indexes = [models.Index(fields=["customer", "-id"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.old_tier_id}->{self.new_tier_id}"


class PointsAccount(models.Model):
    """The balance row: every change of points locks it (SELECT ... FOR UPDATE), so concurrent
    redemptions queue and the balance never goes below zero."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, related_name="points_account")
    balance = models.IntegerField(_("余额"), default=0)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit"})

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="loyalty_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance}"


class PointsEntry(models.Model):
    """One line of the append-only ledger. An earn line is a lot: `remaining` says how much of it
    redemptions and expiry have not yet used (oldest lots first)."""

    account = models.ForeignKey(PointsAccount, on_delete=models.CASCADE, related_name="entries", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=PointsKind.choices)
    points = models.IntegerField(_("积分"))
    remaining = models.IntegerField(_("剩余"), default=0)
    expires_on = models.DateField(_("到期日"), null=True, blank=True)
    reason = models.CharField(_("说明"), max_length=200)
    source = models.CharField(_("来源"), max_length=60, blank=True, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view"})

    class Meta:
        verbose_name = _("积分明细")
        verbose_name_plural = _("积分明细")
        indexes = [
            models.Index(fields=["account", "-id"]),
            models.Index(fields=["kind", "expires_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.points}"


class ReferralCode(models.Model):
    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, related_name="referral_code")
    code = models.CharField(_("推荐码"), max_length=16, unique=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view"})

    class Meta:
        verbose_name = _("推荐码")
        verbose_name_plural = _("推荐码")

    def __str__(self) -> str:
        return self.code


class Referral(models.Model):
    referrer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    referee = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, related_name="referred_by")
    code = models.CharField(_("推荐码"), max_length=16)
    status = models.CharField(_("状态"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    points = models.PositiveIntegerField(_("奖励积分"), default=0)
    rewarded_at = models.DateTimeField(_("奖励时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="referrer", needs={"view": "view"}, also=_marketing)

    class Meta:
        verbose_name = _("推荐")
        verbose_name_plural = _("推荐")
        indexes = [models.Index(fields=["referrer", "status", "rewarded_at"])]

    def __str__(self) -> str:
        return f"{self.referrer_id}->{self.referee_id}"
