"""Choice sets of the outbound channel layer."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECOM_ROBOT = "wecom_robot", _("企业微信群机器人")
    DINGTALK_ROBOT = "dingtalk_robot", _("钉钉群机器人")
    WECOM_APP = "wecom_app", _("企业微信应用消息")
    IN_APP = "in_app", _("站内通知")
    LETTER = "letter", _("信函")


class Topic(models.TextChoices):
    CARE = "care", _("关怀问候")
    NEWS = "news", _("资讯与产品动态")
    PROMOTIONS = "promotions", _("促销活动")
    EVENTS = "events", _("活动邀请")
    SURVEYS = "surveys", _("调查")
    SERVICE = "service", _("服务通知")
    INTERNAL = "internal", _("内部通知")


# Topics a person may opt out of (and that carry an unsubscribe link); service and internal
# messages are part of a contract or of the staff's work and need no marketing consent.
MARKETING_TOPICS = (Topic.CARE, Topic.NEWS, Topic.PROMOTIONS, Topic.EVENTS, Topic.SURVEYS)
ALL_TOPICS = "all"  # a consent record on "all" is the global do-not-contact


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    SENDING = "sending", _("发送中")
    RETRYING = "retrying", _("等待重试")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败")
    SUPPRESSED = "suppressed", _("未发送（已拦截）")


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")


class ConsentSource(models.TextChoices):
    STAFF = "staff", _("员工登记")
    UNSUBSCRIBE_LINK = "unsubscribe_link", _("退订链接")
    FORM = "form", _("表单")
    API = "api", _("接口")
    IMPORT = "import", _("导入")
