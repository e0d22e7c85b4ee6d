from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignKind(models.TextChoices):
    PROMOTION = "promotion", _("促销通知")
    NEWS = "news", _("资讯与产品动态")
    EVENT = "event", _("活动邀请")


# The messaging topic (consent, caps) of each kind of campaign.
KIND_TOPIC = {CampaignKind.PROMOTION: "promotions", CampaignKind.NEWS: "news", CampaignKind.EVENT: "events"}


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    PREFERRED = "preferred", _("按联系人偏好")
    LETTER = "letter", _("信函")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    APPROVED = "approved", _("已批准")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")


class RecipientGroup(models.TextChoices):
    TARGET = "target", _("发送组")
    HOLDOUT = "holdout", _("对照组")


class Rsvp(models.TextChoices):
    YES = "yes", _("参加")
    NO = "no", _("不参加")


class PointsKind(models.TextChoices):
    EARN = "earn", _("获得")
    REDEEM = "redeem", _("兑换")
    EXPIRE = "expire", _("过期")
    REVERSE = "reverse", _("退款冲回")
    ADJUST = "adjust", _("调整")


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("待首单")
    REWARDED = "rewarded", _("已奖励")
    REJECTED = "rejected", _("不予奖励")
