from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    A = "A", _("A类")
    B = "B", _("B类")
    C = "C", _("C类")


class Priority(models.TextChoices):
    CORE = "core", _("核心客户")
    NORMAL = "normal", _("普通客户")
    POTENTIAL = "potential", _("潜在客户")


class Nature(models.TextChoices):
    LISTED = "listed", _("上市公司")
    PRIVATE = "private", _("私营有限责任公司")
    JOINT_VENTURE = "joint_venture", _("中外合资企业")
    FOREIGN_OWNED = "foreign_owned", _("外商独资企业")
    STATE_OWNED = "state_owned", _("国有企业")
    OTHER = "other", _("其他")


class IndustryStanding(models.TextChoices):
    LEADER = "leader", _("龙头企业")
    INFLUENTIAL = "influential", _("有影响力")
    MEDIUM = "medium", _("中型企业")
    SMALL = "small", _("小型企业")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    EMAIL = "email", _("电子邮件")
    MEETING = "meeting", _("会议")
    VISIT = "visit", _("拜访")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")
    ONLINE_CHAT = "online_chat", _("在线客服")
    OTHER = "other", _("其他")


class InfoSource(models.TextChoices):
    WEB = "web", _("网络")
    ADVERTISING = "advertising", _("客户广告")
    TRANSACTIONS = "transactions", _("我方交易记录")
    ASSOCIATION = "association", _("行业协会/主管部门")
    SALES_VISIT = "sales_visit", _("销售拜访")
    CUSTOMER_FORM = "customer_form", _("客户填写的表格")
    INVESTIGATION = "investigation", _("委托调查")
    OTHER = "other", _("其他")


class TransactionKind(models.TextChoices):
    """A refund is its own kind with a positive amount: amounts are never negative."""

    SALE = "sale", _("销售")
    REFUND = "refund", _("退款")
