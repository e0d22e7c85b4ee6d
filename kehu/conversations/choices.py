from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    PHONE = "phone", _("电话")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信/微信")
    DINGTALK = "dingtalk", _("钉钉")
    WEB_CHAT = "web_chat", _("在线客服")
    ON_SITE = "on_site", _("现场")


class ConversationState(models.TextChoices):
    BOT = "bot", _("助手接待中")
    WAITING = "waiting", _("等待人工")
    OPEN = "open", _("人工处理中")
    CLOSED = "closed", _("已结束")


class Sender(models.TextChoices):
    CUSTOMER = "customer", _("客户")
    ASSISTANT = "assistant", _("助手")
    AGENT = "agent", _("客服")
    SYSTEM = "system", _("系统")


class Outcome(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    COMPLAINT = "complaint", _("投诉")
    TICKET = "ticket", _("问题")
    DEMAND = "demand", _("需求")


class CallDirection(models.TextChoices):
    INBOUND = "inbound", _("呼入")
    OUTBOUND = "outbound", _("呼出")


class CallbackState(models.TextChoices):
    NONE = "", _("无需回拨")
    PENDING = "pending", _("待回拨")
    DONE = "done", _("已回拨")


class TimeBasis(models.TextChoices):
    CLOCK = "clock", _("自然时间")
    WORKING_DAYS = "working_days", _("工作日（全天）")
    WORKING_HOURS = "working_hours", _("工作日工作时间")


# Engagement's interaction channels (customers.choices.Channel) for the customer's timeline.
TIMELINE_CHANNEL = {
    ChannelKind.PHONE: "phone",
    ChannelKind.EMAIL: "email",
    ChannelKind.SMS: "sms",
    ChannelKind.WECOM: "wechat",
    ChannelKind.DINGTALK: "other",
    ChannelKind.WEB_CHAT: "online_chat",
    ChannelKind.ON_SITE: "visit",
}
